// The secure key release sample's enclave: it unwraps a data key released by
// the key broker to its instance key, then reads a file encrypted under that
// key. The host relays everything and learns neither the key nor the file.
#include "cloister/enclave.h"

#include <algorithm>
#include <mutex>
#include <nlohmann/json.hpp>

#include "calls.h"
#include "common/encoding.h"
#include "crypto/sha.h"
#include "file_format.h"
#include "jose/jose.h"

namespace {

using namespace cloister;

std::mutex key_mutex;
SecretBytes data_key;  // guarded by key_mutex; wiped when replaced

Result<skr::InstallKey::Reply> install_key(const skr::InstallKey& request) {
  CLOISTER_ASSIGN_OR_RETURN(SecretBytes jwk_bytes, jose::decrypt_jwe(request.jwe, enclave::instance_key()));
  const ByteView jwk_view = jwk_bytes.view();
  auto jwk = nlohmann::json::parse(jwk_view.begin(), jwk_view.end(), nullptr, false);
  if (!jwk.is_object() || jwk.value("kty", "") != "oct" || !jwk.contains("k") || !jwk["k"].is_string()) {
    return Status(ErrorCode::invalid_argument, "the released key is not a symmetric (oct) JWK");
  }
  auto& key_text = jwk["k"].get_ref<std::string&>();
  auto key = from_base64url(key_text);
  secure_wipe(key_text.data(), key_text.size());  // the JSON copy of the key is wiped before it is freed
  if (!key.is_ok()) return key.status();
  SecretBytes secret(std::move(key).value());
  if (secret.size() != 32) return Status(ErrorCode::invalid_argument, "the released key is not 256 bits");
  std::lock_guard lock(key_mutex);
  data_key = std::move(secret);
  return skr::InstallKey::Reply{jwk.value("kid", "")};
}

Result<skr::SummarizeFile::Reply> summarize_file(const skr::SummarizeFile& request) {
  SecretBytes plaintext;
  {
    std::lock_guard lock(key_mutex);
    if (data_key.empty())
      return Status(ErrorCode::permission_denied, "no data key yet: call InstallKey first");
    CLOISTER_ASSIGN_OR_RETURN(plaintext, skr::decrypt_file(data_key, request.sealed_file));
  }
  skr::SummarizeFile::Reply reply;
  reply.bytes = plaintext.size();
  const ByteView text = plaintext.view();
  reply.lines = static_cast<std::uint64_t>(std::count(text.begin(), text.end(), '\n'));
  const auto digest = crypto::sha256(plaintext.view());
  reply.sha256.assign(digest.begin(), digest.end());
  return reply;
}

}  // namespace

CLOISTER_ENCLAVE(secure_key_release) {
  enclave.on<skr::InstallKey>(install_key);
  enclave.on<skr::SummarizeFile>(summarize_file);
}
