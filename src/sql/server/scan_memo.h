// Full scans in a few enclave calls instead of one per row. When SQLite will
// scan a table (no index serves the predicate) and compare an encrypted
// column with the statement's parameters, the server first sends the whole
// column to the enclave in batches (CompareCellsBatch / LikeCellsBatch) and
// keeps the answers here; the collation and cloister_like then answer from
// this memo. The memo holds only what the per-row calls would have told the
// host anyway (each row's comparison with each parameter), for one statement.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "cloister/result.h"
#include "sql/query/statement_analysis.h"

struct sqlite3;

namespace cloister::sql {

class EnclaveHost;

class ScanMemo {
 public:
  // A stored cell's identity: 128 bits of its tag (an HMAC over its IV and
  // ciphertext), read from the start of its base64 text.
  struct CellId {
    std::uint64_t high = 0;
    std::uint64_t low = 0;
    bool operator==(const CellId&) const = default;
  };
  static std::optional<CellId> id_of(std::string_view stored);

  // The comparison of `a` with `b` (-1, 0, 1) if one is a bound the memo
  // holds and the other a cell it saw; otherwise nullopt (ask the enclave).
  [[nodiscard]] std::optional<int> compare(std::string_view a, std::string_view b) const;
  [[nodiscard]] std::optional<bool> like(std::string_view value, std::string_view pattern) const;
  [[nodiscard]] bool empty() const { return bounds_.empty() && patterns_.empty(); }
  void clear();

  // Fills the memo for `sqlite_sql` with its parameter values `params`
  // (protocol JSON), for each table SQLite will scan. Cells the enclave could
  // not open are left out, so the per-row path reports them.
  Status prefetch(sqlite3* db, EnclaveHost& enclave, const Analysis& analysis, const std::string& sqlite_sql,
                  const std::vector<std::string>& parameter_cells);

 private:
  struct IdHash {
    std::size_t operator()(const CellId& id) const { return id.high ^ (id.low * 0x9E3779B97F4A7C15ull); }
  };
  using Answers = std::unordered_map<CellId, std::int8_t, IdHash>;
  Status scan_column(sqlite3* db, EnclaveHost& enclave, const EncryptedColumnUse& column,
                     const std::vector<std::string>& bounds, const std::vector<std::string>& patterns);

  std::vector<std::pair<std::string, Answers>> bounds_;    // bound text -> sign of (cell vs bound)
  std::vector<std::pair<std::string, Answers>> patterns_;  // pattern text -> cell matches
};

}  // namespace cloister::sql
