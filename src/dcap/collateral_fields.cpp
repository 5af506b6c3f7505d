#include "dcap/collateral_fields.h"

#include "common/encoding.h"
#include "dcap/collateral_span.h"
#include "dcap/collateral_time.h"

namespace cloister::dcap::fields {

namespace {

Status bad(const std::string& path, const std::string& why) {
  return error(ErrorCode::decode_error, path + ": " + why);
}

Result<const nlohmann::json*> member(const nlohmann::json& parent, const std::string& path, const char* key) {
  auto found = parent.find(key);
  if (found == parent.end()) return bad(path_of(path, key), "missing");
  return &*found;
}

}  // namespace

Result<nlohmann::json> parse_object(std::string_view text, const std::string& what) {
  CLOISTER_RETURN_IF_ERROR(check_json_depth(text, kMaxDepth).with_context(what));
  nlohmann::json parsed = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded()) return error(ErrorCode::decode_error, what + ": not valid JSON");
  if (!parsed.is_object()) return error(ErrorCode::decode_error, what + ": not a JSON object");
  return parsed;
}

std::string path_of(const std::string& parent, std::string_view key) {
  return parent.empty() ? std::string(key) : parent + "." + std::string(key);
}

std::string path_of(const std::string& parent, std::size_t index) {
  return parent + "[" + std::to_string(index) + "]";
}

bool has(const nlohmann::json& object, const char* key) {
  return object.is_object() && object.contains(key);
}

Result<const nlohmann::json*> object(const nlohmann::json& parent, const std::string& path, const char* key) {
  CLOISTER_ASSIGN_OR_RETURN(const nlohmann::json* value, member(parent, path, key));
  if (!value->is_object()) return bad(path_of(path, key), "must be a JSON object");
  return value;
}

Result<const nlohmann::json*> array(const nlohmann::json& parent, const std::string& path, const char* key) {
  CLOISTER_ASSIGN_OR_RETURN(const nlohmann::json* value, member(parent, path, key));
  if (!value->is_array()) return bad(path_of(path, key), "must be a JSON array");
  return value;
}

Result<std::string> string(const nlohmann::json& parent, const std::string& path, const char* key) {
  CLOISTER_ASSIGN_OR_RETURN(const nlohmann::json* value, member(parent, path, key));
  if (!value->is_string()) return bad(path_of(path, key), "must be a string");
  return value->get<std::string>();
}

Result<std::uint64_t> integer(const nlohmann::json& parent, const std::string& path, const char* key,
                              std::uint64_t max) {
  CLOISTER_ASSIGN_OR_RETURN(const nlohmann::json* value, member(parent, path, key));
  if (!value->is_number_unsigned()) return bad(path_of(path, key), "must be a non-negative integer");
  auto number = value->get<std::uint64_t>();
  if (number > max) return bad(path_of(path, key), "exceeds " + std::to_string(max));
  return number;
}

Result<Bytes> hex(const nlohmann::json& parent, const std::string& path, const char* key, std::size_t size) {
  CLOISTER_ASSIGN_OR_RETURN(std::string text, string(parent, path, key));
  if (text.size() != 2 * size) {
    return bad(path_of(path, key),
               "must be " + std::to_string(2 * size) + " hex digits, not " + std::to_string(text.size()));
  }
  auto bytes = from_hex(text);
  if (!bytes) return bad(path_of(path, key), "not hex");
  return std::move(bytes).value();
}

Result<Timestamp> timestamp(const nlohmann::json& parent, const std::string& path, const char* key) {
  CLOISTER_ASSIGN_OR_RETURN(std::string text, string(parent, path, key));
  auto seconds = parse_iso8601(text);
  if (!seconds) return seconds.status().with_context(path_of(path, key));
  return Timestamp{std::move(text), *seconds};
}

Result<std::vector<std::string>> optional_strings(const nlohmann::json& parent, const std::string& path,
                                                  const char* key) {
  std::vector<std::string> out;
  if (!has(parent, key)) return out;
  CLOISTER_ASSIGN_OR_RETURN(const nlohmann::json* list, array(parent, path, key));
  for (std::size_t i = 0; i < list->size(); ++i) {
    const nlohmann::json& item = (*list)[i];
    if (!item.is_string()) return bad(path_of(path_of(path, key), i), "must be a string");
    out.push_back(item.get<std::string>());
  }
  return out;
}

}  // namespace cloister::dcap::fields
