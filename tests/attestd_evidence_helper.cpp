// Evidence the attestd end-to-end test cannot get from a real enclave through
// the platform daemon, because the daemon only ever produces process-isolated,
// non-development evidence:
//   attestd_evidence_helper sim PLATFORM_DIR OUT REPORT_DATA_HEX
//       sim-backend evidence (isolation none) signed by that platform's key,
//       as the sim backend would produce if it ran on that platform;
//   attestd_evidence_helper development OUT CA_OUT REPORT_DATA_HEX
//       evidence from a fresh in-process development platform, and its CA
//       (so the test can register it and see the policy, not the chain, refuse it).
#include <cstring>
#include <fstream>
#include <iostream>

#include "common/encoding.h"
#include "platform/platform_identity.h"

namespace {

int usage() {
  std::cerr << "usage: attestd_evidence_helper sim PLATFORM_DIR OUT REPORT_DATA_HEX\n"
               "       attestd_evidence_helper development OUT CA_OUT REPORT_DATA_HEX\n";
  return 2;
}

bool write(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  return static_cast<bool>(out);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 5) return usage();
  const std::string mode = argv[1];
  auto report_data_bytes = cloister::from_hex(argv[4]);
  if (!report_data_bytes || report_data_bytes->size() > 64) {
    std::cerr << "error: REPORT_DATA_HEX must be up to 64 bytes of hex\n";
    return 2;
  }
  std::array<std::uint8_t, 64> report_data{};
  std::copy(report_data_bytes->begin(), report_data_bytes->end(), report_data.begin());
  cloister::EnclaveIdentity identity;
  identity.measurement.fill(0x5a);
  identity.signer.fill(0xa5);
  identity.product_id = 1;
  identity.security_version = 1;

  auto identity_or = mode == "sim" ? cloister::platform::PlatformIdentity::load(argv[2])
                     : mode == "development"
                         ? cloister::platform::PlatformIdentity::create_development()
                         : cloister::Result<cloister::platform::PlatformIdentity>(
                               cloister::Status(cloister::ErrorCode::invalid_argument, "bad mode"));
  if (!identity_or) {
    std::cerr << "error: " << identity_or.status().to_string() << "\n";
    return mode == "sim" || mode == "development" ? 1 : usage();
  }
  const bool sim = mode == "sim";
  auto evidence = identity_or->sign_report(sim ? cloister::Backend::sim : cloister::Backend::process,
                                           sim ? cloister::Isolation::none : cloister::Isolation::process,
                                           identity, report_data);
  if (!evidence) {
    std::cerr << "error: " << evidence.status().to_string() << "\n";
    return 1;
  }
  const std::string out = sim ? argv[3] : argv[2];
  if (!write(out, cloister::to_string(*evidence))) return 1;
  if (!sim && !write(argv[3], identity_or->operator_ca_pem())) return 1;
  return 0;
}
