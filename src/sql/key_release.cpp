#include "sql/key_release.h"

#include "jose/jose.h"
#include "sql/cmk_metadata.h"

namespace cloister::sql {
namespace {

// The kid enclave::runtime_data_json gives the instance key.
constexpr const char* kEnclaveInstanceKid = "enclave-instance";

std::string named(const ReleasedKey& key) {
  return "CEK '" + key.cek_name + "' (id " + std::to_string(key.cek_id) + ") under CMK '" + key.cmk_key_path +
         "' (" + key.cmk_provider + ")";
}

}  // namespace

Status verify_key_release(const KeyRelease& release) {
  for (const ReleasedKey& key : release.keys) {
    Result<crypto::PublicKey> cmk = crypto::PublicKey::from_der(key.cmk_public_key_der);
    if (!cmk.is_ok()) {
      return error(ErrorCode::permission_denied,
                   named(key) + ": the CMK public key does not parse: " + cmk.status().message());
    }
    Status verified =
        verify_cmk_metadata(*cmk, key.cmk_provider, key.cmk_key_path, true, key.cmk_enclave_signature);
    if (!verified.is_ok()) {
      return error(ErrorCode::permission_denied,
                   named(key) +
                       " is refused: the CMK is not enclave-enabled (its metadata signature does not "
                       "verify with ENCLAVE_COMPUTATIONS): " +
                       verified.message());
    }
  }
  return Status::ok();
}

Result<std::string> seal_key_release(const KeyRelease& release, const crypto::PublicKey& enclave_key) {
  CLOISTER_ASSIGN_OR_RETURN(SecretBytes document, key_release_document(release));
  return jose::encrypt_jwe(document.view(), enclave_key, kEnclaveInstanceKid);
}

Result<KeyRelease> open_key_release(std::string_view jwe, const crypto::PrivateKey& enclave_key) {
  Result<SecretBytes> document = jose::decrypt_jwe(jwe, enclave_key);
  if (!document.is_ok()) return document.status().with_context("key release: the JWE does not decrypt");
  const ByteView bytes = document->view();
  CLOISTER_ASSIGN_OR_RETURN(KeyRelease release,
                            parse_key_release_document(
                                std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size())));
  CLOISTER_RETURN_IF_ERROR(verify_key_release(release));
  return release;
}

}  // namespace cloister::sql
