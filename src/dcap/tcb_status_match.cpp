#include "dcap/tcb_status_match.h"

#include <cstdio>

#include "common/encoding.h"

namespace cloister::dcap {

namespace {

constexpr std::size_t kTeeTcbSvnSize = 16;
constexpr std::size_t kMrSignerSeamSize = 48;
constexpr std::size_t kSeamAttributesSize = 8;

bool sgx_components_at_least(const TcbLevel& level, const TcbFacts& facts) {
  for (std::size_t i = 0; i < 16; ++i)
    if (facts.cpu_svn_components[i] < level.sgx_components[i].svn) return false;
  return facts.pce_svn >= level.pce_svn;
}

bool tdx_components_at_least(const TcbLevel& level, const Bytes& tee_tcb_svn) {
  if (!level.tdx_components) return false;
  // Bytes 0..1 are the module's SVN and major version when the version is
  // non-zero (TDX 1.5 and later); the module identity rates those.
  const std::size_t first = tee_tcb_svn[1] > 0 ? 2 : 0;
  for (std::size_t i = first; i < kTeeTcbSvnSize; ++i)
    if (tee_tcb_svn[i] < (*level.tdx_components)[i].svn) return false;
  return true;
}

bool masked_equal(const Bytes& value, const Bytes& mask, const Bytes& expected) {
  if (value.size() != mask.size() || value.size() != expected.size()) return false;
  for (std::size_t i = 0; i < value.size(); ++i)
    if ((value[i] & mask[i]) != expected[i]) return false;
  return true;
}

bool same_id(const std::string& a, const std::string& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    auto upper = [](char c) { return c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c; };
    if (upper(a[i]) != upper(b[i])) return false;
  }
  return true;
}

}  // namespace

const TcbLevel* match_platform_level(const TcbInfo& info, const TcbFacts& facts) {
  const bool tdx = info.id == "TDX" && facts.tee == TeeType::tdx;
  if (tdx && facts.tee_tcb_svn.size() != kTeeTcbSvnSize) return nullptr;
  for (const TcbLevel& level : info.tcb_levels) {
    if (!sgx_components_at_least(level, facts)) continue;
    if (!tdx || tdx_components_at_least(level, facts.tee_tcb_svn)) return &level;
  }
  return nullptr;
}

const QeTcbLevel* match_qe_level(const QeIdentity& identity, std::uint16_t isv_svn) {
  for (const QeTcbLevel& level : identity.tcb_levels)
    if (isv_svn >= level.isv_svn) return &level;
  return nullptr;
}

TdxModuleMatch match_tdx_module(const TcbInfo& info, const TcbFacts& facts) {
  TdxModuleMatch match;
  if (facts.tee_tcb_svn.size() != kTeeTcbSvnSize || facts.mr_signer_seam.size() != kMrSignerSeamSize ||
      facts.seam_attributes.size() != kSeamAttributesSize) {
    match.failure = "the TD report's TEE_TCB_SVN, MRSIGNER_SEAM or SEAM attributes are missing";
    return match;
  }
  const std::uint8_t module_svn = facts.tee_tcb_svn[0];
  const std::uint8_t module_version = facts.tee_tcb_svn[1];
  const TdxModuleIdentity* identity = nullptr;
  if (module_version == 0) {
    match.id = "tdxModule";
    if (!info.tdx_module) {
      match.failure = "the TCB info has no tdxModule";
      return match;
    }
    identity = &*info.tdx_module;
  } else {
    char id[16];
    std::snprintf(id, sizeof id, "TDX_%02X", static_cast<unsigned>(module_version));
    match.id = id;
    for (const auto& candidate : info.tdx_module_identities)
      if (same_id(candidate.id, match.id)) identity = &candidate;
    if (identity == nullptr) {
      match.failure = "the TCB info has no TDX module identity " + match.id;
      return match;
    }
  }
  if (identity->mr_signer != facts.mr_signer_seam) {
    match.failure = "MRSIGNER_SEAM " + to_hex(facts.mr_signer_seam) + " is not " + match.id + "'s mrsigner " +
                    to_hex(identity->mr_signer);
    return match;
  }
  if (!masked_equal(facts.seam_attributes, identity->attributes_mask, identity->attributes)) {
    match.failure = "SEAM attributes " + to_hex(facts.seam_attributes) + " do not match " + match.id +
                    "'s attributes under its mask";
    return match;
  }
  if (module_version == 0) {
    match.status = TcbStatus::up_to_date;
    return match;
  }
  for (const TdxModuleTcbLevel& level : identity->tcb_levels) {
    if (module_svn >= level.isv_svn) {
      match.level = &level;
      match.status = level.status;
      return match;
    }
  }
  match.failure =
      "TDX module SVN " + std::to_string(module_svn) + " is below every " + match.id + " TCB level";
  return match;
}

}  // namespace cloister::dcap
