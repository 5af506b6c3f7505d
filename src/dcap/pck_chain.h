// The PCK certificate chain a quote carries: PCK certificate, PCK Processor
// or Platform CA, Intel SGX Root CA. The root is trusted by its public key,
// not by the certificate: Intel re-issued the root (valid to 2049) with the
// same key, and quotes carry either issue.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "cloister/bytes.h"
#include "cloister/result.h"
#include "crypto/keys.h"
#include "crypto/x509.h"

namespace cloister::dcap {

// Certificates in PEM (a quote's certification data type 5; trailing NULs
// allowed, as quoting libraries write a C string).
Result<std::vector<crypto::Certificate>> parse_pck_chain_pem(ByteView pem);

// Checks every link (issuer name, signature by the next certificate, the
// root's by itself), validity at `now`, that the intermediate and root are
// CAs, and that the root's key is Intel's. Appends one object per
// certificate, leaf first, to `chain_json`: {subject, issuer, not_before,
// not_after, sha256, signature_ok_by_next}. An error names every problem found.
Status verify_pck_chain(const std::vector<crypto::Certificate>& chain, std::int64_t now,
                        nlohmann::json& chain_json);

}  // namespace cloister::dcap
