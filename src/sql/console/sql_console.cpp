#include "sql/console/sql_console.h"

#include <nlohmann/json.hpp>

#include "http/http_server.h"
#include "sql/client/shell_support.h"
#include "sql/console/dba_snapshot.h"
#include "sql/console/employee_search.h"

// Generated from web/sql-console/ by cloister_web_assets.
std::span<const cloister::web::StaticFile> sql_console_files_data();

namespace cloister::sql::console {
namespace {

using json = nlohmann::json;

constexpr int kDbaRows = 25;

json attestation_json(const EnclaveAttestation& attestation) {
  return {{"attested", true},
          {"instance", attestation.instance},
          {"signer", attestation.signer},
          {"measurement", attestation.measurement},
          {"verified_by", attestation.verified_by},
          {"verified_at", attestation.verified_at}};
}

// The JSON the wire carried, parsed back (the driver kept it as text).
json parsed(const std::string& text) {
  return json::parse(text, nullptr, false);
}

}  // namespace

std::span<const web::StaticFile> sql_console_files() {
  return sql_console_files_data();
}

Result<Connection*> SqlConsole::connection() {
  if (!connection_) {
    auto opened = Connection::open(options_.connection);
    if (!opened.is_ok())
      return opened.status().with_context("connecting to the SQL server at " + options_.server_label);
    connection_.emplace(std::move(opened).value());
  }
  return &*connection_;
}

Result<EnclaveAttestation> SqlConsole::attest_locked() {
  CLOISTER_ASSIGN_OR_RETURN(Connection * connection, connection());
  auto attested = connection->verify_enclave();
  if (!attested.is_ok()) connection_.reset();  // start afresh next time
  return attested;
}

Result<EnclaveAttestation> SqlConsole::attest() {
  std::lock_guard lock(mutex_);
  return attest_locked();
}

void SqlConsole::handle_search(const httplib::Request& request, httplib::Response& response) {
  auto body = http::parse_json_object(request);
  if (!body.is_ok()) return http::send_status(response, body.status());
  auto search = parse_employee_search(*body);
  if (!search.is_ok()) return http::send_error(response, 400, "BadSearch", search.status().message());

  std::lock_guard lock(mutex_);
  auto connection = this->connection();
  if (!connection.is_ok())
    return http::send_error(response, 502, "ServerUnavailable", connection.status().message());
  WireTrace trace;
  ExecuteOptions execute_options;
  execute_options.trace = &trace;
  auto result = (*connection)->execute(search->sql, search->params, execute_options);
  json answer = {{"description", search->description}, {"sql", search->sql}};
  if (!result.is_ok()) {
    // The server's refusal (an operator the enclave does not run, say) or a
    // failed attestation, word for word: the page shows it.
    answer["error"] = {{"code", "QueryFailed"}, {"message", result.status().message()}};
    return http::send_json(response, 400, answer);
  }
  answer["params_sent"] = parsed(trace.params_json);
  answer["columns_returned"] = parsed(trace.columns_json);
  answer["rows_returned"] = parsed(trace.rows_json);
  json rows = json::array();
  for (const auto& row : result->rows) {
    json out = json::array();
    for (const auto& value : row) out.push_back(client::format_value(value));
    rows.push_back(std::move(out));
  }
  json columns = json::array();
  for (const auto& column : result->columns)
    columns.push_back({{"name", column.name}, {"encrypted", column.encrypted}});
  answer["columns"] = std::move(columns);
  answer["rows"] = std::move(rows);
  if (auto attestation = (*connection)->attestation()) answer["attestation"] = attestation_json(*attestation);
  http::send_json(response, 200, answer);
}

void SqlConsole::add_routes(httplib::Server& server) {
  web::serve_static(server, sql_console_files());
  sign_in_->add_routes(server);
  server.Get("/api/attestation", [this](const httplib::Request& request, httplib::Response& response) {
    web::set_security_headers(response);
    if (!sign_in_->require_user(request, response)) return;
    auto attested = attest();
    if (!attested.is_ok()) {
      return http::send_json(
          response, 200,
          {{"attested", false}, {"server", options_.server_label}, {"error", attested.status().message()}});
    }
    json answer = attestation_json(*attested);
    answer["server"] = options_.server_label;
    http::send_json(response, 200, answer);
  });
  server.Post("/api/search", [this](const httplib::Request& request, httplib::Response& response) {
    web::set_security_headers(response);
    if (!sign_in_->require_user(request, response) || !web::SignIn::require_json(request, response)) return;
    handle_search(request, response);
  });
  server.Get("/api/dba", [this](const httplib::Request& request, httplib::Response& response) {
    web::set_security_headers(response);
    if (!sign_in_->require_user(request, response)) return;
    if (options_.db_path.empty())
      return http::send_error(response, 404, "NoDatabaseFile", "the console was started without --db");
    auto snapshot = read_dba_snapshot(options_.db_path, options_.table, kDbaRows);
    if (!snapshot.is_ok()) return http::send_status(response, snapshot.status());
    http::send_json(response, 200,
                    {{"file", options_.db_path},
                     {"table", snapshot->table},
                     {"columns", snapshot->columns},
                     {"encrypted_columns", snapshot->encrypted_columns},
                     {"row_count", snapshot->row_count},
                     {"rows", snapshot->rows}});
  });
}

}  // namespace cloister::sql::console
