// Signature checks over immutable bytes, remembered once they succeed.
//
// A verifier sees the same certificates, CRLs and signed collateral over and
// over: every quote from a machine carries the same PCK chain, every quote
// from a platform model is judged against the same TCB info. Whether a given
// signer signed given bytes can never change, so a success is kept, keyed by
// SHA-256 over the signer's identity and the complete signed bytes: a hit
// means exactly those bytes verified under exactly that signer before.
// Failures are never kept. What does change (validity periods, revocation)
// is checked afresh by the callers on every call.
#pragma once

#include <functional>
#include <string_view>

#include "cloister/bytes.h"
#include "cloister/result.h"

namespace cloister::crypto {

// Runs `check` unless (kind, signer, signed_bytes) verified before; `kind`
// separates uses ("x509", "crl", ...). Thread-safe; holds up to 16384
// successes and starts afresh when full.
Status verify_memoized(std::string_view kind, ByteView signer, ByteView signed_bytes,
                       const std::function<Status()>& check);

// Forgets every remembered success (benchmarks measure the cold path).
void clear_signature_memo();

}  // namespace cloister::crypto
