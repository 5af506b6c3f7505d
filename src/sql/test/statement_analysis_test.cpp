// Queries and DML: parameters, contexts of encrypted columns, refusals.
#include "sql/query/statement_analysis.h"

#include <gtest/gtest.h>

#include "sql/query/tokenizer.h"
#include "sql/test/statement_test_catalog.h"

namespace cloister::sql {
namespace {

using test_support::ok;
using test_support::refused;
using test_support::test_catalog;

const EncryptedColumnUse* column(const Analysis& a, std::string_view name) {
  for (const auto& c : a.columns) {
    if (c.column == name) return &c;
  }
  return nullptr;
}

::testing::AssertionResult bound_to(const Analysis& a, int index, std::string_view col) {
  if (index < 1 || static_cast<std::size_t>(index) > a.parameters.size())
    return ::testing::AssertionFailure() << "no parameter " << index << " (" << a.parameters.size() << ")";
  const ParameterUse& p = a.parameters[index - 1];
  if (p.index != index) return ::testing::AssertionFailure() << "index " << p.index;
  if (col.empty()) {
    if (p.column) return ::testing::AssertionFailure() << "bound to " << p.column->column;
    return ::testing::AssertionSuccess();
  }
  if (!p.column) return ::testing::AssertionFailure() << "parameter " << index << " is plaintext";
  if (p.column->column != col) return ::testing::AssertionFailure() << "bound to " << p.column->column;
  return ::testing::AssertionSuccess();
}

TEST(StatementAnalysis, EqualityOnDeterministicBindsTheParameter) {
  Analysis a = ok("SELECT id, name FROM employees WHERE ssn = @ssn");
  EXPECT_EQ(a.kind, StatementKind::query);
  ASSERT_EQ(a.parameters.size(), 1u);
  EXPECT_EQ(a.parameters[0].name, "@ssn");
  EXPECT_TRUE(bound_to(a, 1, "ssn"));
  EXPECT_EQ(a.parameters[0].column->encryption.cek_id, 1u);
  ASSERT_NE(column(a, "ssn"), nullptr);
  EXPECT_FALSE(column(a, "ssn")->needs_enclave);
  EXPECT_EQ(a.sqlite_sql, "SELECT id, name FROM employees WHERE ssn = @ssn");
  // Either side, qualified, aliased, quoted, and != <> ==.
  a = ok("SELECT e.id FROM employees AS e WHERE ? = e.ssn AND e.id = ? AND \"e\".[ssn] <> :x OR ssn == ?5");
  EXPECT_TRUE(bound_to(a, 1, "ssn"));
  EXPECT_TRUE(bound_to(a, 2, ""));
  EXPECT_TRUE(bound_to(a, 3, "ssn"));
  EXPECT_TRUE(bound_to(a, 5, "ssn"));
  EXPECT_TRUE(bound_to(a, 4, ""));
  EXPECT_EQ(a.parameters[3].name, "");
}

TEST(StatementAnalysis, ParameterNumberingFollowsSqlite) {
  Analysis a =
      ok("SELECT * FROM plain WHERE a = ? AND b = ?5 AND a = ? AND b = :x AND a = :x AND b = ?2 AND a = ?");
  // ? -> 1, ?5 -> 5, ? -> 6, :x -> 7, :x -> 7, ?2 -> 2, ? -> 8
  ASSERT_EQ(a.parameters.size(), 8u);
  EXPECT_EQ(a.parameters[4].name, "?5");
  EXPECT_EQ(a.parameters[6].name, ":x");
  EXPECT_EQ(a.parameters[1].name, "?2");
  EXPECT_EQ(a.parameters[7].name, "");
  a = ok("SELECT * FROM employees WHERE ssn = :s OR ssn = :s");
  ASSERT_EQ(a.parameters.size(), 1u);
  EXPECT_TRUE(bound_to(a, 1, "ssn"));
  a = ok("SELECT * FROM employees WHERE ssn = ?1 OR ssn = ?1 OR id = ?");
  ASSERT_EQ(a.parameters.size(), 2u);
  EXPECT_TRUE(bound_to(a, 1, "ssn"));
  EXPECT_TRUE(bound_to(a, 2, ""));
  EXPECT_FALSE(analyze_statement("SELECT ?0", test_catalog()).is_ok());
  EXPECT_FALSE(analyze_statement("SELECT ?32767", test_catalog()).is_ok());
}

TEST(StatementAnalysis, RangesAndOrderingOnEnclaveColumns) {
  Analysis a = ok("SELECT name FROM employees WHERE salary > @lo AND salary <= @hi ORDER BY salary DESC");
  EXPECT_TRUE(bound_to(a, 1, "salary"));
  EXPECT_TRUE(bound_to(a, 2, "salary"));
  ASSERT_NE(column(a, "salary"), nullptr);
  EXPECT_TRUE(column(a, "salary")->needs_enclave);
  EXPECT_TRUE(a.parameters[0].column->needs_enclave);
  a = ok("SELECT id FROM employees WHERE salary BETWEEN ? AND ? AND id > 3");
  EXPECT_TRUE(bound_to(a, 1, "salary"));
  EXPECT_TRUE(bound_to(a, 2, "salary"));
  a = ok("SELECT id FROM employees WHERE salary NOT BETWEEN ? AND ?");
  EXPECT_TRUE(bound_to(a, 2, "salary"));
  a = ok("SELECT MIN(salary), MAX(e.salary) AS top, COUNT(ssn), COUNT(*) FROM employees e");
  EXPECT_TRUE(column(a, "salary")->needs_enclave);
  EXPECT_FALSE(column(a, "ssn")->needs_enclave);
  a = ok("SELECT name, MAX(salary) FROM employees GROUP BY name HAVING MAX(salary) > ?");
  EXPECT_TRUE(bound_to(a, 1, "salary"));
  a = ok("SELECT salary AS s FROM employees ORDER BY s");
  EXPECT_TRUE(column(a, "salary")->needs_enclave);
  a = ok("SELECT salary AS id FROM employees WHERE id = ? ORDER BY id");
  EXPECT_TRUE(bound_to(a, 1, ""));
  EXPECT_TRUE(column(a, "salary")->needs_enclave);
  a = ok("SELECT salary FROM employees UNION ALL SELECT budget FROM managers");
  a = ok("SELECT * FROM employees ORDER BY 4");  // id, name, ssn, salary
  EXPECT_TRUE(column(a, "salary")->needs_enclave);
  a = ok("SELECT name, salary FROM employees ORDER BY 2");
  EXPECT_TRUE(column(a, "salary")->needs_enclave);
}

TEST(StatementAnalysis, GroupByDistinctAndInLists) {
  Analysis a = ok("SELECT ssn, COUNT(*) FROM employees GROUP BY ssn");
  EXPECT_FALSE(column(a, "ssn")->needs_enclave);
  a = ok("SELECT DISTINCT ssn FROM employees");
  EXPECT_FALSE(column(a, "ssn")->needs_enclave);
  a = ok("SELECT DISTINCT salary FROM employees");
  EXPECT_TRUE(column(a, "salary")->needs_enclave);
  a = ok("SELECT COUNT(DISTINCT salary) FROM employees");
  EXPECT_TRUE(column(a, "salary")->needs_enclave);
  a = ok("SELECT id FROM employees WHERE ssn IN (?, :b, ?) AND salary NOT IN (?)");
  EXPECT_TRUE(bound_to(a, 1, "ssn"));
  EXPECT_TRUE(bound_to(a, 2, "ssn"));
  EXPECT_TRUE(bound_to(a, 3, "ssn"));
  EXPECT_TRUE(bound_to(a, 4, "salary"));
}

TEST(StatementAnalysis, LikeIsRewritten) {
  Analysis a = ok("SELECT id FROM employees WHERE note LIKE ? AND id = 1");
  EXPECT_EQ(a.sqlite_sql, "SELECT id FROM employees WHERE cloister_like(note, ?, 1, 'varchar') AND id = 1");
  EXPECT_TRUE(bound_to(a, 1, "note"));
  EXPECT_TRUE(column(a, "note")->needs_enclave);
  a = ok("SELECT id FROM employees e WHERE e.note NOT LIKE :p OR NOT note LIKE :p");
  EXPECT_EQ(a.sqlite_sql,
            "SELECT id FROM employees e WHERE NOT cloister_like(e.note, :p, 1, 'varchar') OR NOT "
            "cloister_like(note, :p, 1, 'varchar')");
  a = ok("SELECT id FROM plain WHERE a LIKE 'x%'");
  EXPECT_EQ(a.sqlite_sql, "SELECT id FROM plain WHERE a LIKE 'x%'");
  // The rewritten form analyzes to the same thing.
  a = ok("SELECT id FROM employees WHERE NOT cloister_like(note, ?, 1, 'varchar')");
  EXPECT_TRUE(bound_to(a, 1, "note"));
  refused("SELECT id FROM employees WHERE cloister_like(ssn, ?, 1, 'varchar')");
  refused("SELECT id FROM employees WHERE cloister_like(note, ?)");
  refused("SELECT id FROM employees WHERE cloister_like(note, ?, 2, 'varchar')");
}

// The server's full-scan prefetch asks the enclave only what each parameter is used for.
TEST(StatementAnalysis, ParametersSayWhetherTheyAreLikePatternsOrCompared) {
  Analysis a =
      ok("SELECT id FROM employees WHERE note LIKE ? AND note > ? AND note = :both OR note LIKE :both");
  ASSERT_EQ(a.parameters.size(), 3u);
  EXPECT_TRUE(a.parameters[0].like_pattern);
  EXPECT_FALSE(a.parameters[0].compared);
  EXPECT_FALSE(a.parameters[1].like_pattern);
  EXPECT_TRUE(a.parameters[1].compared);
  EXPECT_TRUE(a.parameters[2].like_pattern);
  EXPECT_TRUE(a.parameters[2].compared);
  a = ok("SELECT id FROM employees WHERE cloister_like(note, ?, 1, 'varchar')");  // as rewritten
  ASSERT_EQ(a.parameters.size(), 1u);
  EXPECT_TRUE(a.parameters[0].like_pattern);
  EXPECT_FALSE(a.parameters[0].compared);
  a = ok("SELECT id FROM employees WHERE id = ?");
  ASSERT_EQ(a.parameters.size(), 1u);
  EXPECT_FALSE(a.parameters[0].like_pattern || a.parameters[0].compared);  // meets no encrypted column
}

TEST(StatementAnalysis, NullTests) {
  Analysis a =
      ok("SELECT id FROM employees WHERE bonus IS NULL OR ssn IS NOT NULL OR salary ISNULL OR note NOTNULL");
  EXPECT_FALSE(column(a, "bonus")->needs_enclave);
  EXPECT_FALSE(column(a, "salary")->needs_enclave);
}

TEST(StatementAnalysis, JoinsOnSameKey) {
  Analysis a =
      ok("SELECT e.name, m.title FROM employees e JOIN managers m ON e.ssn = m.mgr_ssn WHERE m.id = ?");
  EXPECT_FALSE(column(a, "ssn")->needs_enclave);
  ASSERT_NE(column(a, "mgr_ssn"), nullptr);
  a = ok("SELECT e.name FROM employees e INNER JOIN managers m ON m.budget < e.salary");
  EXPECT_TRUE(column(a, "budget")->needs_enclave);
  a = ok("SELECT e.name FROM employees e, managers m WHERE e.ssn = m.mgr_ssn");
  ASSERT_NE(column(a, "mgr_ssn"), nullptr);
}

TEST(StatementAnalysis, InsertMapsValuesToColumns) {
  Analysis a = ok("INSERT INTO employees (id, ssn, salary, name) VALUES (?, ?, ?, ?), (5, :s, NULL, 'x')");
  EXPECT_EQ(a.kind, StatementKind::dml);
  EXPECT_TRUE(bound_to(a, 1, ""));
  EXPECT_TRUE(bound_to(a, 2, "ssn"));
  EXPECT_TRUE(bound_to(a, 3, "salary"));
  EXPECT_TRUE(bound_to(a, 4, ""));
  EXPECT_TRUE(bound_to(a, 5, "ssn"));
  EXPECT_FALSE(column(a, "salary")->needs_enclave);
  // Without a column list: the table's columns in order.
  a = ok("INSERT INTO employees VALUES (?, ?, ?, ?, ?, ?)");
  EXPECT_TRUE(bound_to(a, 3, "ssn"));
  EXPECT_TRUE(bound_to(a, 5, "bonus"));
  EXPECT_TRUE(bound_to(a, 6, "note"));
  a = ok("INSERT INTO employees (id, ssn) VALUES (?, ?) RETURNING id, ssn");
  EXPECT_TRUE(bound_to(a, 2, "ssn"));
  a =
      ok("INSERT INTO employees (id, ssn) VALUES (?, ?) ON CONFLICT (id) DO UPDATE SET ssn = excluded.ssn, "
         "salary = ? WHERE salary < ?");
  EXPECT_TRUE(bound_to(a, 3, "salary"));
  EXPECT_TRUE(bound_to(a, 4, "salary"));
  a =
      ok("INSERT INTO employees (id, salary, ssn) SELECT id, MAX(budget), mgr_ssn FROM managers WHERE title "
         "= ?");
  EXPECT_TRUE(bound_to(a, 1, ""));
  EXPECT_TRUE(column(a, "budget")->needs_enclave);
  a = ok("INSERT INTO employees SELECT * FROM employees WHERE ssn = ?");
  EXPECT_TRUE(bound_to(a, 1, "ssn"));
  a = ok("REPLACE INTO employees (id, bonus) VALUES (1, ?)");
  EXPECT_TRUE(bound_to(a, 1, "bonus"));
}

TEST(StatementAnalysis, UpdateSetAndDelete) {
  Analysis a = ok("UPDATE employees SET salary = ?, name = ?, bonus = NULL WHERE ssn = ?");
  EXPECT_TRUE(bound_to(a, 1, "salary"));
  EXPECT_TRUE(bound_to(a, 2, ""));
  EXPECT_TRUE(bound_to(a, 3, "ssn"));
  a = ok("UPDATE employees SET bonus = :b WHERE id = :i");
  EXPECT_TRUE(bound_to(a, 1, "bonus"));
  a = ok("UPDATE employees AS e SET salary = ? FROM plain p WHERE p.a = e.id");
  EXPECT_TRUE(bound_to(a, 1, "salary"));
  a = ok("DELETE FROM employees WHERE salary < ?");
  EXPECT_TRUE(bound_to(a, 1, "salary"));
  EXPECT_EQ(a.kind, StatementKind::dml);
}

TEST(StatementAnalysis, SubqueriesHaveTheirOwnScope) {
  Analysis a =
      ok("SELECT name FROM employees WHERE id IN (SELECT id FROM managers WHERE mgr_ssn = ?) AND ssn = ?");
  EXPECT_TRUE(bound_to(a, 1, "mgr_ssn"));
  EXPECT_TRUE(bound_to(a, 2, "ssn"));
  a =
      ok("SELECT name FROM employees e WHERE e.ssn IN (SELECT mgr_ssn FROM managers WHERE budget > ?) AND id "
         "= ?");
  EXPECT_TRUE(bound_to(a, 1, "budget"));
  EXPECT_TRUE(bound_to(a, 2, ""));
  a = ok("SELECT id FROM employees WHERE salary NOT IN (SELECT MAX(budget) FROM managers)");
  EXPECT_TRUE(column(a, "budget")->needs_enclave);
  a = ok("SELECT name FROM employees e WHERE EXISTS (SELECT 1 FROM managers m WHERE m.mgr_ssn = e.ssn)");
  ASSERT_NE(column(a, "mgr_ssn"), nullptr);
  a =
      ok("WITH rich AS (SELECT id FROM employees WHERE salary > ?) SELECT name FROM employees JOIN rich "
         "USING (id)");
  EXPECT_TRUE(bound_to(a, 1, "salary"));
  a = ok("SELECT * FROM employees");
  EXPECT_EQ(a.columns.size(), 4u);
}

TEST(StatementAnalysis, CreateIndex) {
  Analysis a = ok("CREATE INDEX ix ON employees (ssn)");
  EXPECT_EQ(a.kind, StatementKind::ddl);
  EXPECT_FALSE(column(a, "ssn")->needs_enclave);
  a = ok("CREATE UNIQUE INDEX IF NOT EXISTS ix2 ON employees (salary DESC, id)");
  EXPECT_TRUE(column(a, "salary")->needs_enclave);
  EXPECT_NE(refused("CREATE INDEX ix3 ON employees (bonus)").find("not enclave-enabled"), std::string::npos);
  EXPECT_NE(refused("CREATE INDEX ix4 ON employees (ssn COLLATE nocase)").find("COLLATE"), std::string::npos);
  refused("CREATE INDEX ix5 ON employees (salary + 1)");
}

TEST(StatementAnalysis, Refusals) {
  EXPECT_EQ(refused("SELECT * FROM employees WHERE salary = 5"),
            "employees.salary is encrypted (RANDOMIZED): compare it with a parameter, not a literal");
  refused("SELECT * FROM employees WHERE 'x' = ssn");
  refused("SELECT * FROM employees WHERE ssn = -5");
  EXPECT_EQ(refused("SELECT * FROM employees WHERE ssn < ?"),
            "employees.ssn is encrypted (DETERMINISTIC): only equality is supported, not '<'");
  refused("SELECT * FROM employees WHERE ssn BETWEEN ? AND ?");
  refused("SELECT * FROM employees ORDER BY ssn");
  refused("SELECT MAX(ssn) FROM employees");
  EXPECT_NE(refused("SELECT * FROM employees WHERE ssn LIKE ?").find("only equality"), std::string::npos);
  EXPECT_EQ(
      refused("SELECT * FROM employees WHERE bonus < ?"),
      "employees.bonus is encrypted with cek2, whose column master key is not enclave-enabled: '<' needs "
      "the enclave");
  refused("SELECT * FROM employees WHERE bonus = ?");
  refused("SELECT DISTINCT bonus FROM employees");
  refused("SELECT bonus, COUNT(*) FROM employees GROUP BY bonus");
  EXPECT_EQ(refused("SELECT salary + 1 FROM employees"),
            "employees.salary is encrypted: '+' is not supported on encrypted columns");
  refused("SELECT * FROM employees WHERE salary + 1 > ?");
  refused("SELECT * FROM employees WHERE 1 + salary > ?");
  refused("SELECT * FROM employees WHERE salary > ? + 1");
  refused("SELECT -salary FROM employees");
  refused("SELECT ssn || 'x' FROM employees");
  EXPECT_NE(refused("SELECT abs(salary) FROM employees").find("function 'abs'"), std::string::npos);
  refused("SELECT SUM(salary) FROM employees");
  EXPECT_NE(refused("SELECT * FROM employees WHERE like(?, note)").find("function 'like'"),
            std::string::npos);
  EXPECT_NE(refused("SELECT coalesce(1, salary) FROM employees").find("function 'coalesce'"),
            std::string::npos);
  refused("SELECT max(salary, ?) FROM employees");
  EXPECT_NE(refused("SELECT * FROM employees WHERE ssn = ? COLLATE nocase").find("COLLATE"),
            std::string::npos);
  EXPECT_NE(refused("SELECT * FROM employees ORDER BY salary COLLATE binary").find("COLLATE"),
            std::string::npos);
  EXPECT_NE(
      refused("SELECT * FROM employees e JOIN managers m ON e.ssn = m.other_ssn").find("different keys"),
      std::string::npos);
  refused("SELECT * FROM employees e JOIN managers m ON e.salary = m.mgr_ssn");
  EXPECT_NE(refused("SELECT * FROM employees WHERE ssn = name").find("plaintext column"), std::string::npos);
  refused("SELECT * FROM employees WHERE id = ssn");
  EXPECT_NE(refused("SELECT 1; SELECT 2").find("one statement"), std::string::npos);
  refused("SELECT * FROM employees WHERE ssn = ? = ?");
  refused("SELECT * FROM employees WHERE ssn IS ?");
  refused("SELECT * FROM employees WHERE ssn = NULL");
  refused("SELECT * FROM employees WHERE ssn IN (SELECT other_ssn FROM managers)");
  refused("SELECT * FROM employees WHERE ssn IN (SELECT mgr_ssn, id FROM managers)");
  refused("SELECT * FROM employees WHERE ssn IN (SELECT title FROM managers)");
  refused("SELECT * FROM employees WHERE id IN (SELECT mgr_ssn FROM managers)");
  refused("SELECT * FROM employees WHERE ssn IN (SELECT mgr_ssn FROM managers) + 1");
  refused("SELECT * FROM employees WHERE ssn IN (VALUES (?))");
  refused("SELECT * FROM employees WHERE ssn IN (?, 'x')");
  refused("SELECT * FROM employees WHERE note LIKE 'a%'");
  refused("SELECT * FROM employees WHERE note LIKE ? ESCAPE '!'");
  refused("SELECT * FROM employees WHERE salary LIKE ?");
  refused("SELECT * FROM employees WHERE ssn GLOB ?");
  refused("SELECT * FROM employees WHERE id BETWEEN 1 AND salary = ?");
  refused("SELECT * FROM employees WHERE id IS NOT salary = ?");
  refused("SELECT * FROM employees WHERE CASE ssn WHEN ? THEN 1 END");
  refused("SELECT CAST(salary AS TEXT) FROM employees");
  refused("SELECT * FROM employees WHERE salary");
  refused("SELECT * FROM employees WHERE ssn = :x AND id = :x");
  refused("SELECT * FROM employees e JOIN managers m ON e.ssn = :x OR m.other_ssn = :x");
  refused("INSERT INTO employees (id, salary) VALUES (1, 5000)");
  refused("INSERT INTO employees (id, salary) VALUES (1, ? + 1)");
  refused("INSERT INTO employees (id, salary) SELECT id, bonus FROM employees");
  refused("INSERT INTO employees (id, salary) SELECT salary, salary FROM employees");
  refused("INSERT INTO employees (id, salary) SELECT id, ? FROM employees");
  refused("INSERT INTO employees (id, ssn) SELECT * FROM (SELECT id, name FROM employees)");
  refused("SELECT * FROM employees e JOIN employees f USING (id) ORDER BY 4");
  refused("UPDATE employees SET salary = salary + ?");
  refused("UPDATE employees SET salary = 5");
  refused("UPDATE employees SET name = ssn");
  refused("SELECT x FROM (SELECT salary AS x FROM employees)");
  refused("WITH s AS (SELECT salary FROM employees) SELECT * FROM s");
  refused("SELECT * FROM employees WHERE salary > (SELECT salary FROM employees WHERE id = ?)");
  refused("CREATE VIEW v AS SELECT ssn FROM employees");
  refused("CREATE TABLE t2 AS SELECT salary FROM employees");
  refused("SELECT salary FROM employees UNION SELECT bonus FROM employees");
  EXPECT_NE(refused("SELECT salary FROM employees UNION ALL SELECT bonus FROM employees").find("compound"),
            std::string::npos);
  refused("SELECT id FROM employees UNION ALL SELECT ssn FROM employees");
  refused("SELECT id AS x, bonus AS y FROM employees ORDER BY y");
  refused("INSERT INTO employees (id, ssn) VALUES (?, ?) ON CONFLICT (ssn) WHERE ssn > 5 DO NOTHING");
  refused("CREATE TABLE t (a TEXT REFERENCES employees (ssn))");
  refused("SELECT * FROM employees WHERE salary > ? OVER ()");
  refused("SELECT * FROM employees e WHERE e.nosuch = ?");
  refused("SELECT * FROM employees WHERE (ssn, id) = (?, ?)");
  EXPECT_EQ(refused("SELECT * FROM employees WHERE (salary) > ?"),
            "employees.salary is encrypted (RANDOMIZED): not supported in this position (near ')')");
  refused("CREATE TRIGGER tr AFTER INSERT ON employees BEGIN UPDATE employees SET name = 'x'; END");
  EXPECT_NE(refused("SELECT e.id FROM employees e NATURAL JOIN employees f").find("bonus"),
            std::string::npos);
  refused("SELECT * FROM employees e JOIN managers m USING (id, ssn)");
}

TEST(StatementAnalysis, PlaintextStatementsPassThrough) {
  Analysis a = ok("SELECT a, b + 1, upper(b) FROM plain WHERE a > 5 ORDER BY b LIMIT ?;");
  EXPECT_TRUE(a.columns.empty());
  EXPECT_EQ(a.sqlite_sql, "SELECT a, b + 1, upper(b) FROM plain WHERE a > 5 ORDER BY b LIMIT ?;");
  EXPECT_EQ(ok("BEGIN").kind, StatementKind::transaction);
  EXPECT_EQ(ok("COMMIT;").kind, StatementKind::transaction);
  EXPECT_EQ(ok("PRAGMA table_info(employees)").kind, StatementKind::other);
  EXPECT_EQ(ok("EXPLAIN QUERY PLAN SELECT * FROM employees WHERE ssn = ?").kind, StatementKind::other);
  a = ok("DROP TABLE IF EXISTS employees");
  EXPECT_EQ(a.kind, StatementKind::ddl);
  EXPECT_EQ(a.dropped_table, "employees");
  refused("");
  refused(";");
  refused("SELECT (((1)");
}

TEST(StatementAnalysis, BoundedAndNeverCrashes) {
  std::string deep(100, '(');
  refused("SELECT " + deep);
  std::string big(kMaxStatementBytes + 1, ' ');
  refused(big);
  for (const char* s :
       {"SELECT", "SELECT * FROM", "SELECT * FROM employees WHERE", "INSERT INTO", "UPDATE",
        "UPDATE employees SET", "DELETE", "CREATE", "CREATE TABLE", "CREATE TABLE t (", "CREATE INDEX",
        "ALTER TABLE employees ALTER COLUMN", "WITH", "WITH x AS", "SELECT * FROM employees WHERE ssn IN (",
        "SELECT MIN(", "INSERT INTO employees VALUES (?"}) {
    (void)analyze_statement(s, test_catalog());
  }
}

// A sort over every row of one table may be ranked in the enclave at once; a
// sort of the rows a WHERE or a join keeps, or inside a subquery, may not.
TEST(StatementAnalysis, MarksSortsOverAWholeTableOnly) {
  const auto sorted = [](const std::string& sql, std::string_view name) {
    const Analysis a = ok(sql);
    const EncryptedColumnUse* use = column(a, name);
    return use != nullptr && use->sorted;
  };
  EXPECT_TRUE(sorted("SELECT id, salary FROM employees ORDER BY salary LIMIT 100", "salary"));
  EXPECT_TRUE(sorted("SELECT salary, COUNT(*) FROM employees GROUP BY salary", "salary"));
  EXPECT_TRUE(sorted("SELECT DISTINCT note FROM employees", "note"));
  EXPECT_TRUE(sorted("SELECT DISTINCT * FROM managers", "budget"));
  EXPECT_TRUE(sorted("SELECT MIN(salary) FROM employees", "salary"));
  EXPECT_TRUE(sorted("SELECT COUNT(DISTINCT note) FROM employees", "note"));
  EXPECT_TRUE(sorted("SELECT salary FROM employees e ORDER BY 1 DESC", "salary"));
  EXPECT_TRUE(sorted("CREATE INDEX by_salary ON employees(salary)", "salary"));

  EXPECT_FALSE(sorted("SELECT id FROM employees WHERE id < ? ORDER BY salary", "salary"));
  EXPECT_FALSE(sorted("SELECT id FROM employees WHERE salary > ? ORDER BY salary", "salary"));
  EXPECT_FALSE(sorted("SELECT e.id FROM employees e JOIN plain p ON p.a = e.id ORDER BY e.salary", "salary"));
  EXPECT_FALSE(
      sorted("SELECT a FROM plain WHERE EXISTS (SELECT 1 FROM employees ORDER BY salary)", "salary"));
  EXPECT_FALSE(sorted("CREATE INDEX by_salary ON employees(salary) WHERE id > 10", "salary"));
  EXPECT_FALSE(sorted("SELECT id, salary FROM employees", "salary"));  // not sorted at all
  EXPECT_FALSE(
      sorted("SELECT ssn, COUNT(*) FROM employees GROUP BY ssn", "ssn"));  // deterministic: no enclave
}

}  // namespace
}  // namespace cloister::sql
