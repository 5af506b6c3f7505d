#include "tools/enclave_policy_options.h"

#include "common/encoding.h"
#include "sql/client/shell_support.h"

namespace cloister::cli {

void add_enclave_policy_options(CLI::App& command, EnclavePolicyArgs& args) {
  command
      .add_option("--attestation", args.attestation,
                  "How the enclave is verified: evidence (against --platform-ca) or attestd (a token)")
      ->check(CLI::IsMember({"evidence", "attestd"}))
      ->capture_default_str();
  command
      .add_option("--platform-ca", args.platform_cas, "Trusted platform operator CA (PEM or DER); repeatable")
      ->check(CLI::ExistingFile);
  command.add_option("--enclave-signer", args.enclave_signer, "Expected enclave signer id, 64 hex digits");
  command
      .add_option("--enclave-image", args.enclave_image,
                  "Signed enclave image: its measurement and signer are expected")
      ->check(CLI::ExistingFile);
  command.add_flag("--allow-development-platform", args.allow_development_platform,
                   "Accept evidence from the in-process development platform (development only)");
  command.add_flag("--allow-debug-enclave", args.allow_debug,
                   "Accept a debug enclave (its memory is readable by the host: never in production)");
  command.add_option("--attestd", args.attestd_url, "attestd URL (with --attestation attestd)");
  command.add_option("--attestd-cert", args.attestd_cert, "attestd's token signing certificate (PEM)")
      ->check(CLI::ExistingFile);
  command.add_option("--attestd-ca", args.attestd_ca, "CA (PEM) to trust for an https attestd URL")
      ->check(CLI::ExistingFile);
  command.add_option("--attestd-issuer", args.attestd_issuer, "Required token issuer (iss)");
}

Result<sql::AttestationOptions> attestation_options(const EnclavePolicyArgs& args) {
  sql::AttestationOptions attestation;
  attestation.mode =
      args.attestation == "attestd" ? sql::AttestationMode::attestd : sql::AttestationMode::evidence;
  attestation.platform_ca_files = args.platform_cas;
  attestation.allow_development_platform = args.allow_development_platform;
  attestation.allow_debug = args.allow_debug;
  attestation.attestd_url = args.attestd_url;
  attestation.attestd_cert_file = args.attestd_cert;
  attestation.attestd_tls_ca_file = args.attestd_ca;
  attestation.attestd_issuer = args.attestd_issuer;
  if (!args.enclave_signer.empty()) {
    CLOISTER_ASSIGN_OR_RETURN(attestation.signer,
                              sql::client::parse_id_hex(args.enclave_signer, "--enclave-signer"));
  }
  if (!args.enclave_image.empty()) {
    CLOISTER_ASSIGN_OR_RETURN(auto identity, sql::client::identity_of_image(args.enclave_image));
    if (attestation.signer && *attestation.signer != identity.second) {
      return Status(ErrorCode::invalid_argument, "--enclave-signer " + args.enclave_signer +
                                                     " is not the signer of --enclave-image (" +
                                                     to_hex(identity.second) + ")");
    }
    attestation.measurement = identity.first;
    attestation.signer = identity.second;
  }
  return attestation;
}

}  // namespace cloister::cli
