#include "sql/cmk_metadata.h"

#include <string>

#include "sql/utf16.h"

namespace cloister::sql {

Result<Bytes> cmk_metadata_bytes(std::string_view provider_name, std::string_view key_path,
                                 bool allow_enclave_computations) {
  // .NET's bool.ToString() is "True"/"False"; the whole string is lowered.
  const std::string metadata =
      ascii_lower(provider_name) + ascii_lower(key_path) + (allow_enclave_computations ? "true" : "false");
  return utf16le_from_utf8(metadata);
}

Result<Bytes> sign_cmk_metadata(const crypto::PublicKey& cmk, const CmkSigner& sign,
                                std::string_view provider_name, std::string_view key_path,
                                bool allow_enclave_computations) {
  CLOISTER_ASSIGN_OR_RETURN(Bytes metadata,
                            cmk_metadata_bytes(provider_name, key_path, allow_enclave_computations));
  Result<Bytes> signature = sign(crypto::sha256(metadata));
  if (!signature.is_ok()) return signature.status().with_context("signing the CMK metadata");
  Status verified = verify_cmk_metadata(cmk, provider_name, key_path, allow_enclave_computations, *signature);
  if (!verified.is_ok()) {
    return error(
        ErrorCode::verification_failed,
        "the CMK metadata signature the key store made does not verify with the CMK's public key: it "
        "signed with another key");
  }
  return signature;
}

Result<Bytes> sign_cmk_metadata(const crypto::PrivateKey& cmk, std::string_view provider_name,
                                std::string_view key_path, bool allow_enclave_computations) {
  return sign_cmk_metadata(cmk.public_key(), local_signer(cmk), provider_name, key_path,
                           allow_enclave_computations);
}

Status verify_cmk_metadata(const crypto::PublicKey& cmk, std::string_view provider_name,
                           std::string_view key_path, bool allow_enclave_computations, ByteView signature) {
  CLOISTER_ASSIGN_OR_RETURN(Bytes metadata,
                            cmk_metadata_bytes(provider_name, key_path, allow_enclave_computations));
  if (!cmk.rsa_verify(metadata, signature, crypto::RsaPadding::pkcs1_v1_5, crypto::HashAlgorithm::sha256)
           .is_ok()) {
    return error(ErrorCode::verification_failed,
                 std::string("the column master key metadata signature does not verify for key path '") +
                     std::string(key_path) + "' with enclave computations " +
                     (allow_enclave_computations ? "allowed" : "not allowed") +
                     ": tampered, another key, or the key is not enclave-enabled");
  }
  return Status::ok();
}

}  // namespace cloister::sql
