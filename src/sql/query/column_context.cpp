// The contexts an encrypted column reference may appear in, recognised on
// the tokens around it (see statement_analysis.h for the list). Anything
// else is refused with a message naming the column and the construct.
#include <string>

#include "sql/query/statement_walker.h"

namespace cloister::sql::query {
namespace {

bool is_comparison(const Token& t) {
  for (const char* op : {"=", "==", "<>", "!=", "<", "<=", ">", ">="}) {
    if (is_op(t, op)) return true;
  }
  return false;
}
bool is_equality(const Token& t) {
  return is_op(t, "=") || is_op(t, "==") || is_op(t, "<>") || is_op(t, "!=");
}
bool is_literal(const Token& t) {
  return t.kind == TokenKind::string || t.kind == TokenKind::number || t.kind == TokenKind::blob ||
         t.kind == TokenKind::hex || is_kw(t, "TRUE") || is_kw(t, "FALSE") || is_kw(t, "CURRENT_DATE") ||
         is_kw(t, "CURRENT_TIME") || is_kw(t, "CURRENT_TIMESTAMP");
}
bool is_arithmetic(const Token& t) {
  for (const char* op : {"+", "-", "*", "/", "%", "||", "&", "|", "~", "<<", ">>", "->", "->>"}) {
    if (is_op(t, op)) return true;
  }
  return false;
}

}  // namespace

const Token& ContextChecker::tok(std::size_t i) const {
  return w_.toks_[std::min(i, w_.toks_.size() - 1)];
}

// Where an expression may start such that a comparison is a whole operand
// of AND/OR/NOT or the whole of WHERE/ON/HAVING/WHEN or a parenthesis.
bool ContextChecker::left_boundary(std::size_t i) const {
  const Token& t = tok(i);
  if (is_any_kw(t, {"WHERE", "OR", "ON", "HAVING", "WHEN"}) || is_op(t, "(")) return true;
  if (is_kw(t, "AND")) return !w_.between_and_[i];
  if (is_kw(t, "NOT") && i > 0) return left_boundary(i - 1);
  return false;
}

bool ContextChecker::right_boundary(std::size_t i) const {
  const Token& t = tok(i);
  if (i >= w_.stmt_end_ || t.kind == TokenKind::end || is_op(t, ")") || is_op(t, ";") || is_op(t, ","))
    return true;
  return is_any_kw(t, {"AND",   "OR",     "THEN",      "GROUP",     "ORDER", "LIMIT", "HAVING", "WINDOW",
                       "UNION", "EXCEPT", "INTERSECT", "RETURNING", "JOIN",  "LEFT",  "RIGHT",  "FULL",
                       "INNER", "CROSS",  "NATURAL",   "WHERE",     "FROM",  "DO"});
}

Status ContextChecker::require(const EncryptedColumnUse& use, Need need, std::string_view construct) {
  const ColumnEncryption& e = use.encryption;
  if (e.encryption == EncryptionType::deterministic) {
    if (need == Need::equality || need == Need::index || need == Need::group) {
      w_.record_use(use, false);
      return Status::ok();
    }
    return refuse(describe(use) + ": only equality is supported, not '" + std::string(construct) + "'");
  }
  if (!e.enclave_enabled)
    return refuse(use.table + "." + use.column + " is encrypted with " + e.cek_name +
                  ", whose column master key is not enclave-enabled: '" + std::string(construct) +
                  "' needs the enclave");
  if (need == Need::like && e.sql_type != SqlType::varchar && e.sql_type != SqlType::nvarchar)
    return refuse(describe(use) + ": LIKE needs a string column, not " + std::string(to_string(e.sql_type)));
  const bool self_compared = need == Need::group || need == Need::sort || need == Need::index;
  w_.record_use(use, true, self_compared && scope_.sorts_whole_table);
  return Status::ok();
}

// A parameter bound to the column, or another column with the same encryption.
Status ContextChecker::operand_at(std::size_t begin, std::size_t end, const EncryptedColumnUse& use,
                                  std::string_view construct) {
  const Token& t = tok(begin);
  if (t.kind == TokenKind::parameter && end == begin + 1) {
    EncryptedColumnUse bound = use;
    bound.needs_enclave = use.encryption.encryption == EncryptionType::randomized;
    w_.bound_[begin] = bound;
    return Status::ok();
  }
  if (is_kw(t, "NULL") && end == begin + 1)
    return refuse(describe(use) + ": '" + std::string(construct) + " NULL' is never true; use IS NULL");
  if (is_literal(t) || ((is_op(t, "-") || is_op(t, "+")) && end == begin + 2 && is_literal(tok(begin + 1))))
    return refuse(describe(use) + ": compare it with a parameter, not a literal");
  if (w_.is_ref_start(begin) && !is_op(tok(begin + 1), "(")) {
    const ColumnRef ref = w_.parse_ref(begin);
    if (ref.end == end) {
      CLOISTER_ASSIGN_OR_RETURN(auto other, w_.resolve(scope_, ref));
      if (!other)
        return refuse(describe(use) + ": it cannot be compared with plaintext column " +
                      (ref.qualifier.empty() ? "" : ref.qualifier + ".") + ref.column);
      if (other->encryption.cek_id != use.encryption.cek_id)
        return refuse(describe(use) + " with " + use.encryption.cek_name + " and " + other->table + "." +
                      other->column + " with " + other->encryption.cek_name +
                      ": columns encrypted with different keys cannot be compared");
      if (!same_encryption(other->encryption, use.encryption))
        return refuse(describe(use) + ": " + other->table + "." + other->column +
                      " has a different encryption type or SQL type, so they cannot be compared");
      return Status::ok();
    }
  }
  return refuse(describe(use) + ": '" + std::string(construct) +
                "' needs a parameter or a column encrypted with the same key on its other side");
}

// The end of the operand starting at i, which operand_at then checks.
Result<std::size_t> ContextChecker::operand(std::size_t i, const EncryptedColumnUse& use,
                                            std::string_view construct) {
  std::size_t end = i + 1;
  if ((is_op(tok(i), "-") || is_op(tok(i), "+")) && is_literal(tok(i + 1))) {
    end = i + 2;
  } else if (w_.is_ref_start(i) && !is_op(tok(i + 1), "(")) {
    end = w_.parse_ref(i).end;
  }
  if (is_kw(tok(end), "COLLATE"))
    return refuse(describe(use) + ": COLLATE cannot override an encrypted column's collation");
  if (!right_boundary(end))
    return refuse(describe(use) + ": '" + std::string(construct) +
                  "' must have a single parameter or column on its other side");
  CLOISTER_RETURN_IF_ERROR(operand_at(i, end, use, construct));
  return end;
}

Result<bool> ContextChecker::comparison(std::size_t begin, std::size_t end, const EncryptedColumnUse& use) {
  std::size_t op = 0;
  if (is_comparison(tok(end)) && left_boundary(begin - 1)) {
    op = end;
    const std::string construct(tok(op).text);
    CLOISTER_RETURN_IF_ERROR(require(use, is_equality(tok(op)) ? Need::equality : Need::order, construct));
    CLOISTER_ASSIGN_OR_RETURN(std::size_t after, operand(op + 1, use, construct));
    (void)after;
    return true;
  }
  if (begin >= 2 && is_comparison(tok(begin - 1)) && right_boundary(end)) {
    op = begin - 1;
    const std::string construct(tok(op).text);
    // The operand before the operator: a parameter, literal or column ref.
    std::size_t start = op - 1;
    while (start >= 2 && is_op(tok(start - 1), ".") && w_.is_ref_start(start - 2)) start -= 2;
    if (start >= 1 && (is_op(tok(start - 1), "-") || is_op(tok(start - 1), "+")) && is_literal(tok(start)) &&
        left_boundary(start - 2))
      --start;
    if (start == 0 || !left_boundary(start - 1))
      return refuse(describe(use) + ": '" + construct +
                    "' must have a single parameter or column on its other side");
    CLOISTER_RETURN_IF_ERROR(require(use, is_equality(tok(op)) ? Need::equality : Need::order, construct));
    CLOISTER_RETURN_IF_ERROR(operand_at(start, op, use, construct));
    return true;
  }
  return false;
}

// IS [NOT] NULL, ISNULL, NOTNULL, [NOT] BETWEEN, [NOT] IN (...), [NOT] LIKE.
Result<bool> ContextChecker::predicate(std::size_t begin, std::size_t end, const EncryptedColumnUse& use) {
  if (!left_boundary(begin - 1)) return false;
  std::size_t i = end;
  if (is_kw(tok(i), "ISNULL") || is_kw(tok(i), "NOTNULL")) {
    if (!right_boundary(i + 1)) return false;
    w_.record_use(use, false);
    return true;
  }
  if (is_kw(tok(i), "IS") || (is_kw(tok(i), "NOT") && is_kw(tok(i + 1), "NULL"))) {
    if (is_kw(tok(i), "IS")) ++i;
    if (is_kw(tok(i), "NOT")) ++i;
    if (!is_kw(tok(i), "NULL") || !right_boundary(i + 1)) return false;
    w_.record_use(use, false);
    return true;
  }
  const bool negated = is_kw(tok(i), "NOT");
  if (negated) ++i;
  if (is_kw(tok(i), "BETWEEN")) {
    CLOISTER_RETURN_IF_ERROR(require(use, Need::order, "BETWEEN"));
    std::size_t lo_end = i + 2;
    if (w_.is_ref_start(i + 1) && !is_op(tok(i + 2), "(")) lo_end = w_.parse_ref(i + 1).end;
    if (!is_kw(tok(lo_end), "AND"))
      return refuse(describe(use) + ": BETWEEN needs a parameter on each side of AND");
    CLOISTER_RETURN_IF_ERROR(operand_at(i + 1, lo_end, use, "BETWEEN"));
    CLOISTER_ASSIGN_OR_RETURN(std::size_t after, operand(lo_end + 1, use, "BETWEEN"));
    (void)after;
    return true;
  }
  if (is_kw(tok(i), "IN")) {
    CLOISTER_RETURN_IF_ERROR(require(use, Need::equality, "IN"));
    if (!is_op(tok(i + 1), "("))
      return refuse(describe(use) + ": IN needs a list of parameters or a subquery, not a table");
    const std::size_t close = w_.match_[i + 1];
    if (!right_boundary(close + 1)) return false;
    if (is_any_kw(tok(i + 2), {"SELECT", "WITH"})) {
      // c IN (SELECT d ...): one result column, encrypted like c. The
      // subquery's own scope sees this one as its parent.
      std::vector<ResultItem> results;
      CLOISTER_RETURN_IF_ERROR(w_.walk_select(i + 2, close, &scope_, true, &results));
      w_.walked_subqueries_.insert(i + 1);
      if (results.size() != 1 || results[0].uncertain || !results[0].encrypted ||
          !same_encryption(results[0].encrypted->encryption, use.encryption))
        return refuse(describe(use) +
                      ": IN (SELECT ...) must select one column encrypted with the same key, "
                      "encryption type and SQL type");
      return true;
    }
    if (is_kw(tok(i + 2), "VALUES")) return refuse(describe(use) + ": IN needs parameters, not VALUES");
    for (std::size_t j = i + 2; j < close;) {
      std::size_t item_end = j + 1;
      if (w_.is_ref_start(j) && !is_op(tok(j + 1), "(")) item_end = w_.parse_ref(j).end;
      if (item_end != close && !is_op(tok(item_end), ","))
        return refuse(describe(use) + ": IN needs a list of parameters");
      CLOISTER_RETURN_IF_ERROR(operand_at(j, item_end, use, "IN"));
      j = item_end + 1;
    }
    return true;
  }
  if (is_kw(tok(i), "LIKE")) {
    CLOISTER_RETURN_IF_ERROR(require(use, Need::like, "LIKE"));
    if (tok(i + 1).kind != TokenKind::parameter || !right_boundary(i + 2))
      return refuse(describe(use) + ": LIKE needs a single parameter as its pattern (no ESCAPE)");
    CLOISTER_RETURN_IF_ERROR(operand_at(i + 1, i + 2, use, "LIKE"));
    w_.like_patterns_.insert(i + 1);
    const Token& first = tok(begin);
    const Token& pattern = tok(i + 1);
    const std::size_t span_end = pattern.offset + pattern.text.size();
    std::string text = negated ? "NOT cloister_like(" : "cloister_like(";
    text += std::string(
        w_.sql_.substr(first.offset, tok(end - 1).offset + tok(end - 1).text.size() - first.offset));
    // The key and type ride along: the function gets values only, and the
    // enclave needs to know which key opens them and how to compare.
    text += ", " + std::string(pattern.text) + ", " + std::to_string(use.encryption.cek_id) + ", '" +
            std::string(to_string(use.encryption.sql_type)) + "')";
    w_.edits_.push_back({first.offset, span_end - first.offset, std::move(text)});
    return true;
  }
  return false;
}

// Result lists, GROUP BY, ORDER BY, UPDATE SET targets: by their position in the clause.
Result<bool> ContextChecker::positional(std::size_t begin, std::size_t end, const EncryptedColumnUse& use) {
  if (w_.depth_[begin] != scope_.depth) return false;
  const Token& prev = tok(begin - 1);
  const Token& next = tok(end);
  const bool listed = is_op(prev, ",");
  switch (clause_) {
    case Clause::select_list:
    case Clause::returning: {
      if (!listed && !is_any_kw(prev, {"SELECT", "DISTINCT", "ALL", "RETURNING"})) return false;
      const bool alias = (next.kind == TokenKind::identifier && (next.quoted || !is_keyword(next.text))) ||
                         next.kind == TokenKind::string;
      if (!alias && !is_kw(next, "AS") && !is_kw(next, "FROM") && !right_boundary(end)) return false;
      if (!scope_.may_output_encrypted)
        return refuse(describe(use) +
                      ": it cannot be a result of a subquery, CTE or view (only of the statement itself)");
      if (scope_.distinct) {
        CLOISTER_RETURN_IF_ERROR(require(use, Need::group, "DISTINCT"));
      } else {
        w_.record_use(use, false);
      }
      return true;
    }
    case Clause::group_by:
      if (!listed && !is_kw(prev, "BY")) return false;
      if (!right_boundary(end)) return false;
      CLOISTER_RETURN_IF_ERROR(require(use, Need::group, "GROUP BY"));
      return true;
    case Clause::order_by:
      if (!listed && !is_kw(prev, "BY")) return false;
      if (!right_boundary(end) && !is_any_kw(next, {"ASC", "DESC", "NULLS"})) return false;
      CLOISTER_RETURN_IF_ERROR(require(use, Need::sort, "ORDER BY"));
      return true;
    case Clause::set:
      if ((listed || is_kw(prev, "SET")) && is_op(next, "=")) {
        if (is_kw(tok(end + 1), "NULL") && (right_boundary(end + 2) || is_kw(tok(end + 2), "FROM"))) {
          w_.record_use(use, false);
          return true;
        }
        CLOISTER_ASSIGN_OR_RETURN(std::size_t after, operand(end + 1, use, "SET"));
        if (!right_boundary(after) && !is_kw(tok(after), "FROM"))
          return refuse(describe(use) + ": store a parameter in it, not an expression");
        w_.record_use(use, false);
        return true;
      }
      // The value side of `target = c`: operand() above checked the pair.
      if (is_op(prev, "=") && begin >= 3 && w_.is_name(begin - 2) &&
          (is_kw(tok(begin - 3), "SET") || is_op(tok(begin - 3), ","))) {
        ColumnRef target;
        target.begin = begin - 2;
        target.end = begin - 1;
        target.column = tok(begin - 2).value;
        CLOISTER_ASSIGN_OR_RETURN(auto t, w_.resolve(scope_, target));
        if (t && same_encryption(t->encryption, use.encryption)) return true;
        return refuse(describe(use) + ": it can only be stored in a column encrypted with the same key");
      }
      return false;
    case Clause::index_columns:
      if (!listed && !is_op(prev, "(")) return false;
      if (!is_op(next, ",") && !is_op(next, ")") && !is_any_kw(next, {"ASC", "DESC"})) return false;
      CLOISTER_RETURN_IF_ERROR(require(use, Need::index, "CREATE INDEX"));
      if (use.encryption.encryption == EncryptionType::randomized && !use.encryption.enclave_enabled)
        return refuse(use.table + "." + use.column + " is encrypted with " + use.encryption.cek_name +
                      ", whose column master key is not enclave-enabled: an index needs the enclave");
      return true;
    case Clause::expression:
      return false;
  }
  return false;
}

Status ContextChecker::refusal(std::size_t begin, std::size_t end, const EncryptedColumnUse& use) {
  const Token& next = tok(end);
  const Token& prev = tok(begin - 1);
  if (is_kw(next, "COLLATE") || is_kw(prev, "COLLATE"))
    return refuse(describe(use) + ": COLLATE cannot override an encrypted column's collation");
  if (is_arithmetic(next))
    return refuse(use.table + "." + use.column + " is encrypted: '" + std::string(next.text) +
                  "' is not supported on encrypted columns");
  if (is_arithmetic(prev) && !is_op(prev, "("))
    return refuse(use.table + "." + use.column + " is encrypted: '" + std::string(prev.text) +
                  "' is not supported on encrypted columns");
  // Inside a function's arguments: name the function.
  if (w_.depth_[begin] > 0) {
    std::size_t open = begin;
    while (open > 0 && !(is_op(tok(open - 1), "(") && w_.depth_[open - 1] == w_.depth_[begin] - 1)) --open;
    if (open >= 2 && tok(open - 2).kind == TokenKind::identifier &&
        (tok(open - 2).quoted || !is_reserved_word(tok(open - 2).text)))
      return refuse(use.table + "." + use.column + " is encrypted: function '" + tok(open - 2).value +
                    "' is not supported on encrypted columns (only COUNT, and MIN/MAX with the enclave)");
  }
  if (is_any_kw(next, {"GLOB", "REGEXP", "MATCH", "ESCAPE"}) || is_kw(tok(end + 1), "GLOB"))
    return refuse(use.table + "." + use.column + " is encrypted: '" + std::string(next.text) +
                  "' is not supported on encrypted columns");
  if (is_comparison(next) || is_comparison(prev))
    return refuse(describe(use) +
                  ": a comparison with it must stand alone between AND/OR/WHERE/ON, "
                  "with a parameter or a same-key column on its other side");
  return refuse(describe(use) + ": not supported in this position (near '" +
                std::string(next.kind == TokenKind::end ? prev.text : next.text) + "')");
}

Status ContextChecker::check(std::size_t begin, std::size_t end, const EncryptedColumnUse& use) {
  // COUNT(c), COUNT(DISTINCT c): a plaintext result.
  if (begin >= 2 && is_op(tok(end), ")")) {
    std::size_t open = begin - 1;
    const bool distinct = is_kw(tok(open), "DISTINCT");
    if (distinct) --open;
    if (open >= 1 && is_op(tok(open), "(") && tok(open - 1).kind == TokenKind::identifier) {
      const Token& fn = tok(open - 1);
      if (iequals(fn.value, "count") && !is_op(tok(open - 2), ".")) {
        if (distinct) return require(use, Need::group, "COUNT(DISTINCT)");
        w_.record_use(use, false);
        return Status::ok();
      }
      if ((iequals(fn.value, "min") || iequals(fn.value, "max")) && !distinct && !is_op(tok(open - 2), ".")) {
        CLOISTER_RETURN_IF_ERROR(require(use, Need::sort, lowercase(fn.value)));
        return check(open - 1, end + 1, use);  // the aggregate is an encrypted value where it stands
      }
    }
  }
  // cloister_like(c, p, <key id>, '<type>'), as the LIKE rewrite writes it,
  // with the key and type of c itself.
  if (begin >= 2 && is_op(tok(begin - 1), "(") && tok(begin - 2).kind == TokenKind::identifier &&
      iequals(tok(begin - 2).value, "cloister_like") && is_op(tok(end), ",") &&
      tok(end + 1).kind == TokenKind::parameter && is_op(tok(end + 2), ",") &&
      tok(end + 3).text == std::to_string(use.encryption.cek_id) && is_op(tok(end + 4), ",") &&
      tok(end + 5).text == "'" + std::string(to_string(use.encryption.sql_type)) + "'" &&
      is_op(tok(end + 6), ")") && left_boundary(begin - 3) && right_boundary(end + 7)) {
    CLOISTER_RETURN_IF_ERROR(require(use, Need::like, "LIKE"));
    w_.like_patterns_.insert(end + 1);
    return operand_at(end + 1, end + 2, use, "LIKE");
  }
  CLOISTER_ASSIGN_OR_RETURN(bool ok, positional(begin, end, use));
  if (ok) return Status::ok();
  CLOISTER_ASSIGN_OR_RETURN(ok, predicate(begin, end, use));
  if (ok) return Status::ok();
  CLOISTER_ASSIGN_OR_RETURN(ok, comparison(begin, end, use));
  if (ok) return Status::ok();
  return refusal(begin, end, use);
}

}  // namespace cloister::sql::query
