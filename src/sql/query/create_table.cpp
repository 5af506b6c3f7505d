// CREATE TABLE and ALTER TABLE: column definitions with ENCRYPTED WITH are
// rewritten to `TEXT` (deterministic, or randomized without the enclave) or
// `TEXT COLLATE cloister_enc_<cek>_<type>` (randomized, enclave-enabled key);
// every other byte of the statement is kept.
#include <algorithm>
#include <string>

#include "sql/query/ddl.h"

namespace cloister::sql::query {
namespace {

bool starts_constraint(const Token& t) {
  return is_any_kw(t, {"CONSTRAINT", "PRIMARY", "NOT", "NULL", "UNIQUE", "CHECK", "DEFAULT", "COLLATE",
                       "REFERENCES", "GENERATED", "AS", "ENCRYPTED"});
}

std::size_t end_offset(const Token& t) {
  return t.offset + t.text.size();
}

bool ends_with_bin2(std::string_view s) {
  return s.size() >= 5 && iequals(s.substr(s.size() - 5), "_BIN2");
}

bool needs_ordering(const ColumnEncryption& e) {
  return e.encryption == EncryptionType::randomized;
}

}  // namespace

Result<std::optional<EncryptedColumnDefinition>> rewrite_column_definition(StatementWalker& w,
                                                                           std::size_t begin, std::size_t end,
                                                                           const std::string& table) {
  const auto& toks = w.tokens();
  const int depth = w.depth(begin);
  std::size_t enc_at = end;
  for (std::size_t i = begin; i < end; ++i) {
    if (w.depth(i) == depth && is_kw(toks[i], "ENCRYPTED")) {
      enc_at = i;
      break;
    }
  }
  if (enc_at == end) return std::optional<EncryptedColumnDefinition>();
  if (toks[begin].kind != TokenKind::identifier && toks[begin].kind != TokenKind::string)
    return refuse("syntax error: a column name is expected");
  EncryptedColumnDefinition def;
  def.table = table;
  def.column = toks[begin].value;
  std::size_t type_end = begin + 1;
  while (type_end < end && !(w.depth(type_end) == depth && starts_constraint(toks[type_end]))) ++type_end;
  if (type_end == begin + 1)
    return refuse("encrypted column " + def.column + " needs a type, e.g. INT or VARCHAR(50)");
  const std::size_t type_offset = toks[begin + 1].offset;
  const std::string_view type_text =
      w.sql().substr(type_offset, end_offset(toks[type_end - 1]) - type_offset);
  auto type = parse_sql_type(type_text);
  if (!type.is_ok()) return type.status().with_context("column " + def.column);
  std::size_t enc_end = 0;
  auto enc = parse_encrypted_with(w, enc_at, *type, enc_end);
  if (!enc.is_ok()) return enc.status().with_context("column " + def.column);
  def.encryption = *enc;
  const bool enclave_order = needs_ordering(def.encryption) && def.encryption.enclave_enabled;
  const std::string who = table + "." + def.column + " is encrypted";
  for (std::size_t i = type_end; i < end;) {
    const Token& t = toks[i];
    if (i == enc_at) {
      i = enc_end;
    } else if (is_kw(t, "CONSTRAINT")) {
      i += 2;
    } else if (is_kw(t, "NOT") || is_kw(t, "NULL") || is_any_kw(t, {"ASC", "DESC"})) {
      ++i;
    } else if (is_kw(t, "ON") && is_kw(toks[i + 1], "CONFLICT")) {
      i += 3;
    } else if (is_kw(t, "PRIMARY") || is_kw(t, "UNIQUE")) {
      if (needs_ordering(def.encryption) && !def.encryption.enclave_enabled)
        return refuse(
            who + " with " + def.encryption.cek_name +
            ", whose column master key is not enclave-enabled: PRIMARY KEY and UNIQUE need the enclave");
      i += is_kw(t, "PRIMARY") ? 2 : 1;
    } else if (is_kw(t, "COLLATE")) {
      if (!ends_with_bin2(toks[i + 1].value))
        return refuse(who + ": only a *_BIN2 collation is accepted (and dropped), not " + toks[i + 1].value);
      w.add_edit(t.offset, end_offset(toks[i + 1]) - t.offset, "");
      i += 2;
    } else if (is_kw(t, "DEFAULT") && is_kw(toks[i + 1], "NULL")) {
      i += 2;
    } else {
      return refuse(who + ": column constraint '" + std::string(t.text) +
                    "' is not supported on encrypted columns");
    }
  }
  std::string replacement = "TEXT";
  if (enclave_order)
    replacement += " COLLATE " + collation_name(def.encryption.cek_id, def.encryption.sql_type);
  w.add_edit(type_offset, end_offset(toks[type_end - 1]) - type_offset, std::move(replacement));
  w.add_edit(toks[enc_at].offset, end_offset(toks[enc_end - 1]) - toks[enc_at].offset, "");
  return std::optional<EncryptedColumnDefinition>(std::move(def));
}

Status rewrite_create_table(StatementWalker& w, std::size_t i, Analysis& out) {
  const auto& toks = w.tokens();
  ++i;
  if (is_kw(toks[i], "IF") && is_kw(toks[i + 1], "NOT") && is_kw(toks[i + 2], "EXISTS")) i += 3;
  if (toks[i].kind != TokenKind::identifier && toks[i].kind != TokenKind::string)
    return refuse("syntax error: a table name is expected");
  std::string table = toks[i++].value;
  if (is_op(toks[i], ".")) {
    table = toks[i + 1].value;
    i += 2;
  }
  if (is_kw(toks[i], "AS")) return w.walk_derived_select(i + 1, w.statement_end());
  if (!is_op(toks[i], "(")) return refuse("syntax error: '(' or AS expected after the table name");
  const std::size_t close = w.match(i);
  std::vector<std::pair<std::size_t, std::size_t>> constraints;
  for (std::size_t b = i + 1; b < close;) {
    std::size_t e = b;
    while (e < close && !(w.depth(e) == w.depth(i) + 1 && is_op(toks[e], ","))) ++e;
    // A foreign key must not point at an encrypted column of another table.
    for (std::size_t k = b; k < e; ++k) {
      if (is_kw(toks[k], "REFERENCES"))
        CLOISTER_RETURN_IF_ERROR(w.refuse_encrypted_names(k, e, "REFERENCES"));
    }
    if (is_any_kw(toks[b], {"CONSTRAINT", "PRIMARY", "UNIQUE", "CHECK", "FOREIGN"})) {
      constraints.emplace_back(b, e);
    } else {
      CLOISTER_ASSIGN_OR_RETURN(auto def, rewrite_column_definition(w, b, e, table));
      if (def) {
        for (const auto& other : out.new_encrypted_columns) {
          if (iequals(other.column, def->column)) return refuse("duplicate column name " + def->column);
        }
        out.new_encrypted_columns.push_back(std::move(*def));
      }
    }
    b = e + 1;
  }
  // Table constraints: PRIMARY KEY / UNIQUE may list encrypted columns that
  // compare by equality (or in the enclave); CHECK and FOREIGN KEY may not.
  for (auto [b, e] : constraints) {
    bool keyed = false;
    for (std::size_t k = b; k < e; ++k) {
      if (is_kw(toks[k], "PRIMARY") || is_kw(toks[k], "UNIQUE")) keyed = true;
      if (is_kw(toks[k], "CHECK") || is_kw(toks[k], "FOREIGN")) keyed = false;
      for (const auto& def : out.new_encrypted_columns) {
        if (toks[k].kind != TokenKind::identifier || !iequals(toks[k].value, def.column)) continue;
        const std::string who = table + "." + def.column + " is encrypted";
        if (!keyed)
          return refuse(who + ": CHECK and FOREIGN KEY constraints are not supported on encrypted columns");
        if (def.encryption.encryption == EncryptionType::randomized && !def.encryption.enclave_enabled)
          return refuse(
              who + " with " + def.encryption.cek_name +
              ", whose column master key is not enclave-enabled: PRIMARY KEY and UNIQUE need the enclave");
      }
    }
  }
  return Status::ok();
}

Status analyze_alter_table(StatementWalker& w, std::size_t i, Analysis& out) {
  const auto& toks = w.tokens();
  const std::size_t end = w.statement_end();
  if (toks[i].kind != TokenKind::identifier && toks[i].kind != TokenKind::string)
    return refuse("syntax error: a table name is expected after ALTER TABLE");
  std::string table = toks[i++].value;
  if (is_op(toks[i], ".")) {
    table = toks[i + 1].value;
    i += 2;
  }
  const auto& columns = w.table_columns(table);
  auto encrypted = [&](std::string_view name) {
    if (!columns) return false;
    for (const CatalogColumn& c : *columns) {
      if (iequals(c.name, name)) return c.encryption.has_value();
    }
    return false;
  };
  if (is_kw(toks[i], "ADD")) {
    ++i;
    if (is_kw(toks[i], "COLUMN")) ++i;
    out.kind = StatementKind::ddl;
    CLOISTER_ASSIGN_OR_RETURN(auto def, rewrite_column_definition(w, i, end, table));
    if (def) out.new_encrypted_columns.push_back(std::move(*def));
    return Status::ok();
  }
  if (is_kw(toks[i], "ALTER")) {
    ++i;
    if (is_kw(toks[i], "COLUMN")) ++i;
    if (!columns) return refuse("no table named " + table);
    AlterColumnEncryption alter;
    alter.table = table;
    alter.column = toks[i].value;
    bool found = false;
    for (const CatalogColumn& c : *columns) found = found || iequals(c.name, alter.column);
    if (!found) return refuse("no column " + alter.column + " in " + table);
    std::size_t type_end = i + 1;
    while (type_end < end && !(w.depth(type_end) == 0 && starts_constraint(toks[type_end]))) ++type_end;
    if (type_end == i + 1) return refuse("ALTER COLUMN " + alter.column + " needs a type");
    const std::size_t type_offset = toks[i + 1].offset;
    CLOISTER_ASSIGN_OR_RETURN(
        alter.sql_type,
        parse_sql_type(w.sql().substr(type_offset, end_offset(toks[type_end - 1]) - type_offset)));
    std::size_t k = type_end;
    if (is_kw(toks[k], "COLLATE")) {
      if (!ends_with_bin2(toks[k + 1].value))
        return refuse("only a *_BIN2 collation is accepted on ALTER COLUMN");
      k += 2;
    }
    if (is_kw(toks[k], "ENCRYPTED")) {
      CLOISTER_ASSIGN_OR_RETURN(alter.to, parse_encrypted_with(w, k, alter.sql_type, k));
    }
    if (is_kw(toks[k], "NOT")) ++k;
    if (is_kw(toks[k], "NULL")) ++k;
    if (k != end) return refuse("syntax error in ALTER COLUMN near '" + std::string(toks[k].text) + "'");
    out.kind = StatementKind::alter_column_encryption;
    out.alter = std::move(alter);
    return Status::ok();
  }
  out.kind = StatementKind::ddl;
  if (is_kw(toks[i], "RENAME")) {
    if (is_kw(toks[i + 1], "TO")) {
      if (columns &&
          std::any_of(columns->begin(), columns->end(), [](auto& c) { return c.encryption.has_value(); }))
        return refuse("renaming " + table + ", which has encrypted columns, is not supported");
      return Status::ok();
    }
    const std::size_t c = is_kw(toks[i + 1], "COLUMN") ? i + 2 : i + 1;
    if (encrypted(toks[c].value))
      return refuse("renaming encrypted column " + toks[c].value + " is not supported");
    return Status::ok();
  }
  if (is_kw(toks[i], "DROP")) {
    const std::size_t c = is_kw(toks[i + 1], "COLUMN") ? i + 2 : i + 1;
    if (encrypted(toks[c].value))
      return refuse("dropping encrypted column " + toks[c].value +
                    " is not supported: decrypt it first (ALTER COLUMN)");
    return Status::ok();
  }
  return refuse("syntax error in ALTER TABLE near '" + std::string(toks[i].text) + "'");
}

}  // namespace cloister::sql::query
