// A column master key's two private operations, as the wire formats need
// them: the encrypted CEK value and the CMK metadata signature are built and
// checked here with the CMK's public key, and only the operations that need
// the private key go to wherever the key lives (a key file in this process,
// or a key broker that never lets the key out, like Azure Key Vault).
#pragma once

#include <functional>

#include "cloister/bytes.h"
#include "cloister/result.h"
#include "crypto/keys.h"
#include "crypto/sha.h"

namespace cloister::sql {

// RSASSA-PKCS1-v1_5 over a SHA-256 digest the caller computed (Key Vault's
// "sign" with RS256).
using CmkSigner = std::function<Result<Bytes>(const crypto::Digest256& digest)>;
// RSA-OAEP with SHA-1 and MGF1-SHA-1, the only padding SQL Server's RSA_OAEP
// key encryption algorithm uses (Key Vault's "unwrapKey" with RSA-OAEP).
using CmkUnwrapper = std::function<Result<SecretBytes>(ByteView ciphertext)>;

// The operations done with a private key in this process. The key must
// outlive the returned function.
CmkSigner local_signer(const crypto::PrivateKey& cmk);
CmkUnwrapper local_unwrapper(const crypto::PrivateKey& cmk);

}  // namespace cloister::sql
