// The facts a quote contributes to collateral evaluation: the seam between
// the quote verifier (quote_verify.cpp) and the collateral evaluator
// (collateral_eval.cpp). Filled from the verified quote and its PCK certificate.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "cloister/bytes.h"
#include "crypto/x509.h"

namespace cloister::dcap {

enum class TeeType : std::uint32_t { sgx = 0x00000000, tdx = 0x00000081 };

struct QeReportFacts {
  Bytes mr_signer;  // 32
  std::uint16_t isv_prod_id = 0;
  std::uint16_t isv_svn = 0;
  std::uint32_t misc_select = 0;
  Bytes attributes;  // 16
};

struct TcbFacts {
  TeeType tee = TeeType::sgx;
  // From the PCK certificate's SGX extensions.
  Bytes fmspc;                                        // 6
  Bytes pce_id;                                       // 2
  std::array<std::uint8_t, 16> cpu_svn_components{};  // SGX TCB comp 01..16
  std::uint16_t pce_svn = 0;
  // The quoting enclave's report (from the quote's certification data).
  QeReportFacts qe;
  // TDX only, from the TD report body.
  Bytes tee_tcb_svn;      // 16
  Bytes mr_signer_seam;   // 48
  Bytes seam_attributes;  // 8
  // The PCK chain as the quote carried it, leaf first (PCK, PCK Processor or
  // Platform CA, root), for the CRL checks.
  std::vector<crypto::Certificate> pck_chain;
};

}  // namespace cloister::dcap
