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

#include "cloister/bytes.h"
#include "cloister/result.h"
#include "crypto/x509.h"

namespace cloister::attest {

// Thread-safe; holds at most 64 certificates, evicting the oldest.
Result<crypto::Certificate> parse_certificate_cached(ByteView der);

}  // namespace cloister::attest
