// Training the contract's algorithm (logistic regression or the perceptron,
// with the contract's parameters) on some rows: what the enclave does with
// the union of the parties' rows, and what a party does with its own rows
// alone to know what the collaboration adds.
#pragma once

#include <string>
#include <vector>

#include "cleanroom/contract.h"
#include "cleanroom/labelled_csv.h"
#include "cleanroom/model_json.h"

namespace cloister::cleanroom {

// `rows` are standardised in place (the kernels work on them). The model
// names `parties` as what it was trained on.
TrainedModel train_under_contract(const Contract& contract, LabelledRows& rows,
                                  std::vector<std::string> parties);

}  // namespace cloister::cleanroom
