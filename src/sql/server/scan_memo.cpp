#include "sql/server/scan_memo.h"

#include <spdlog/spdlog.h>
#include <sqlite3.h>
#include <strings.h>

#include <algorithm>
#include <deque>
#include <future>
#include <map>
#include <set>

#include "common/encoding.h"
#include "sql/enclave_calls.h"
#include "sql/server/catalog.h"
#include "sql/server/enclave_host.h"

namespace cloister::sql {

namespace {

constexpr std::size_t kBatchCells = 8192;
constexpr std::size_t kMaxBounds = 16;
constexpr std::size_t kCallsInFlight = 2;

enum class Scan {
  none,        // SQLite searches `table` through an index, or does not read it
  rows,        // reads every row in table order ("SCAN t")
  index_order  // reads every row in an index's order ("SCAN t USING [COVERING] INDEX i"): sorted already
};

// How EXPLAIN QUERY PLAN says SQLite will read `table`.
Result<Scan> scan_of(sqlite3* db, const std::string& sqlite_sql, std::string_view table) {
  sqlite3_stmt* raw = nullptr;
  const std::string explain = "EXPLAIN QUERY PLAN " + sqlite_sql;
  if (sqlite3_prepare_v2(db, explain.c_str(), static_cast<int>(explain.size()), &raw, nullptr) != SQLITE_OK) {
    return Status(ErrorCode::invalid_argument, std::string("planning the statement: ") + sqlite3_errmsg(db));
  }
  std::unique_ptr<sqlite3_stmt, int (*)(sqlite3_stmt*)> plan(raw, sqlite3_finalize);
  const std::string wanted = "SCAN " + std::string(table);
  Scan scan = Scan::none;
  while (sqlite3_step(plan.get()) == SQLITE_ROW) {
    const auto* detail = reinterpret_cast<const char*>(sqlite3_column_text(plan.get(), 3));
    if (detail == nullptr) continue;
    const std::string_view text(detail);
    if (text.size() < wanted.size() || strncasecmp(text.data(), wanted.data(), wanted.size()) != 0) continue;
    if (text.size() == wanted.size()) {
      scan = Scan::rows;
    } else if (text[wanted.size()] == ' ' && scan == Scan::none) {
      scan = Scan::index_order;
    }
  }
  return scan;
}

// What one scan asks of each batch: the column's key and type, and the
// bounds and patterns to compare its cells with.
struct BatchQuestions {
  std::uint32_t cek_id = 0;
  std::uint8_t sql_type = 0;
  std::vector<Bytes> bounds;
  std::vector<Bytes> patterns;
  [[nodiscard]] std::size_t width() const { return bounds.size() + patterns.size(); }
};

// Asks the enclave about one batch: for each cell, its signs against the
// bounds, then whether it matches each pattern; and adds it to the column
// sort, if any. Runs on its own thread.
Status ask_enclave(EnclaveHost& enclave, const BatchQuestions& questions, ScanMemo::ScanBatch& batch) {
  const std::size_t count = batch.rows.size();
  const std::size_t width = questions.width();
  batch.answers.assign(count * width, kBatchCellFailed);
  if (!questions.bounds.empty()) {
    CompareCellsBatch compare{
        .cek_id = questions.cek_id, .sql_type = questions.sql_type, .bounds = questions.bounds, .cells = {}};
    compare.cells.swap(batch.cells);  // lent for the call, not copied
    auto signs = enclave.compare_batch(compare);
    compare.cells.swap(batch.cells);
    if (!signs.is_ok()) return signs.status();
    if (signs->size() != count * questions.bounds.size()) {
      return Status(ErrorCode::internal, "the enclave answered a batch of another size");
    }
    for (std::size_t i = 0; i < count; ++i) {
      std::copy_n(signs->data() + i * questions.bounds.size(), questions.bounds.size(),
                  batch.answers.data() + i * width);
    }
  }
  for (std::size_t j = 0; j < questions.patterns.size(); ++j) {
    LikeCellsBatch like{.cek_id = questions.cek_id,
                        .sql_type = questions.sql_type,
                        .pattern = questions.patterns[j],
                        .cells = {}};
    like.cells.swap(batch.cells);
    auto matches = enclave.like_batch(like);
    like.cells.swap(batch.cells);
    if (!matches.is_ok()) return matches.status();
    if (matches->size() != count)
      return Status(ErrorCode::internal, "the enclave answered a batch of another size");
    for (std::size_t i = 0; i < count; ++i) {
      batch.answers[i * width + questions.bounds.size() + j] = (*matches)[i];
    }
  }
  if (batch.sort_id != 0 && count != 0) {
    SortCellsBatch sort{.sort_id = batch.sort_id, .first_row = batch.rows.front(), .cells = {}};
    sort.cells.swap(batch.cells);
    auto sorted = enclave.sort_batch(sort);
    sort.cells.swap(batch.cells);
    if (!sorted.is_ok()) return sorted.status();
  }
  return Status::ok();
}

}  // namespace

void ScanMemo::clear() {
  constexpr std::size_t kSpareColumns = 2;
  for (Column& column : columns_) {
    if (spare_.size() < kSpareColumns) spare_.push_back(std::move(column));
  }
  columns_.clear();
}

ScanMemo::Column ScanMemo::recycled_column() {
  if (spare_.empty()) return {};
  Column column = std::move(spare_.back());
  spare_.pop_back();
  column.bounds.clear();
  column.patterns.clear();
  column.ids.clear();
  column.answers.clear();
  column.sorted = false;
  column.ranks.clear();
  column.index.clear();
  column.last_found = {};
  return column;
}

void ScanMemo::Column::build_index() const {
  index.build(ids);
}

std::optional<std::size_t> ScanMemo::Column::row_of(const CellId& id, Side side) const {
  std::size_t& next = last_found[side];
  if (next < ids.size() && ids[next] == id) return next;  // the same row again (BETWEEN asks twice)
  if (next + 1 < ids.size() && ids[next + 1] == id) return ++next;
  if (next > 0 && next - 1 < ids.size() && ids[next - 1] == id) return --next;
  if (!index.built()) build_index();
  const std::uint32_t row = index.find(ids, id);
  if (row == CellIdTable::kAbsent) return std::nullopt;
  next = row;
  return next;
}

std::optional<std::int8_t> ScanMemo::Column::answer(std::string_view cell, std::size_t slot) const {
  const auto id = CellId::of(cell);
  if (!id) return std::nullopt;
  const auto row = row_of(*id, first_operand);
  if (!row) return std::nullopt;
  const std::int8_t value = answers[*row * width() + slot];
  if (value == kBatchCellFailed) return std::nullopt;
  return value;
}

std::optional<std::uint32_t> ScanMemo::Column::rank(std::string_view cell, Side side) const {
  const auto id = CellId::of(cell);
  if (!id) return std::nullopt;
  const auto row = row_of(*id, side);
  if (!row || ranks[*row] == kUnranked) return std::nullopt;
  return ranks[*row];
}

std::optional<int> ScanMemo::compare(std::string_view a, std::string_view b) const {
  for (const Column& column : columns_) {
    for (std::size_t j = 0; j < column.bounds.size(); ++j) {
      const std::string& bound = column.bounds[j];
      const bool bound_is_b = b == bound;
      if (!bound_is_b && a != bound) continue;
      const auto sign = column.answer(bound_is_b ? a : b, j);
      if (!sign) return std::nullopt;
      return bound_is_b ? *sign : -*sign;
    }
  }
  for (const Column& column : columns_) {
    if (column.ranks.empty()) continue;
    const auto rank_a = column.rank(a, Column::first_operand);
    if (!rank_a) continue;
    const auto rank_b = column.rank(b, Column::second_operand);
    if (!rank_b) return std::nullopt;
    return *rank_a < *rank_b ? -1 : (*rank_a > *rank_b ? 1 : 0);
  }
  return std::nullopt;
}

std::optional<bool> ScanMemo::like(std::string_view value, std::string_view pattern) const {
  for (const Column& column : columns_) {
    for (std::size_t j = 0; j < column.patterns.size(); ++j) {
      if (column.patterns[j] != pattern) continue;
      const auto match = column.answer(value, column.bounds.size() + j);
      if (!match) return std::nullopt;
      return *match == 1;
    }
  }
  return std::nullopt;
}

Status ScanMemo::prefetch(sqlite3* db, EnclaveHost& enclave, const Analysis& analysis,
                          const std::string& sqlite_sql, const std::vector<std::string>& parameter_cells) {
  clear();
  // What to ask per randomized, enclave-evaluated column: its parameters,
  // and whether to rank it.
  struct Questions {
    const EncryptedColumnUse* column = nullptr;
    std::vector<const ParameterUse*> parameters;
    bool sorted = false;
  };
  std::map<std::pair<std::string, std::string>, Questions> columns;
  const auto enclave_evaluated = [](const EncryptedColumnUse& use) {
    return use.encryption.encryption == EncryptionType::randomized && use.encryption.enclave_enabled;
  };
  for (const auto& parameter : analysis.parameters) {
    if (!parameter.column || !enclave_evaluated(*parameter.column)) continue;
    const auto index = static_cast<std::size_t>(parameter.index - 1);
    if (index >= parameter_cells.size() || parameter_cells[index].empty()) continue;
    auto& entry = columns[{parameter.column->table, parameter.column->column}];
    entry.column = &*parameter.column;
    entry.parameters.push_back(&parameter);
  }
  for (const auto& use : analysis.columns) {
    if (!use.sorted || !enclave_evaluated(use)) continue;
    auto& entry = columns[{use.table, use.column}];
    entry.column = &use;
    entry.sorted = true;
  }
  for (const auto& [name, entry] : columns) {
    // CREATE INDEX reads every row; a query may read the table through an
    // index, which orders it already.
    Scan scan = Scan::rows;
    if (analysis.kind != StatementKind::ddl) {
      CLOISTER_ASSIGN_OR_RETURN(scan, scan_of(db, sqlite_sql, name.first));
    }
    if (scan == Scan::none) continue;
    std::set<std::string> bounds;
    std::set<std::string> patterns;
    for (const ParameterUse* parameter : entry.parameters) {
      const std::string& cell = parameter_cells[static_cast<std::size_t>(parameter->index - 1)];
      if (parameter->like_pattern) patterns.insert(cell);
      if (parameter->compared) bounds.insert(cell);
    }
    if (bounds.size() > kMaxBounds) bounds.clear();
    Column memo = recycled_column();
    memo.sorted = entry.sorted && scan == Scan::rows;
    if (bounds.empty() && patterns.empty() && !memo.sorted) continue;
    memo.bounds.assign(bounds.begin(), bounds.end());
    memo.patterns.assign(patterns.begin(), patterns.end());
    CLOISTER_RETURN_IF_ERROR(scan_column(db, enclave, *entry.column, std::move(memo)));
  }
  return Status::ok();
}

Status ScanMemo::take_ranks(EnclaveHost& enclave, std::uint64_t sort_id, Column& memo) {
  memo.ranks.reserve(memo.ids.size());
  for (std::size_t first = 0; first < memo.ids.size(); first += kMaxBatchCells) {
    const auto count = static_cast<std::uint32_t>(std::min(kMaxBatchCells, memo.ids.size() - first));
    CLOISTER_ASSIGN_OR_RETURN(auto ranks,
                              enclave.sorted_ranks(sort_id, static_cast<std::uint32_t>(first), count));
    memo.ranks.insert(memo.ranks.end(), ranks.begin(), ranks.end());
  }
  return Status::ok();
}

Status ScanMemo::scan_column(sqlite3* db, EnclaveHost& enclave, const EncryptedColumnUse& column,
                             Column memo) {
  const auto started = std::chrono::steady_clock::now();
  BatchQuestions questions{.cek_id = column.encryption.cek_id,
                           .sql_type = static_cast<std::uint8_t>(column.encryption.sql_type),
                           .bounds = {},
                           .patterns = {}};
  for (const auto& bound : memo.bounds) {
    CLOISTER_ASSIGN_OR_RETURN(Bytes cell, from_base64(bound));
    questions.bounds.push_back(std::move(cell));
  }
  for (const auto& pattern : memo.patterns) {
    CLOISTER_ASSIGN_OR_RETURN(Bytes cell, from_base64(pattern));
    questions.patterns.push_back(std::move(cell));
  }

  const std::string select = "SELECT " + quote_identifier(column.column) + " FROM " +
                             quote_identifier(column.table) + " WHERE " + quote_identifier(column.column) +
                             " IS NOT NULL";
  sqlite3_stmt* raw = nullptr;
  if (sqlite3_prepare_v2(db, select.c_str(), static_cast<int>(select.size()), &raw, nullptr) != SQLITE_OK) {
    return Status(ErrorCode::internal, std::string("reading the column to scan: ") + sqlite3_errmsg(db));
  }
  std::unique_ptr<sqlite3_stmt, int (*)(sqlite3_stmt*)> rows(raw, sqlite3_finalize);

  // While this thread reads and decodes the next batch, up to kCallsInFlight
  // earlier ones are in the enclave, each on its own enclave thread: the
  // decryption, not SQLite, is the larger part of a scan. Batches and their
  // buffers are reused. (The futures are declared after the batches they
  // use, so an early return waits for them before the batches go.)
  const std::size_t width = memo.width();
  std::vector<std::unique_ptr<ScanBatch>> spare;
  std::deque<std::pair<std::unique_ptr<ScanBatch>, std::future<Status>>> in_flight;
  std::chrono::steady_clock::duration waited{};
  auto finish_oldest = [&]() -> Status {
    auto [batch, done] = std::move(in_flight.front());
    in_flight.pop_front();
    const auto waiting = std::chrono::steady_clock::now();
    Status answered = done.get();
    waited += std::chrono::steady_clock::now() - waiting;
    if (!answered.is_ok()) return answered;
    memo.answers.resize(memo.ids.size() * width, kBatchCellFailed);
    for (std::size_t i = 0; i < batch->rows.size(); ++i) {
      std::copy_n(batch->answers.data() + i * width, width, memo.answers.data() + batch->rows[i] * width);
    }
    spare.push_back(std::move(batch));
    return Status::ok();
  };
  auto send = [&](std::unique_ptr<ScanBatch> batch) -> Status {
    if (in_flight.size() == kCallsInFlight) CLOISTER_RETURN_IF_ERROR(finish_oldest());
    ScanBatch* sent = batch.get();
    in_flight.emplace_back(std::move(batch), std::async(std::launch::async, [&enclave, &questions, sent] {
                             return ask_enclave(enclave, questions, *sent);
                           }));
    return Status::ok();
  };
  auto next_batch = [&] {
    std::unique_ptr<ScanBatch> batch;
    if (spare.empty()) {
      batch = std::make_unique<ScanBatch>();
    } else {
      batch = std::move(spare.back());
      spare.pop_back();
    }
    batch->cells.clear();
    batch->rows.clear();
    return batch;
  };

  // Ranked only up to the enclave's bound on a sort's rows: a larger
  // table is sorted by the per-row comparisons.
  std::uint64_t sort_id = 0;
  if (memo.sorted) {
    CLOISTER_ASSIGN_OR_RETURN(sort_id,
                              enclave.start_sort(column.encryption.cek_id, column.encryption.sql_type));
  }

  std::unique_ptr<ScanBatch> batch = next_batch();
  Bytes cell;  // one cell decoded, then copied into its batch
  while (sqlite3_step(rows.get()) == SQLITE_ROW) {
    const std::string_view text(reinterpret_cast<const char*>(sqlite3_column_text(rows.get(), 0)),
                                static_cast<std::size_t>(sqlite3_column_bytes(rows.get(), 0)));
    const auto id = CellId::of(text);
    if (!id || !from_base64_into(text, cell).is_ok()) continue;  // the per-row path reports it
    if (memo.ids.size() >= CellIdTable::kAbsent) break;          // the rest is asked row by row
    if (memo.ids.size() >= kMaxSortRows) sort_id = 0;
    batch->cells.push_back(cell);
    batch->rows.push_back(static_cast<std::uint32_t>(memo.ids.size()));
    memo.ids.push_back(*id);
    if (batch->cells.size() == kBatchCells) {
      batch->sort_id = sort_id;
      CLOISTER_RETURN_IF_ERROR(send(std::move(batch)));
      batch = next_batch();
    }
  }
  if (!batch->cells.empty()) {
    batch->sort_id = sort_id;
    CLOISTER_RETURN_IF_ERROR(send(std::move(batch)));
  }
  while (!in_flight.empty()) CLOISTER_RETURN_IF_ERROR(finish_oldest());
  memo.answers.resize(memo.ids.size() * width, kBatchCellFailed);
  const auto scanned = std::chrono::steady_clock::now();
  if (sort_id != 0) {
    // A sort looks up rows out of scan order, so it will need the index:
    // built here while the enclave sorts.
    auto ranked = std::async(std::launch::async, [&] { return take_ranks(enclave, sort_id, memo); });
    memo.build_index();
    CLOISTER_RETURN_IF_ERROR(ranked.get());
  }
  using Ms = std::chrono::duration<double, std::milli>;
  spdlog::debug(
      "full scan of {}.{}: {} cells through the enclave in {:.1f} ms, {:.1f} of them waiting for it ({} "
      "bounds, {} "
      "patterns){}",
      column.table, column.column, memo.ids.size(), Ms(scanned - started).count(), Ms(waited).count(),
      memo.bounds.size(), memo.patterns.size(),
      sort_id != 0
          ? fmt::format(", ranked in {:.1f} ms more", Ms(std::chrono::steady_clock::now() - scanned).count())
          : std::string());
  columns_.push_back(std::move(memo));
  return Status::ok();
}

}  // namespace cloister::sql
