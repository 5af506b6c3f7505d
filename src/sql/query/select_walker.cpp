// SELECT statements: WITH, compound cores, FROM (tables, aliases, joins,
// subqueries), result lists, and the walk over expressions that finds every
// column reference and checks the encrypted ones in their context.
#include <string>

#include "sql/query/statement_walker.h"

namespace cloister::sql::query {
namespace {

bool is_select_start(const Token& t) {
  return is_kw(t, "SELECT") || is_kw(t, "WITH") || is_kw(t, "VALUES");
}

bool is_join_word(const Token& t) {
  for (const char* w : {"JOIN", "LEFT", "RIGHT", "FULL", "INNER", "OUTER", "CROSS", "NATURAL"}) {
    if (is_kw(t, w)) return true;
  }
  return false;
}

bool is_clause_word(const Token& t) {
  for (const char* w : {"FROM", "WHERE", "GROUP", "HAVING", "WINDOW", "ORDER", "LIMIT"}) {
    if (is_kw(t, w)) return true;
  }
  return false;
}

}  // namespace

Result<std::size_t> StatementWalker::walk_with(std::size_t begin, std::size_t end, const Scope* parent) {
  std::size_t i = begin + 1;
  if (is_kw(toks_[i], "RECURSIVE")) ++i;
  while (i < end) {
    if (!is_name(i)) return refuse("syntax error in WITH: a CTE name is expected");
    cte_names_.insert(lowercase(toks_[i].value));
    table_cache_.erase(lowercase(toks_[i].value));
    ++i;
    if (is_op(toks_[i], "(")) i = match_[i] + 1;
    if (!is_kw(toks_[i], "AS")) return refuse("syntax error in WITH: AS is expected");
    ++i;
    if (is_kw(toks_[i], "NOT")) ++i;
    if (is_kw(toks_[i], "MATERIALIZED")) ++i;
    if (!is_op(toks_[i], "(")) return refuse("syntax error in WITH: '(' is expected");
    CLOISTER_RETURN_IF_ERROR(walk_select(i + 1, match_[i], parent, false));
    i = match_[i] + 1;
    if (!is_op(toks_[i], ",")) break;
    ++i;
  }
  return i;
}

bool uncertain_positions(const std::vector<ResultItem>& results) {
  bool uncertain = false;
  bool encrypted = false;
  for (const ResultItem& r : results) {
    uncertain = uncertain || r.uncertain;
    encrypted = encrypted || r.encrypted.has_value();
  }
  return uncertain && encrypted;
}

Status StatementWalker::walk_select(std::size_t begin, std::size_t end, const Scope* parent, bool may_output,
                                    std::vector<ResultItem>* first_results) {
  std::size_t i = begin;
  const int depth = depth_[begin];
  if (is_kw(toks_[i], "WITH")) {
    CLOISTER_ASSIGN_OR_RETURN(i, walk_with(i, end, parent));
  }
  // Compound cores: UNION [ALL], INTERSECT, EXCEPT at this level.
  std::vector<std::pair<std::size_t, std::size_t>> cores;
  bool compound_distinct = false;
  std::size_t core_begin = i;
  for (std::size_t j = i; j < end; j = skip_to_top_level(j + 1, end, depth)) {
    const Token& t = toks_[j];
    if (!is_kw(t, "UNION") && !is_kw(t, "INTERSECT") && !is_kw(t, "EXCEPT")) continue;
    cores.emplace_back(core_begin, j);
    if (is_kw(t, "UNION") && is_kw(toks_[j + 1], "ALL")) {
      ++j;
    } else {
      compound_distinct = true;
    }
    core_begin = j + 1;
  }
  cores.emplace_back(core_begin, end);
  std::vector<ResultItem> first;
  for (std::size_t k = 0; k < cores.size(); ++k) {
    std::vector<ResultItem> results;
    CLOISTER_RETURN_IF_ERROR(
        walk_core(cores[k].first, cores[k].second, parent, may_output, compound_distinct, results));
    if (k == 0) {
      first = std::move(results);
      continue;
    }
    if (uncertain_positions(first) || uncertain_positions(results))
      return refuse(
          "a compound SELECT with encrypted columns must list its columns, not * over a subquery, "
          "CTE or USING/NATURAL join");
    // A compound's column is encrypted alike in every core, or plaintext in all.
    for (std::size_t c = 0; c < first.size() && c < results.size(); ++c) {
      const auto& a = first[c].encrypted;
      const auto& b = results[c].encrypted;
      if (!a && !b) continue;
      if (!a || !b || !same_encryption(a->encryption, b->encryption))
        return refuse(
            "result column " + std::to_string(c + 1) +
            " of a compound SELECT must be encrypted alike (same key and encryption) in every part, "
            "or plaintext in all");
    }
  }
  if (first_results != nullptr) *first_results = std::move(first);
  return Status::ok();
}

Status StatementWalker::walk_core(std::size_t begin, std::size_t end, const Scope* parent, bool may_output,
                                  bool compound_distinct, std::vector<ResultItem>& results) {
  Scope scope;
  scope.parent = parent;
  scope.depth = depth_[begin];
  scope.may_output_encrypted = may_output;
  if (begin >= end) return refuse("syntax error: an empty SELECT");
  if (is_kw(toks_[begin], "VALUES")) return walk_expr(begin + 1, end, scope, Clause::expression);
  if (!is_kw(toks_[begin], "SELECT"))
    return refuse("syntax error: SELECT expected near '" + std::string(toks_[begin].text) + "'");
  std::size_t list_begin = begin + 1;
  if (is_kw(toks_[list_begin], "DISTINCT")) {
    scope.distinct = true;
    ++list_begin;
  } else if (is_kw(toks_[list_begin], "ALL")) {
    ++list_begin;
  }
  scope.distinct = scope.distinct || compound_distinct;
  // The clauses at this level, in order.
  std::vector<std::size_t> marks;
  for (std::size_t j = list_begin; j < end; j = skip_to_top_level(j + 1, end, scope.depth)) {
    if (is_clause_word(toks_[j])) marks.push_back(j);
  }
  marks.push_back(end);
  auto clause_end = [&](std::size_t k) { return marks[k + 1]; };
  const std::size_t list_end = marks.front();
  bool where = false;
  for (std::size_t k = 0; k + 1 < marks.size(); ++k) {
    if (is_kw(toks_[marks[k]], "FROM"))
      CLOISTER_RETURN_IF_ERROR(walk_from(marks[k] + 1, clause_end(k), scope));
    where = where || is_kw(toks_[marks[k]], "WHERE");
  }
  scope.sorts_whole_table =
      parent == nullptr && !where && scope.tables.size() == 1 && scope.tables.front().columns.has_value();
  CLOISTER_RETURN_IF_ERROR(collect_results(list_begin, list_end, scope));
  results = scope.results;
  CLOISTER_RETURN_IF_ERROR(walk_expr(list_begin, list_end, scope, Clause::select_list));
  for (std::size_t k = 0; k + 1 < marks.size(); ++k) {
    const Token& t = toks_[marks[k]];
    const std::size_t b = marks[k] + 1;
    const std::size_t e = clause_end(k);
    if (is_kw(t, "FROM")) continue;
    if (is_kw(t, "GROUP") || is_kw(t, "ORDER")) {
      if (!is_kw(toks_[b], "BY")) return refuse("syntax error: BY expected after " + std::string(t.text));
      const Clause clause = is_kw(t, "GROUP") ? Clause::group_by : Clause::order_by;
      CLOISTER_RETURN_IF_ERROR(check_positional(b + 1, e, scope, clause));
      CLOISTER_RETURN_IF_ERROR(walk_expr(b + 1, e, scope, clause));
    } else {
      CLOISTER_RETURN_IF_ERROR(walk_expr(b, e, scope, Clause::expression));
    }
  }
  return Status::ok();
}

Status StatementWalker::walk_from(std::size_t begin, std::size_t end, Scope& scope) {
  std::size_t i = begin;
  bool natural = false;
  while (i < end) {
    TableRef table;
    if (is_op(toks_[i], "(")) {
      if (!is_select_start(toks_[i + 1]))
        return refuse("parenthesized joins in FROM are not supported: list the tables without parentheses");
      CLOISTER_RETURN_IF_ERROR(walk_select(i + 1, match_[i], scope.parent, false));
      i = match_[i] + 1;
    } else if (is_name(i)) {
      table.name = toks_[i].value;
      ++i;
      if (is_op(toks_[i], ".") && is_name(i + 1)) {  // schema.table
        table.name = toks_[i + 1].value;
        i += 2;
      }
      if (is_op(toks_[i], "(")) {  // a table-valued function
        CLOISTER_RETURN_IF_ERROR(walk_expr(i + 1, match_[i], scope, Clause::expression));
        i = match_[i] + 1;
      } else {
        table.columns = table_columns(table.name);
      }
    } else {
      return refuse("syntax error in FROM near '" + std::string(toks_[i].text) + "'");
    }
    if (is_kw(toks_[i], "AS")) {
      ++i;
      if (!is_name(i)) return refuse("syntax error: an alias is expected after AS");
      table.alias = toks_[i++].value;
    } else if ((toks_[i].kind == TokenKind::identifier && (toks_[i].quoted || !is_keyword(toks_[i].text))) ||
               toks_[i].kind == TokenKind::string) {
      table.alias = toks_[i++].value;
    }
    if (is_kw(toks_[i], "INDEXED") && is_kw(toks_[i + 1], "BY")) i += 3;
    if (is_kw(toks_[i], "NOT") && is_kw(toks_[i + 1], "INDEXED")) i += 2;
    if (natural) {
      scope.merging_join = true;
      std::vector<std::string> names;
      if (table.columns) {
        for (const CatalogColumn& c : *table.columns) names.push_back(c.name);
      }
      CLOISTER_RETURN_IF_ERROR(join_columns(scope, table, names));
    }
    scope.tables.push_back(table);
    if (is_kw(toks_[i], "ON")) {
      std::size_t e = i + 1;
      while (e < end && !is_op(toks_[e], ",") && !is_join_word(toks_[e]))
        e = skip_to_top_level(e + 1, end, scope.depth);
      CLOISTER_RETURN_IF_ERROR(walk_expr(i + 1, e, scope, Clause::expression));
      i = e;
    } else if (is_kw(toks_[i], "USING") && is_op(toks_[i + 1], "(")) {
      scope.merging_join = true;
      std::vector<std::string> names;
      for (std::size_t j = i + 2; j < match_[i + 1]; ++j) {
        if (is_name(j)) names.push_back(toks_[j].value);
      }
      scope.tables.pop_back();
      CLOISTER_RETURN_IF_ERROR(join_columns(scope, table, names));
      scope.tables.push_back(table);
      i = match_[i + 1] + 1;
    }
    if (i >= end) break;
    natural = false;
    if (is_op(toks_[i], ",")) {
      ++i;
      continue;
    }
    if (!is_join_word(toks_[i]))
      return refuse("syntax error in FROM near '" + std::string(toks_[i].text) + "'");
    while (i < end && is_join_word(toks_[i]) && !is_kw(toks_[i], "JOIN")) {
      if (is_kw(toks_[i], "NATURAL")) natural = true;
      ++i;
    }
    if (!is_kw(toks_[i], "JOIN")) return refuse("syntax error in FROM: JOIN expected");
    ++i;
  }
  return Status::ok();
}

// USING (names) and NATURAL joins compare same-named columns of the new
// table and the tables before it: both encrypted alike, or both plaintext.
Status StatementWalker::join_columns(Scope& scope, const TableRef& right,
                                     const std::vector<std::string>& names) {
  for (const std::string& name : names) {
    CLOISTER_ASSIGN_OR_RETURN(auto r, resolve_in_table(right, name));
    std::optional<EncryptedColumnUse> l;
    bool found = false;
    for (const TableRef& t : scope.tables) {
      if (!t.columns) {
        if (r) return refuse(describe(*r) + ": it cannot be joined to a subquery or CTE");
        continue;
      }
      for (const CatalogColumn& c : *t.columns) {
        if (!iequals(c.name, name)) continue;
        CLOISTER_ASSIGN_OR_RETURN(l, resolve_in_table(t, name));
        found = true;
        break;
      }
      if (found) break;
    }
    if (!found || (!l && !r)) continue;
    if (!l || !r || !same_encryption(l->encryption, r->encryption))
      return refuse("join on " + name +
                    ": both sides must be encrypted with the same key and encryption type");
    if (l->encryption.encryption == EncryptionType::randomized && !l->encryption.enclave_enabled)
      return refuse(l->table + "." + name + " is encrypted with " + l->encryption.cek_name +
                    ", whose column master key is not enclave-enabled: a join needs the enclave");
    const bool enclave = l->encryption.encryption == EncryptionType::randomized;
    record_use(*l, enclave);
    record_use(*r, enclave);
  }
  return Status::ok();
}

// The result columns, for aliases (WHERE/ORDER BY may name them) and for
// ORDER BY / GROUP BY by position.
Status StatementWalker::collect_results(std::size_t begin, std::size_t end, Scope& scope) {
  std::size_t i = begin;
  while (i < end) {
    std::size_t e = i;
    while (e < end && !is_op(toks_[e], ",")) e = skip_to_top_level(e + 1, end, scope.depth);
    ResultItem item;
    std::size_t expr_end = e;
    if (e >= i + 2 && is_name(e - 1)) {
      if (is_kw(toks_[e - 2], "AS")) {
        item.alias = toks_[e - 1].value;
        expr_end = e - 2;
      } else if (operand_end(e - 2) && (toks_[e - 1].quoted || !is_keyword(toks_[e - 1].text))) {
        item.alias = toks_[e - 1].value;
        expr_end = e - 1;
      }
    }
    if (is_op(toks_[i], "*") || (expr_end == i + 3 && is_op(toks_[i + 2], "*"))) {
      for (const TableRef& t : scope.tables) {
        if (expr_end == i + 3 && !iequals(t.exposed_name(), toks_[i].value)) continue;
        if (t.qualified_only) continue;
        if (!t.columns) {
          ResultItem opaque;
          opaque.uncertain = true;
          scope.results.push_back(std::move(opaque));
          continue;
        }
        const std::size_t first_of_table = scope.results.size();
        for (const CatalogColumn& c : *t.columns) {
          if (!c.encryption) {
            ResultItem plain;
            plain.alias = c.name;
            scope.results.push_back(std::move(plain));
            continue;
          }
          EncryptedColumnUse use{t.name, c.name, *c.encryption, false};
          if (!scope.may_output_encrypted)
            return refuse(
                describe(use) +
                ": it cannot be a result of a subquery, CTE or view (only of the statement itself)");
          if (scope.distinct) {
            if (use.encryption.encryption == EncryptionType::deterministic) {
              record_use(use, false);
            } else if (!use.encryption.enclave_enabled) {
              return refuse(use.table + "." + use.column + " is encrypted with " + use.encryption.cek_name +
                            ", whose column master key is not enclave-enabled: 'DISTINCT' needs the enclave");
            } else {
              record_use(use, true, scope.sorts_whole_table);
            }
          } else {
            record_use(use, false);
          }
          ResultItem star;
          star.alias = c.name;
          star.encrypted = use;
          scope.results.push_back(std::move(star));
        }
        if (scope.merging_join && first_of_table < scope.results.size())
          scope.results[first_of_table].uncertain = true;
      }
    } else {
      std::size_t s = i;
      std::size_t s_end = expr_end;
      if (expr_end > i + 2 && is_op(toks_[i + 1], "(") && match_[i + 1] == expr_end - 1 &&
          (iequals(toks_[i].value, "min") || iequals(toks_[i].value, "max"))) {
        s = i + 2;
        s_end = expr_end - 1;
      }
      if (s < s_end && is_ref_start(s)) {
        const ColumnRef ref = parse_ref(s);
        if (ref.end == s_end) {
          auto r = resolve(scope, ref);
          if (r.is_ok()) item.encrypted = *r;
        }
      }
      scope.results.push_back(std::move(item));
    }
    i = e + 1;
  }
  return Status::ok();
}

// ORDER BY 2 / GROUP BY 2 name a result column by position.
Status StatementWalker::check_positional(std::size_t begin, std::size_t end, const Scope& scope,
                                         Clause clause) {
  for (std::size_t i = begin; i < end; ++i) {
    if (toks_[i].kind != TokenKind::number || depth_[i] != scope.depth) continue;
    if (!(is_op(toks_[i - 1], ",") || is_kw(toks_[i - 1], "BY"))) continue;
    const std::string_view text = toks_[i].text;
    if (text.size() > 6) continue;
    std::size_t n = 0;
    for (char c : text) n = c >= '0' && c <= '9' ? n * 10 + (c - '0') : 0;
    if (uncertain_positions(scope.results))
      return refuse(
          "ORDER BY or GROUP BY a column number needs the columns listed, not * over a subquery, CTE "
          "or USING/NATURAL join, when some are encrypted");
    if (n == 0 || n > scope.results.size() || !scope.results[n - 1].encrypted) continue;
    const EncryptedColumnUse& use = *scope.results[n - 1].encrypted;
    const bool order = clause == Clause::order_by;
    if (use.encryption.encryption == EncryptionType::deterministic) {
      if (order) return refuse(describe(use) + ": only equality is supported, not 'ORDER BY'");
      record_use(use, false);
    } else if (!use.encryption.enclave_enabled) {
      return refuse(use.table + "." + use.column + " is encrypted with " + use.encryption.cek_name +
                    ", whose column master key is not enclave-enabled: '" +
                    (order ? "ORDER BY" : "GROUP BY") + "' needs the enclave");
    } else {
      record_use(use, true, scope.sorts_whole_table);
    }
  }
  return Status::ok();
}

Status StatementWalker::walk_expr(std::size_t begin, std::size_t end, Scope& scope, Clause clause) {
  std::size_t i = begin;
  while (i < end) {
    const Token& t = toks_[i];
    if (is_op(t, "(") && is_select_start(toks_[i + 1])) {
      if (!walked_subqueries_.contains(i))
        CLOISTER_RETURN_IF_ERROR(walk_select(i + 1, match_[i], &scope, false));
      i = match_[i] + 1;
      continue;
    }
    if ((is_kw(t, "AS") || is_kw(t, "COLLATE")) && is_name(i + 1)) {  // an alias, a CAST type or a collation
      i += 2;
      continue;
    }
    if (is_op(t, ".") && i + 1 < end) {  // t.* or a stray name part
      i += 2;
      continue;
    }
    if (!is_ref_start(i)) {
      ++i;
      continue;
    }
    if (is_op(toks_[i + 1], "(")) {  // a function name
      ++i;
      continue;
    }
    if (is_op(toks_[i + 1], ".") && is_op(toks_[i + 2], "*")) {
      i += 3;
      continue;
    }
    // A result column's alias written without AS: `SELECT salary s`.
    if ((clause == Clause::select_list || clause == Clause::returning) && depth_[i] == scope.depth &&
        i > begin && (i + 1 == end || is_op(toks_[i + 1], ",")) && operand_end(i - 1)) {
      ++i;
      continue;
    }
    const ColumnRef ref = parse_ref(i);
    if (ref.qualifier.empty() && !t.quoted && t.kind == TokenKind::identifier && is_keyword(t.text)) {
      if (encrypted_names_.contains(lowercase(t.value)))
        return refuse("'" + t.value +
                      "' is both a keyword and an encrypted column's name: write it \"quoted\"");
      ++i;
      continue;
    }
    std::optional<EncryptedColumnUse> use;
    bool by_alias = false;
    if ((clause == Clause::order_by || clause == Clause::group_by) && ref.qualifier.empty()) {
      // ORDER BY and GROUP BY take a result column's alias before a table's column.
      for (const ResultItem& r : scope.results) {
        if (!r.alias.empty() && iequals(r.alias, ref.column)) {
          use = r.encrypted;
          by_alias = true;
          break;
        }
      }
    }
    if (!by_alias) {
      CLOISTER_ASSIGN_OR_RETURN(use, resolve(scope, ref));
    }
    if (use) {
      ContextChecker checker(*this, scope, clause);
      CLOISTER_RETURN_IF_ERROR(checker.check(ref.begin, ref.end, *use));
    }
    i = ref.end;
  }
  return Status::ok();
}

}  // namespace cloister::sql::query
