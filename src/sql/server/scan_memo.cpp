#include "sql/server/scan_memo.h"

#include <sqlite3.h>
#include <strings.h>

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

// Whether EXPLAIN QUERY PLAN says SQLite will scan `table` row by row.
Result<bool> scans(sqlite3* db, const std::string& sqlite_sql, std::string_view table) {
  sqlite3_stmt* raw = nullptr;
  const std::string explain = "EXPLAIN QUERY PLAN " + sqlite_sql;
  if (sqlite3_prepare_v2(db, explain.c_str(), static_cast<int>(explain.size()), &raw, nullptr) != SQLITE_OK) {
    return Status(ErrorCode::invalid_argument, std::string("planning the statement: ") + sqlite3_errmsg(db));
  }
  std::unique_ptr<sqlite3_stmt, int (*)(sqlite3_stmt*)> plan(raw, sqlite3_finalize);
  const std::string wanted = "SCAN " + std::string(table);
  bool scan = false;
  while (sqlite3_step(plan.get()) == SQLITE_ROW) {
    const auto* detail = reinterpret_cast<const char*>(sqlite3_column_text(plan.get(), 3));
    if (detail == nullptr) continue;
    const std::string_view text(detail);
    if (text.size() >= wanted.size() && strncasecmp(text.data(), wanted.data(), wanted.size()) == 0 &&
        (text.size() == wanted.size() || text[wanted.size()] == ' ')) {
      scan = true;
    }
  }
  return scan;
}

}  // namespace

std::optional<ScanMemo::CellId> ScanMemo::id_of(std::string_view stored) {
  if (stored.size() < 24) return std::nullopt;
  auto head = from_base64(stored.substr(0, 24));  // 18 bytes: version, then the tag
  if (!head.is_ok() || head->size() != 18) return std::nullopt;
  CellId id;
  for (int i = 0; i < 8; ++i) {
    id.high = (id.high << 8) | (*head)[static_cast<std::size_t>(1 + i)];
    id.low = (id.low << 8) | (*head)[static_cast<std::size_t>(9 + i)];
  }
  return id;
}

std::optional<int> ScanMemo::compare(std::string_view a, std::string_view b) const {
  for (const auto& [bound, answers] : bounds_) {
    const bool bound_is_b = b == bound;
    if (!bound_is_b && a != bound) continue;
    auto id = id_of(bound_is_b ? a : b);
    if (!id) return std::nullopt;
    const auto found = answers.find(*id);
    if (found == answers.end()) return std::nullopt;
    return bound_is_b ? found->second : -found->second;
  }
  return std::nullopt;
}

std::optional<bool> ScanMemo::like(std::string_view value, std::string_view pattern) const {
  for (const auto& [text, answers] : patterns_) {
    if (text != pattern) continue;
    auto id = id_of(value);
    if (!id) return std::nullopt;
    const auto found = answers.find(*id);
    if (found == answers.end()) return std::nullopt;
    return found->second == 1;
  }
  return std::nullopt;
}

void ScanMemo::clear() {
  bounds_.clear();
  patterns_.clear();
}

Status ScanMemo::prefetch(sqlite3* db, EnclaveHost& enclave, const Analysis& analysis,
                          const std::string& sqlite_sql, const std::vector<std::string>& parameter_cells) {
  clear();
  // Parameters per randomized, enclave-evaluated column.
  std::map<std::pair<std::string, std::string>,
           std::pair<const EncryptedColumnUse*, std::vector<const ParameterUse*>>>
      columns;
  for (const auto& parameter : analysis.parameters) {
    if (!parameter.column) continue;
    const auto& encryption = parameter.column->encryption;
    if (encryption.encryption != EncryptionType::randomized || !encryption.enclave_enabled) continue;
    const auto index = static_cast<std::size_t>(parameter.index - 1);
    if (index >= parameter_cells.size() || parameter_cells[index].empty()) continue;
    auto& entry = columns[{parameter.column->table, parameter.column->column}];
    entry.first = &*parameter.column;
    entry.second.push_back(&parameter);
  }
  for (const auto& [name, entry] : columns) {
    CLOISTER_ASSIGN_OR_RETURN(bool scan, scans(db, sqlite_sql, name.first));
    if (!scan) continue;
    const bool has_like = sqlite_sql.find("cloister_like(") != std::string::npos;
    const bool is_string = entry.first->encryption.sql_type == SqlType::varchar ||
                           entry.first->encryption.sql_type == SqlType::nvarchar;
    std::set<std::string> bounds;
    std::set<std::string> patterns;
    for (const ParameterUse* parameter : entry.second) {
      const std::string& cell = parameter_cells[static_cast<std::size_t>(parameter->index - 1)];
      // A named parameter is a LIKE pattern if the rewrite put it there; a
      // bare '?' may be either, so both are worked out.
      const std::string like_form =
          ", " + parameter->name + ", " + std::to_string(entry.first->encryption.cek_id);
      const bool named = !parameter->name.empty() && parameter->name != "?";
      const bool in_like =
          has_like && is_string && (!named || sqlite_sql.find(like_form) != std::string::npos);
      const bool in_comparison =
          !named || !in_like || sqlite_sql.find(parameter->name) != sqlite_sql.rfind(parameter->name);
      if (in_like) patterns.insert(cell);
      if (in_comparison) bounds.insert(cell);
    }
    if (bounds.size() > kMaxBounds) bounds.clear();
    CLOISTER_RETURN_IF_ERROR(scan_column(db, enclave, *entry.first, {bounds.begin(), bounds.end()},
                                         {patterns.begin(), patterns.end()}));
  }
  return Status::ok();
}

Status ScanMemo::scan_column(sqlite3* db, EnclaveHost& enclave, const EncryptedColumnUse& column,
                             const std::vector<std::string>& bounds,
                             const std::vector<std::string>& patterns) {
  if (bounds.empty() && patterns.empty()) return Status::ok();
  CompareCellsBatch compare{.cek_id = column.encryption.cek_id,
                            .sql_type = static_cast<std::uint8_t>(column.encryption.sql_type),
                            .bounds = {},
                            .cells = {}};
  for (const auto& bound : bounds) {
    CLOISTER_ASSIGN_OR_RETURN(Bytes cell, from_base64(bound));
    compare.bounds.push_back(std::move(cell));
  }
  std::vector<Bytes> pattern_cells;
  for (const auto& pattern : patterns) {
    CLOISTER_ASSIGN_OR_RETURN(Bytes cell, from_base64(pattern));
    pattern_cells.push_back(std::move(cell));
  }
  const std::size_t first_bound = bounds_.size();
  for (const auto& bound : bounds) bounds_.push_back({bound, {}});
  const std::size_t first_pattern = patterns_.size();
  for (const auto& pattern : patterns) patterns_.push_back({pattern, {}});

  const std::string select = "SELECT " + quote_identifier(column.column) + " FROM " +
                             quote_identifier(column.table) + " WHERE " + quote_identifier(column.column) +
                             " IS NOT NULL";
  sqlite3_stmt* raw = nullptr;
  if (sqlite3_prepare_v2(db, select.c_str(), static_cast<int>(select.size()), &raw, nullptr) != SQLITE_OK) {
    return Status(ErrorCode::internal, std::string("reading the column to scan: ") + sqlite3_errmsg(db));
  }
  std::unique_ptr<sqlite3_stmt, int (*)(sqlite3_stmt*)> rows(raw, sqlite3_finalize);
  std::vector<CellId> ids;
  auto flush = [&]() -> Status {
    if (ids.empty()) return Status::ok();
    if (!compare.bounds.empty()) {
      CLOISTER_ASSIGN_OR_RETURN(auto signs, enclave.compare_batch(compare));
      if (signs.size() != ids.size() * compare.bounds.size()) {
        return Status(ErrorCode::internal, "the enclave answered a batch of another size");
      }
      for (std::size_t i = 0; i < ids.size(); ++i) {
        for (std::size_t j = 0; j < compare.bounds.size(); ++j) {
          const std::int8_t sign = signs[i * compare.bounds.size() + j];
          if (sign != kBatchCellFailed) bounds_[first_bound + j].second.emplace(ids[i], sign);
        }
      }
    }
    for (std::size_t j = 0; j < pattern_cells.size(); ++j) {
      LikeCellsBatch like{.cek_id = compare.cek_id,
                          .sql_type = compare.sql_type,
                          .pattern = pattern_cells[j],
                          .cells = compare.cells};
      CLOISTER_ASSIGN_OR_RETURN(auto matches, enclave.like_batch(like));
      if (matches.size() != ids.size())
        return Status(ErrorCode::internal, "the enclave answered a batch of another size");
      for (std::size_t i = 0; i < ids.size(); ++i) {
        if (matches[i] != kBatchCellFailed) patterns_[first_pattern + j].second.emplace(ids[i], matches[i]);
      }
    }
    ids.clear();
    compare.cells.clear();
    return Status::ok();
  };
  while (sqlite3_step(rows.get()) == SQLITE_ROW) {
    const std::string_view text(reinterpret_cast<const char*>(sqlite3_column_text(rows.get(), 0)),
                                static_cast<std::size_t>(sqlite3_column_bytes(rows.get(), 0)));
    auto id = id_of(text);
    auto cell = from_base64(text);
    if (!id || !cell.is_ok()) continue;  // the per-row path reports it
    ids.push_back(*id);
    compare.cells.push_back(std::move(*cell));
    if (ids.size() == kBatchCells) CLOISTER_RETURN_IF_ERROR(flush());
  }
  return flush();
}

}  // namespace cloister::sql
