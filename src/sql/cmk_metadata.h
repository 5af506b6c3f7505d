// The column master key (CMK) metadata signature of SQL Server's
// CREATE COLUMN MASTER KEY ... ENCLAVE_COMPUTATIONS (SIGNATURE = ...): the
// CMK's holder vouches that the key may be used inside a secure enclave, so
// a server cannot silently mark a key enclave-enabled.
//
//   signature = RSASSA-PKCS1-v1_5 with SHA-256, by the CMK, over
//               UTF-16LE(lower(provider name) + lower(key path) + "true"|"false")
//
// (SqlClient signs SHA-256 of those bytes as a precomputed hash, which is the
// same signature.)
#pragma once

#include <string_view>

#include "cloister/bytes.h"
#include "cloister/result.h"
#include "crypto/keys.h"
#include "sql/cmk_operations.h"

namespace cloister::sql {

// The bytes that are hashed and signed.
Result<Bytes> cmk_metadata_bytes(std::string_view provider_name, std::string_view key_path,
                                 bool allow_enclave_computations);

// `sign` signs SHA-256 of the metadata; the signature is verified with the
// CMK's public key before it is returned.
Result<Bytes> sign_cmk_metadata(const crypto::PublicKey& cmk, const CmkSigner& sign,
                                std::string_view provider_name, std::string_view key_path,
                                bool allow_enclave_computations);
Result<Bytes> sign_cmk_metadata(const crypto::PrivateKey& cmk, std::string_view provider_name,
                                std::string_view key_path, bool allow_enclave_computations);

// verification_failed if the signature was not made by this CMK over exactly
// this metadata (another path, provider, or enclave flag).
Status verify_cmk_metadata(const crypto::PublicKey& cmk, std::string_view provider_name,
                           std::string_view key_path, bool allow_enclave_computations, ByteView signature);

}  // namespace cloister::sql
