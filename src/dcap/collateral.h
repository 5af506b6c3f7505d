// DCAP collateral: what Intel's PCS (or a PCCS cache) publishes per FMSPC and
// per quoting enclave, kept as the exact bytes that were signed.
//
// Sources, none needing the network:
//  - one JSON bundle in the shape dcap-qvl and Intel's QVL call
//    QuoteCollateralV3: {pck_crl_issuer_chain, root_ca_crl, pck_crl,
//    tcb_info_issuer_chain, tcb_info, tcb_info_signature,
//    qe_identity_issuer_chain, qe_identity, qe_identity_signature}
//    (CRLs hex DER or PEM, chains PEM, tcb_info/qe_identity the signed JSON text,
//    signatures hex r||s);
//  - PCS response files: tcbInfo {"tcbInfo":{...},"signature":"hex"},
//    QE identity {"enclaveIdentity":{...},"signature":"hex"}, CRLs DER or PEM,
//    issuer chains PEM;
//  - a collateral directory holding bundles keyed by TEE and FMSPC
//    (collateral_dir.h).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cloister/bytes.h"
#include "cloister/result.h"
#include "crypto/x509.h"
#include "dcap/tcb_facts.h"
#include "hwattest/verdict.h"

namespace cloister::dcap {

struct Collateral {
  std::string tcb_info_json;                               // the exact signed text of the tcbInfo object
  Bytes tcb_info_signature;                                // ECDSA P-256 r||s (64 bytes)
  std::vector<crypto::Certificate> tcb_info_issuer_chain;  // TCB Signing cert, root
  std::string qe_identity_json;  // the exact signed text of the enclaveIdentity object
  Bytes qe_identity_signature;
  std::vector<crypto::Certificate> qe_identity_issuer_chain;
  Bytes pck_crl;      // DER
  Bytes root_ca_crl;  // DER
  std::vector<crypto::Certificate> pck_crl_issuer_chain;
};

// The QuoteCollateralV3 JSON bundle.
Result<Collateral> parse_collateral_bundle(std::string_view json);
// Writes the bundle form back (what the collateral directory stores).
std::string to_bundle_json(const Collateral& collateral);

// Checks every piece of collateral against the facts and the clock, appending
// the steps "pck_crl", "root_ca_crl", "tcb_info", "qe_identity", "tcb_level"
// (and for TDX "tdx_module") to `verdict`, setting verdict.tcb_status,
// verdict.advisory_ids and the claims that come from collateral
// (x-ms-sgx-collateral, the TCB status and advisories), and
// verdict.fields["collateral"] with every parsed collateral field.
// `now` is seconds since the epoch (tests set it; callers pass the real time).
void evaluate_collateral(const TcbFacts& facts, const Collateral& collateral, std::int64_t now,
                         hwattest::Verdict& verdict);

}  // namespace cloister::dcap
