// ECIES to a peer enclave's P-256 key, used inside both sample enclaves.
#pragma once

#include "cloister/result.h"
#include "crypto/keys.h"
#include "exchange_calls.h"

namespace exchange {

cloister::Result<Envelope> seal_to(const cloister::crypto::PublicKey& recipient,
                                   cloister::ByteView plaintext);
cloister::Result<cloister::SecretBytes> open_envelope(const cloister::crypto::PrivateKey& recipient,
                                                      const Envelope& envelope);

}  // namespace exchange
