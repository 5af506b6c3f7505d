// Parsed certificates, reused across verifications.
//
// Parsing a certificate costs more than an ECDSA verify in OpenSSL 3 (it
// decodes the public key through the provider decoders), and a verifier sees
// the same roots and the same platform certificates over and over. The cache
// is keyed by the complete DER, compared byte for byte, so a hit returns
// exactly what parsing those bytes would. It caches no verification outcome:
// validity time, the chain and the report signature are checked afresh on
// every call.
#pragma once

#include <string_view>
#include <vector>

#include "cloister/bytes.h"
#include "cloister/result.h"
#include "crypto/x509.h"

namespace cloister::crypto {

// Thread-safe; holds at most 256 certificates, evicting the oldest.
Result<Certificate> parse_certificate_cached(ByteView der);

// Every CERTIFICATE block of a PEM text, each parsed through the cache (the
// base64 is decoded here; only unseen DER reaches OpenSSL's decoders).
Result<std::vector<Certificate>> parse_pem_chain_cached(std::string_view pem);

}  // namespace cloister::crypto
