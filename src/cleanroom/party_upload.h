// What a party's own agent does with a CSV before anything leaves the
// party: the rows parsed and checked against the contract's schema
// (labelled_csv.h: errors name the row and column), sealed under a fresh
// data key (encrypted_dataset.h), and the contract's algorithm trained on
// these rows alone, the "A alone" model the collaboration is measured
// against. Used by `cloister cleanroom portal`.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "cleanroom/contract.h"
#include "cleanroom/encrypted_dataset.h"
#include "cleanroom/model_json.h"
#include "cloister/result.h"

namespace cloister::cleanroom {

struct PreparedUpload {
  SealedDataset sealed;      // the file to upload and its data key
  TrainedModel local_model;  // trained on these rows alone
  std::uint64_t rows = 0;
  std::uint64_t positives = 0;  // rows with the positive label
};

// not_found if `party` is not in the contract; invalid_argument naming what
// is wrong with the CSV (empty, no rows, a missing column, a cell that is
// not a number, a label that is neither value).
Result<PreparedUpload> prepare_upload(const Contract& contract, const std::string& party,
                                      std::string_view csv);

}  // namespace cloister::cleanroom
