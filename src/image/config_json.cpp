#include "image/config_json.h"

#include <cctype>
#include <cstdint>
#include <limits>
#include <nlohmann/json.hpp>
#include <set>

#include "image/signed_image.h"

namespace cloister::image {
namespace {

using nlohmann::json;

Status bad_key(const std::string& key, const std::string& what) {
  return error(ErrorCode::invalid_argument, "enclave config: \"" + key + "\" " + what);
}

Result<std::uint64_t> get_unsigned(const json& value, const std::string& key, std::uint64_t max) {
  // nlohmann stores non-negative integer literals as unsigned; negatives and
  // floats (even 8.0) are a different type and rejected here.
  if (!value.is_number_unsigned()) {
    return bad_key(
        key, "must be a non-negative integer, got " + std::string(value.type_name()) + " " + value.dump());
  }
  const auto v = value.get<std::uint64_t>();
  if (v > max) return bad_key(key, "value " + std::to_string(v) + " exceeds " + std::to_string(max));
  return v;
}

// "64M" -> 64 MiB. Digits, then at most one of K, M, G (case-insensitive,
// an optional "iB"/"B" after it is accepted for readability).
Result<std::uint64_t> parse_size(const std::string& text) {
  std::size_t i = 0;
  std::uint64_t number = 0;
  while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
    const auto digit = static_cast<std::uint64_t>(text[i] - '0');
    if (number > (std::numeric_limits<std::uint64_t>::max() - digit) / 10) {
      return bad_key("heap_size", "\"" + text + "\" is too large");
    }
    number = number * 10 + digit;
    ++i;
  }
  if (i == 0) return bad_key("heap_size", "\"" + text + "\" is not a size like \"64M\" or \"1G\"");
  std::string suffix = text.substr(i);
  for (auto& c : suffix) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  unsigned shift = 0;
  if (suffix.empty() || suffix == "B") {
    shift = 0;
  } else if (suffix == "K" || suffix == "KB" || suffix == "KIB") {
    shift = 10;
  } else if (suffix == "M" || suffix == "MB" || suffix == "MIB") {
    shift = 20;
  } else if (suffix == "G" || suffix == "GB" || suffix == "GIB") {
    shift = 30;
  } else {
    return bad_key("heap_size", "\"" + text + "\" has an unknown unit (use K, M or G)");
  }
  if (number > (std::numeric_limits<std::uint64_t>::max() >> shift)) {
    return bad_key("heap_size", "\"" + text + "\" is too large");
  }
  return number << shift;
}

}  // namespace

Result<EnclaveConfig> parse_enclave_config_json(std::string_view text) {
  // nlohmann keeps the last of repeated keys; record them to refuse instead.
  std::set<std::string> seen;
  std::string duplicate;
  const json::parser_callback_t on_event = [&](int depth, json::parse_event_t event, json& parsed) {
    if (event == json::parse_event_t::key && depth == 1) {
      const auto key = parsed.get<std::string>();
      if (!seen.insert(key).second && duplicate.empty()) duplicate = key;
    }
    return true;
  };
  json doc;
  try {
    doc = json::parse(text.begin(), text.end(), on_event);
  } catch (const json::parse_error& e) {
    return error(ErrorCode::decode_error, std::string("enclave config is not valid JSON: ") + e.what());
  }
  if (!duplicate.empty()) return bad_key(duplicate, "appears more than once");
  if (!doc.is_object()) {
    return error(ErrorCode::invalid_argument,
                 std::string("enclave config must be a JSON object, got ") + doc.type_name());
  }

  EnclaveConfig config;
  for (const auto& [key, value] : doc.items()) {
    if (key == "heap_size") {
      if (value.is_string()) {
        CLOISTER_ASSIGN_OR_RETURN(config.heap_size, parse_size(value.get<std::string>()));
      } else {
        CLOISTER_ASSIGN_OR_RETURN(config.heap_size,
                                  get_unsigned(value, key, std::numeric_limits<std::uint64_t>::max()));
      }
    } else if (key == "max_threads") {
      CLOISTER_ASSIGN_OR_RETURN(auto v, get_unsigned(value, key, std::numeric_limits<std::uint32_t>::max()));
      config.max_threads = static_cast<std::uint32_t>(v);
    } else if (key == "debug") {
      if (!value.is_boolean()) return bad_key(key, "must be true or false, got " + value.dump());
      config.debug = value.get<bool>();
    } else if (key == "product_id") {
      CLOISTER_ASSIGN_OR_RETURN(auto v, get_unsigned(value, key, std::numeric_limits<std::uint16_t>::max()));
      config.product_id = static_cast<std::uint16_t>(v);
    } else if (key == "security_version") {
      CLOISTER_ASSIGN_OR_RETURN(auto v, get_unsigned(value, key, std::numeric_limits<std::uint16_t>::max()));
      config.security_version = static_cast<std::uint16_t>(v);
    } else {
      return bad_key(key,
                     "is not a known key (expected heap_size, max_threads, debug, product_id, "
                     "security_version)");
    }
  }
  CLOISTER_RETURN_IF_ERROR(validate_config(config));
  return config;
}

std::string enclave_config_to_json(const EnclaveConfig& config) {
  json out = {{"heap_size", config.heap_size},
              {"max_threads", config.max_threads},
              {"debug", config.debug},
              {"product_id", config.product_id},
              {"security_version", config.security_version}};
  return out.dump();
}

}  // namespace cloister::image
