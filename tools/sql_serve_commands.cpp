// cloister sql serve: the encrypted SQL server (src/sql/server).
#include <unistd.h>

#include <filesystem>
#include <iostream>

#include "common/encoding.h"
#include "common/log.h"
#include "sql/server/sql_service.h"
#include "tools/command_registry.h"
#include "tools/serve_until_signal.h"

namespace cloister::cli {

namespace {

struct SqlServeArgs {
  std::string database;
  std::string host = "127.0.0.1";
  int port = 1433;
  std::string port_file;
  std::string tls_cert;
  std::string tls_key;
  std::string enclave_image;
  std::string call_mode = "sleeping";
  std::string platform_socket;
};

int run_sql_serve(const SqlServeArgs& args) {
  log::init("sql");
  block_stop_signals();
  sql::SqlServerOptions options;
  options.database_path = args.database;
  options.host = args.host;
  options.port = args.port;
  options.tls_cert_file = args.tls_cert;
  options.tls_key_file = args.tls_key;
  options.enclave_image = args.enclave_image.empty()
                              ? built_enclave_image("cloister_sql_enclave.signed", "sql/enclave")
                              : args.enclave_image;
  if (options.enclave_image.empty()) {
    return fail("the SQL enclave image (cloister_sql_enclave.signed) was not found beside this binary",
                "build it (scripts/build.sh) or name it with --enclave");
  }
  if (args.call_mode == "switchless") {
    options.enclave_options.call_mode = CallMode::switchless;
  } else if (args.call_mode != "sleeping") {
    return fail("--call-mode is sleeping or switchless, not " + args.call_mode);
  }
  options.enclave_options.platform_socket = args.platform_socket;
  auto server = sql::SqlServer::create(options);
  if (!server.is_ok())
    return fail(server.status().message(), "check --db, --enclave and the platform daemon");
  if (Status written = write_port_file(args.port_file, (*server)->port()); !written.is_ok()) {
    return fail(written.message());
  }
  auto& enclave = (*server)->enclave();
  const EnclaveIdentity identity = enclave.identity();
  std::cout << "cloister sql listening on https://" << args.host << ":" << (*server)->port() << "\n"
            << "database: " << args.database << "\n"
            << "TLS certificate (clients pin it): " << (*server)->tls_cert_file() << "\n"
            << "enclave: pid " << enclave.pid() << ", measurement " << to_hex(identity.measurement)
            << ", signer " << to_hex(identity.signer)
            << (enclave.development_platform() ? " (DEVELOPMENT platform)" : "") << "\n"
            << std::flush;
  serve_until_signal((*server)->http(), "sql");
  std::cout << "cloister sql stopped\n";
  return 0;
}

const RegisterSubcommands register_sql_serve([](CLI::App& root) {
  CLI::App* sql = root.get_subcommand("sql");
  static SqlServeArgs args;
  auto* serve =
      sql->add_subcommand("serve", "Serve an encrypted SQLite database (Always Encrypted with an enclave)");
  serve->add_option("--db", args.database, "SQLite database file (created if missing)")->required();
  serve->add_option("--host", args.host, "address to listen on")->capture_default_str();
  serve->add_option("--port", args.port, "port (0: any free port)")->capture_default_str();
  serve->add_option("--port-file", args.port_file, "write the bound port here");
  serve->add_option("--tls-cert", args.tls_cert, "TLS certificate (PEM); default: made in <db>.cloister/");
  serve->add_option("--tls-key", args.tls_key, "TLS private key (PEM)");
  serve->add_option("--enclave", args.enclave_image,
                    "signed SQL enclave image; default: the one built beside cloister");
  serve
      ->add_option("--call-mode", args.call_mode,
                   "enclave calls: sleeping or switchless (faster, burns a core)")
      ->capture_default_str();
  serve->add_option(
      "--platform-socket", args.platform_socket,
      "platform daemon socket; default $CLOISTER_PLATFORM_SOCKET, else the development platform");
  serve->callback([] { exit_code() = run_sql_serve(args); });
});

}  // namespace

}  // namespace cloister::cli
