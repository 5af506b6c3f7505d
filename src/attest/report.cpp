// Human-readable names and dumps for reports.
#include <sstream>

#include "cloister/evidence.h"
#include "common/encoding.h"

namespace cloister {

const char* to_string(Backend backend) {
  switch (backend) {
    case Backend::sim:
      return "sim";
    case Backend::process:
      return "process";
  }
  return "unknown";
}

const char* to_string(Isolation isolation) {
  switch (isolation) {
    case Isolation::none:
      return "none";
    case Isolation::process:
      return "process";
  }
  return "unknown";
}

std::string describe(const Report& report) {
  std::ostringstream out;
  const EnclaveIdentity& id = report.identity;
  out << "format version:       " << report.format_version << "\n"
      << "backend:              " << to_string(report.backend) << "\n"
      << "isolation:            " << to_string(report.isolation) << "\n"
      << "development platform: " << (report.development_platform ? "yes (ephemeral keys, untrusted)" : "no")
      << "\n"
      << "measurement:          " << to_hex(id.measurement) << "\n"
      << "signer:               " << to_hex(id.signer) << "\n"
      << "product id:           " << id.product_id << "\n"
      << "security version:     " << id.security_version << "\n"
      << "debug:                " << (id.debug ? "yes" : "no") << "\n"
      << "report data:          " << to_hex(report.report_data) << "\n"
      << "platform id:          " << to_hex(report.platform_id) << "\n"
      << "timestamp (Unix ms):  " << report.timestamp_ms << "\n";
  return out.str();
}

}  // namespace cloister
