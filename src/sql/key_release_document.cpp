// The key release document's JSON (key_release.h): built by the client,
// parsed strictly by the enclave. Everything parsed here is attacker-chosen
// (the host relays it), so every member is typed and bounded.
#include <limits>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "common/encoding.h"
#include "jose/jose.h"
#include "sql/cell_cipher.h"
#include "sql/key_release.h"

namespace cloister::sql {
namespace {

using nlohmann::json;

// The document is three levels deep; anything deeper is not one.
constexpr std::size_t kMaxDocumentSize = 1u << 20;

Status bad(const std::string& what) {
  return error(ErrorCode::decode_error, "key release: " + what);
}

bool is_hex(std::string_view text) {
  for (char c : text) {
    const bool digit = c >= '0' && c <= '9';
    const bool lower = c >= 'a' && c <= 'f';
    const bool upper = c >= 'A' && c <= 'F';
    if (!digit && !lower && !upper) return false;
  }
  return true;
}

Status check_name(std::string_view value, const std::string& what) {
  if (value.empty()) return bad(what + " is empty");
  if (value.size() > kMaxKeyReleaseNameSize) {
    return error(ErrorCode::out_of_range, "key release: " + what + " is longer than " +
                                              std::to_string(kMaxKeyReleaseNameSize) + " bytes");
  }
  return Status::ok();
}

// The bounds both sides enforce, on parsed or to-be-sealed content.
Status check_release(const KeyRelease& release) {
  if (release.database_id.empty() || release.database_id.size() > kMaxDatabaseIdSize ||
      !is_hex(release.database_id)) {
    return bad("database is not 1 to " + std::to_string(kMaxDatabaseIdSize) + " hex digits");
  }
  if (release.keys.empty()) return bad("keys is empty");
  if (release.keys.size() > kMaxReleasedKeys) {
    return error(ErrorCode::out_of_range,
                 "key release: more than " + std::to_string(kMaxReleasedKeys) + " keys");
  }
  std::set<std::uint32_t> ids;
  for (const ReleasedKey& key : release.keys) {
    const std::string which = "key " + std::to_string(ids.size());
    if (key.cek_id == 0) return bad(which + ": cek_id 0 is reserved");
    if (!ids.insert(key.cek_id).second) return bad("cek_id " + std::to_string(key.cek_id) + " appears twice");
    CLOISTER_RETURN_IF_ERROR(check_name(key.cek_name, which + " cek_name"));
    CLOISTER_RETURN_IF_ERROR(check_name(key.cmk_provider, which + " cmk.provider"));
    CLOISTER_RETURN_IF_ERROR(check_name(key.cmk_key_path, which + " cmk.key_path"));
    if (key.key.size() != kColumnKeySize) {
      return bad(which + ": a column encryption key is " + std::to_string(kColumnKeySize) + " bytes, got " +
                 std::to_string(key.key.size()));
    }
    if (key.cmk_public_key_der.empty() || key.cmk_public_key_der.size() > kMaxCmkPublicKeySize) {
      return bad(which + ": cmk.public_key is empty or over " + std::to_string(kMaxCmkPublicKeySize) +
                 " bytes");
    }
    if (key.cmk_enclave_signature.empty() || key.cmk_enclave_signature.size() > kMaxCmkSignatureSize) {
      return bad(which + ": cmk.enclave_signature is empty or over " + std::to_string(kMaxCmkSignatureSize) +
                 " bytes");
    }
  }
  return Status::ok();
}

// Exactly these members (and of `optional`, any), no others.
Status check_members(const json& object, std::initializer_list<const char*> required, const std::string& what,
                     std::initializer_list<const char*> optional = {}) {
  if (!object.is_object()) return bad(what + " is not an object");
  for (const auto& item : object.items()) {
    bool known = false;
    for (const char* name : required) known = known || item.key() == name;
    for (const char* name : optional) known = known || item.key() == name;
    if (!known) return bad(what + " has an unknown member (expected only the documented ones)");
  }
  for (const char* name : required) {
    if (!object.contains(name)) return bad(what + " lacks \"" + name + "\"");
  }
  return Status::ok();
}

Result<std::string> string_member(const json& object, const char* name, const std::string& what) {
  const json& value = object.at(name);  // present: check_members ran
  if (!value.is_string()) return bad(what + "." + name + " is not a string");
  return value.get_ref<const std::string&>();
}

Result<Bytes> base64url_member(const json& object, const char* name, const std::string& what) {
  const json& value = object.at(name);
  if (!value.is_string()) return bad(what + "." + name + " is not a string");
  Result<Bytes> bytes = from_base64url(value.get_ref<const std::string&>());
  if (!bytes.is_ok()) return bad(what + "." + name + " is not base64url");
  return bytes;
}

Result<ReleasedKey> parse_key(json& entry, const std::string& what) {
  CLOISTER_RETURN_IF_ERROR(
      check_members(entry, {"cek_id", "cek_name", "key", "cmk"}, what, {"allow_decryption_to_host"}));
  ReleasedKey key;
  const json& id = entry.at("cek_id");
  if (!id.is_number_unsigned() || id.get<std::uint64_t>() > std::numeric_limits<std::uint32_t>::max()) {
    return bad(what + ".cek_id is not an unsigned 32-bit integer");
  }
  key.cek_id = static_cast<std::uint32_t>(id.get<std::uint64_t>());
  CLOISTER_ASSIGN_OR_RETURN(key.cek_name, string_member(entry, "cek_name", what));
  if (auto allow = entry.find("allow_decryption_to_host"); allow != entry.end()) {
    if (!allow->is_boolean()) return bad(what + ".allow_decryption_to_host is not a boolean");
    key.allow_decryption_to_host = allow->get<bool>();
  }

  json& key_text = entry.at("key");
  if (!key_text.is_string()) return bad(what + ".key is not a string");
  auto& text = key_text.get_ref<std::string&>();
  Result<Bytes> key_bytes = from_base64url(text);
  secure_wipe(text.data(), text.size());  // the JSON copy of the key goes before it is freed
  if (!key_bytes.is_ok()) return bad(what + ".key is not base64url");
  key.key = SecretBytes(std::move(key_bytes).value());

  const json& cmk = entry.at("cmk");
  const std::string cmk_what = what + ".cmk";
  CLOISTER_RETURN_IF_ERROR(
      check_members(cmk, {"provider", "key_path", "public_key", "enclave_signature"}, cmk_what));
  CLOISTER_ASSIGN_OR_RETURN(key.cmk_provider, string_member(cmk, "provider", cmk_what));
  CLOISTER_ASSIGN_OR_RETURN(key.cmk_key_path, string_member(cmk, "key_path", cmk_what));
  CLOISTER_ASSIGN_OR_RETURN(key.cmk_public_key_der, base64url_member(cmk, "public_key", cmk_what));
  CLOISTER_ASSIGN_OR_RETURN(key.cmk_enclave_signature, base64url_member(cmk, "enclave_signature", cmk_what));
  return key;
}

// Wipes every "key" member of a document's keys array.
void wipe_keys(json& document) {
  auto keys = document.find("keys");
  if (keys == document.end() || !keys->is_array()) return;
  for (json& entry : *keys) {
    if (!entry.is_object()) continue;
    auto key = entry.find("key");
    if (key != entry.end() && key->is_string()) {
      auto& text = key->get_ref<std::string&>();
      secure_wipe(text.data(), text.size());
    }
  }
}

}  // namespace

Result<SecretBytes> key_release_document(const KeyRelease& release) {
  CLOISTER_RETURN_IF_ERROR(check_release(release));
  json document = {{"database", release.database_id}, {"keys", json::array()}};
  for (const ReleasedKey& key : release.keys) {
    document["keys"].push_back({{"cek_id", key.cek_id},
                                {"cek_name", key.cek_name},
                                {"key", to_base64url(key.key.view())},
                                {"cmk",
                                 {{"provider", key.cmk_provider},
                                  {"key_path", key.cmk_key_path},
                                  {"public_key", to_base64url(key.cmk_public_key_der)},
                                  {"enclave_signature", to_base64url(key.cmk_enclave_signature)}}}});
    if (key.allow_decryption_to_host) document["keys"].back()["allow_decryption_to_host"] = true;
  }
  std::string text;
  bool utf8 = true;
  try {
    text = document.dump();
  } catch (const json::exception&) {
    utf8 = false;
  }
  wipe_keys(document);
  if (!utf8) return bad("a name is not valid UTF-8");
  SecretBytes out(as_bytes(text));
  secure_wipe(text.data(), text.size());
  return out;
}

Result<KeyRelease> parse_key_release_document(std::string_view text) {
  if (text.size() > kMaxDocumentSize) {
    return error(ErrorCode::out_of_range,
                 "key release: document over " + std::to_string(kMaxDocumentSize) + " bytes");
  }
  // Repeated member names are refused (parsers resolve them differently).
  CLOISTER_ASSIGN_OR_RETURN(json document, jose::parse_strict_object(text, "the key release document"));
  KeyRelease release;
  Status status = [&]() -> Status {
    CLOISTER_RETURN_IF_ERROR(check_members(document, {"database", "keys"}, "the document"));
    CLOISTER_ASSIGN_OR_RETURN(release.database_id, string_member(document, "database", "the document"));
    json& keys = document.at("keys");
    if (!keys.is_array()) return bad("keys is not an array");
    if (keys.size() > kMaxReleasedKeys) {
      return error(ErrorCode::out_of_range,
                   "key release: more than " + std::to_string(kMaxReleasedKeys) + " keys");
    }
    release.keys.reserve(keys.size());
    for (json& entry : keys) {
      CLOISTER_ASSIGN_OR_RETURN(ReleasedKey key,
                                parse_key(entry, "keys[" + std::to_string(release.keys.size()) + "]"));
      release.keys.push_back(std::move(key));
    }
    return check_release(release);
  }();
  wipe_keys(document);
  if (!status.is_ok()) return status;
  return release;
}

}  // namespace cloister::sql
