#include "sql/cmk_operations.h"

#include "crypto/rsa_oaep_sha1.h"

namespace cloister::sql {

CmkSigner local_signer(const crypto::PrivateKey& cmk) {
  return [&cmk](const crypto::Digest256& digest) {
    return cmk.rsa_sign_digest(digest, crypto::HashAlgorithm::sha256);
  };
}

CmkUnwrapper local_unwrapper(const crypto::PrivateKey& cmk) {
  return [&cmk](ByteView ciphertext) { return crypto::rsa_oaep_sha1_decrypt(cmk, ciphertext); };
}

}  // namespace cloister::sql
