// attestd's data directory (0700), created with embedded defaults on first start:
//   signing_key.pem      token signing key, PKCS#8 (0600)
//   signing_cert.pem     self-signed certificate for it, sent as x5c (0644)
//   admin_credential     bearer token for policy changes (0600)
//   platforms.json       the platform registry (registry.h)
//   policies/<type>.policy   policies that differ from the default
//   policy_changes.log   one JSON line per policy change
//   collateral/{sgx,tdx}/<fmspc>.json   Intel DCAP collateral (src/dcap/collateral_dir.h)
#pragma once

#include <string>
#include <vector>

#include "cloister/bytes.h"
#include "cloister/result.h"
#include "crypto/keys.h"

namespace cloister::attestd {

struct DataDirOptions {
  crypto::KeyType key_type = crypto::KeyType::ec_p256;  // or rsa: RS256 tokens
  // Registered as "local" when the registry is created, if it holds a platform.
  std::string local_platform_dir;
};

struct DataDir {
  std::string path;
  crypto::PrivateKey signing_key;
  std::vector<Bytes> certificate_chain;  // DER, leaf first: the x5c
  SecretBytes admin_credential;
  bool created = false;  // this call created the directory's state

  [[nodiscard]] std::string registry_path() const { return path + "/platforms.json"; }
  [[nodiscard]] std::string policies_dir() const { return path + "/policies"; }
  [[nodiscard]] std::string change_log_path() const { return path + "/policy_changes.log"; }
  [[nodiscard]] std::string credential_path() const { return path + "/admin_credential"; }
  [[nodiscard]] std::string collateral_dir() const { return path + "/collateral"; }

  // Opens `dir`, creating whatever is missing (and logging what it created).
  static Result<DataDir> open(const std::string& dir, const DataDirOptions& options);
};

// The default: $CLOISTER_ATTESTD_DIR, else ~/.cloister/attestd.
std::string default_data_dir();
// Reads the admin credential (for the CLI).
Result<std::string> read_credential(const std::string& path);

}  // namespace cloister::attestd
