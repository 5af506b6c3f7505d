// The AMD-specific X.509 extensions of a VCEK or VLEK certificate (AMD
// "Versioned Chip Endorsement Key (VCEK) Certificate and KDS Interface
// Specification"; OIDs under 1.3.6.1.4.1.3704.1).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "cloister/bytes.h"
#include "cloister/result.h"
#include "crypto/x509.h"

namespace cloister::snp {

struct AmdCertExtensions {
  std::optional<std::int64_t> struct_version;          // 1.3.6.1.4.1.3704.1.1
  std::optional<std::string> product_name;             // .1.2, IA5String such as "Milan-B0"
  std::optional<std::int64_t> bl_spl;                  // .1.3.1
  std::optional<std::int64_t> tee_spl;                 // .1.3.2
  std::optional<std::int64_t> snp_spl;                 // .1.3.3
  std::optional<std::int64_t> spl4, spl5, spl6, spl7;  // .1.3.4 - .1.3.7, reserved
  std::optional<std::int64_t> ucode_spl;               // .1.3.8
  std::optional<std::int64_t> fmc_spl;                 // .1.3.9, Turin
  std::optional<Bytes> hw_id;                          // .1.4, 64 bytes (8 on Turin); VCEK only
  std::optional<std::string> csp_id;                   // .1.5, VLEK only
};

// Reads whichever of the extensions are present. An extension that is present
// but does not decode as its type is a decode_error naming the OID, so a
// malformed certificate is never mistaken for one without the extension.
Result<AmdCertExtensions> read_amd_extensions(const crypto::Certificate& cert);

}  // namespace cloister::snp
