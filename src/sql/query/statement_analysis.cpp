// analyze_statement: tokenizes one statement, decides its kind from its
// leading words, and hands it to the part that understands it.
#include "sql/query/statement_analysis.h"

#include <string>

#include "sql/query/ddl.h"
#include "sql/query/statement_walker.h"
#include "sql/query/tokenizer.h"

namespace cloister::sql {

std::string collation_name(std::uint32_t cek_id, SqlType type) {
  return "cloister_enc_" + std::to_string(cek_id) + "_" + std::string(to_string(type));
}

namespace {

using query::is_kw;
using query::refuse;
using query::StatementWalker;

bool starts(const std::vector<query::Token>& t, std::size_t i, std::initializer_list<const char*> words) {
  for (const char* w : words) {
    if (!is_kw(t[i++], w)) return false;
  }
  return true;
}

// The statement from token i; `out.kind` is set by the caller's dispatch.
Status analyze_from(StatementWalker& w, std::size_t i, Analysis& out) {
  const auto& t = w.tokens();
  const std::size_t end = w.statement_end();
  if (is_kw(t[i], "SELECT") || is_kw(t[i], "VALUES")) {
    out.kind = StatementKind::query;
    return w.walk_query(i, end);
  }
  if (is_kw(t[i], "WITH")) {
    CLOISTER_ASSIGN_OR_RETURN(std::size_t after, w.walk_with(i, end, nullptr));
    if (is_kw(t[after], "SELECT") || is_kw(t[after], "VALUES")) {
      out.kind = StatementKind::query;
      return w.walk_query(after, end);
    }
    if (!is_kw(t[after], "INSERT") && !is_kw(t[after], "REPLACE") && !is_kw(t[after], "UPDATE") &&
        !is_kw(t[after], "DELETE"))
      return refuse("syntax error: SELECT, INSERT, UPDATE or DELETE expected after WITH");
    i = after;
  }
  if (is_kw(t[i], "INSERT") || is_kw(t[i], "REPLACE")) {
    out.kind = StatementKind::dml;
    // REPLACE INTO t ... is INSERT OR REPLACE INTO t ...
    return w.walk_insert(is_kw(t[i], "REPLACE") ? i : i, end);
  }
  if (is_kw(t[i], "UPDATE")) {
    out.kind = StatementKind::dml;
    return w.walk_update(i, end);
  }
  if (is_kw(t[i], "DELETE")) {
    out.kind = StatementKind::dml;
    return w.walk_delete(i, end);
  }
  if (starts(t, i, {"CREATE", "COLUMN", "MASTER", "KEY"})) {
    out.kind = StatementKind::create_cmk;
    CLOISTER_ASSIGN_OR_RETURN(out.create_cmk, query::parse_create_cmk(w, i + 4));
    return Status::ok();
  }
  if (starts(t, i, {"CREATE", "COLUMN", "ENCRYPTION", "KEY"})) {
    out.kind = StatementKind::create_cek;
    CLOISTER_ASSIGN_OR_RETURN(out.create_cek, query::parse_create_cek(w, i + 4));
    return Status::ok();
  }
  if (starts(t, i, {"DROP", "COLUMN", "MASTER", "KEY"})) {
    out.kind = StatementKind::drop_cmk;
    CLOISTER_ASSIGN_OR_RETURN(out.dropped_name, query::parse_dropped_name(w, i + 4));
    return Status::ok();
  }
  if (starts(t, i, {"DROP", "COLUMN", "ENCRYPTION", "KEY"})) {
    out.kind = StatementKind::drop_cek;
    CLOISTER_ASSIGN_OR_RETURN(out.dropped_name, query::parse_dropped_name(w, i + 4));
    return Status::ok();
  }
  if (is_kw(t[i], "CREATE")) {
    out.kind = StatementKind::ddl;
    std::size_t k = i + 1;
    if (is_kw(t[k], "TEMP") || is_kw(t[k], "TEMPORARY")) ++k;
    if (is_kw(t[k], "TABLE")) return query::rewrite_create_table(w, k, out);
    if (is_kw(t[k], "UNIQUE")) ++k;
    if (is_kw(t[k], "INDEX")) return w.walk_create_index(k, end);
    if (is_kw(t[k], "VIEW")) {
      std::size_t as = k;
      while (as < end && !(w.depth(as) == 0 && is_kw(t[as], "AS"))) ++as;
      if (as >= end) return refuse("syntax error: AS expected in CREATE VIEW");
      return w.walk_derived_select(as + 1, end);
    }
    if (is_kw(t[k], "TRIGGER")) return w.refuse_encrypted_names(k, end, "a trigger");
    if (is_kw(t[k], "VIRTUAL")) return w.refuse_encrypted_names(k, end, "a virtual table");
    return refuse("unsupported CREATE statement");
  }
  if (is_kw(t[i], "DROP")) {
    out.kind = StatementKind::ddl;
    if (is_kw(t[i + 1], "TABLE")) {
      std::size_t k = i + 2;
      if (is_kw(t[k], "IF") && is_kw(t[k + 1], "EXISTS")) k += 2;
      if (t[k].kind != query::TokenKind::identifier && t[k].kind != query::TokenKind::string)
        return refuse("syntax error: a table name is expected after DROP TABLE");
      out.dropped_table = t[k].value;
      if (query::is_op(t[k + 1], ".")) out.dropped_table = t[k + 2].value;
    }
    return Status::ok();
  }
  if (starts(t, i, {"ALTER", "TABLE"})) return query::analyze_alter_table(w, i + 2, out);
  for (const char* word : {"BEGIN", "COMMIT", "END", "ROLLBACK", "SAVEPOINT", "RELEASE"}) {
    if (is_kw(t[i], word)) {
      out.kind = StatementKind::transaction;
      return w.refuse_encrypted_names(i, end, "a transaction statement");
    }
  }
  for (const char* word : {"PRAGMA", "ANALYZE", "VACUUM", "REINDEX", "ATTACH", "DETACH"}) {
    if (is_kw(t[i], word)) {
      out.kind = StatementKind::other;
      return w.refuse_encrypted_names(i, end, word);
    }
  }
  return refuse("unsupported statement starting with '" + std::string(t[i].text) + "'");
}

}  // namespace

Result<Analysis> analyze_statement(std::string_view sql, const Catalog& catalog) {
  if (sql.size() > kMaxStatementBytes)
    return refuse("statement too long: " + std::to_string(sql.size()) + " bytes, at most " +
                  std::to_string(kMaxStatementBytes));
  CLOISTER_ASSIGN_OR_RETURN(auto tokens, query::tokenize(sql));
  Analysis out;
  StatementWalker w(sql, std::move(tokens), catalog, out);
  CLOISTER_RETURN_IF_ERROR(w.prepare());
  const auto& t = w.tokens();
  std::size_t i = 0;
  bool explain = false;
  if (is_kw(t[0], "EXPLAIN")) {
    explain = true;
    i = starts(t, 1, {"QUERY", "PLAN"}) ? 3 : 1;
    if (i >= w.statement_end()) return refuse("syntax error: a statement is expected after EXPLAIN");
  }
  CLOISTER_RETURN_IF_ERROR(analyze_from(w, i, out));
  if (explain) {
    if (out.kind != StatementKind::query && out.kind != StatementKind::dml && out.kind != StatementKind::ddl)
      return refuse("EXPLAIN of a Cloister catalog statement is not supported");
    out.kind = StatementKind::other;
    out.new_encrypted_columns.clear();
    out.dropped_table.clear();
  }
  switch (out.kind) {
    case StatementKind::create_cmk:
    case StatementKind::create_cek:
    case StatementKind::drop_cmk:
    case StatementKind::drop_cek:
    case StatementKind::alter_column_encryption:
      return out;
    default:
      break;
  }
  CLOISTER_RETURN_IF_ERROR(w.finish());
  return out;
}

}  // namespace cloister::sql
