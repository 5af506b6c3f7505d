// The walker's shared parts: the statement's structure (parens, parameters),
// names (tables, column resolution through scopes) and the final rewriting.
#include "sql/query/statement_walker.h"

#include <algorithm>
#include <charconv>

namespace cloister::sql::query {
std::string describe(const EncryptedColumnUse& use) {
  return use.table + "." + use.column + " is encrypted (" +
         (use.encryption.encryption == EncryptionType::deterministic ? "DETERMINISTIC" : "RANDOMIZED") + ")";
}

bool same_encryption(const ColumnEncryption& a, const ColumnEncryption& b) {
  return a.cek_id == b.cek_id && a.encryption == b.encryption && a.sql_type == b.sql_type;
}

StatementWalker::StatementWalker(std::string_view sql, std::vector<Token> tokens, const Catalog& catalog,
                                 Analysis& out)
    : sql_(sql), toks_(std::move(tokens)), catalog_(catalog), out_(out) {
  // Lookahead past the statement's end reads end tokens, never past the vector.
  const Token end = toks_.back();
  toks_.insert(toks_.end(), kLookahead, end);
}

Status StatementWalker::prepare() {
  const std::size_t n = toks_.size();
  match_.assign(n, 0);
  depth_.assign(n, 0);
  between_and_.assign(n, false);
  param_index_.assign(n, 0);
  // One statement: any ';' must only be followed by more ';'.
  const std::size_t last = n - 1 - kLookahead;  // the tokenizer's end token
  stmt_end_ = last;
  for (std::size_t i = 0; i < last; ++i) {
    if (!is_op(toks_[i], ";")) continue;
    for (std::size_t j = i; j < last; ++j) {
      if (!is_op(toks_[j], ";"))
        return refuse("only one statement at a time: a second statement follows ';'");
    }
    stmt_end_ = i;
    break;
  }
  if (stmt_end_ == 0) return refuse("empty statement");
  std::vector<std::size_t> open;
  for (std::size_t i = 0; i < stmt_end_; ++i) {
    if (is_op(toks_[i], "(")) {
      if (open.size() >= kMaxNestingDepth)
        return refuse("statement nested too deeply (more than 64 parentheses)");
      depth_[i] = static_cast<int>(open.size());
      open.push_back(i);
    } else if (is_op(toks_[i], ")")) {
      if (open.empty()) return refuse("syntax error: unbalanced ')'");
      match_[i] = open.back();
      match_[open.back()] = i;
      open.pop_back();
      depth_[i] = static_cast<int>(open.size());
    } else {
      depth_[i] = static_cast<int>(open.size());
    }
  }
  if (!open.empty()) return refuse("syntax error: unbalanced '('");
  depth_[stmt_end_] = 0;
  // The AND that belongs to a BETWEEN: the first one at its depth, past any CASE.
  for (std::size_t i = 0; i < stmt_end_; ++i) {
    if (!is_kw(toks_[i], "BETWEEN")) continue;
    int cases = 0;
    for (std::size_t j = i + 1; j < stmt_end_ && depth_[j] >= depth_[i]; ++j) {
      if (depth_[j] != depth_[i]) continue;
      if (is_kw(toks_[j], "CASE")) ++cases;
      if (is_kw(toks_[j], "END") && cases > 0) --cases;
      if (cases == 0 && is_kw(toks_[j], "AND")) {
        between_and_[j] = true;
        break;
      }
    }
  }
  // Parameters, numbered as SQLite numbers them.
  int largest = 0;
  std::map<std::string, int> by_name;
  for (std::size_t i = 0; i < stmt_end_; ++i) {
    const Token& t = toks_[i];
    if (t.kind != TokenKind::parameter) continue;
    int index = 0;
    const std::string name(t.text);
    if (t.text == "?") {
      index = ++largest;
    } else if (t.text[0] == '?') {
      const std::string_view digits = t.text.substr(1);
      long long value = 0;
      auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
      if (ec != std::errc() || value < 1 || value > kMaxParameterIndex)
        return refuse("parameter " + name + ": the index must be between 1 and 32766");
      index = static_cast<int>(value);
      largest = std::max(largest, index);
      by_name.emplace(name, index);
    } else if (auto it = by_name.find(name); it != by_name.end()) {
      index = it->second;
    } else {
      index = ++largest;
      by_name.emplace(name, index);
    }
    if (index > kMaxParameterIndex) return refuse("too many parameters (more than 32766)");
    param_index_[i] = index;
    if (param_names_.size() < static_cast<std::size_t>(index)) param_names_.resize(index);
    if (t.text != "?" && param_names_[index - 1].empty()) param_names_[index - 1] = name;
  }
  param_names_.resize(largest);
  return collect_encrypted_names();
}

const std::optional<std::vector<CatalogColumn>>& StatementWalker::table_columns(std::string_view name) {
  const std::string key = lowercase(name);
  auto it = table_cache_.find(key);
  if (it != table_cache_.end()) return it->second;
  std::optional<std::vector<CatalogColumn>> columns;
  if (catalog_.table && !cte_names_.contains(key)) columns = catalog_.table(name);
  return table_cache_.emplace(key, std::move(columns)).first->second;
}

// Every name in the statement that the catalog knows as a table contributes
// its encrypted columns' names: a reference to one of them that the analysis
// cannot resolve is refused rather than passed to SQLite.
Status StatementWalker::collect_encrypted_names() {
  std::set<std::string> seen;
  for (std::size_t i = 0; i < stmt_end_; ++i) {
    const Token& t = toks_[i];
    // Identifiers, and strings where SQLite may read them as a table name.
    const bool name_string =
        t.kind == TokenKind::string && i > 0 &&
        (is_op(toks_[i + 1], ".") || is_kw(toks_[i - 1], "FROM") || is_kw(toks_[i - 1], "JOIN") ||
         is_kw(toks_[i - 1], "INTO") || is_kw(toks_[i - 1], "UPDATE") || is_kw(toks_[i - 1], "TABLE") ||
         is_kw(toks_[i - 1], "ON") || is_op(toks_[i - 1], ","));
    if (t.kind != TokenKind::identifier && !name_string) continue;
    if (t.kind == TokenKind::identifier && !t.quoted && is_reserved_word(t.text)) continue;
    if (t.value.empty() || !seen.insert(lowercase(t.value)).second) continue;
    if (seen.size() > kMaxDistinctNames)
      return refuse("statement names too many distinct identifiers (more than " +
                    std::to_string(kMaxDistinctNames) + ")");
    const auto& columns = table_columns(t.value);
    if (!columns) continue;
    for (const CatalogColumn& c : *columns) {
      if (c.encryption) encrypted_names_.insert(lowercase(c.name));
    }
  }
  return Status::ok();
}

bool StatementWalker::is_name(std::size_t i) const {
  const Token& t = toks_[i];
  if (t.kind == TokenKind::string) return true;
  if (t.kind != TokenKind::identifier) return false;
  return t.quoted || !is_reserved_word(t.text);
}

bool StatementWalker::is_ref_start(std::size_t i) const {
  const Token& t = toks_[i];
  if (t.kind == TokenKind::identifier) return t.quoted || !is_reserved_word(t.text);
  // 'table'.column: SQLite takes a string before '.' as a name.
  return t.kind == TokenKind::string && is_op(toks_[i + 1], ".");
}

bool StatementWalker::operand_end(std::size_t i) const {
  const Token& t = toks_[i];
  switch (t.kind) {
    case TokenKind::identifier:
      return t.quoted || !is_keyword(t.text) || is_kw(t, "END") || is_kw(t, "NULL") || is_kw(t, "TRUE") ||
             is_kw(t, "FALSE");
    case TokenKind::string:
    case TokenKind::number:
    case TokenKind::blob:
    case TokenKind::hex:
    case TokenKind::parameter:
      return true;
    case TokenKind::op:
      return is_op(t, ")") || is_op(t, "*");
    case TokenKind::end:
      return false;
  }
  return false;
}

ColumnRef StatementWalker::parse_ref(std::size_t i) const {
  ColumnRef ref;
  ref.begin = i;
  ref.end = i + 1;
  ref.column = toks_[i].value;
  if (i + 2 < stmt_end_ && is_op(toks_[i + 1], ".") && is_name(i + 2)) {
    ref.qualifier = toks_[i].value;
    ref.column = toks_[i + 2].value;
    ref.end = i + 3;
    if (i + 4 < stmt_end_ && is_op(toks_[i + 3], ".") && is_name(i + 4)) {  // schema.table.column
      ref.qualifier = toks_[i + 2].value;
      ref.column = toks_[i + 4].value;
      ref.end = i + 5;
    }
  }
  return ref;
}

Status StatementWalker::unresolved(std::string_view name, std::string_view why) {
  if (encrypted_names_.contains(lowercase(name)))
    return refuse("'" + std::string(name) + "' names an encrypted column but " + std::string(why) +
                  ": qualify it with its table");
  return Status::ok();
}

Result<std::optional<EncryptedColumnUse>> StatementWalker::resolve_in_table(const TableRef& table,
                                                                            std::string_view column) {
  if (!table.columns) {
    CLOISTER_RETURN_IF_ERROR(unresolved(
        column, "it is read through '" + table.exposed_name() + "', whose columns the analysis cannot see"));
    return std::optional<EncryptedColumnUse>();
  }
  for (const CatalogColumn& c : *table.columns) {
    if (!iequals(c.name, column)) continue;
    if (!c.encryption) return std::optional<EncryptedColumnUse>();
    EncryptedColumnUse use;
    use.table = table.name;
    use.column = c.name;
    use.encryption = *c.encryption;
    return std::optional<EncryptedColumnUse>(use);
  }
  if (iequals(column, "rowid") || iequals(column, "oid") || iequals(column, "_rowid_"))
    return std::optional<EncryptedColumnUse>();
  return refuse("no column " + std::string(column) + " in " + table.name);
}

Result<std::optional<EncryptedColumnUse>> StatementWalker::resolve(const Scope& scope, const ColumnRef& ref) {
  if (!ref.qualifier.empty()) {
    for (const Scope* s = &scope; s != nullptr; s = s->parent) {
      for (const TableRef& t : s->tables) {
        if (iequals(t.exposed_name(), ref.qualifier)) return resolve_in_table(t, ref.column);
      }
    }
    CLOISTER_RETURN_IF_ERROR(
        unresolved(ref.column, "the analysis does not know '" + ref.qualifier + "' here"));
    return std::optional<EncryptedColumnUse>();
  }
  for (const Scope* s = &scope; s != nullptr; s = s->parent) {
    std::vector<const CatalogColumn*> found;
    const TableRef* owner = nullptr;
    bool opaque = false;
    for (const TableRef& t : s->tables) {
      if (t.qualified_only) continue;
      if (!t.columns) {
        opaque = true;
        continue;
      }
      for (const CatalogColumn& c : *t.columns) {
        if (iequals(c.name, ref.column)) {
          found.push_back(&c);
          owner = &t;
        }
      }
    }
    if (found.size() > 1) {
      bool any_encrypted =
          std::any_of(found.begin(), found.end(), [](auto* c) { return c->encryption.has_value(); });
      if (any_encrypted)
        return refuse("column " + ref.column + " is ambiguous and encrypted: qualify it with its table");
      return std::optional<EncryptedColumnUse>();
    }
    if (found.size() == 1) {
      if (opaque)
        CLOISTER_RETURN_IF_ERROR(
            unresolved(ref.column, "a subquery or CTE in the same FROM may also have it"));
      return resolve_in_table(*owner, ref.column);
    }
    for (const ResultItem& r : s->results) {
      if (!r.alias.empty() && iequals(r.alias, ref.column) && r.encrypted)
        return std::optional<EncryptedColumnUse>(r.encrypted);
    }
    if (opaque) {
      CLOISTER_RETURN_IF_ERROR(unresolved(ref.column, "it may come from a subquery or CTE"));
      return std::optional<EncryptedColumnUse>();
    }
  }
  CLOISTER_RETURN_IF_ERROR(unresolved(ref.column, "the analysis cannot tell which table it belongs to"));
  return std::optional<EncryptedColumnUse>();
}

std::size_t StatementWalker::skip_to_top_level(std::size_t i, std::size_t end, int depth) const {
  while (i < end && depth_[i] > depth) ++i;
  return i;
}

void StatementWalker::record_use(const EncryptedColumnUse& use, bool needs_enclave, bool sorted) {
  sorted = sorted && use.encryption.encryption == EncryptionType::randomized;
  for (EncryptedColumnUse& u : out_.columns) {
    if (iequals(u.table, use.table) && iequals(u.column, use.column)) {
      u.needs_enclave = u.needs_enclave || needs_enclave;
      u.sorted = u.sorted || sorted;
      return;
    }
  }
  EncryptedColumnUse copy = use;
  copy.needs_enclave = needs_enclave;
  copy.sorted = sorted;
  out_.columns.push_back(std::move(copy));
}

Status StatementWalker::refuse_encrypted_names(std::size_t begin, std::size_t end, std::string_view what) {
  for (std::size_t i = begin; i < end; ++i) {
    const Token& t = toks_[i];
    if ((t.kind == TokenKind::identifier || t.kind == TokenKind::string) &&
        encrypted_names_.contains(lowercase(t.value)))
      return refuse("'" + t.value + "' is an encrypted column: " + std::string(what) +
                    " is not supported on encrypted columns");
  }
  return Status::ok();
}

Status StatementWalker::finish() {
  // Each parameter is either always bound to encrypted columns of one
  // encryption, or never: the driver encrypts a value once.
  std::vector<std::optional<EncryptedColumnUse>> columns(param_names_.size());
  std::vector<bool> plain(param_names_.size(), false);
  std::vector<bool> like_pattern(param_names_.size(), false);
  std::vector<bool> compared(param_names_.size(), false);
  for (std::size_t i = 0; i < stmt_end_; ++i) {
    const int index = param_index_[i];
    if (index == 0) continue;
    auto it = bound_.find(i);
    if (it == bound_.end()) {
      plain[index - 1] = true;
      continue;
    }
    if (like_patterns_.contains(i)) {
      like_pattern[index - 1] = true;
    } else {
      compared[index - 1] = true;
    }
    auto& slot = columns[index - 1];
    if (slot && !same_encryption(slot->encryption, it->second.encryption))
      return refuse("parameter " + std::string(toks_[i].text) + " meets columns with different encryption (" +
                    slot->table + "." + slot->column + " and " + it->second.table + "." + it->second.column +
                    ")");
    if (!slot) slot = it->second;
  }
  for (std::size_t k = 0; k < columns.size(); ++k) {
    if (columns[k] && plain[k])
      return refuse("parameter " + (param_names_[k].empty() ? "?" + std::to_string(k + 1) : param_names_[k]) +
                    " is used both with encrypted column " + columns[k]->table + "." + columns[k]->column +
                    " and elsewhere: use a separate parameter");
    ParameterUse p;
    p.index = static_cast<int>(k + 1);
    p.name = param_names_[k];
    p.column = columns[k];
    p.like_pattern = like_pattern[k];
    p.compared = compared[k];
    out_.parameters.push_back(std::move(p));
  }
  std::sort(edits_.begin(), edits_.end(), [](const Edit& a, const Edit& b) { return a.offset < b.offset; });
  std::string sql;
  std::size_t at = 0;
  for (const Edit& e : edits_) {
    if (e.offset < at) return error(ErrorCode::internal, "overlapping rewrites");
    sql.append(sql_.substr(at, e.offset - at));
    sql.append(e.text);
    at = e.offset + e.length;
  }
  sql.append(sql_.substr(at));
  out_.sqlite_sql = std::move(sql);
  return Status::ok();
}

}  // namespace cloister::sql::query
