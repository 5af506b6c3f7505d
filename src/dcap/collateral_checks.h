// The individual checks behind evaluate_collateral's steps: each returns a
// Status whose message is the step's detail when it fails.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "cloister/bytes.h"
#include "cloister/result.h"
#include "crypto/crl.h"
#include "crypto/x509.h"
#include "dcap/tcb_facts.h"

namespace cloister::dcap {

// `chain` is an issuer chain for Intel-signed collateral (TCB Signing
// certificate first): its first certificate must be signed by the pinned
// Intel SGX Root CA key and valid at `now`, and a root certificate in the
// chain must carry that key.
Status verify_signing_chain(const std::vector<crypto::Certificate>& chain, std::int64_t now);

// ECDSA P-256 / SHA-256 over the exact `text`, signature r||s (64 bytes), by
// `signer`'s key.
Status verify_signed_text(std::string_view text, ByteView signature, const crypto::Certificate& signer);

// "expired at <next>; fetch fresh collateral" or "not valid before <issued>".
Status check_freshness(const std::string& what, std::int64_t issued, std::int64_t next_update,
                       std::int64_t now);

// The PCK CRL: issued and signed by the PCK chain's CA (facts.pck_chain[1]),
// current at `now`, and not listing the PCK certificate.
Status check_pck_crl(const crypto::Crl& crl, const TcbFacts& facts, std::int64_t now);

// The root CA CRL: signed by the pinned root key, current at `now`, and
// listing none of `intermediates` (the PCK CA, the TCB Signing certificate).
Status check_root_ca_crl(const crypto::Crl& crl, const std::vector<const crypto::Certificate*>& intermediates,
                         std::int64_t now);

// The chain as concatenated PEM, each certificate as OpenSSL encodes it:
// what bundles store and what the collateral claims hash.
std::string issuer_chain_pem(const std::vector<crypto::Certificate>& chain);

// {issuer, this_update, next_update, revoked_count}, for the verdict's fields.
nlohmann::json crl_fields(const crypto::Crl& crl);

}  // namespace cloister::dcap
