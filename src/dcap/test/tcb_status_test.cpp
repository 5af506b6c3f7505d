// Intel's TCB level matching and status convergence on small hand-made TCB
// infos, including the rules the shared vectors do not reach.
#include "dcap/tcb_status.h"

#include <gtest/gtest.h>

#include "dcap/tcb_status_match.h"

namespace cloister::dcap {
namespace {

TcbLevel level(std::uint8_t sgx0, std::uint16_t pce_svn, TcbStatus status,
               std::optional<std::uint8_t> tdx2 = {}, std::uint8_t tdx0 = 0) {
  TcbLevel out;
  out.sgx_components[0].svn = sgx0;
  out.pce_svn = pce_svn;
  out.status = status;
  if (tdx2) {
    out.tdx_components.emplace();
    (*out.tdx_components)[0].svn = tdx0;
    (*out.tdx_components)[2].svn = *tdx2;
  }
  return out;
}

TcbFacts sgx_facts(std::uint8_t sgx0, std::uint16_t pce_svn) {
  TcbFacts facts;
  facts.cpu_svn_components[0] = sgx0;
  facts.pce_svn = pce_svn;
  return facts;
}

TcbFacts tdx_facts(std::uint8_t sgx0, Bytes tee_tcb_svn) {
  TcbFacts facts = sgx_facts(sgx0, 10);
  facts.tee = TeeType::tdx;
  facts.tee_tcb_svn = std::move(tee_tcb_svn);
  facts.tee_tcb_svn.resize(16);
  facts.mr_signer_seam = Bytes(48, 0);
  facts.seam_attributes = Bytes(8, 0);
  return facts;
}

TEST(TcbStatus, NamesRoundTrip) {
  for (auto status : {TcbStatus::up_to_date, TcbStatus::sw_hardening_needed, TcbStatus::configuration_needed,
                      TcbStatus::configuration_and_sw_hardening_needed, TcbStatus::out_of_date,
                      TcbStatus::out_of_date_configuration_needed, TcbStatus::revoked}) {
    EXPECT_EQ(parse_tcb_status(to_string(status)), status);
  }
  EXPECT_FALSE(parse_tcb_status("uptodate").has_value());
}

TEST(TcbStatus, QeConvergence) {
  using S = TcbStatus;
  EXPECT_EQ(converge_with_qe(S::up_to_date, S::up_to_date), S::up_to_date);
  EXPECT_EQ(converge_with_qe(S::sw_hardening_needed, S::up_to_date), S::sw_hardening_needed);
  EXPECT_EQ(converge_with_qe(S::up_to_date, S::out_of_date), S::out_of_date);
  EXPECT_EQ(converge_with_qe(S::sw_hardening_needed, S::out_of_date), S::out_of_date);
  EXPECT_EQ(converge_with_qe(S::configuration_needed, S::out_of_date), S::out_of_date_configuration_needed);
  EXPECT_EQ(converge_with_qe(S::configuration_and_sw_hardening_needed, S::out_of_date),
            S::out_of_date_configuration_needed);
  EXPECT_EQ(converge_with_qe(S::out_of_date_configuration_needed, S::out_of_date),
            S::out_of_date_configuration_needed);
  EXPECT_EQ(converge_with_qe(S::up_to_date, S::revoked), S::revoked);
  EXPECT_EQ(converge_with_qe(S::revoked, S::up_to_date), S::revoked);
  // Any QE level other than UpToDate/Revoked counts as out of date.
  EXPECT_EQ(converge_with_qe(S::up_to_date, S::sw_hardening_needed), S::out_of_date);
  EXPECT_EQ(converge_with_tdx_module(S::configuration_needed, S::out_of_date),
            S::out_of_date_configuration_needed);
  EXPECT_EQ(converge_with_tdx_module(S::up_to_date, S::revoked), S::revoked);
  EXPECT_EQ(converge_with_tdx_module(S::sw_hardening_needed, S::up_to_date), S::sw_hardening_needed);
}

TEST(TcbStatus, FirstSgxLevelAtOrBelowThePlatform) {
  TcbInfo info;
  info.id = "SGX";
  info.tcb_levels = {level(10, 13, TcbStatus::up_to_date), level(8, 13, TcbStatus::out_of_date),
                     level(8, 5, TcbStatus::revoked)};
  EXPECT_EQ(match_platform_level(info, sgx_facts(10, 13))->status, TcbStatus::up_to_date);
  EXPECT_EQ(match_platform_level(info, sgx_facts(11, 20))->status, TcbStatus::up_to_date);
  EXPECT_EQ(match_platform_level(info, sgx_facts(9, 13))->status, TcbStatus::out_of_date);
  EXPECT_EQ(match_platform_level(info, sgx_facts(10, 12))->status, TcbStatus::revoked);  // PCE SVN too low
  EXPECT_EQ(match_platform_level(info, sgx_facts(7, 13)), nullptr);
}

TEST(TcbStatus, TdxComponentsStartAtByteTwoForVersionedModules) {
  TcbInfo info;
  info.id = "TDX";
  // TDX component 0 is 9 at the top level, above the module SVN in the reports below.
  info.tcb_levels = {level(1, 5, TcbStatus::up_to_date, 3, 9), level(1, 5, TcbStatus::out_of_date, 2, 9)};
  // TEE_TCB_SVN[1] = 1: bytes 0 and 1 identify the module and are skipped.
  EXPECT_EQ(match_platform_level(info, tdx_facts(1, {4, 1, 3}))->status, TcbStatus::up_to_date);
  EXPECT_EQ(match_platform_level(info, tdx_facts(1, {4, 1, 2}))->status, TcbStatus::out_of_date);
  EXPECT_EQ(match_platform_level(info, tdx_facts(1, {4, 1, 1})), nullptr);
  // TEE_TCB_SVN[1] = 0 (TDX 1.0): every byte counts, so byte 0 = 4 < 9 matches nothing.
  EXPECT_EQ(match_platform_level(info, tdx_facts(1, {4, 0, 3})), nullptr);
  EXPECT_EQ(match_platform_level(info, tdx_facts(1, {9, 0, 3}))->status, TcbStatus::up_to_date);
  // The SGX components must still match.
  EXPECT_EQ(match_platform_level(info, tdx_facts(0, {4, 1, 3})), nullptr);
}

TEST(TcbStatus, TdxModuleIdentity) {
  TcbInfo info;
  info.id = "TDX";
  info.tdx_module = TdxModuleIdentity{"", Bytes(48, 0), Bytes(8, 0), Bytes(8, 0xff), {}};
  TdxModuleIdentity module{"TDX_03", Bytes(48, 0), Bytes(8, 0), Bytes(8, 0xff), {}};
  module.tcb_levels.push_back({6, {}, TcbStatus::up_to_date, {}});
  module.tcb_levels.push_back({4, {}, TcbStatus::out_of_date, {"INTEL-SA-01036"}});
  info.tdx_module_identities.push_back(module);

  auto match = match_tdx_module(info, tdx_facts(1, {5, 3}));
  EXPECT_EQ(match.id, "TDX_03");
  EXPECT_EQ(match.status, TcbStatus::out_of_date);
  ASSERT_NE(match.level, nullptr);
  EXPECT_EQ(match.level->advisory_ids, std::vector<std::string>{"INTEL-SA-01036"});
  EXPECT_EQ(match_tdx_module(info, tdx_facts(1, {7, 3})).status, TcbStatus::up_to_date);
  EXPECT_FALSE(match_tdx_module(info, tdx_facts(1, {3, 3})).status.has_value());  // below every level

  auto missing = match_tdx_module(info, tdx_facts(1, {6, 0x1a}));
  EXPECT_EQ(missing.id, "TDX_1A");
  EXPECT_NE(missing.failure.find("TDX_1A"), std::string::npos);

  TcbFacts other_signer = tdx_facts(1, {6, 3});
  other_signer.mr_signer_seam[0] = 1;
  EXPECT_NE(match_tdx_module(info, other_signer).failure.find("MRSIGNER_SEAM"), std::string::npos);
  TcbFacts other_attributes = tdx_facts(1, {6, 3});
  other_attributes.seam_attributes[7] = 0x80;
  EXPECT_NE(match_tdx_module(info, other_attributes).failure.find("attributes"), std::string::npos);

  // Module major version 0: tcbInfo.tdxModule's identity, no status of its own.
  auto version_zero = match_tdx_module(info, tdx_facts(1, {6, 0}));
  EXPECT_EQ(version_zero.id, "tdxModule");
  EXPECT_EQ(version_zero.status, TcbStatus::up_to_date);
}

TEST(TcbStatus, QeLevelByIsvSvn) {
  QeIdentity identity;
  identity.tcb_levels.push_back({8, {}, TcbStatus::up_to_date, {}});
  identity.tcb_levels.push_back({6, {}, TcbStatus::out_of_date, {"INTEL-SA-00615"}});
  EXPECT_EQ(match_qe_level(identity, 10)->status, TcbStatus::up_to_date);
  EXPECT_EQ(match_qe_level(identity, 7)->status, TcbStatus::out_of_date);
  EXPECT_EQ(match_qe_level(identity, 5), nullptr);
}

}  // namespace
}  // namespace cloister::dcap
