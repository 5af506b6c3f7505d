#include "cleanroom/hospital_split.h"

#include <algorithm>
#include <random>

#include "cleanroom/evaluation.h"
#include "cleanroom/training.h"

namespace cloister::cleanroom {
namespace {

LabelledRows take(const LabelledRows& all, const std::vector<std::size_t>& rows) {
  LabelledRows out;
  out.features.cols = all.features.cols;
  out.features.rows = rows.size();
  for (std::size_t r : rows) {
    out.features.values.insert(out.features.values.end(), all.features.row(r),
                               all.features.row(r) + all.features.cols);
    out.labels.push_back(all.labels[r]);
  }
  return out;
}

}  // namespace

HospitalSplit split_hospitals(const LabelledRows& all, std::uint64_t draw) {
  std::vector<std::size_t> malignant;
  std::vector<std::size_t> benign;
  for (std::size_t r = 0; r < all.features.rows; ++r)
    (all.labels[r] == 1.0 ? malignant : benign).push_back(r);
  std::mt19937_64 held_out(kTestSetSeed);
  std::shuffle(malignant.begin(), malignant.end(), held_out);
  std::shuffle(benign.begin(), benign.end(), held_out);
  const std::size_t test_malignant = malignant.size() * 3 / 10;
  const std::size_t test_benign = benign.size() * 3 / 10;
  std::vector<std::size_t> test(malignant.begin(), malignant.begin() + static_cast<long>(test_malignant));
  test.insert(test.end(), benign.begin(), benign.begin() + static_cast<long>(test_benign));
  std::vector<std::size_t> rest_malignant(malignant.begin() + static_cast<long>(test_malignant),
                                          malignant.end());
  std::vector<std::size_t> rest_benign(benign.begin() + static_cast<long>(test_benign), benign.end());

  std::mt19937_64 patients(draw);
  std::shuffle(rest_malignant.begin(), rest_malignant.end(), patients);
  std::shuffle(rest_benign.begin(), rest_benign.end(), patients);
  const std::size_t clinic_malignant = std::min(kClinicMalignant, rest_malignant.size());
  const auto clinic_benign =
      static_cast<std::size_t>(static_cast<double>(rest_benign.size()) * kClinicBenignShare);
  std::vector<std::size_t> a(rest_malignant.begin(),
                             rest_malignant.begin() + static_cast<long>(clinic_malignant));
  a.insert(a.end(), rest_benign.begin(), rest_benign.begin() + static_cast<long>(clinic_benign));
  std::vector<std::size_t> b(rest_malignant.begin() + static_cast<long>(clinic_malignant),
                             rest_malignant.end());
  b.insert(b.end(), rest_benign.begin() + static_cast<long>(clinic_benign), rest_benign.end());
  for (auto* rows : {&a, &b, &test}) std::sort(rows->begin(), rows->end());  // file order, not draw order
  return {.hospital_a = take(all, a), .hospital_b = take(all, b), .test = take(all, test)};
}

double held_out_accuracy(const LabelledRows& train, const LabelledRows& test) {
  Matrix x = train.features;
  return evaluate(train_logistic_regression<ObliviousMath>(x, train.labels, {}), test).accuracy;
}

std::string describe_patients(const LabelledRows& rows) {
  std::size_t malignant = 0;
  for (double label : rows.labels) malignant += label == 1.0 ? 1 : 0;
  return std::to_string(rows.features.rows) + " patients, " + std::to_string(malignant) + " malignant";
}

SplitAccuracy split_accuracy(const HospitalSplit& split) {
  LabelledRows both = split.hospital_a;
  append_rows(both, split.hospital_b);
  return {.a_alone = held_out_accuracy(split.hospital_a, split.test),
          .b_alone = held_out_accuracy(split.hospital_b, split.test),
          .together = held_out_accuracy(both, split.test)};
}

SplitAccuracy mean_split_accuracy(const LabelledRows& all, int draws,
                                  const std::function<void(int)>& progress) {
  SplitAccuracy sum;
  for (int draw = 0; draw < draws; ++draw) {
    const SplitAccuracy one = split_accuracy(split_hospitals(all, static_cast<std::uint64_t>(draw)));
    sum.a_alone += one.a_alone;
    sum.b_alone += one.b_alone;
    sum.together += one.together;
    if (progress) progress(draw + 1);
  }
  const double n = draws > 0 ? draws : 1;
  return {.a_alone = sum.a_alone / n, .b_alone = sum.b_alone / n, .together = sum.together / n};
}

}  // namespace cloister::cleanroom
