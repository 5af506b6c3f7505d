// Internal to the statement analysis: the state one analysis shares between
// its parts (scopes and name resolution, SELECT and DML walking, the
// contexts an encrypted column may appear in), over one token list.
#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "sql/query/statement_analysis.h"
#include "sql/query/tokenizer.h"

namespace cloister::sql::query {

inline constexpr int kMaxNestingDepth = 64;
inline constexpr int kMaxParameterIndex = 32766;  // SQLITE_MAX_VARIABLE_NUMBER
// End tokens appended after the statement, so the parts may look a few tokens ahead.
inline constexpr std::size_t kLookahead = 8;
// Each distinct name is looked up once in the catalog, as a possible table.
inline constexpr std::size_t kMaxDistinctNames = 4096;

// A table one SELECT core (or UPDATE/DELETE/INSERT) reads from.
struct TableRef {
  std::string name;   // as written; empty for a subquery in FROM
  std::string alias;  // empty: none
  // Known columns (a catalog table); unset for CTEs, subqueries and tables
  // the catalog does not know, whose columns are plaintext (the analysis
  // refuses an encrypted column leaving a subquery, CTE or view).
  std::optional<std::vector<CatalogColumn>> columns;
  bool qualified_only = false;  // `excluded` in an upsert: only excluded.c names it
  [[nodiscard]] const std::string& exposed_name() const { return alias.empty() ? name : alias; }
};

// One result column of a SELECT core: whether it carries an encrypted value.
struct ResultItem {
  std::string alias;
  std::optional<EncryptedColumnUse> encrypted;
  // From here on, positions are not known: `*` over a subquery or CTE, or
  // over a USING/NATURAL join (which merges columns).
  bool uncertain = false;
};

// True if a result column's position cannot be trusted and some result is encrypted.
bool uncertain_positions(const std::vector<ResultItem>& results);

struct Scope {
  const Scope* parent = nullptr;
  int depth = 0;  // paren depth of the scope's own tokens
  std::vector<TableRef> tables;
  std::vector<ResultItem> results;
  bool distinct = false;             // SELECT DISTINCT or a deduplicating compound
  bool may_output_encrypted = true;  // false inside subqueries, CTEs and views
  bool merging_join = false;         // a USING or NATURAL join in FROM
  // Every row of one catalog table reaches the sorts and groups of this
  // scope: a top-level SELECT (or CREATE INDEX) on that table alone, no WHERE.
  bool sorts_whole_table = false;
};

enum class Clause { expression, select_list, returning, group_by, order_by, set, index_columns };

// A column reference's tokens [begin, end) and what it names.
struct ColumnRef {
  std::size_t begin = 0;
  std::size_t end = 0;
  std::string qualifier;
  std::string column;
};

class StatementWalker {
 public:
  StatementWalker(std::string_view sql, std::vector<Token> tokens, const Catalog& catalog, Analysis& out);

  // Paren matching, nesting bound, single statement, parameter numbering.
  Status prepare();
  Status walk_query(std::size_t begin, std::size_t end);  // SELECT / WITH / VALUES
  Status walk_insert(std::size_t begin, std::size_t end);
  Status walk_update(std::size_t begin, std::size_t end);
  Status walk_delete(std::size_t begin, std::size_t end);
  Status walk_create_index(std::size_t begin, std::size_t end);
  // CREATE VIEW / CREATE TABLE AS: a SELECT whose results must be plaintext.
  Status walk_derived_select(std::size_t begin, std::size_t end);
  // Statements the analysis does not look into: refused if they name an
  // encrypted column of a table they name.
  Status refuse_encrypted_names(std::size_t begin, std::size_t end, std::string_view what);
  // WITH cte AS (...), ...: walks the CTEs; returns the index after them.
  Result<std::size_t> walk_with(std::size_t begin, std::size_t end, const Scope* parent);
  // Parameters and rewriting into `out`.
  Status finish();

  // For the DDL parsers.
  [[nodiscard]] std::string_view sql() const { return sql_; }
  [[nodiscard]] const Catalog& catalog() const { return catalog_; }
  [[nodiscard]] std::size_t match(std::size_t i) const { return match_[i]; }
  [[nodiscard]] int depth(std::size_t i) const { return depth_[i]; }
  void add_edit(std::size_t offset, std::size_t length, std::string text) {
    edits_.push_back({offset, length, std::move(text)});
  }
  const std::optional<std::vector<CatalogColumn>>& table_columns(std::string_view name);

  [[nodiscard]] const std::vector<Token>& tokens() const { return toks_; }
  [[nodiscard]] std::size_t statement_end() const { return stmt_end_; }

 private:
  friend class ContextChecker;

  // statement_walker.cpp: scopes and names
  Status collect_encrypted_names();
  [[nodiscard]] bool is_name(std::size_t i) const;
  [[nodiscard]] bool is_ref_start(std::size_t i) const;
  [[nodiscard]] bool operand_end(std::size_t i) const;  // token i can end an operand (before an alias)
  [[nodiscard]] ColumnRef parse_ref(std::size_t i) const;
  Result<std::optional<EncryptedColumnUse>> resolve(const Scope& scope, const ColumnRef& ref);
  Result<std::optional<EncryptedColumnUse>> resolve_in_table(const TableRef& table, std::string_view column);
  Status unresolved(std::string_view name, std::string_view why);
  [[nodiscard]] std::size_t skip_to_top_level(std::size_t i, std::size_t end, int depth) const;
  // `sorted`: see EncryptedColumnUse::sorted; set for randomized columns only.
  void record_use(const EncryptedColumnUse& use, bool needs_enclave, bool sorted = false);

  // select_walker.cpp
  // `results`, if given, receives the first core's result columns.
  Status walk_select(std::size_t begin, std::size_t end, const Scope* parent, bool may_output,
                     std::vector<ResultItem>* results = nullptr);
  // `results` receives the core's result columns.
  Status walk_core(std::size_t begin, std::size_t end, const Scope* parent, bool may_output,
                   bool compound_distinct, std::vector<ResultItem>& results);
  Status walk_from(std::size_t begin, std::size_t end, Scope& scope);
  Status join_columns(Scope& scope, const TableRef& right, const std::vector<std::string>& names);
  Status collect_results(std::size_t begin, std::size_t end, Scope& scope);
  Status check_positional(std::size_t begin, std::size_t end, const Scope& scope, Clause clause);
  Status walk_expr(std::size_t begin, std::size_t end, Scope& scope, Clause clause);
  Status match_insert_select(const TableRef& table, const std::vector<std::string>& names,
                             const std::vector<ResultItem>& results);
  Status walk_values(std::size_t begin, std::size_t end, const TableRef& table,
                     const std::vector<std::string>& names);

  std::string_view sql_;
  std::vector<Token> toks_;
  const Catalog& catalog_;
  Analysis& out_;
  std::size_t stmt_end_ = 0;              // index of the first trailing ';' or the end token
  std::vector<std::size_t> match_;        // matching paren index, for '(' and ')'
  std::vector<int> depth_;                // paren depth of each token
  std::vector<bool> between_and_;         // the AND of a BETWEEN
  std::vector<int> param_index_;          // SQLite index of a parameter token, 0 otherwise
  std::vector<std::string> param_names_;  // by index - 1
  // The column an encrypted parameter occurrence was bound to, by token.
  std::map<std::size_t, EncryptedColumnUse> bound_;
  std::set<std::size_t> like_patterns_;  // positions of parameters that are LIKE patterns
  std::map<std::string, std::optional<std::vector<CatalogColumn>>> table_cache_;
  std::set<std::string>
      encrypted_names_;  // lower-case names of encrypted columns of tables the statement names
  std::set<std::size_t> walked_subqueries_;  // '(' of an IN (SELECT ...) already walked
  std::set<std::string> cte_names_;          // lower case
  struct Edit {
    std::size_t offset;
    std::size_t length;
    std::string text;
  };
  std::vector<Edit> edits_;
};

// The contexts one encrypted column reference may appear in (column_context.cpp).
class ContextChecker {
 public:
  ContextChecker(StatementWalker& w, const Scope& scope, Clause clause)
      : w_(w), scope_(scope), clause_(clause) {}
  Status check(std::size_t begin, std::size_t end, const EncryptedColumnUse& use);

 private:
  // group and sort: the column's own cells compared with each other (GROUP BY,
  // DISTINCT / ORDER BY, MIN, MAX), which deterministic encryption allows for
  // group only.
  enum class Need { equality, order, like, index, group, sort };
  Status require(const EncryptedColumnUse& use, Need need, std::string_view construct);
  Result<bool> comparison(std::size_t begin, std::size_t end, const EncryptedColumnUse& use);
  Result<bool> predicate(std::size_t begin, std::size_t end, const EncryptedColumnUse& use);
  Result<bool> positional(std::size_t begin, std::size_t end, const EncryptedColumnUse& use);
  // The operand starting at i (a parameter, a column or a literal) bound or
  // checked against `use`; returns its end.
  Result<std::size_t> operand(std::size_t i, const EncryptedColumnUse& use, std::string_view construct);
  Status operand_at(std::size_t begin, std::size_t end, const EncryptedColumnUse& use,
                    std::string_view construct);
  Status refusal(std::size_t begin, std::size_t end, const EncryptedColumnUse& use);
  [[nodiscard]] bool left_boundary(std::size_t i) const;
  [[nodiscard]] bool right_boundary(std::size_t i) const;
  [[nodiscard]] const Token& tok(std::size_t i) const;

  StatementWalker& w_;
  const Scope& scope_;
  Clause clause_;
};

// invalid_argument: how the analysis refuses a statement.
inline Status refuse(std::string message) {
  return error(ErrorCode::invalid_argument, std::move(message));
}

// "employees.salary is encrypted (RANDOMIZED)"
std::string describe(const EncryptedColumnUse& use);
bool same_encryption(const ColumnEncryption& a, const ColumnEncryption& b);

}  // namespace cloister::sql::query
