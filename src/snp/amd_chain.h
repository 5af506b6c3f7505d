// AMD's certificate chain for a report: ARK (root) -> ASK or ASVK -> VCEK or
// VLEK. Runs the verdict steps "ark", "ask" and "vcek"/"vlek", and records the
// chain in the verdict; missing CA certificates come from the builtin set.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "crypto/x509.h"
#include "hwattest/verdict.h"
#include "snp/amd_cert_ext.h"
#include "snp/report_format.h"

namespace cloister::snp {

enum class LeafKind { vcek, vlek };

struct ChainOutcome {
  // The product line of the chain (its ARK); unknown if there is no ARK.
  Product product = Product::unknown;
  // The leaf, when one was supplied, even if its chain failed: the report's
  // signature is still checked against it so the verdict says everything.
  std::optional<crypto::Certificate> leaf;
  LeafKind leaf_kind = LeafKind::vcek;
  std::optional<AmdCertExtensions> extensions;  // the leaf's, when they decode
};

struct ChainInputs {
  const std::vector<crypto::Certificate>* certificates = nullptr;  // any order
  // What the report says signed it, used only to name the leaf step and to
  // pick ASK or ASVK when no leaf was supplied.
  std::uint8_t report_signing_key = 0;
  // A v3 report's CPUID product, for when no certificate names one.
  Product cpuid_product = Product::unknown;
  std::int64_t now = 0;  // seconds since the epoch, never 0 here
};

ChainOutcome verify_amd_chain(const ChainInputs& inputs, hwattest::Verdict& verdict);

// "2029-09-24 00:55:28+00:00"
std::string format_utc(std::int64_t seconds);

}  // namespace cloister::snp
