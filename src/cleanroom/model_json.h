// A trained model as the recipients get it (sealed to each, see
// training_session.h) and as `cloister cleanroom party evaluate` reads it:
//
//   {"model": "cloister-cleanroom-model/1", "contract": "<sha256 hex>",
//    "algorithm": "logistic_regression" | "mlp", "features": [...],
//    "label": "diagnosis", "positive": "M", "negative": "B",
//    "trained_on": {"parties": ["hospital-a", ...], "rows": 398},
//    "mean": [...], "inv_std": [...], "w1": [...], "b1": [...], "w2": [...], "b2": 0.1}
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "cleanroom/contract.h"
#include "cleanroom/training.h"
#include "cloister/result.h"

namespace cloister::cleanroom {

struct TrainedModel {
  Model model;
  std::string contract;  // sha256 hex
  Schema schema;
  std::vector<std::string> parties;
  std::uint64_t rows = 0;
};

nlohmann::json model_to_json(const TrainedModel& trained);
// invalid_argument naming what is missing or inconsistent (sizes that do not
// fit the algorithm and the features).
Result<TrainedModel> model_from_json(const nlohmann::json& doc);

}  // namespace cloister::cleanroom
