// Several models scored on the same held-out rows, as the party's portal
// shows them (a table and a chart): what a party's model trained alone
// reaches against the collaboration's model.
//
//   {"test_rows": 170, "test_positives": 64,
//    "models": [{"label": "A alone", "trained_on": {"parties": [...], "rows": 203},
//                "accuracy": 0.865, "precision": ..., "recall": ..., "roc_auc": ...,
//                "confusion": {"true_positives": ..., "false_positives": ...,
//                              "true_negatives": ..., "false_negatives": ...}}, ...]}
#pragma once

#include <nlohmann/json.hpp>
#include <span>
#include <string>

#include "cleanroom/labelled_csv.h"
#include "cleanroom/model_json.h"
#include "cloister/result.h"

namespace cloister::cleanroom {

struct ComparedModel {
  std::string label;  // "A alone", "A + B"
  const TrainedModel* model = nullptr;
};

// invalid_argument if a model takes other features than the test rows have,
// or there are no test rows.
Result<nlohmann::json> compare_models(std::span<const ComparedModel> models, const LabelledRows& test);

}  // namespace cloister::cleanroom
