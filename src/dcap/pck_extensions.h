// Intel's SGX extension in PCK certificates (OID 1.2.840.113741.1.13.1):
// the platform's identity (PPID, FMSPC, PCE-ID) and the TCB level the
// certificate was issued for, which collateral evaluation compares with
// Intel's TCB info. Format: Intel "SGX PCK Certificate and CRL Profile".
#pragma once

#include <array>
#include <cstdint>
#include <optional>

#include "cloister/bytes.h"
#include "cloister/result.h"
#include "crypto/x509.h"

namespace cloister::dcap {

inline constexpr const char* kSgxExtensionsOid = "1.2.840.113741.1.13.1";

struct PckTcb {
  std::array<std::uint8_t, 16> comp_svn{};  // SGX TCB comp 01..16
  std::uint16_t pce_svn = 0;
  Bytes cpu_svn;  // 16
};

// Platform CA certificates only: whether the platform's TCB may change.
struct PckConfiguration {
  std::optional<bool> dynamic_platform;
  std::optional<bool> cached_keys;
  std::optional<bool> smt_enabled;
};

struct PckExtensions {
  Bytes ppid;  // 16
  PckTcb tcb;
  Bytes pce_id;                               // 2
  Bytes fmspc;                                // 6
  std::uint32_t sgx_type = 0;                 // 0 Standard, 1 Scalable, 2 ScalableWithIntegrity
  std::optional<Bytes> platform_instance_id;  // 16
  std::optional<PckConfiguration> configuration;
};

// Parses the extension's DER content (the inner OCTET STRING's bytes).
// PPID, TCB, PCE-ID, FMSPC and SGX type are required; unknown entries are refused.
Result<PckExtensions> parse_pck_extensions(ByteView der);
// Finds and parses the extension in `certificate`.
Result<PckExtensions> pck_extensions_of(const crypto::Certificate& certificate);

}  // namespace cloister::dcap
