// How a party hands its data key to the training enclave: a document sealed
// to the enclave's instance key (compact JWE, ECDH-ES + A256GCM), so only
// that enclave instance, whose evidence the party verified, can read it.
// Its plaintext is JSON:
//
//   {"contract": "<contract sha256 hex>", "party": "hospital-a",
//    "dataset": "<sha256 hex of the encrypted dataset file>",
//    "data_key": "<base64url, 32 bytes>",
//    "signature": "<base64url ES256 r||s by the party's contract key>"}
//
// The signature covers the contract, the party, the dataset's hash and the
// data key's hash, so the service, which carries the document, can neither
// release a key in a party's name nor point a party's key at another file.
#pragma once

#include <string>
#include <string_view>

#include "cleanroom/contract.h"
#include "cloister/bytes.h"
#include "cloister/result.h"
#include "crypto/keys.h"

namespace cloister::cleanroom {

struct DataKeyRelease {
  std::string party;
  std::string dataset_sha256;  // hex
  SecretBytes data_key;
};

Result<std::string> seal_data_key_release(const Contract& contract, std::string_view party,
                                          const crypto::PrivateKey& party_key,
                                          std::string_view dataset_sha256, ByteView data_key,
                                          const crypto::PublicKey& enclave_key);

// Opens and checks a release: it must be for `contract`, from one of its
// parties, signed by that party's key. verification_failed otherwise. With
// `document`, also returns the opened JSON (for sealing across restarts).
Result<DataKeyRelease> open_data_key_release(std::string_view jwe, const crypto::PrivateKey& enclave_key,
                                             const Contract& contract, SecretBytes* document = nullptr);

// The same checks on the opened JSON document (one that was sealed by the
// enclave and unsealed after a restart): the party's signature still decides.
Result<DataKeyRelease> parse_data_key_release(ByteView document, const Contract& contract);

}  // namespace cloister::cleanroom
