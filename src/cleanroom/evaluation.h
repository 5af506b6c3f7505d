// How a party scores a model on its own labelled rows: accuracy, precision,
// recall, ROC AUC and the confusion matrix, at a 0.5 threshold.
#pragma once

#include <cstdint>
#include <string>

#include "cleanroom/labelled_csv.h"
#include "cleanroom/training.h"

namespace cloister::cleanroom {

struct Evaluation {
  std::uint64_t true_positives = 0;
  std::uint64_t false_positives = 0;
  std::uint64_t true_negatives = 0;
  std::uint64_t false_negatives = 0;
  double accuracy = 0;
  double precision = 0;  // 0 when nothing is predicted positive
  double recall = 0;     // 0 when there are no positives
  double roc_auc = 0;    // 0.5 when only one class is present

  [[nodiscard]] std::string to_text(const Schema& schema) const;
};

Evaluation evaluate(const Model& model, const LabelledRows& rows);

}  // namespace cloister::cleanroom
