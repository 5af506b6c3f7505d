// Collateral assembled from the files PCS serves (as a PCCS or an operator
// saves them): no network needed.
#pragma once

#include <string>

#include "cloister/result.h"
#include "dcap/collateral.h"

namespace cloister::dcap {

struct CollateralFiles {
  std::string tcb_info;              // GET /tcb body: {"tcbInfo":{...},"signature":"hex"}
  std::string qe_identity;           // GET /qe/identity body: {"enclaveIdentity":{...},"signature":"hex"}
  std::string tcb_signing_chain;     // PEM: TCB Signing cert, root (TCB-Info-Issuer-Chain header)
  std::string pck_crl;               // DER, PEM or hex
  std::string root_ca_crl;           // DER, PEM or hex
  std::string pck_crl_issuer_chain;  // optional PEM; empty: none
};

// Reads and parses every file; errors name the file. The TCB signing chain
// serves both the TCB info and the QE identity, as PCS signs both with it.
Result<Collateral> load_collateral_files(const CollateralFiles& files);

}  // namespace cloister::dcap
