#include "enclave/seal_format.h"

#include <algorithm>
#include <string>

#include "crypto/aes_gcm.h"
#include "crypto/rng.h"

namespace cloister::enclave {
namespace {

constexpr char kTamperedMessage[] =
    "sealed data was modified, or was sealed for another enclave, or with other additional data";

bool known_policy(SealPolicy policy) {
  return policy == SealPolicy::unique || policy == SealPolicy::product;
}

Bytes gcm_aad(ByteView encoded_header, ByteView aad) {
  Bytes out(encoded_header.begin(), encoded_header.end());
  out.insert(out.end(), aad.begin(), aad.end());
  return out;
}

Result<SecretBytes> key_for(const SealKeyProvider& keys, const SealHeader& header) {
  if (!keys) return Status(ErrorCode::invalid_argument, "no sealing key provider");
  CLOISTER_ASSIGN_OR_RETURN(SecretBytes key, keys(header.policy, header.svn, header.key_id));
  if (key.size() != crypto::kAesGcmKeySize) {
    return Status(ErrorCode::internal,
                  "sealing key provider returned " + std::to_string(key.size()) + " bytes");
  }
  return key;
}

}  // namespace

Result<Bytes> seal_blob(const SealKeyProvider& keys, SealPolicy policy, std::uint16_t svn, ByteView aad,
                        ByteView plaintext) {
  if (!known_policy(policy)) {
    return Status(ErrorCode::invalid_argument,
                  "unknown sealing policy " + std::to_string(static_cast<int>(policy)));
  }
  SealHeader header;
  header.policy = policy;
  header.svn = svn;
  CLOISTER_RETURN_IF_ERROR(crypto::random_fill(header.key_id));
  CLOISTER_RETURN_IF_ERROR(crypto::random_fill(header.iv));
  CLOISTER_ASSIGN_OR_RETURN(SecretBytes key, key_for(keys, header));
  Bytes blob = wire::encode(header);
  CLOISTER_ASSIGN_OR_RETURN(Bytes sealed,
                            crypto::aes_gcm_encrypt(key, header.iv, gcm_aad(blob, aad), plaintext));
  blob.insert(blob.end(), sealed.begin(), sealed.end());
  return blob;
}

Result<SecretBytes> unseal_blob(const SealKeyProvider& keys, ByteView blob, ByteView aad) {
  if (blob.size() < kSealHeaderSize + crypto::kAesGcmTagSize ||
      !std::equal(kSealMagic.begin(), kSealMagic.end(), blob.begin())) {
    return Status(ErrorCode::decode_error, "not a sealed blob");
  }
  const ByteView encoded_header = blob.first(kSealHeaderSize);
  CLOISTER_ASSIGN_OR_RETURN(SealHeader header, wire::decode<SealHeader>(encoded_header));
  if (header.version != kSealFormatVersion) {
    return Status(ErrorCode::decode_error,
                  "unsupported sealed blob version " + std::to_string(header.version));
  }
  if (!known_policy(header.policy)) {
    return Status(ErrorCode::decode_error, "sealed blob names an unknown sealing policy " +
                                               std::to_string(static_cast<int>(header.policy)));
  }
  auto key = key_for(keys, header);
  if (!key) return key.status().with_context("cannot unseal");
  auto plaintext =
      crypto::aes_gcm_decrypt(*key, header.iv, gcm_aad(encoded_header, aad), blob.subspan(kSealHeaderSize));
  if (!plaintext) return Status(ErrorCode::verification_failed, kTamperedMessage);
  return std::move(plaintext).value();
}

}  // namespace cloister::enclave
