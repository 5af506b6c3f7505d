// The sealing host: shows what sealed data survives (restarts, upgrades) and
// what it refuses (downgrades, other enclaves, changed AAD, tampering).
//   sealing_host SEALING_V1.signed SEALING_V2.signed [--sim]
#include "cloister/host.h"

#include <cstring>
#include <iostream>

#include "cloister/seal.h"
#include "sealing_calls.h"

namespace {

using namespace cloister;

int failures = 0;

void expect(bool ok, const std::string& what, const std::string& detail) {
  std::cout << (ok ? "  ok    " : "  FAIL  ") << what << ": " << detail << "\n";
  if (!ok) ++failures;
}

std::string outcome(const Result<sealing::UnsealSecret::Reply>& r) {
  return r.is_ok() ? "unsealed \"" + r->secret + "\"" : "refused (" + r.status().message() + ")";
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::cerr << "usage: sealing_host SEALING_V1.signed SEALING_V2.signed [--sim]\n";
    return 2;
  }
  EnclaveOptions options;
  if (argc > 3 && std::strcmp(argv[3], "--sim") == 0) options.backend = Backend::sim;
  const std::string secret = "the launch codes";
  const Bytes aad = to_bytes("record 42");
  const auto product = static_cast<std::uint8_t>(SealPolicy::product);
  const auto unique = static_cast<std::uint8_t>(SealPolicy::unique);

  auto v1 = Enclave::create(argv[1], options);
  auto v2 = Enclave::create(argv[2], options);
  if (!v1.is_ok() || !v2.is_ok()) {
    std::cerr << "error: " << (v1.is_ok() ? v2.status() : v1.status()).to_string() << "\n";
    return 1;
  }
  std::cout << "v1: security version " << v1->identity().security_version << ", v2: security version "
            << v2->identity().security_version << " (same signer and product)\n";

  auto sealed_v1 = v1->call(sealing::SealSecret{.secret = secret, .policy = product, .aad = aad});
  auto unique_v1 = v1->call(sealing::SealSecret{.secret = secret, .policy = unique, .aad = aad});
  auto sealed_v2 = v2->call(sealing::SealSecret{.secret = secret, .policy = product, .aad = aad});
  if (!sealed_v1.is_ok() || !unique_v1.is_ok() || !sealed_v2.is_ok()) {
    std::cerr << "error: sealing failed\n";
    return 1;
  }
  std::cout << "v1 sealed \"" << secret << "\" into " << sealed_v1->sealed.size() << " bytes\n";

  auto same = v1->call(sealing::UnsealSecret{.sealed = sealed_v1->sealed, .aad = aad});
  expect(same.is_ok() && same->secret == secret, "v1 unseals its own data", outcome(same));

  // A fresh instance of the same enclave, as after a restart.
  auto restarted = Enclave::create(argv[1], options);
  auto again = restarted->call(sealing::UnsealSecret{.sealed = sealed_v1->sealed, .aad = aad});
  expect(again.is_ok() && again->secret == secret, "a restarted v1 unseals it", outcome(again));

  auto upgrade = v2->call(sealing::UnsealSecret{.sealed = sealed_v1->sealed, .aad = aad});
  expect(upgrade.is_ok() && upgrade->secret == secret, "v2 unseals v1's product-sealed data",
         outcome(upgrade));

  auto downgrade = v1->call(sealing::UnsealSecret{.sealed = sealed_v2->sealed, .aad = aad});
  expect(!downgrade.is_ok(), "v1 cannot unseal v2's data", outcome(downgrade));

  auto other = v2->call(sealing::UnsealSecret{.sealed = unique_v1->sealed, .aad = aad});
  expect(!other.is_ok(), "v2 cannot unseal v1's unique-sealed data", outcome(other));

  auto wrong_aad = v1->call(sealing::UnsealSecret{.sealed = sealed_v1->sealed, .aad = to_bytes("record 43")});
  expect(!wrong_aad.is_ok(), "changed additional data is refused", outcome(wrong_aad));

  Bytes tampered = sealed_v1->sealed;
  tampered.back() ^= 0x01;
  auto bad = v1->call(sealing::UnsealSecret{.sealed = tampered, .aad = aad});
  expect(!bad.is_ok(), "a modified sealed blob is refused", outcome(bad));

  std::cout << (failures == 0 ? "sealing behaves as specified\n" : "sealing FAILED\n");
  return failures == 0 ? 0 : 1;
}
