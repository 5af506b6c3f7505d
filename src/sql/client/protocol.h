// The JSON shapes of docs/sql-protocol.md, parsed strictly: a field of the
// wrong type is a decode_error naming it, never a default.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "cloister/bytes.h"
#include "cloister/result.h"
#include "sql/cell_cipher.h"
#include "sql/sql_value.h"

namespace cloister::sql::client {

struct ColumnEncryption {
  std::uint32_t cek_id = 0;
  std::string cek_name;
  EncryptionType type = EncryptionType::randomized;
  SqlType sql_type = SqlType::int64;
};

struct CekValue {
  std::string cmk;
  std::string provider;
  std::string key_path;
  std::string algorithm;
  Bytes encrypted_value;
  Bytes enclave_signature;  // empty: the CMK is not enclave-enabled
};

struct CekInfo {
  std::uint32_t id = 0;
  std::string name;
  std::vector<CekValue> values;
};

struct DescribedParameter {
  int index = 0;  // SQLite's, from 1
  std::string name;
  std::string table;
  std::string column;
  std::optional<ColumnEncryption> encryption;
};

struct Description {
  std::vector<DescribedParameter> parameters;
  std::vector<CekInfo> ceks;
  std::vector<std::uint32_t> enclave_ceks;
};

struct DescribedColumn {
  std::string name, table, column;
  std::optional<ColumnEncryption> encryption;
};

// A result value: a plain value, or the bytes of an encrypted cell.
struct WireValue {
  SqlValue value;
  std::optional<Bytes> cell;
};

struct ExecuteReply {
  std::vector<DescribedColumn> columns;
  std::vector<std::vector<WireValue>> rows;
  std::int64_t changes = 0;
  std::int64_t last_insert_rowid = 0;
};

// The key an EnclaveKeyMissing (409) answer carries.
struct MissingKeys {
  std::string instance;
  std::vector<std::uint32_t> cek_ids;
};

Result<std::optional<ColumnEncryption>> parse_encryption(const nlohmann::json& json);
Result<Description> parse_description(const nlohmann::json& json);
Result<ExecuteReply> parse_execute_reply(const nlohmann::json& json);
MissingKeys parse_missing_keys(const nlohmann::json& error_body);

nlohmann::json value_to_json(const SqlValue& value);
nlohmann::json cell_to_json(ByteView cell);
Result<WireValue> value_from_json(const nlohmann::json& json);

}  // namespace cloister::sql::client
