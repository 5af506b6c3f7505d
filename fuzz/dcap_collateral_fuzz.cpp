// libFuzzer target: arbitrary bytes through every DCAP collateral parser
// (the exact-span scanner, PCS tcbInfo / enclaveIdentity responses and
// bodies, QuoteCollateralV3 bundles, ISO 8601 timestamps, CRLs), and what
// parses through TCB level matching and collateral evaluation. Nothing may
// crash, leak, read out of bounds or recurse without bound. Seeds in
// fuzz/corpus/dcap_collateral_fuzz/ are small hand-written collateral.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "crypto/crl.h"
#include "dcap/collateral.h"
#include "dcap/collateral_span.h"
#include "dcap/collateral_time.h"
#include "dcap/qe_identity.h"
#include "dcap/tcb_info.h"
#include "dcap/tcb_status_match.h"

namespace {

using namespace cloister::dcap;

// TcbFacts holds certificates and so cannot be copied; each is built whole.
TcbFacts make_facts(TeeType tee) {
  TcbFacts f;
  f.tee = tee;
  f.fmspc = cloister::Bytes{0x00, 0xa0, 0x67, 0x11, 0x00, 0x00};
  f.pce_id = cloister::Bytes{0, 0};
  f.cpu_svn_components.fill(3);
  f.pce_svn = 13;
  f.qe.mr_signer = cloister::Bytes(32, 0);
  f.qe.attributes = cloister::Bytes(16, 0);
  if (tee == TeeType::tdx) {
    f.tee_tcb_svn = cloister::Bytes{5, 1, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
    f.mr_signer_seam = cloister::Bytes(48, 0);
    f.seam_attributes = cloister::Bytes(8, 0);
  }
  return f;
}

const TcbFacts& facts(TeeType tee) {
  static const TcbFacts sgx = make_facts(TeeType::sgx);
  static const TcbFacts tdx = make_facts(TeeType::tdx);
  return tee == TeeType::tdx ? tdx : sgx;
}

void tcb_info(std::string_view text) {
  auto info = parse_tcb_info(text);
  if (!info.is_ok()) return;
  (void)to_json(*info);
  const TeeType tee = info->id == "TDX" ? TeeType::tdx : TeeType::sgx;
  (void)match_platform_level(*info, facts(tee));
  if (tee == TeeType::tdx) (void)match_tdx_module(*info, facts(tee));
}

void qe_identity(std::string_view text) {
  auto identity = parse_qe_identity(text);
  if (!identity.is_ok()) return;
  (void)to_json(*identity);
  (void)match_qe_level(*identity, 6);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  (void)find_member_span(text, "tcbInfo");
  (void)parse_iso8601(text.substr(0, 64));

  tcb_info(text);
  if (auto response = parse_tcb_info_response(text); response.is_ok()) tcb_info(response->body);
  qe_identity(text);
  if (auto response = parse_qe_identity_response(text); response.is_ok()) qe_identity(response->body);

  if (auto bundle = parse_collateral_bundle(text); bundle.is_ok()) {
    (void)to_bundle_json(*bundle);
    for (TeeType tee : {TeeType::sgx, TeeType::tdx}) {
      cloister::hwattest::Verdict verdict;
      evaluate_collateral(facts(tee), *bundle, 1'750'000'000, verdict);
    }
  }
  (void)cloister::crypto::Crl::from_any({data, size});
  return 0;
}
