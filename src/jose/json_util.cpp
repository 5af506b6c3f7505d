#include <algorithm>
#include <set>

#include "common/encoding.h"
#include "jose/jose_internal.h"

namespace cloister::jose::internal {

using nlohmann::json;

Result<Bytes> decode_base64url(std::string_view text, std::string_view what) {
  if (text.find('=') != std::string_view::npos) {
    return error(ErrorCode::decode_error,
                 std::string(what) + " is padded base64url (JOSE omits the padding)");
  }
  auto bytes = from_base64url(text);
  if (!bytes.is_ok()) return bytes.status().with_context(std::string(what) + " is not base64url");
  return bytes;
}

Result<json> parse_object(std::string_view text, std::string_view what) {
  std::vector<std::set<std::string>> names;  // member names seen, per open object
  int depth = 0;
  bool too_deep = false;
  bool duplicate = false;
  const json::parser_callback_t on_event = [&](int /*depth*/, json::parse_event_t event, json& parsed) {
    switch (event) {
      case json::parse_event_t::object_start:
        names.emplace_back();
        [[fallthrough]];
      case json::parse_event_t::array_start:
        if (++depth > kMaxJsonDepth) too_deep = true;
        break;
      case json::parse_event_t::object_end:
        if (!names.empty()) names.pop_back();
        [[fallthrough]];
      case json::parse_event_t::array_end:
        --depth;
        break;
      case json::parse_event_t::key:
        if (!names.empty() && parsed.is_string() &&
            !names.back().insert(parsed.get_ref<const std::string&>()).second) {
          duplicate = true;
        }
        break;
      case json::parse_event_t::value:
        break;
    }
    return true;
  };
  json value = json::parse(text.begin(), text.end(), on_event, /*allow_exceptions=*/false);
  if (value.is_discarded()) return error(ErrorCode::decode_error, std::string(what) + " is not valid JSON");
  if (too_deep) {
    return error(ErrorCode::decode_error,
                 std::string(what) + " nests deeper than " + std::to_string(kMaxJsonDepth) + " levels");
  }
  if (duplicate) return error(ErrorCode::decode_error, std::string(what) + " repeats a member name");
  if (!value.is_object()) return error(ErrorCode::decode_error, std::string(what) + " is not a JSON object");
  return value;
}

Result<std::string> dump_json(const json& value, std::string_view what) {
  try {
    return value.dump();
  } catch (const json::exception&) {
    return error(ErrorCode::invalid_argument, std::string(what) + " holds a string that is not UTF-8");
  }
}

Result<std::vector<std::string_view>> split_compact(std::string_view token, std::size_t parts,
                                                    std::string_view what) {
  const auto dots = static_cast<std::size_t>(std::count(token.begin(), token.end(), '.'));
  if (dots + 1 != parts) {
    return error(ErrorCode::decode_error, std::string(what) + " has " + std::to_string(dots + 1) +
                                              " parts, not " + std::to_string(parts));
  }
  std::vector<std::string_view> pieces;
  pieces.reserve(parts);
  std::size_t start = 0;
  for (std::size_t dot = token.find('.'); dot != std::string_view::npos; dot = token.find('.', start)) {
    pieces.push_back(token.substr(start, dot - start));
    start = dot + 1;
  }
  pieces.push_back(token.substr(start));
  return pieces;
}

Result<const std::string*> optional_string(const json& object, const char* name, std::string_view what) {
  const auto member = object.find(name);
  if (member == object.end()) return static_cast<const std::string*>(nullptr);
  if (!member->is_string()) {
    return error(ErrorCode::decode_error, std::string(what) + " member \"" + name + "\" is not a string");
  }
  return &member->get_ref<const std::string&>();
}

std::string quoted(std::string_view text) {
  constexpr std::size_t kMaxShown = 64;
  std::string out = "\"";
  for (std::size_t i = 0; i < text.size() && i < kMaxShown; ++i) {
    const char c = text[i];
    out += (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') ? c : '?';
  }
  if (text.size() > kMaxShown) out += "...";
  return out + "\"";
}

}  // namespace cloister::jose::internal

namespace cloister::jose {

Result<nlohmann::json> parse_strict_object(std::string_view text, std::string_view what) {
  return internal::parse_object(text, what);
}

}  // namespace cloister::jose
