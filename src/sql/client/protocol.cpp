#include "sql/client/protocol.h"

#include <limits>

#include "common/encoding.h"

namespace cloister::sql::client {
namespace {

using nlohmann::json;

Status bad(const std::string& what) {
  return Status(ErrorCode::decode_error, "the server's answer is malformed: " + what);
}

Result<std::string> text_field(const json& object, const char* name, bool optional = false) {
  if (!object.contains(name) || object[name].is_null()) {
    if (optional) return std::string();
    return bad(std::string("no \"") + name + "\"");
  }
  if (!object[name].is_string()) return bad(std::string("\"") + name + "\" is not a string");
  return object[name].get<std::string>();
}

Result<std::uint32_t> id_field(const json& object, const char* name) {
  if (!object.contains(name) || !object[name].is_number_unsigned())
    return bad(std::string("\"") + name + "\" is not an id");
  const auto value = object[name].get<std::uint64_t>();
  if (value == 0 || value > std::numeric_limits<std::uint32_t>::max())
    return bad(std::string("\"") + name + "\" is out of range");
  return static_cast<std::uint32_t>(value);
}

Result<Bytes> base64_field(const json& object, const char* name) {
  CLOISTER_ASSIGN_OR_RETURN(std::string text, text_field(object, name, true));
  if (text.empty()) return Bytes{};
  auto bytes = from_base64(text);
  if (!bytes.is_ok()) return bad(std::string("\"") + name + "\" is not base64");
  return bytes;
}

Result<std::vector<std::uint32_t>> id_list(const json& object, const char* name) {
  std::vector<std::uint32_t> ids;
  if (!object.contains(name)) return ids;
  if (!object[name].is_array()) return bad(std::string("\"") + name + "\" is not a list");
  for (const auto& id : object[name]) {
    if (!id.is_number_unsigned() || id.get<std::uint64_t>() > std::numeric_limits<std::uint32_t>::max())
      return bad(std::string("\"") + name + "\" holds a non-id");
    ids.push_back(static_cast<std::uint32_t>(id.get<std::uint64_t>()));
  }
  return ids;
}

Result<CekInfo> parse_cek(const json& json) {
  if (!json.is_object()) return bad("a CEK is not an object");
  CekInfo cek;
  CLOISTER_ASSIGN_OR_RETURN(cek.id, id_field(json, "id"));
  CLOISTER_ASSIGN_OR_RETURN(cek.name, text_field(json, "name"));
  if (!json.contains("values") || !json["values"].is_array())
    return bad("CEK " + cek.name + " has no values");
  for (const auto& item : json["values"]) {
    if (!item.is_object()) return bad("a CEK value is not an object");
    CekValue value;
    CLOISTER_ASSIGN_OR_RETURN(value.cmk, text_field(item, "cmk"));
    CLOISTER_ASSIGN_OR_RETURN(value.provider, text_field(item, "provider"));
    CLOISTER_ASSIGN_OR_RETURN(value.key_path, text_field(item, "key_path"));
    CLOISTER_ASSIGN_OR_RETURN(value.algorithm, text_field(item, "algorithm"));
    CLOISTER_ASSIGN_OR_RETURN(value.encrypted_value, base64_field(item, "encrypted_value"));
    CLOISTER_ASSIGN_OR_RETURN(value.enclave_signature, base64_field(item, "enclave_signature"));
    if (value.encrypted_value.empty()) return bad("CEK " + cek.name + " has an empty encrypted value");
    cek.values.push_back(std::move(value));
  }
  return cek;
}

}  // namespace

Result<std::optional<ColumnEncryption>> parse_encryption(const json& json) {
  if (json.is_null()) return std::optional<ColumnEncryption>();
  if (!json.is_object()) return bad("\"encryption\" is not an object");
  ColumnEncryption encryption;
  CLOISTER_ASSIGN_OR_RETURN(encryption.cek_id, id_field(json, "cek_id"));
  CLOISTER_ASSIGN_OR_RETURN(encryption.cek_name, text_field(json, "cek", true));
  CLOISTER_ASSIGN_OR_RETURN(std::string type, text_field(json, "type"));
  if (type == "deterministic") {
    encryption.type = EncryptionType::deterministic;
  } else if (type == "randomized") {
    encryption.type = EncryptionType::randomized;
  } else {
    return bad("encryption type " + type);
  }
  CLOISTER_ASSIGN_OR_RETURN(std::string sql_type, text_field(json, "sql_type"));
  auto parsed = sql_type_from_name(sql_type);
  if (!parsed.is_ok()) return bad("sql_type " + sql_type);
  encryption.sql_type = *parsed;
  return std::optional<ColumnEncryption>(encryption);
}

Result<Description> parse_description(const json& json) {
  Description description;
  if (json.contains("parameters")) {
    if (!json["parameters"].is_array()) return bad("\"parameters\" is not a list");
    for (const auto& item : json["parameters"]) {
      if (!item.is_object()) return bad("a parameter is not an object");
      DescribedParameter parameter;
      if (!item.contains("index") || !item["index"].is_number_integer() ||
          item["index"].get<std::int64_t>() < 1 || item["index"].get<std::int64_t>() > 32766)
        return bad("a parameter has no valid index");
      parameter.index = item["index"].get<int>();
      CLOISTER_ASSIGN_OR_RETURN(parameter.name, text_field(item, "name", true));
      if (item.contains("column") && item["column"].is_object()) {
        CLOISTER_ASSIGN_OR_RETURN(parameter.table, text_field(item["column"], "table", true));
        CLOISTER_ASSIGN_OR_RETURN(parameter.column, text_field(item["column"], "column", true));
      }
      CLOISTER_ASSIGN_OR_RETURN(parameter.encryption,
                                parse_encryption(item.contains("encryption") ? item["encryption"] : nullptr));
      description.parameters.push_back(std::move(parameter));
    }
  }
  if (json.contains("ceks")) {
    if (!json["ceks"].is_array()) return bad("\"ceks\" is not a list");
    for (const auto& item : json["ceks"]) {
      CLOISTER_ASSIGN_OR_RETURN(CekInfo cek, parse_cek(item));
      description.ceks.push_back(std::move(cek));
    }
  }
  CLOISTER_ASSIGN_OR_RETURN(description.enclave_ceks, id_list(json, "enclave_ceks"));
  return description;
}

Result<ExecuteReply> parse_execute_reply(const json& json) {
  ExecuteReply reply;
  if (json.contains("columns")) {
    if (!json["columns"].is_array()) return bad("\"columns\" is not a list");
    for (const auto& item : json["columns"]) {
      if (!item.is_object()) return bad("a column is not an object");
      DescribedColumn column;
      CLOISTER_ASSIGN_OR_RETURN(column.name, text_field(item, "name", true));
      CLOISTER_ASSIGN_OR_RETURN(column.table, text_field(item, "table", true));
      CLOISTER_ASSIGN_OR_RETURN(column.column, text_field(item, "column", true));
      CLOISTER_ASSIGN_OR_RETURN(column.encryption,
                                parse_encryption(item.contains("encryption") ? item["encryption"] : nullptr));
      reply.columns.push_back(std::move(column));
    }
  }
  if (json.contains("rows")) {
    if (!json["rows"].is_array()) return bad("\"rows\" is not a list");
    for (const auto& row : json["rows"]) {
      if (!row.is_array() || row.size() != reply.columns.size())
        return bad("a row does not have one value per column");
      std::vector<WireValue> values;
      values.reserve(row.size());
      for (const auto& cell : row) {
        CLOISTER_ASSIGN_OR_RETURN(WireValue value, value_from_json(cell));
        values.push_back(std::move(value));
      }
      reply.rows.push_back(std::move(values));
    }
  }
  if (json.contains("changes") && json["changes"].is_number_integer())
    reply.changes = json["changes"].get<std::int64_t>();
  if (json.contains("last_insert_rowid") && json["last_insert_rowid"].is_number_integer())
    reply.last_insert_rowid = json["last_insert_rowid"].get<std::int64_t>();
  return reply;
}

MissingKeys parse_missing_keys(const json& body) {
  MissingKeys missing;
  if (!body.is_object() || !body.contains("error") || !body["error"].is_object()) return missing;
  const auto& error = body["error"];
  if (error.contains("instance") && error["instance"].is_string())
    missing.instance = error["instance"].get<std::string>();
  auto ids = id_list(error, "cek_ids");
  if (ids.is_ok()) missing.cek_ids = std::move(ids).value();
  return missing;
}

json value_to_json(const SqlValue& value) {
  struct Visitor {
    json operator()(const SqlNull&) const { return nullptr; }
    json operator()(std::int64_t v) const { return {{"int", v}}; }
    json operator()(double v) const { return {{"real", v}}; }
    json operator()(const std::string& v) const { return {{"text", v}}; }
    json operator()(const Bytes& v) const { return {{"blob", to_base64(v)}}; }
  };
  return std::visit(Visitor{}, value);
}

json cell_to_json(ByteView cell) {
  return {{"cell", to_base64(cell)}};
}

Result<WireValue> value_from_json(const json& json) {
  if (json.is_null()) return WireValue{SqlNull{}, std::nullopt};
  if (!json.is_object() || json.size() != 1) return bad("a value is not a one-member object");
  const auto member = json.begin();
  const std::string& kind = member.key();
  const auto& content = member.value();
  if (kind == "int" && content.is_number_integer())
    return WireValue{content.get<std::int64_t>(), std::nullopt};
  if (kind == "real" && content.is_number()) return WireValue{content.get<double>(), std::nullopt};
  if (kind == "text" && content.is_string()) return WireValue{content.get<std::string>(), std::nullopt};
  if ((kind == "blob" || kind == "cell") && content.is_string()) {
    auto bytes = from_base64(content.get<std::string>());
    if (!bytes.is_ok()) return bad("a " + kind + " value is not base64");
    if (kind == "blob") return WireValue{std::move(bytes).value(), std::nullopt};
    return WireValue{SqlNull{}, std::move(bytes).value()};
  }
  return bad("a value of kind \"" + kind + "\"");
}

}  // namespace cloister::sql::client
