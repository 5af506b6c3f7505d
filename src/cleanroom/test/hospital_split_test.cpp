#include "cleanroom/hospital_split.h"

#include <gtest/gtest.h>

#include <fstream>
#include <numeric>
#include <set>
#include <sstream>

#include "cleanroom/evaluation.h"

namespace cloister::cleanroom {
namespace {

LabelledRows load_wdbc(Schema& schema) {
  std::ifstream in(std::string(CLOISTER_DATA_DIR) + "/wdbc.csv");
  std::stringstream text;
  text << in.rdbuf();
  schema = schema_from_header(text.str(), "diagnosis", "M", "B");
  return parse_labelled_csv(text.str(), schema).value();
}

double positives(const LabelledRows& rows) {
  return std::accumulate(rows.labels.begin(), rows.labels.end(), 0.0);
}

LabelledRows joined(const LabelledRows& a, const LabelledRows& b) {
  LabelledRows out = a;
  append_rows(out, b);
  return out;
}

double trained_accuracy(const LabelledRows& train, const LabelledRows& test) {
  Matrix x = train.features;
  return evaluate(train_logistic_regression<ObliviousMath>(x, train.labels, {}), test).accuracy;
}

TEST(HospitalSplit, AScreeningClinicBesideAReferralCentreWithOneHeldOutSet) {
  Schema schema;
  const LabelledRows all = load_wdbc(schema);
  const HospitalSplit split = split_hospitals(all, kSplitSeed);
  EXPECT_EQ(split.test.features.rows, 170u);  // 30% of 212 malignant and of 357 benign
  EXPECT_EQ(positives(split.test), 63);
  EXPECT_EQ(positives(split.hospital_a), static_cast<double>(kClinicMalignant));
  EXPECT_EQ(split.hospital_a.features.rows + split.hospital_b.features.rows + split.test.features.rows, 569u);
  EXPECT_GT(positives(split.hospital_b), 0.7 * static_cast<double>(split.hospital_b.features.rows));
  // Every patient once: the rows' first features, as a set, are wdbc's.
  std::multiset<double> seen;
  for (const auto* part : {&split.hospital_a, &split.hospital_b, &split.test})
    for (std::size_t r = 0; r < part->features.rows; ++r) seen.insert(part->features.row(r)[3]);
  std::multiset<double> expected;
  for (std::size_t r = 0; r < all.features.rows; ++r) expected.insert(all.features.row(r)[3]);
  EXPECT_EQ(seen, expected);
  // The held-out set does not move with the draw.
  EXPECT_EQ(split_hospitals(all, 3).test.features.values, split.test.features.values);

  // The scenario's point: A alone is clearly worse than A and B together.
  const double a = trained_accuracy(split.hospital_a, split.test);
  const double both = trained_accuracy(joined(split.hospital_a, split.hospital_b), split.test);
  EXPECT_GE(both, 0.95);
  EXPECT_GE(both - a, 0.05) << "A alone " << a << ", A and B " << both;
}

TEST(Evaluation, CountsTheConfusionMatrixAndRanksForRocAuc) {
  // p = sigmoid(x): x > 0 predicts positive.
  Model model;
  model.algorithm = "logistic_regression";
  model.inputs = 1;
  model.mean = {0};
  model.inv_std = {1};
  model.w1 = {1};
  model.b1 = {0};
  LabelledRows rows;
  rows.features.cols = 1;
  rows.features.values = {2, 1, -1, -2, 0.5, -0.5};
  rows.labels = {1, 1, 0, 0, 0, 1};
  rows.features.rows = 6;
  const Evaluation e = evaluate(model, rows);
  EXPECT_EQ(e.true_positives, 2u);
  EXPECT_EQ(e.false_positives, 1u);
  EXPECT_EQ(e.true_negatives, 2u);
  EXPECT_EQ(e.false_negatives, 1u);
  EXPECT_DOUBLE_EQ(e.accuracy, 4.0 / 6);
  EXPECT_DOUBLE_EQ(e.precision, 2.0 / 3);
  EXPECT_DOUBLE_EQ(e.recall, 2.0 / 3);
  // Positives score 2, 1, -0.5; negatives -1, -2, 0.5: 8 of 9 pairs ordered right.
  EXPECT_DOUBLE_EQ(e.roc_auc, 8.0 / 9);
  rows.labels = {1, 1, 1, 1, 1, 1};
  EXPECT_DOUBLE_EQ(evaluate(model, rows).roc_auc, 0.5);
}

}  // namespace
}  // namespace cloister::cleanroom
