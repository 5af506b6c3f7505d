// The Cloister catalog statements, in SQL Server's syntax:
//   CREATE COLUMN MASTER KEY name WITH (KEY_STORE_PROVIDER_NAME = N'..', KEY_PATH = N'..'
//     [, ENCLAVE_COMPUTATIONS (SIGNATURE = 0x..)])
//   CREATE COLUMN ENCRYPTION KEY name WITH VALUES (COLUMN_MASTER_KEY = cmk,
//     ALGORITHM = 'RSA_OAEP', ENCRYPTED_VALUE = 0x..) [, (...)]
//   DROP COLUMN MASTER KEY name / DROP COLUMN ENCRYPTION KEY name
//   ... ENCRYPTED WITH (COLUMN_ENCRYPTION_KEY = k, ENCRYPTION_TYPE = DETERMINISTIC|RANDOMIZED,
//     ALGORITHM = 'AEAD_AES_256_CBC_HMAC_SHA_256')
#include <string>
#include <vector>

#include "sql/query/ddl.h"

namespace cloister::sql::query {
namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

Result<Bytes> hex_bytes(const Token& t, std::string_view what) {
  if (t.kind != TokenKind::hex || t.value.empty() || t.value.size() % 2 != 0)
    return refuse(std::string(what) + " must be a hex literal 0x... with an even number of digits");
  Bytes out;
  out.reserve(t.value.size() / 2);
  for (std::size_t i = 0; i < t.value.size(); i += 2)
    out.push_back(static_cast<std::uint8_t>(hex_value(t.value[i]) * 16 + hex_value(t.value[i + 1])));
  return out;
}

Result<std::string> name_at(const StatementWalker& w, std::size_t i, std::string_view what) {
  const Token& t = w.tokens()[i];
  if (t.kind != TokenKind::identifier || t.value.empty()) return refuse(std::string(what) + " expected");
  return t.value;
}

Status expect_op(const StatementWalker& w, std::size_t i, std::string_view op) {
  if (!is_op(w.tokens()[i], op))
    return refuse("syntax error: '" + std::string(op) + "' expected near '" +
                  std::string(w.tokens()[i].text) + "'");
  return Status::ok();
}

Status expect_end(const StatementWalker& w, std::size_t i) {
  if (i != w.statement_end())
    return refuse("syntax error: unexpected '" + std::string(w.tokens()[i].text) +
                  "' at the end of the statement");
  return Status::ok();
}

// KEY = value pairs inside (...) at `open`; calls `on` with the key and the
// index of its value; returns past ')'.
template <typename F>
Result<std::size_t> options(const StatementWalker& w, std::size_t open, F on) {
  CLOISTER_RETURN_IF_ERROR(expect_op(w, open, "("));
  const std::size_t close = w.match(open);
  std::size_t i = open + 1;
  std::vector<std::string> seen;
  while (i < close) {
    CLOISTER_ASSIGN_OR_RETURN(std::string key, name_at(w, i, "an option name"));
    for (const std::string& k : seen) {
      if (iequals(k, key)) return refuse("option " + key + " given twice");
    }
    seen.push_back(key);
    CLOISTER_ASSIGN_OR_RETURN(std::size_t next, on(lowercase(key), i + 1));
    i = next;
    if (i < close) {
      CLOISTER_RETURN_IF_ERROR(expect_op(w, i, ","));
      ++i;
    }
  }
  if (i != close) return refuse("syntax error in an option list");
  return close + 1;
}

// `= value` at i: returns the value's index.
Result<std::size_t> value_after_equals(const StatementWalker& w, std::size_t i) {
  CLOISTER_RETURN_IF_ERROR(expect_op(w, i, "="));
  return i + 1;
}

Result<std::string> string_at(const StatementWalker& w, std::size_t i, std::string_view what) {
  const Token& t = w.tokens()[i];
  if (t.kind != TokenKind::string) return refuse(std::string(what) + " must be a string literal");
  return t.value;
}

}  // namespace

Result<CreateCmk> parse_create_cmk(const StatementWalker& w, std::size_t i) {
  CreateCmk cmk;
  CLOISTER_ASSIGN_OR_RETURN(cmk.name, name_at(w, i, "a column master key name"));
  if (!is_kw(w.tokens()[i + 1], "WITH"))
    return refuse("syntax error: WITH expected after the column master key name");
  bool signature = false;
  CLOISTER_ASSIGN_OR_RETURN(
      std::size_t end, options(w, i + 2, [&](const std::string& key, std::size_t at) -> Result<std::size_t> {
        if (key == "enclave_computations") {
          if (signature) return refuse("ENCLAVE_COMPUTATIONS given twice");
          signature = true;
          return options(w, at, [&](const std::string& k, std::size_t v) -> Result<std::size_t> {
            if (k != "signature") return refuse("ENCLAVE_COMPUTATIONS takes only SIGNATURE");
            CLOISTER_ASSIGN_OR_RETURN(std::size_t value, value_after_equals(w, v));
            CLOISTER_ASSIGN_OR_RETURN(cmk.enclave_signature, hex_bytes(w.tokens()[value], "SIGNATURE"));
            return value + 1;
          });
        }
        CLOISTER_ASSIGN_OR_RETURN(std::size_t value, value_after_equals(w, at));
        if (key == "key_store_provider_name") {
          CLOISTER_ASSIGN_OR_RETURN(cmk.provider, string_at(w, value, "KEY_STORE_PROVIDER_NAME"));
        } else if (key == "key_path") {
          CLOISTER_ASSIGN_OR_RETURN(cmk.key_path, string_at(w, value, "KEY_PATH"));
        } else {
          return refuse("unknown column master key option '" + key +
                        "': expected KEY_STORE_PROVIDER_NAME, KEY_PATH or ENCLAVE_COMPUTATIONS");
        }
        return value + 1;
      }));
  if (cmk.provider.empty() || cmk.key_path.empty())
    return refuse("CREATE COLUMN MASTER KEY needs KEY_STORE_PROVIDER_NAME and KEY_PATH");
  if (signature && cmk.enclave_signature.empty()) return refuse("ENCLAVE_COMPUTATIONS needs a SIGNATURE");
  CLOISTER_RETURN_IF_ERROR(expect_end(w, end));
  return cmk;
}

Result<CreateCek> parse_create_cek(const StatementWalker& w, std::size_t i) {
  CreateCek cek;
  CLOISTER_ASSIGN_OR_RETURN(cek.name, name_at(w, i, "a column encryption key name"));
  if (!is_kw(w.tokens()[i + 1], "WITH") || !is_kw(w.tokens()[i + 2], "VALUES"))
    return refuse("syntax error: WITH VALUES expected after the column encryption key name");
  i += 3;
  while (true) {
    CreateCek::Value value;
    CLOISTER_ASSIGN_OR_RETURN(
        i, options(w, i, [&](const std::string& key, std::size_t at) -> Result<std::size_t> {
          CLOISTER_ASSIGN_OR_RETURN(std::size_t v, value_after_equals(w, at));
          if (key == "column_master_key") {
            CLOISTER_ASSIGN_OR_RETURN(value.cmk_name, name_at(w, v, "a column master key name"));
          } else if (key == "algorithm") {
            CLOISTER_ASSIGN_OR_RETURN(value.algorithm, string_at(w, v, "ALGORITHM"));
          } else if (key == "encrypted_value") {
            CLOISTER_ASSIGN_OR_RETURN(value.encrypted_value, hex_bytes(w.tokens()[v], "ENCRYPTED_VALUE"));
          } else {
            return refuse("unknown column encryption key option '" + key +
                          "': expected COLUMN_MASTER_KEY, ALGORITHM or ENCRYPTED_VALUE");
          }
          return v + 1;
        }));
    if (value.cmk_name.empty() || value.algorithm.empty() || value.encrypted_value.empty())
      return refuse("each CEK value needs COLUMN_MASTER_KEY, ALGORITHM and ENCRYPTED_VALUE");
    cek.values.push_back(std::move(value));
    if (!is_op(w.tokens()[i], ",")) break;
    if (cek.values.size() == 2) return refuse("a column encryption key has at most two values");
    ++i;
  }
  CLOISTER_RETURN_IF_ERROR(expect_end(w, i));
  return cek;
}

Result<std::string> parse_dropped_name(const StatementWalker& w, std::size_t i) {
  CLOISTER_ASSIGN_OR_RETURN(std::string name, name_at(w, i, "a key name"));
  CLOISTER_RETURN_IF_ERROR(expect_end(w, i + 1));
  return name;
}

Result<ColumnEncryption> parse_encrypted_with(const StatementWalker& w, std::size_t i, SqlType type,
                                              std::size_t& next) {
  if (!is_kw(w.tokens()[i], "ENCRYPTED") || !is_kw(w.tokens()[i + 1], "WITH"))
    return refuse("syntax error: ENCRYPTED WITH expected");
  ColumnEncryption enc;
  enc.sql_type = type;
  bool have_type = false;
  bool have_algorithm = false;
  CLOISTER_ASSIGN_OR_RETURN(
      next, options(w, i + 2, [&](const std::string& key, std::size_t at) -> Result<std::size_t> {
        CLOISTER_ASSIGN_OR_RETURN(std::size_t v, value_after_equals(w, at));
        const Token& t = w.tokens()[v];
        if (key == "column_encryption_key") {
          CLOISTER_ASSIGN_OR_RETURN(enc.cek_name, name_at(w, v, "a column encryption key name"));
        } else if (key == "encryption_type") {
          if (is_kw(t, "DETERMINISTIC")) {
            enc.encryption = EncryptionType::deterministic;
          } else if (is_kw(t, "RANDOMIZED")) {
            enc.encryption = EncryptionType::randomized;
          } else {
            return refuse("ENCRYPTION_TYPE must be DETERMINISTIC or RANDOMIZED");
          }
          have_type = true;
        } else if (key == "algorithm") {
          CLOISTER_ASSIGN_OR_RETURN(std::string algorithm, string_at(w, v, "ALGORITHM"));
          if (!iequals(algorithm, "AEAD_AES_256_CBC_HMAC_SHA_256"))
            return refuse("ALGORITHM must be 'AEAD_AES_256_CBC_HMAC_SHA_256', not '" + algorithm + "'");
          have_algorithm = true;
        } else {
          return refuse("unknown ENCRYPTED WITH option '" + key +
                        "': expected COLUMN_ENCRYPTION_KEY, ENCRYPTION_TYPE and ALGORITHM");
        }
        return v + 1;
      }));
  if (enc.cek_name.empty() || !have_type || !have_algorithm)
    return refuse("ENCRYPTED WITH needs COLUMN_ENCRYPTION_KEY, ENCRYPTION_TYPE and ALGORITHM");
  if (!w.catalog().cek) return refuse("no column encryption key named " + enc.cek_name);
  auto cek = w.catalog().cek(enc.cek_name);
  if (!cek) return refuse("no column encryption key named " + enc.cek_name + ": create it first");
  enc.cek_id = cek->id;
  enc.enclave_enabled = cek->enclave_enabled;
  return enc;
}

}  // namespace cloister::sql::query
