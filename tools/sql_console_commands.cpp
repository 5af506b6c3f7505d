// cloister sql console: the SQL console web application on loopback, the
// trusted client of `cloister sql serve` (src/sql/console/sql_console.h).
#include <iostream>

#include "common/log.h"
#include "http/http_server.h"
#include "sql/client/shell_support.h"
#include "sql/console/sql_console.h"
#include "tools/command_registry.h"
#include "tools/input_file.h"
#include "tools/serve_until_signal.h"
#include "tools/sql_connection_options.h"

namespace cloister::cli {
namespace {

struct ConsoleArgs {
  SqlConnectionArgs connection;
  std::string db;
  std::string host = "127.0.0.1";
  int port = 8081;
  std::string port_file;
  std::string user = "admin";
  std::string password_file;
};

int run_console(const ConsoleArgs& args) {
  log::init("sql-console");
  block_stop_signals();
  auto options = connection_options(args.connection);
  if (!options.is_ok()) return fail(options.status().message());
  auto password = read_password_file(args.password_file);
  if (!password.is_ok())
    return fail(password.status().message(), "--password-file names a file with the password");
  std::vector<web::Account> accounts;
  accounts.push_back({args.user, std::move(password).value()});
  auto sign_in = web::SignIn::create("cloister_sql_console", std::move(accounts));
  if (!sign_in.is_ok()) return fail(sign_in.status().message());

  sql::console::SqlConsoleOptions console_options;
  console_options.connection = std::move(options).value();
  console_options.server_label = args.connection.server;
  console_options.db_path = args.db;
  sql::console::SqlConsole console(std::move(console_options), std::move(sign_in).value());

  http::ServerOptions server_options;
  server_options.host = args.host;
  server_options.port = args.port;
  server_options.service_name = "sql-console";
  auto server = http::Server::create(server_options);
  if (!server.is_ok()) return fail(server.status().message());
  console.add_routes((*server)->routes());
  if (Status bound = (*server)->bind(); !bound.is_ok())
    return fail(bound.message(), "choose another --port, or --port 0 for any free one");
  if (Status written = write_port_file(args.port_file, (*server)->port()); !written.is_ok())
    return fail(written.message());

  std::cout << "cloister sql console on " << (*server)->url() << " (sign in as " << args.user << ")\n";
  auto attested = console.attest();
  if (attested.is_ok()) {
    std::cout << "server " << args.connection.server << ": enclave attested (" << attested->verified_by
              << "), signer " << attested->signer << ", measurement " << attested->measurement << "\n";
  } else {
    std::cout << "server " << args.connection.server << ": not attested yet (" << attested.status().message()
              << "); the console tries again when the page asks\n";
  }
  std::cout << std::flush;
  serve_until_signal(**server, "sql-console");
  std::cout << "cloister sql console stopped\n";
  return 0;
}

const RegisterSubcommands kRegisterConsole([](CLI::App& root) {
  CLI::App* sql = root.get_subcommand("sql");
  static ConsoleArgs args;
  auto* console = sql->add_subcommand(
      "console",
      "Serve the SQL console: a web page that searches encrypted employees through an attested enclave");
  add_sql_connection_options(*console, args.connection);
  console->add_option("--db", args.db, "The server's database file, for the administrator's view (read-only)")
      ->check(CLI::ExistingFile);
  console->add_option("--host", args.host, "address to listen on")->capture_default_str();
  console->add_option("--port", args.port, "port (0: any free port)")->capture_default_str();
  console->add_option("--port-file", args.port_file, "write the bound port here");
  console->add_option("--user", args.user, "the user name to sign in with")->capture_default_str();
  console->add_option("--password-file", args.password_file, "a file whose first line is the password")
      ->required()
      ->check(CLI::ExistingFile);
  console->callback([] { exit_code() = run_console(args); });
});

}  // namespace
}  // namespace cloister::cli
