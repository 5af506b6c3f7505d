// What SQLite calls to evaluate encrypted columns: a collation per
// (column key, type) that orders cells by their plaintexts, and
// cloister_like(cell, pattern_cell). Both ask the enclave; SQLite only ever
// sees an ordering or a yes/no.
//
// A collation cannot return an error to SQLite, so a failure (a key the
// enclave lacks, a cell whose tag does not verify, a dead enclave) is kept
// in the CellFunctions object and the statement is interrupted; the session
// reports the kept error instead of SQLite's "interrupted".
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "cloister/result.h"
#include "sql/server/enclave_host.h"
#include "sql/server/scan_memo.h"
#include "sql/sql_value.h"

struct sqlite3;
struct sqlite3_context;
struct sqlite3_value;

namespace cloister::sql {

// A cell as stored: the standard base64 of the cell's bytes, in a TEXT value.
Result<Bytes> decode_stored_cell(std::string_view text);

class CellFunctions {
 public:
  CellFunctions(sqlite3* db, EnclaveHost* enclave);
  CellFunctions(const CellFunctions&) = delete;
  CellFunctions& operator=(const CellFunctions&) = delete;

  // Registers cloister_like and the collation for (cek_id, type) if this
  // connection does not have it yet.
  Status register_collation(std::uint32_t cek_id, SqlType type);
  Status register_like();

  // Answers prefetched for the running statement (full scans).
  ScanMemo& memo() { return memo_; }

  // The first failure since the last take_failure(), if any.
  std::optional<Status> take_failure();
  // Ciphertext of the operand that failed authentication, to find its row.
  [[nodiscard]] const std::string& failed_cell() const { return failed_cell_; }
  // Comparisons made through the enclave since construction.
  [[nodiscard]] std::uint64_t enclave_calls() const { return enclave_calls_; }

  struct CollationContext {
    CellFunctions* owner;
    std::uint32_t cek_id;
    SqlType type;
  };

 private:
  friend int collate_cells(void*, int, const void*, int, const void*);
  friend void like_cells(::sqlite3_context*, int, ::sqlite3_value**);
  void fail(Status status, std::string_view cell_a, std::string_view cell_b);

  sqlite3* db_;
  EnclaveHost* enclave_;
  std::set<std::pair<std::uint32_t, SqlType>> registered_;
  std::vector<std::unique_ptr<CollationContext>> contexts_;
  ScanMemo memo_;
  std::optional<Status> failure_;
  std::string failed_cell_;
  std::uint64_t enclave_calls_ = 0;
  bool like_registered_ = false;
};

}  // namespace cloister::sql
