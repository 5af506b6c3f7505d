// The options every client that verifies an enclave before trusting it
// takes (sql shell, cleanroom party): how (evidence or an attestd token),
// against what (operator CA, attestd's certificate) and what the enclave
// must be (signer, measurement from a signed image, no debug).
#pragma once

#include <CLI/CLI.hpp>
#include <string>
#include <vector>

#include "cloister/result.h"
#include "cloister/sql_client.h"

namespace cloister::cli {

struct EnclavePolicyArgs {
  std::string attestation = "evidence";
  std::vector<std::string> platform_cas;
  std::string enclave_signer;
  std::string enclave_image;
  bool allow_development_platform = false;
  bool allow_debug = false;
  std::string attestd_url;
  std::string attestd_cert;
  std::string attestd_ca;
  std::string attestd_issuer;
};

void add_enclave_policy_options(CLI::App& command, EnclavePolicyArgs& args);

Result<sql::AttestationOptions> attestation_options(const EnclavePolicyArgs& args);

}  // namespace cloister::cli
