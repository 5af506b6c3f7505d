// INSERT, UPDATE, DELETE and CREATE INDEX: the target table's scope, the
// values that go into encrypted columns, and their WHERE/RETURNING clauses.
#include <string>

#include "sql/query/statement_walker.h"

namespace cloister::sql::query {
Status StatementWalker::walk_query(std::size_t begin, std::size_t end) {
  return walk_select(begin, end, nullptr, true);
}

Status StatementWalker::walk_derived_select(std::size_t begin, std::size_t end) {
  return walk_select(begin, end, nullptr, false);
}

// INSERT [OR x] INTO t [AS a] [(cols)] VALUES (...), ... | SELECT ... | DEFAULT VALUES
//   [ON CONFLICT ... DO UPDATE SET ...] [RETURNING ...]
Status StatementWalker::walk_insert(std::size_t begin, std::size_t end) {
  std::size_t i = begin + 1;
  if (is_kw(toks_[i], "OR")) i += 2;
  if (!is_kw(toks_[i], "INTO")) return refuse("syntax error: INTO expected after INSERT");
  ++i;
  if (!is_name(i)) return refuse("syntax error: a table name is expected after INTO");
  TableRef table;
  table.name = toks_[i++].value;
  if (is_op(toks_[i], ".") && is_name(i + 1)) {
    table.name = toks_[i + 1].value;
    i += 2;
  }
  table.columns = table_columns(table.name);
  if (is_kw(toks_[i], "AS") && is_name(i + 1)) {
    table.alias = toks_[i + 1].value;
    i += 2;
  }
  std::vector<std::string> names;
  if (is_op(toks_[i], "(")) {
    for (std::size_t j = i + 1; j < match_[i]; ++j) {
      if (is_op(toks_[j], ",")) continue;
      if (!is_name(j))
        return refuse("syntax error in the INSERT column list near '" + std::string(toks_[j].text) + "'");
      names.push_back(toks_[j].value);
    }
    i = match_[i] + 1;
  } else if (table.columns) {
    for (const CatalogColumn& c : *table.columns) names.push_back(c.name);
  }
  bool any_encrypted = false;
  for (const std::string& n : names) {
    CLOISTER_ASSIGN_OR_RETURN(auto use, resolve_in_table(table, n));
    any_encrypted = any_encrypted || use.has_value();
  }
  // The source ends at the upsert or RETURNING clause.
  std::size_t source_end = i;
  while (source_end < end && !is_kw(toks_[source_end], "RETURNING") &&
         !(is_kw(toks_[source_end], "ON") && is_kw(toks_[source_end + 1], "CONFLICT")))
    source_end = skip_to_top_level(source_end + 1, end, 0);
  if (is_kw(toks_[i], "VALUES")) {
    CLOISTER_RETURN_IF_ERROR(walk_values(i + 1, source_end, table, names));
  } else if (is_kw(toks_[i], "DEFAULT") && is_kw(toks_[i + 1], "VALUES")) {
    // nothing to check
  } else if (is_kw(toks_[i], "SELECT") || is_kw(toks_[i], "WITH")) {
    std::vector<ResultItem> results;
    CLOISTER_RETURN_IF_ERROR(walk_select(i, source_end, nullptr, any_encrypted, &results));
    if (any_encrypted) CLOISTER_RETURN_IF_ERROR(match_insert_select(table, names, results));
  } else {
    return refuse("syntax error: VALUES, SELECT or DEFAULT VALUES expected in INSERT");
  }
  Scope scope;
  scope.tables.push_back(table);
  TableRef excluded = table;
  excluded.alias = "excluded";
  excluded.qualified_only = true;
  scope.tables.push_back(excluded);
  i = source_end;
  if (is_kw(toks_[i], "ON")) {
    std::size_t e = i;
    while (e < end && !is_kw(toks_[e], "RETURNING")) e = skip_to_top_level(e + 1, end, 0);
    std::size_t set = i;
    while (set < e && !is_kw(toks_[set], "SET")) set = skip_to_top_level(set + 1, e, 0);
    // ON CONFLICT (cols) WHERE expr DO ...: the target's WHERE is an expression too.
    std::size_t target_where = i;
    while (target_where < set && !is_kw(toks_[target_where], "WHERE") && !is_kw(toks_[target_where], "DO"))
      target_where = skip_to_top_level(target_where + 1, set, 0);
    if (target_where < set && is_kw(toks_[target_where], "WHERE")) {
      std::size_t do_at = target_where;
      while (do_at < set && !is_kw(toks_[do_at], "DO")) do_at = skip_to_top_level(do_at + 1, set, 0);
      CLOISTER_RETURN_IF_ERROR(walk_expr(target_where + 1, do_at, scope, Clause::expression));
    }
    if (set < e) {
      std::size_t where = set;
      while (where < e && !is_kw(toks_[where], "WHERE")) where = skip_to_top_level(where + 1, e, 0);
      CLOISTER_RETURN_IF_ERROR(walk_expr(set + 1, where, scope, Clause::set));
      if (where < e) CLOISTER_RETURN_IF_ERROR(walk_expr(where + 1, e, scope, Clause::expression));
    }
    i = e;
  }
  if (is_kw(toks_[i], "RETURNING")) {
    scope.tables.pop_back();
    CLOISTER_RETURN_IF_ERROR(walk_expr(i + 1, end, scope, Clause::returning));
  }
  return Status::ok();
}

// INSERT ... SELECT: each encrypted target column gets a column encrypted
// alike; plaintext targets get plaintext.
Status StatementWalker::match_insert_select(const TableRef& table, const std::vector<std::string>& names,
                                            const std::vector<ResultItem>& results) {
  for (const ResultItem& r : results) {
    if (r.uncertain)
      return refuse(
          "INSERT ... SELECT into " + table.name +
          ", which has encrypted columns, must list the selected columns, not * over a subquery, CTE or "
          "USING/NATURAL join");
  }
  if (results.size() != names.size())
    return refuse("INSERT ... SELECT into " + table.name + ": " + std::to_string(results.size()) +
                  " columns selected for " + std::to_string(names.size()));
  for (std::size_t k = 0; k < names.size(); ++k) {
    CLOISTER_ASSIGN_OR_RETURN(auto target, resolve_in_table(table, names[k]));
    const auto& source = results[k].encrypted;
    if (!target && !source) continue;
    if (!target) return refuse(describe(*source) + ": it cannot be stored in plaintext column " + names[k]);
    if (!source || !same_encryption(source->encryption, target->encryption))
      return refuse(describe(*target) +
                    ": INSERT ... SELECT must give it a column encrypted with the same key, "
                    "encryption type and SQL type");
    record_use(*target, false);
  }
  return Status::ok();
}

// (v, ...), (v, ...): a value for an encrypted column is a parameter or NULL.
Status StatementWalker::walk_values(std::size_t begin, std::size_t end, const TableRef& table,
                                    const std::vector<std::string>& names) {
  Scope empty;
  std::size_t i = begin;
  while (i < end) {
    if (!is_op(toks_[i], "("))
      return refuse("syntax error in VALUES near '" + std::string(toks_[i].text) + "'");
    const std::size_t close = match_[i];
    std::size_t k = 0;
    for (std::size_t j = i + 1; j < close; ++k) {
      std::size_t e = j;
      while (e < close && !is_op(toks_[e], ",")) e = skip_to_top_level(e + 1, close, depth_[i] + 1);
      if (e == j) return refuse("syntax error: an empty value in VALUES");
      std::optional<EncryptedColumnUse> use;
      if (k < names.size()) {
        CLOISTER_ASSIGN_OR_RETURN(use, resolve_in_table(table, names[k]));
      } else if (table.columns) {
        return refuse("INSERT into " + table.name + ": more values than columns");
      }
      if (use) {
        if (e == j + 1 && toks_[j].kind == TokenKind::parameter) {
          bound_[j] = *use;
        } else if (!(e == j + 1 && is_kw(toks_[j], "NULL"))) {
          return refuse(describe(*use) + ": insert a parameter (or NULL), not a literal or an expression");
        }
        record_use(*use, false);
      } else {
        CLOISTER_RETURN_IF_ERROR(walk_expr(j, e, empty, Clause::expression));
      }
      j = e + 1;
    }
    if (table.columns && k != names.size())
      return refuse("INSERT into " + table.name + ": " + std::to_string(k) + " values for " +
                    std::to_string(names.size()) + " columns");
    i = close + 1;
    if (i < end && !is_op(toks_[i], ","))
      return refuse("syntax error in VALUES near '" + std::string(toks_[i].text) + "'");
    ++i;
  }
  return Status::ok();
}

// UPDATE [OR x] t [AS a] [INDEXED BY i] SET c = v, ... [FROM ...] [WHERE ...] [RETURNING ...]
Status StatementWalker::walk_update(std::size_t begin, std::size_t end) {
  std::size_t i = begin + 1;
  if (is_kw(toks_[i], "OR")) i += 2;
  // The target table is a FROM list of one, up to SET.
  std::size_t set = i;
  while (set < end && !is_kw(toks_[set], "SET")) set = skip_to_top_level(set + 1, end, 0);
  if (set >= end) return refuse("syntax error: SET expected in UPDATE");
  Scope scope;
  CLOISTER_RETURN_IF_ERROR(walk_from(i, set, scope));
  if (scope.tables.size() != 1) return refuse("syntax error: one table is updated");
  std::vector<std::size_t> marks;
  for (std::size_t j = set + 1; j < end; j = skip_to_top_level(j + 1, end, 0)) {
    if (is_any_kw(toks_[j], {"FROM", "WHERE", "RETURNING", "ORDER", "LIMIT"})) marks.push_back(j);
  }
  marks.push_back(end);
  for (std::size_t k = 0; k + 1 < marks.size(); ++k) {
    if (is_kw(toks_[marks[k]], "FROM"))
      CLOISTER_RETURN_IF_ERROR(walk_from(marks[k] + 1, marks[k + 1], scope));
  }
  if (is_op(toks_[set + 1], "("))
    return refuse("UPDATE ... SET (a, b) = (...) is not supported: assign each column");
  CLOISTER_RETURN_IF_ERROR(walk_expr(set + 1, marks.front(), scope, Clause::set));
  for (std::size_t k = 0; k + 1 < marks.size(); ++k) {
    const Token& t = toks_[marks[k]];
    if (is_kw(t, "FROM")) continue;
    if (is_kw(t, "ORDER")) {
      CLOISTER_RETURN_IF_ERROR(walk_expr(marks[k] + 2, marks[k + 1], scope, Clause::order_by));
      continue;
    }
    const Clause clause = is_kw(t, "RETURNING") ? Clause::returning : Clause::expression;
    CLOISTER_RETURN_IF_ERROR(walk_expr(marks[k] + 1, marks[k + 1], scope, clause));
  }
  return Status::ok();
}

// DELETE FROM t [AS a] [WHERE ...] [RETURNING ...]
Status StatementWalker::walk_delete(std::size_t begin, std::size_t end) {
  if (!is_kw(toks_[begin + 1], "FROM")) return refuse("syntax error: FROM expected after DELETE");
  std::vector<std::size_t> marks;
  for (std::size_t j = begin + 2; j < end; j = skip_to_top_level(j + 1, end, 0)) {
    if (is_any_kw(toks_[j], {"WHERE", "RETURNING", "ORDER", "LIMIT"})) marks.push_back(j);
  }
  marks.push_back(end);
  Scope scope;
  CLOISTER_RETURN_IF_ERROR(walk_from(begin + 2, marks.front(), scope));
  if (scope.tables.size() != 1) return refuse("syntax error: DELETE names one table");
  for (std::size_t k = 0; k + 1 < marks.size(); ++k) {
    const Token& t = toks_[marks[k]];
    if (is_kw(t, "ORDER")) {
      CLOISTER_RETURN_IF_ERROR(walk_expr(marks[k] + 2, marks[k + 1], scope, Clause::order_by));
      continue;
    }
    const Clause clause = is_kw(t, "RETURNING") ? Clause::returning : Clause::expression;
    CLOISTER_RETURN_IF_ERROR(walk_expr(marks[k] + 1, marks[k + 1], scope, clause));
  }
  return Status::ok();
}

// CREATE [UNIQUE] INDEX [IF NOT EXISTS] name ON t (c [ASC|DESC], ...) [WHERE ...]
Status StatementWalker::walk_create_index(std::size_t begin, std::size_t end) {
  std::size_t on = begin;
  while (on < end && !is_kw(toks_[on], "ON")) ++on;
  if (on + 2 >= end || !is_name(on + 1)) return refuse("syntax error: ON table expected in CREATE INDEX");
  TableRef table;
  table.name = toks_[on + 1].value;
  std::size_t i = on + 2;
  if (is_op(toks_[i], ".") && is_name(i + 1)) {
    table.name = toks_[i + 1].value;
    i += 2;
  }
  table.columns = table_columns(table.name);
  if (!is_op(toks_[i], "(")) return refuse("syntax error: '(' expected in CREATE INDEX");
  Scope scope;
  scope.tables.push_back(table);
  scope.depth = 1;
  scope.may_output_encrypted = false;
  const std::size_t close = match_[i];
  // A quoted string names a column here, as SQLite reads it.
  for (std::size_t j = i + 1; j < close; ++j) {
    if (toks_[j].kind == TokenKind::string && depth_[j] == 1 &&
        (is_op(toks_[j - 1], "(") || is_op(toks_[j - 1], ","))) {
      toks_[j].kind = TokenKind::identifier;
      toks_[j].quoted = true;
    }
  }
  scope.sorts_whole_table = !is_kw(toks_[close + 1], "WHERE");
  CLOISTER_RETURN_IF_ERROR(walk_expr(i + 1, close, scope, Clause::index_columns));
  i = close + 1;
  if (is_kw(toks_[i], "WHERE")) {
    scope.depth = 0;
    CLOISTER_RETURN_IF_ERROR(walk_expr(i + 1, end, scope, Clause::expression));
  } else if (i < end) {
    return refuse("syntax error in CREATE INDEX near '" + std::string(toks_[i].text) + "'");
  }
  return Status::ok();
}

}  // namespace cloister::sql::query
