// cloister sql shell: the client driver from the command line. Statements
// come from -e/--execute or standard input (ending with ';'); parameters
// that meet encrypted columns are encrypted here, results decrypted here, and
// column keys go to the server's enclave only after its attestation verified.
#include <unistd.h>

#include <csignal>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "cloister/sql_client.h"
#include "common/encoding.h"
#include "sql/client/shell_support.h"
#include "tools/command_registry.h"
#include "tools/sql_connection_options.h"

namespace cloister::cli {
namespace {

using sql::client::StatementSplitter;

struct ShellArgs {
  SqlConnectionArgs connection;
  bool no_column_encryption = false;
  bool allow_decryption_to_host = false;
  std::vector<std::string> statements;
  std::vector<std::string> params;
  std::vector<std::string> force_encryption;
};

// What every statement of a shell gets: the --param values and the
// --force-encryption names, each applied where the statement names it.
struct StatementParams {
  std::vector<sql::NamedParam> values;
  std::vector<sql::NamedParam> forced;  // names only
};

// Runs one statement and prints its result or its error; false on error.
bool run_statement(sql::Connection& connection, const std::string& statement, const StatementParams& params) {
  auto used = sql::client::params_used_by(statement, params.values);
  sql::ExecuteOptions options;
  for (const auto& forced : sql::client::params_used_by(statement, params.forced))
    options.force_encryption.push_back(forced.first);
  auto result = used.empty() ? connection.execute(statement, std::vector<sql::SqlValue>{}, options)
                             : connection.execute(statement, used, options);
  if (!result.is_ok()) {
    std::cerr << "error: " << result.status().message() << "\n";
    return false;
  }
  std::cout << sql::client::format_result(*result) << std::flush;
  return true;
}

// Statements from standard input; with a terminal, a prompt and a
// continuation prompt. Errors are printed and the shell goes on.
int run_interactive(sql::Connection& connection, const StatementParams& params) {
  const bool tty = ::isatty(STDIN_FILENO) != 0;
  StatementSplitter splitter;
  bool failed = false;
  std::string line;
  if (tty) std::cout << "Connected. End statements with ';'. .quit or Ctrl-D leaves.\n";
  while (true) {
    if (tty) std::cout << (splitter.rest().empty() ? "cloister-sql> " : "         ...> ") << std::flush;
    if (!std::getline(std::cin, line)) break;
    if (splitter.rest().empty() && (line == ".quit" || line == ".exit" || line == "\\q")) break;
    splitter.feed(line + "\n");
    while (auto statement = splitter.next())
      failed = !run_statement(connection, *statement, params) || failed;
  }
  if (!splitter.rest().empty()) failed = !run_statement(connection, splitter.rest(), params) || failed;
  if (tty) std::cout << "\n";
  return failed && !tty ? 1 : 0;
}

int run_shell(const ShellArgs& args) {
  // A server that went away must be an error the driver retries, not a
  // SIGPIPE that ends the shell.
  std::signal(SIGPIPE, SIG_IGN);
  StatementParams params;
  for (const auto& text : args.params) {
    auto param = sql::client::parse_param(text);
    if (!param.is_ok()) return fail(param.status().message());
    params.values.push_back(std::move(param).value());
  }
  for (const auto& name : args.force_encryption) {
    if (name.size() < 2 || (name[0] != '@' && name[0] != ':' && name[0] != '$'))
      return fail("--force-encryption takes a parameter name such as @ssn, not '" + name + "'");
    params.forced.emplace_back(name, sql::SqlNull{});
  }
  auto options = connection_options(args.connection);
  if (!options.is_ok()) return fail(options.status().message());
  options->column_encryption = !args.no_column_encryption;
  options->allow_decryption_to_host = args.allow_decryption_to_host;
  auto connection = sql::Connection::open(std::move(options).value());
  if (!connection.is_ok()) {
    return fail(connection.status().message(),
                "check --server and --server-cert (the certificate `cloister sql serve` wrote)");
  }
  if (args.statements.empty()) return run_interactive(*connection, params);
  for (const auto& text : args.statements) {
    StatementSplitter splitter;
    splitter.feed(text);
    std::vector<std::string> statements;
    while (auto statement = splitter.next()) statements.push_back(std::move(*statement));
    if (!splitter.rest().empty()) statements.push_back(splitter.rest());
    for (const auto& statement : statements) {
      if (!run_statement(*connection, statement, params)) return 1;
    }
  }
  return 0;
}

void add_shell_command(CLI::App& root) {
  CLI::App* sql = root.get_subcommand("sql");
  auto args = std::make_shared<ShellArgs>();
  auto* shell = sql->add_subcommand(
      "shell",
      "Run statements against `cloister sql serve`, encrypting parameters and decrypting results here");
  add_sql_connection_options(*shell, args->connection);
  shell->add_flag("--no-column-encryption", args->no_column_encryption,
                  "Send parameters as given and show encrypted cells as bytes");
  shell->add_flag(
      "--allow-in-place-decryption", args->allow_decryption_to_host,
      "Let the enclave decrypt this session's columns for the server (ALTER COLUMN to plaintext)");
  shell->add_option("-e,--execute", args->statements,
                    "Run this SQL and exit (repeatable); otherwise read stdin");
  shell->add_option("--param", args->params,
                    "A parameter, @name=type:value (type int, real, text, blob as hex, or null); repeatable");
  shell->add_option("--force-encryption", args->force_encryption,
                    "Refuse a statement unless this parameter (@name) leaves encrypted, even if the server "
                    "says it meets no encrypted column (SqlClient's ForceColumnEncryption); repeatable");
  shell->callback([args] { exit_code() = run_shell(*args); });
}

const RegisterSubcommands kRegisterShell(add_shell_command);

}  // namespace
}  // namespace cloister::cli
