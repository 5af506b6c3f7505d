#include "cleanroom/evaluation.h"

#include <algorithm>
#include <cstdio>
#include <vector>

namespace cloister::cleanroom {

Evaluation evaluate(const Model& model, const LabelledRows& rows) {
  Evaluation out;
  std::vector<std::pair<double, bool>> scored;
  scored.reserve(rows.features.rows);
  for (std::size_t r = 0; r < rows.features.rows; ++r) {
    const double p = model.probability({rows.features.row(r), rows.features.cols});
    const bool positive = rows.labels[r] == 1.0;
    scored.emplace_back(p, positive);
    const bool predicted = p >= 0.5;
    if (predicted && positive) ++out.true_positives;
    if (predicted && !positive) ++out.false_positives;
    if (!predicted && !positive) ++out.true_negatives;
    if (!predicted && positive) ++out.false_negatives;
  }
  const auto total = static_cast<double>(rows.features.rows);
  out.accuracy = total == 0 ? 0 : static_cast<double>(out.true_positives + out.true_negatives) / total;
  const std::uint64_t predicted_positive = out.true_positives + out.false_positives;
  const std::uint64_t positives = out.true_positives + out.false_negatives;
  out.precision = predicted_positive == 0 ? 0 : static_cast<double>(out.true_positives) / predicted_positive;
  out.recall = positives == 0 ? 0 : static_cast<double>(out.true_positives) / positives;
  // ROC AUC as the Mann-Whitney statistic: the chance a positive scores above
  // a negative, ties counting half; scores are ranked once.
  const std::uint64_t negatives = scored.size() - positives;
  if (positives == 0 || negatives == 0) {
    out.roc_auc = 0.5;
    return out;
  }
  std::sort(scored.begin(), scored.end());
  double positive_rank_sum = 0;
  for (std::size_t i = 0; i < scored.size();) {
    std::size_t j = i;
    while (j < scored.size() && scored[j].first == scored[i].first) ++j;
    const double rank =
        (static_cast<double>(i) + static_cast<double>(j - 1)) / 2.0 + 1.0;  // average, 1-based
    for (std::size_t k = i; k < j; ++k)
      if (scored[k].second) positive_rank_sum += rank;
    i = j;
  }
  const double p = static_cast<double>(positives);
  out.roc_auc = (positive_rank_sum - p * (p + 1) / 2) / (p * static_cast<double>(negatives));
  return out;
}

std::string Evaluation::to_text(const Schema& schema) const {
  char text[512];
  std::snprintf(text, sizeof text,
                "accuracy  %.1f%%\nprecision %.1f%%\nrecall    %.1f%%\nROC AUC   %.3f\n"
                "confusion matrix (rows: actual, columns: predicted)\n"
                "          %-8s %-8s\n%-9s %-8llu %-8llu\n%-9s %-8llu %-8llu\n",
                accuracy * 100, precision * 100, recall * 100, roc_auc, schema.positive.substr(0, 8).c_str(),
                schema.negative.substr(0, 8).c_str(), schema.positive.substr(0, 8).c_str(),
                static_cast<unsigned long long>(true_positives),
                static_cast<unsigned long long>(false_negatives), schema.negative.substr(0, 8).c_str(),
                static_cast<unsigned long long>(false_positives),
                static_cast<unsigned long long>(true_negatives));
  return text;
}

}  // namespace cloister::cleanroom
