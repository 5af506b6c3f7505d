#include "cleanroom/model_comparison.h"

#include <algorithm>

#include "cleanroom/evaluation.h"

namespace cloister::cleanroom {

Result<nlohmann::json> compare_models(std::span<const ComparedModel> models, const LabelledRows& test) {
  if (test.features.rows == 0)
    return Status(ErrorCode::invalid_argument, "there are no held-out rows to score on");
  nlohmann::json out = {{"test_rows", test.features.rows},
                        {"test_positives", std::count(test.labels.begin(), test.labels.end(), 1.0)},
                        {"models", nlohmann::json::array()}};
  for (const ComparedModel& compared : models) {
    if (compared.model == nullptr || compared.model->model.inputs != test.features.cols)
      return Status(ErrorCode::invalid_argument, compared.label +
                                                     ": the model does not take the held-out rows' " +
                                                     std::to_string(test.features.cols) + " features");
    const Evaluation scored = evaluate(compared.model->model, test);
    out["models"].push_back(
        {{"label", compared.label},
         {"trained_on", {{"parties", compared.model->parties}, {"rows", compared.model->rows}}},
         {"accuracy", scored.accuracy},
         {"precision", scored.precision},
         {"recall", scored.recall},
         {"roc_auc", scored.roc_auc},
         {"confusion",
          {{"true_positives", scored.true_positives},
           {"false_positives", scored.false_positives},
           {"true_negatives", scored.true_negatives},
           {"false_negatives", scored.false_negatives}}}});
  }
  return out;
}

}  // namespace cloister::cleanroom
