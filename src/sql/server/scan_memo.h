// Full scans in a few enclave calls instead of one per row. When SQLite will
// scan a table (no index serves the predicate) and compare an encrypted
// column with the statement's parameters, the server first sends the whole
// column to the enclave in batches (CompareCellsBatch / LikeCellsBatch) and
// keeps the answers here; the collation and cloister_like then answer from
// this memo. The memo holds only what the per-row calls would have told the
// host anyway (each row's comparison with each parameter), for one statement.
//
// Likewise when SQLite will sort every row of a table by a randomized column
// without an index (EncryptedColumnUse::sorted: ORDER BY, GROUP BY,
// DISTINCT, MIN/MAX, CREATE INDEX): the enclave ranks the whole column
// (column_sort.h), and the collation compares two of its cells by rank. The
// sort learns the column's order either way.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cloister/result.h"
#include "cloister/wire.h"
#include "sql/query/statement_analysis.h"
#include "sql/server/cell_id_table.h"

struct sqlite3;

namespace cloister::sql {

class EnclaveHost;

class ScanMemo {
 public:
  // The comparison of `a` with `b` (-1, 0, 1) if one is a bound the memo
  // holds and the other a cell it saw, or both are cells of a ranked column;
  // otherwise nullopt (ask the enclave).
  [[nodiscard]] std::optional<int> compare(std::string_view a, std::string_view b) const;
  [[nodiscard]] std::optional<bool> like(std::string_view value, std::string_view pattern) const;
  [[nodiscard]] bool empty() const { return columns_.empty(); }
  // Forgets the statement's answers. Their buffers (about 40 bytes a row)
  // are kept for the next full scan: allocating them afresh, page faults
  // and all, cost a scan of a million rows more than filling them.
  void clear();

  // Fills the memo for `sqlite_sql` with its parameter values `params`
  // (protocol JSON), for each table SQLite will scan. Cells the enclave could
  // not open are left out, so the per-row path reports them.
  Status prefetch(sqlite3* db, EnclaveHost& enclave, const Analysis& analysis, const std::string& sqlite_sql,
                  const std::vector<std::string>& parameter_cells);

  // One batch of a scanned column's cells on its way through the enclave.
  struct ScanBatch {
    wire::ByteStrings cells;
    std::vector<std::uint32_t> rows;   // each cell's row in the memo
    std::vector<std::int8_t> answers;  // per cell: a sign per bound, then a match per pattern
    std::uint64_t sort_id = 0;         // also sent to this column sort, unless 0
  };

 private:
  // One scanned column: for each cell seen, its sign against each bound and
  // then whether it matches each pattern (kBatchCellFailed: ask per row).
  // Rows are numbered in the order the scan read them, which is almost
  // always the order SQLite then asks about them: a lookup first tries where
  // the last one left off (or the row before, for a scan in reverse), and
  // only a lookup out of that order builds (once) and uses the hash table.
  // A comparison of two cells keeps a place for each side: a sort compares
  // the row it reads (in scan order) with the rows it keeps, often the same
  // one many times in a row.
  struct Column {
    std::vector<std::string> bounds;
    std::vector<std::string> patterns;
    std::vector<CellId> ids;           // per row
    std::vector<std::int8_t> answers;  // width() per row
    bool sorted = false;               // rank the column (then ranks, per row)
    std::vector<std::uint32_t> ranks;
    mutable CellIdTable index;  // id -> first row with it; empty until needed
    enum Side : std::size_t { first_operand, second_operand };
    mutable std::array<std::size_t, 2> last_found{};  // per side
    [[nodiscard]] std::size_t width() const { return bounds.size() + patterns.size(); }
    [[nodiscard]] std::optional<std::size_t> row_of(const CellId& id, Side side) const;
    void build_index() const;
    [[nodiscard]] std::optional<std::int8_t> answer(std::string_view cell, std::size_t slot) const;
    [[nodiscard]] std::optional<std::uint32_t> rank(std::string_view cell, Side side) const;
  };
  Status scan_column(sqlite3* db, EnclaveHost& enclave, const EncryptedColumnUse& column, Column memo);
  static Status take_ranks(EnclaveHost& enclave, std::uint64_t sort_id, Column& memo);
  Column recycled_column();

  std::vector<Column> columns_;
  std::vector<Column> spare_;  // emptied columns whose buffers the next scans reuse
};

}  // namespace cloister::sql
