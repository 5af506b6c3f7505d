// `cloister sql serve`: the encrypted SQL server. SQLite underneath, the
// protocol of docs/sql-protocol.md over HTTPS on loopback, and the enclave
// that holds the column keys clients release to it.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "cloister/host.h"
#include "http/http_server.h"
#include "sql/server/enclave_host.h"
#include "sql/server/session.h"

namespace cloister::sql {

struct SqlServerOptions {
  std::string database_path;
  // Server TLS key and certificate; created (self-signed, P-256) on first
  // start in <database>.cloister/ when not given.
  std::string tls_cert_file;
  std::string tls_key_file;
  std::string host = "127.0.0.1";
  int port = 0;
  std::string enclave_image;
  EnclaveOptions enclave_options;
  std::chrono::seconds idle_session_timeout{600};
  std::size_t max_sessions = 256;
};

class SqlServer {
 public:
  static Result<std::unique_ptr<SqlServer>> create(SqlServerOptions options);
  ~SqlServer();

  void run() { http_->run(); }
  void stop() { http_->stop(); }
  [[nodiscard]] int port() const { return http_->port(); }
  [[nodiscard]] const std::string& tls_cert_file() const { return options_.tls_cert_file; }
  [[nodiscard]] EnclaveHost& enclave() { return *enclave_; }
  http::Server& http() { return *http_; }

 private:
  SqlServer(SqlServerOptions options, std::unique_ptr<EnclaveHost> enclave,
            std::unique_ptr<http::Server> http);
  void add_routes();
  Result<std::shared_ptr<Session>> find_session(const nlohmann::json& body);
  void reap_idle_sessions();

  SqlServerOptions options_;
  std::unique_ptr<EnclaveHost> enclave_;
  std::unique_ptr<http::Server> http_;
  std::mutex sessions_mutex_;
  std::map<std::string, std::shared_ptr<Session>> sessions_;
};

// <database>.cloister: where the server keeps its TLS key and certificate.
std::string server_state_dir(const std::string& database_path);
// Creates the server's self-signed TLS key and certificate if missing.
Status ensure_tls_identity(const std::string& cert_file, const std::string& key_file);

}  // namespace cloister::sql
