// Intel's TCB level matching (QVL's TcbLevelCheck and TdxModuleCheck, and
// the PCS TCB Info documentation): which published level a platform, its
// quoting enclave and its TDX module are at.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "dcap/qe_identity.h"
#include "dcap/tcb_facts.h"
#include "dcap/tcb_info.h"

namespace cloister::dcap {

// The first level (levels are published highest first) whose 16 SGX
// components are each <= the PCK certificate's and whose PCE SVN is <= the
// PCK's; for TDX the level must also have every TDX component <= the TD
// report's TEE_TCB_SVN byte. Those comparisons start at byte 2 when
// TEE_TCB_SVN[1] (the TDX module major version) is non-zero: bytes 0 and 1
// then identify the module, which tdxModuleIdentities rates instead.
// Null when no level matches (or the facts are malformed).
const TcbLevel* match_platform_level(const TcbInfo& info, const TcbFacts& facts);

// The first QE level whose ISV SVN is <= the QE report's; null when none.
const QeTcbLevel* match_qe_level(const QeIdentity& identity, std::uint16_t isv_svn);

struct TdxModuleMatch {
  std::string id;                   // "TDX_01", or "tdxModule" for a module major version 0
  std::optional<TcbStatus> status;  // set when the module matched
  const TdxModuleTcbLevel* level = nullptr;
  std::string failure;  // why it did not match, for the step's detail
};

// TEE_TCB_SVN[1] > 0: the tdxModuleIdentities entry "TDX_<svn[1] as %02X>"
// must have the report's MRSIGNER_SEAM and SEAM attributes (under its mask),
// and its first level with isvsvn <= TEE_TCB_SVN[0] gives the module status.
// TEE_TCB_SVN[1] == 0: tcbInfo.tdxModule's MRSIGNER and attributes must match
// and the module adds nothing to the status (UpToDate), as in QVL.
TdxModuleMatch match_tdx_module(const TcbInfo& info, const TcbFacts& facts);

}  // namespace cloister::dcap
