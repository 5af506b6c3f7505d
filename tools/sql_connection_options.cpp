#include "tools/sql_connection_options.h"

#include "kbs/data_dir.h"
#include "sql/client/shell_support.h"

namespace cloister::cli {

void add_sql_connection_options(CLI::App& command, SqlConnectionArgs& args) {
  command.add_option("--server", args.server, "The server, HOST:PORT")->required();
  command.add_option("--server-cert", args.server_cert, "The server's TLS certificate (PEM), pinned")
      ->required()
      ->check(CLI::ExistingFile);
  command.add_option("--cmk-store", args.cmk_stores, "Column master key store directory (CLOISTER_KEY_FILE)")
      ->check(CLI::ExistingDirectory);
  command.add_option(
      "--kbs", args.kbs_url,
      "Key broker holding column master keys (CLOISTER_KBS), e.g. http://127.0.0.1:8600; only key "
      "paths under this URL are used");
  command
      .add_option("--kbs-credential-file", args.kbs_credential_file,
                  "The key broker's administrator credential (admin.credential in its data directory)")
      ->check(CLI::ExistingFile);
  command.add_option("--kbs-ca", args.kbs_ca, "CA certificate (PEM) of an https key broker")
      ->check(CLI::ExistingFile);
  add_enclave_policy_options(command, args.enclave_policy);
}

Result<sql::ConnectionOptions> connection_options(const SqlConnectionArgs& args) {
  sql::ConnectionOptions options;
  CLOISTER_ASSIGN_OR_RETURN(auto address, sql::client::parse_host_port(args.server));
  options.host = address.first;
  options.port = address.second;
  options.server_cert_file = args.server_cert;
  for (const auto& directory : args.cmk_stores) {
    CLOISTER_ASSIGN_OR_RETURN(auto store, sql::KeyStoreProvider::key_file_store(directory));
    options.key_stores.push_back(std::move(store));
  }
  if (!args.kbs_url.empty()) {
    if (args.kbs_credential_file.empty()) {
      return Status(
          ErrorCode::invalid_argument,
          "--kbs needs --kbs-credential-file (the admin.credential file of the kbs data directory)");
    }
    CLOISTER_ASSIGN_OR_RETURN(std::string credential,
                              cloister::kbs::load_admin_credential(args.kbs_credential_file));
    sql::KbsKeyStoreOptions kbs{args.kbs_url, SecretBytes(as_bytes(credential)), args.kbs_ca};
    secure_wipe(credential.data(), credential.size());
    CLOISTER_ASSIGN_OR_RETURN(auto store, sql::KeyStoreProvider::cloister_kbs(kbs));
    options.key_stores.push_back(std::move(store));
  }
  CLOISTER_ASSIGN_OR_RETURN(options.attestation, attestation_options(args.enclave_policy));
  return options;
}

}  // namespace cloister::cli
