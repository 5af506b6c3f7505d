#include "cleanroom/contract_training.h"

namespace cloister::cleanroom {

TrainedModel train_under_contract(const Contract& contract, LabelledRows& rows,
                                  std::vector<std::string> parties) {
  TrainedModel trained{.model = {},
                       .contract = contract.hash_hex(),
                       .schema = contract.schema,
                       .parties = std::move(parties),
                       .rows = rows.features.rows};
  if (const auto* mlp = std::get_if<MlpParams>(&contract.algorithm)) {
    trained.model = train_mlp<ObliviousMath>(rows.features, rows.labels, *mlp);
  } else {
    trained.model = train_logistic_regression<ObliviousMath>(
        rows.features, rows.labels, std::get<LogisticRegressionParams>(contract.algorithm));
  }
  return trained;
}

}  // namespace cloister::cleanroom
