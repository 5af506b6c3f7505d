// The SQL console: a web application that is the trusted client of
// `cloister sql serve`. It holds the column master key (through the driver's
// key stores), verifies the server enclave's attestation, releases column
// keys to it, and lets a signed-in user search the employees table. Each
// answer carries what crossed the wire (ciphertext) beside the decrypted
// rows, and the administrator's view of the same table.
//
//   GET  /api/attestation  the attested enclave (attests first if needed)
//   POST /api/search       {"column","operator","value"[,"value2"]} (employee_search.h)
//   GET  /api/dba          the table as the database file holds it
#pragma once

#include <httplib.h>

#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>

#include "cloister/result.h"
#include "cloister/sql_client.h"
#include "web/sign_in.h"
#include "web/static_files.h"

namespace cloister::sql::console {

struct SqlConsoleOptions {
  ConnectionOptions connection;
  std::string server_label;  // "127.0.0.1:1433", shown on the page
  std::string db_path;       // the server's database file, for the administrator's view ("" = none)
  std::string table = "employees";
};

class SqlConsole {
 public:
  SqlConsole(SqlConsoleOptions options, std::unique_ptr<web::SignIn> sign_in)
      : options_(std::move(options)), sign_in_(std::move(sign_in)) {}

  // The page, sign-in and the API.
  void add_routes(httplib::Server& server);

  // Connects (if not connected) and attests the enclave (if not attested).
  Result<EnclaveAttestation> attest();

 private:
  Result<Connection*> connection();  // mutex_ held
  Result<EnclaveAttestation> attest_locked();
  void handle_search(const httplib::Request& request, httplib::Response& response);

  SqlConsoleOptions options_;
  std::unique_ptr<web::SignIn> sign_in_;
  std::mutex mutex_;  // a Connection is not thread-safe
  std::optional<Connection> connection_;
};

// The console's compiled-in page (web/sql-console/).
std::span<const web::StaticFile> sql_console_files();

}  // namespace cloister::sql::console
