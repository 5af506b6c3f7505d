#include "cleanroom/party_upload.h"

#include <algorithm>

#include "cleanroom/contract_training.h"

namespace cloister::cleanroom {

Result<PreparedUpload> prepare_upload(const Contract& contract, const std::string& party,
                                      std::string_view csv) {
  if (contract.party(party) == nullptr)
    return Status(ErrorCode::not_found, "the contract has no party " + party);
  if (std::all_of(csv.begin(), csv.end(),
                  [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }))
    return Status(ErrorCode::invalid_argument,
                  "the CSV is empty: choose a file with a header line and one row per patient");
  auto rows = parse_labelled_csv(csv, contract.schema);
  if (!rows.is_ok()) return rows.status().with_context("the CSV does not fit the contract");
  PreparedUpload prepared;
  prepared.rows = rows->features.rows;
  prepared.positives = static_cast<std::uint64_t>(std::count(rows->labels.begin(), rows->labels.end(), 1.0));
  CLOISTER_ASSIGN_OR_RETURN(prepared.sealed, seal_with_fresh_key(*rows, contract.hash_hex(), party));
  prepared.local_model = train_under_contract(contract, *rows, {party});
  secure_wipe(rows->features.values.data(), rows->features.values.size() * sizeof(double));
  return prepared;
}

}  // namespace cloister::cleanroom
