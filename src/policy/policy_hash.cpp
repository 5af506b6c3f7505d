#include "policy/policy_hash.h"

#include "cloister/bytes.h"
#include "common/encoding.h"
#include "crypto/sha.h"

namespace cloister::policy {

std::string policy_hash(std::string_view policy_text) {
  const std::string encoded = to_base64url(as_bytes(policy_text));
  const crypto::Digest256 digest = crypto::sha256(as_bytes(encoded));
  return to_base64url(ByteView(digest.data(), digest.size()));
}

}  // namespace cloister::policy
