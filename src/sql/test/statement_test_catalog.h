// The catalog and helpers the statement analysis tests share.
#pragma once

#include <gtest/gtest.h>

#include <string>

#include "sql/query/statement_analysis.h"
#include "sql/query/tokenizer.h"

namespace cloister::sql::test_support {

inline ColumnEncryption enc(std::uint32_t cek_id, const char* name, EncryptionType type, SqlType sql_type,
                            bool enclave) {
  ColumnEncryption e;
  e.cek_id = cek_id;
  e.cek_name = name;
  e.encryption = type;
  e.sql_type = sql_type;
  e.enclave_enabled = enclave;
  return e;
}

// employees: id, name plaintext; ssn DETERMINISTIC cek1; salary RANDOMIZED
// cek1 (enclave-enabled); bonus RANDOMIZED cek2 (no enclave); note
// RANDOMIZED cek1 varchar. managers: mgr_ssn DETERMINISTIC cek1, other_ssn
// DETERMINISTIC cek2, budget RANDOMIZED cek1 int.
inline Catalog test_catalog() {
  Catalog c;
  c.table = [](std::string_view name) -> std::optional<std::vector<CatalogColumn>> {
    const EncryptionType det = EncryptionType::deterministic;
    const EncryptionType rnd = EncryptionType::randomized;
    if (query::iequals(name, "employees")) {
      return std::vector<CatalogColumn>{
          {"id", std::nullopt},
          {"name", std::nullopt},
          {"ssn", enc(1, "cek1", det, SqlType::varchar, true)},
          {"salary", enc(1, "cek1", rnd, SqlType::int32, true)},
          {"bonus", enc(2, "cek2", rnd, SqlType::int32, false)},
          {"note", enc(1, "cek1", rnd, SqlType::varchar, true)},
      };
    }
    if (query::iequals(name, "managers")) {
      return std::vector<CatalogColumn>{
          {"id", std::nullopt},
          {"mgr_ssn", enc(1, "cek1", det, SqlType::varchar, true)},
          {"other_ssn", enc(2, "cek2", det, SqlType::varchar, false)},
          {"budget", enc(1, "cek1", rnd, SqlType::int32, true)},
          {"title", std::nullopt},
      };
    }
    if (query::iequals(name, "plain"))
      return std::vector<CatalogColumn>{{"a", std::nullopt}, {"b", std::nullopt}};
    return std::nullopt;
  };
  c.cek = [](std::string_view name) -> std::optional<Catalog::Cek> {
    if (query::iequals(name, "cek1")) return Catalog::Cek{1, true};
    if (query::iequals(name, "cek2")) return Catalog::Cek{2, false};
    return std::nullopt;
  };
  return c;
}

inline Analysis ok(std::string_view sql) {
  auto r = analyze_statement(sql, test_catalog());
  EXPECT_TRUE(r.is_ok()) << sql << "\n  -> " << r.status().to_string();
  if (!r.is_ok()) return {};
  return std::move(r).value();
}

inline std::string refused(std::string_view sql) {
  auto r = analyze_statement(sql, test_catalog());
  EXPECT_FALSE(r.is_ok()) << sql << " was accepted";
  if (r.is_ok()) return {};
  EXPECT_EQ(r.status().code(), ErrorCode::invalid_argument) << r.status().to_string();
  return r.status().message();
}

}  // namespace cloister::sql::test_support
