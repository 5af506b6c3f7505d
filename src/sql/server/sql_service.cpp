#include "sql/server/sql_service.h"

#include <sqlite3.h>
#include <sys/stat.h>

#include "common/durable_file.h"
#include "common/encoding.h"
#include "crypto/keys.h"
#include "crypto/rng.h"
#include "crypto/x509.h"
#include "sqlite/database.h"

namespace cloister::sql {

using nlohmann::json;

namespace {

constexpr std::size_t kMaxRequestBytes = 64 << 20;  // bulk inserts carry many cells

void send_failure(httplib::Response& response, const Status& status, const std::string& code) {
  if (code.empty()) {
    http::send_status(response, status);
    return;
  }
  http::send_error(response, 409, code, status.message());
}

}  // namespace

std::string server_state_dir(const std::string& database_path) {
  return database_path + ".cloister";
}

Status ensure_tls_identity(const std::string& cert_file, const std::string& key_file) {
  struct stat info {};
  if (::stat(cert_file.c_str(), &info) == 0 && ::stat(key_file.c_str(), &info) == 0) return Status::ok();
  CLOISTER_ASSIGN_OR_RETURN(auto key, crypto::PrivateKey::generate(crypto::KeyType::ec_p256));
  crypto::CertificateRequest request;
  request.subject_common_name = "localhost";
  request.subject_organization = "Cloister SQL server";
  CLOISTER_ASSIGN_OR_RETURN(auto certificate,
                            crypto::issue_certificate(request, key.public_key(), key, nullptr));
  CLOISTER_ASSIGN_OR_RETURN(std::string key_pem, key.to_pem());
  CLOISTER_ASSIGN_OR_RETURN(std::string cert_pem, certificate.to_pem());
  Status status = atomic_write_file(key_file, as_bytes(key_pem), 0600);
  secure_wipe(key_pem.data(), key_pem.size());
  if (!status.is_ok()) return status;
  return atomic_write_file(cert_file, as_bytes(cert_pem), 0644);
}

Result<std::unique_ptr<SqlServer>> SqlServer::create(SqlServerOptions options) {
  if (options.tls_cert_file.empty() != options.tls_key_file.empty()) {
    return Status(ErrorCode::invalid_argument, "give both --tls-cert and --tls-key, or neither");
  }
  if (options.tls_cert_file.empty()) {
    const std::string dir = server_state_dir(options.database_path);
    if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
      return Status(ErrorCode::io_error, "cannot create " + dir);
    }
    options.tls_cert_file = dir + "/tls-cert.pem";
    options.tls_key_file = dir + "/tls-key.pem";
    CLOISTER_RETURN_IF_ERROR(ensure_tls_identity(options.tls_cert_file, options.tls_key_file));
  }
  {
    // The catalog exists before any session opens, and the file is a database.
    sqlite3* db = nullptr;
    const int rc = sqlite3_open_v2(options.database_path.c_str(), &db,
                                   SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr);
    Status status = rc == SQLITE_OK ? sqlite::exec(db, "PRAGMA journal_mode=WAL", "database")
                                    : Status(ErrorCode::io_error, "cannot open " + options.database_path);
    if (status.is_ok()) status = create_catalog(db);
    sqlite3_close_v2(db);
    CLOISTER_RETURN_IF_ERROR(status.with_context(options.database_path));
  }
  CLOISTER_ASSIGN_OR_RETURN(auto enclave,
                            EnclaveHost::launch(options.enclave_image, options.enclave_options));
  http::ServerOptions http_options;
  http_options.host = options.host;
  http_options.port = options.port;
  http_options.tls_cert_pem_file = options.tls_cert_file;
  http_options.tls_key_pem_file = options.tls_key_file;
  http_options.max_body_bytes = kMaxRequestBytes;
  http_options.service_name = "cloister-sql";
  CLOISTER_ASSIGN_OR_RETURN(auto http, http::Server::create(http_options));
  std::unique_ptr<SqlServer> server(new SqlServer(std::move(options), std::move(enclave), std::move(http)));
  server->add_routes();
  CLOISTER_RETURN_IF_ERROR(server->http_->bind());
  return server;
}

SqlServer::SqlServer(SqlServerOptions options, std::unique_ptr<EnclaveHost> enclave,
                     std::unique_ptr<http::Server> http)
    : options_(std::move(options)), enclave_(std::move(enclave)), http_(std::move(http)) {}

SqlServer::~SqlServer() = default;

void SqlServer::reap_idle_sessions() {
  const auto now = std::chrono::steady_clock::now();
  for (auto it = sessions_.begin(); it != sessions_.end();) {
    std::unique_lock lock(it->second->mutex(), std::try_to_lock);
    if (lock.owns_lock() && now - it->second->last_used > options_.idle_session_timeout) {
      lock.unlock();
      it = sessions_.erase(it);
    } else {
      ++it;
    }
  }
}

Result<std::shared_ptr<Session>> SqlServer::find_session(const json& body) {
  const auto id = body.find("session");
  if (id == body.end() || !id->is_string()) {
    return Status(ErrorCode::invalid_argument,
                  "the request names no \"session\": POST /sql/v1/sessions first");
  }
  std::lock_guard lock(sessions_mutex_);
  const auto found = sessions_.find(id->get<std::string>());
  if (found == sessions_.end()) {
    return Status(ErrorCode::not_found,
                  "no such session (it expired or the server restarted): open a new one");
  }
  return found->second;
}

void SqlServer::add_routes() {
  auto& routes = http_->routes();

  routes.Post("/sql/v1/sessions", [this](const httplib::Request&, httplib::Response& response) {
    auto token = crypto::random_bytes(16);
    if (!token.is_ok()) return http::send_status(response, token.status());
    auto session = Session::open(options_.database_path, enclave_.get());
    if (!session.is_ok()) return http::send_status(response, session.status());
    const std::string database = (*session)->database_id();
    {
      std::lock_guard lock(sessions_mutex_);
      reap_idle_sessions();
      if (sessions_.size() >= options_.max_sessions) {
        return http::send_error(response, 503, "TooManySessions",
                                "the server has its maximum of sessions open: close one and retry");
      }
      sessions_.emplace(to_hex(*token), std::shared_ptr<Session>(std::move(*session)));
    }
    http::send_json(response, 200, {{"session", to_hex(*token)}, {"database", database}});
  });

  routes.Delete(R"(/sql/v1/sessions/([0-9a-f]{32}))",
                [this](const httplib::Request& request, httplib::Response& response) {
                  std::lock_guard lock(sessions_mutex_);
                  sessions_.erase(request.matches[1].str());
                  http::send_json(response, 200, json::object());
                });

  auto statement_route = [this](bool describe) {
    return [this, describe](const httplib::Request& request, httplib::Response& response) {
      auto body = http::parse_json_object(request);
      if (!body.is_ok()) return http::send_status(response, body.status());
      auto session = find_session(*body);
      if (!session.is_ok()) return http::send_status(response, session.status());
      const auto sql = body->find("sql");
      if (sql == body->end() || !sql->is_string()) {
        return http::send_error(response, 400, "BadRequest", "the request has no \"sql\" string");
      }
      std::lock_guard lock((*session)->mutex());
      (*session)->last_used = std::chrono::steady_clock::now();
      Result<json> answer = Status(ErrorCode::internal, "unreachable");
      if (describe) {
        answer = (*session)->describe(sql->get<std::string>());
      } else {
        const auto params = body->find("params");
        const auto batch = body->find("batch");
        const json no_params = json::array();
        answer = (*session)->execute(sql->get<std::string>(), params != body->end() ? *params : no_params,
                                     batch != body->end() ? &*batch : nullptr);
      }
      if (!answer.is_ok()) return send_failure(response, answer.status(), (*session)->error_code());
      http::send_json(response, 200, *answer);
    };
  };
  routes.Post("/sql/v1/describe", statement_route(true));
  routes.Post("/sql/v1/execute", statement_route(false));

  routes.Post("/sql/v1/enclave/evidence", [this](const httplib::Request& request,
                                                 httplib::Response& response) {
    auto body = http::parse_json_object(request);
    if (!body.is_ok()) return http::send_status(response, body.status());
    const auto nonce_hex = body->find("nonce");
    auto nonce = nonce_hex != body->end() && nonce_hex->is_string() ? from_hex(nonce_hex->get<std::string>())
                                                                    : Result<Bytes>(Bytes{});
    if (!nonce.is_ok() || nonce->size() > 32) {
      return http::send_error(response, 400, "BadRequest", "nonce must be hex, at most 32 bytes");
    }
    auto evidence = enclave_->evidence(*nonce);
    // A dead enclave was relaunched by that call: the fresh one answers.
    if (!evidence.is_ok() && evidence.status().code() == ErrorCode::enclave_terminated)
      evidence = enclave_->evidence(*nonce);
    auto status = enclave_->key_status();
    if (!evidence.is_ok()) return http::send_status(response, evidence.status());
    if (!status.is_ok()) return http::send_status(response, status.status());
    http::send_json(response, 200,
                    {{"evidence", to_base64url(evidence->evidence)},
                     {"runtime_data", to_base64url(evidence->runtime_data)},
                     {"instance", to_hex(status->instance_id)}});
  });

  routes.Post("/sql/v1/enclave/keys", [this](const httplib::Request& request, httplib::Response& response) {
    auto body = http::parse_json_object(request);
    if (!body.is_ok()) return http::send_status(response, body.status());
    const auto jwe = body->find("jwe");
    if (jwe == body->end() || !jwe->is_string()) {
      return http::send_error(response, 400, "BadRequest", "the request has no \"jwe\" string");
    }
    auto installed = enclave_->install_keys(jwe->get<std::string>());
    if (!installed.is_ok() && installed.status().code() == ErrorCode::enclave_terminated) {
      // Sealed to the instance that died: the driver attests the new one and releases again.
      return http::send_error(response, 409, "EnclaveRestarted",
                              "the enclave was restarted; attest it again and release the keys to it");
    }
    if (!installed.is_ok()) {
      return http::send_error(response, 403, "KeyReleaseRefused", installed.status().message());
    }
    http::send_json(response, 200, {{"installed", *installed}});
  });

  routes.Get("/sql/v1/enclave", [this](const httplib::Request&, httplib::Response& response) {
    auto status = enclave_->key_status();
    if (!status.is_ok()) return http::send_status(response, status.status());
    http::send_json(response, 200, {{"instance", to_hex(status->instance_id)}, {"cek_ids", status->cek_ids}});
  });
}

}  // namespace cloister::sql
