// The statement analysis over arbitrary bytes, with a fixed catalog
// (employees: id, name plaintext; ssn DETERMINISTIC; salary and note
// RANDOMIZED under an enclave-enabled key; bonus RANDOMIZED without one).
//  - analyze_statement never crashes, and refuses with invalid_argument;
//  - an accepted statement's parameters are numbered 1..n in order;
//  - every encrypted column it reports is one of the catalog's;
//  - the rewritten SQL analyzes again (it is what SQLite gets), with the
//    same parameters bound to the same columns.
// Seeds in corpus/sql_statement_fuzz/ are hand-written statements.
#include <cstdio>
#include <cstdlib>
#include <string>

#include "sql/query/statement_analysis.h"
#include "sql/query/tokenizer.h"

namespace cloister::sql {
namespace {

[[noreturn]] void die(const char* what) {
  std::fprintf(stderr, "sql_statement_fuzz: %s\n", what);
  std::abort();
}

ColumnEncryption enc(std::uint32_t id, const char* name, EncryptionType type, SqlType sql_type,
                     bool enclave) {
  ColumnEncryption e;
  e.cek_id = id;
  e.cek_name = name;
  e.encryption = type;
  e.sql_type = sql_type;
  e.enclave_enabled = enclave;
  return e;
}

const Catalog& catalog() {
  static const Catalog c = [] {
    Catalog c;
    c.table = [](std::string_view name) -> std::optional<std::vector<CatalogColumn>> {
      if (!query::iequals(name, "employees") && !query::iequals(name, "managers")) return std::nullopt;
      return std::vector<CatalogColumn>{
          {"id", std::nullopt},
          {"name", std::nullopt},
          {"ssn", enc(1, "cek1", EncryptionType::deterministic, SqlType::varchar, true)},
          {"salary", enc(1, "cek1", EncryptionType::randomized, SqlType::int32, true)},
          {"bonus", enc(2, "cek2", EncryptionType::randomized, SqlType::int32, false)},
          {"note", enc(1, "cek1", EncryptionType::randomized, SqlType::varchar, true)},
      };
    };
    c.cek = [](std::string_view name) -> std::optional<Catalog::Cek> {
      if (query::iequals(name, "cek1")) return Catalog::Cek{1, true};
      if (query::iequals(name, "cek2")) return Catalog::Cek{2, false};
      return std::nullopt;
    };
    return c;
  }();
  return c;
}

void check(std::string_view sql) {
  auto r = analyze_statement(sql, catalog());
  if (!r.is_ok()) {
    if (r.status().code() != ErrorCode::invalid_argument) die("a refusal that is not invalid_argument");
    return;
  }
  for (std::size_t i = 0; i < r->parameters.size(); ++i) {
    if (r->parameters[i].index != static_cast<int>(i + 1)) die("parameters out of order");
  }
  for (const EncryptedColumnUse& c : r->columns) {
    const std::string n = query::lowercase(c.column);
    if (n != "ssn" && n != "salary" && n != "bonus" && n != "note")
      die("an encrypted column not in the catalog");
    if (c.needs_enclave && !c.encryption.enclave_enabled)
      die("an enclave use of a key that is not enclave-enabled");
  }
  if (r->kind != StatementKind::query && r->kind != StatementKind::dml) return;
  auto again = analyze_statement(r->sqlite_sql, catalog());
  if (!again.is_ok()) die("the rewritten statement is refused");
  if (again->parameters.size() != r->parameters.size()) die("the rewritten statement has other parameters");
  for (std::size_t i = 0; i < r->parameters.size(); ++i) {
    const auto& a = r->parameters[i].column;
    const auto& b = again->parameters[i].column;
    if (a.has_value() != b.has_value() || (a && a->column != b->column))
      die("the rewritten statement binds a parameter differently");
  }
}

}  // namespace
}  // namespace cloister::sql

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > (1 << 16)) return 0;
  cloister::sql::check(std::string_view(reinterpret_cast<const char*>(data), size));
  return 0;
}
