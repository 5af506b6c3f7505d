#include "sql/client/test/fake_server.h"

#include <gtest/gtest.h>

#include <chrono>
#include <climits>
#include <nlohmann/json.hpp>

#include "common/encoding.h"
#include "crypto/rng.h"
#include "crypto/sha.h"
#include "jose/jose.h"
#include "sql/cell_cipher.h"
#include "sql/cmk_metadata.h"
#include "sql/encrypted_cek.h"

namespace cloister::sql::client::testing {
namespace {

using nlohmann::json;

void answer(httplib::Response& response, int status, const json& body) {
  response.status = status;
  response.set_content(body.dump(), "application/json");
}

void error(httplib::Response& response, int status, const std::string& code, const std::string& message,
           const json& extra = json::object()) {
  json error = {{"code", code}, {"message", message}};
  error.update(extra);
  answer(response, status, {{"error", error}});
}

Bytes int_plaintext(std::int32_t value) {
  const auto bits = static_cast<std::uint32_t>(value);
  return {static_cast<std::uint8_t>(bits), static_cast<std::uint8_t>(bits >> 8),
          static_cast<std::uint8_t>(bits >> 16), static_cast<std::uint8_t>(bits >> 24)};
}

std::int32_t int_of(ByteView plaintext) {
  std::uint32_t bits = 0;
  for (std::size_t i = 0; i < 4 && i < plaintext.size(); ++i) bits |= std::uint32_t{plaintext[i]} << (8 * i);
  return static_cast<std::int32_t>(bits);
}

}  // namespace

FakeServer::FakeServer(const crypto::PrivateKey& cmk, bool enclave_enabled)
    : platform_(attest::testing::TestPlatform::create()) {
  tls_key_ = crypto::PrivateKey::generate(crypto::KeyType::ec_p256).value().clone();
  crypto::CertificateRequest request;
  request.subject_common_name = "cloister sql test server";
  cert_ = crypto::issue_certificate(request, tls_key_.public_key(), tls_key_, nullptr).value().clone();
  instance_key_ = crypto::PrivateKey::generate(crypto::KeyType::ec_p256).value().clone();
  cek_ = crypto::random_bytes(32).value();
  encrypted_cek_ = wrap_cek(cmk, "cmk1", cek_).value();
  if (enclave_enabled) cmk_signature_ = sign_cmk_metadata(cmk, "CLOISTER_KEY_FILE", "cmk1", true).value();
  employees_ = {{"Ann", 52000}, {"Bob", 61000}, {"Cy", 75000}, {"Di", 98000}};

  listen(0);
}

void FakeServer::listen(int port) {
  server_ = std::make_unique<httplib::SSLServer>(cert_.get(), tls_key_.get());
  routes();
  port_ = port == 0 ? server_->bind_to_any_port("127.0.0.1")
                    : (server_->bind_to_port("127.0.0.1", port) ? port : -1);
  ASSERT_GT(port_, 0);
  thread_ = std::thread([this] { server_->listen_after_bind(); });
  while (!server_->is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
}

void FakeServer::restart_process() {
  server_->stop();
  thread_.join();
  drop_sessions();
  restart_enclave();
  listen(port_);
}

FakeServer::~FakeServer() {
  server_->stop();
  thread_.join();
}

void FakeServer::restart_enclave() {
  std::lock_guard lock(mutex_);
  instance_key_ = crypto::PrivateKey::generate(crypto::KeyType::ec_p256).value().clone();
  instance_ = "i" + std::to_string(evidence_calls.load() + 2);
  held_.clear();
}

void FakeServer::drop_sessions() {
  std::lock_guard lock(mutex_);
  sessions_.clear();
}

void FakeServer::routes() {
  server_->Post("/sql/v1/sessions", [this](const httplib::Request&, httplib::Response& response) {
    std::lock_guard lock(mutex_);
    ++session_calls;
    std::string session = "s" + std::to_string(next_session_++);
    sessions_.insert(session);
    answer(response, 200, {{"session", session}, {"database", "db01"}});
  });
  server_->Post("/sql/v1/describe", [this](const httplib::Request& request, httplib::Response& response) {
    std::lock_guard lock(mutex_);
    ++describe_calls;
    auto body = json::parse(request.body);
    if (sessions_.count(body.value("session", "")) == 0)
      return error(response, 404, "not_found",
                   "no such session (it expired or the server restarted): open a new one");
    json encryption = {{"cek_id", 1}, {"cek", "cek1"}, {"type", "randomized"}, {"sql_type", "int"}};
    json parameters = json::array();
    const std::string sql = body.value("sql", "");
    if (sql.find("@salary") != std::string::npos) {  // INSERT INTO employees VALUES (@name, @salary)
      parameters.push_back({{"index", 1}, {"name", "@name"}});
      parameters.push_back({{"index", 2},
                            {"name", "@salary"},
                            {"column", {{"table", "employees"}, {"column", "salary"}}},
                            {"encryption", encryption}});
    } else if (sql.find("@lo") != std::string::npos && plaintext_parameters_) {
      parameters.push_back({{"index", 1}, {"name", "@lo"}});
      parameters.push_back({{"index", 2}, {"name", "@hi"}});
    } else if (sql.find("@lo") != std::string::npos) {
      parameters.push_back({{"index", 1},
                            {"name", "@lo"},
                            {"column", {{"table", "employees"}, {"column", "salary"}}},
                            {"encryption", encryption}});
      parameters.push_back({{"index", 2},
                            {"name", "@hi"},
                            {"column", {{"table", "employees"}, {"column", "salary"}}},
                            {"encryption", encryption}});
    }
    json value = {{"cmk", "cmk1"},
                  {"provider", "CLOISTER_KEY_FILE"},
                  {"key_path", "cmk1"},
                  {"algorithm", "RSA_OAEP"},
                  {"encrypted_value", to_base64(encrypted_cek_)},
                  {"enclave_signature", to_base64(cmk_signature_)}};
    answer(response, 200,
           {{"parameters", parameters},
            {"ceks", {{{"id", 1}, {"name", "cek1"}, {"values", {value}}}}},
            {"enclave_ceks", parameters.empty() ? json::array() : json::array({1})}});
  });
  server_->Post("/sql/v1/execute", [this](const httplib::Request& request, httplib::Response& response) {
    std::lock_guard lock(mutex_);
    auto body = json::parse(request.body);
    if (sessions_.count(body.value("session", "")) == 0)
      return error(response, 404, "not_found",
                   "no such session (it expired or the server restarted): open a new one");
    const std::string sql = body.value("sql", "");
    if (refuse_next_execute_) {
      refuse_next_execute_ = false;
      return error(response, 400, "BadParameter", "the statement's columns changed: describe it again");
    }
    auto key = CellKey::create(cek_).value();
    if (body.contains("batch")) {  // rows of (@name, @salary): the salaries must be cells of cek1
      for (const auto& row : body["batch"]) {
        for (const auto& param : row) seen_param_kinds.push_back(param.begin().key());
        if (!row[1].contains("cell") ||
            !key.decrypt(from_base64(row[1]["cell"].get<std::string>()).value()).is_ok())
          return error(response, 400, "BadParameter", "@salary is not a cell of cek1");
      }
      return answer(response, 200,
                    {{"columns", json::array()}, {"rows", json::array()}, {"changes", body["batch"].size()}});
    }
    if (sql.find("SELECT") != 0)
      return answer(response, 200, {{"columns", json::array()}, {"rows", json::array()}});
    std::int32_t bounds[2] = {INT32_MIN, INT32_MAX};
    if (sql.find("@lo") != std::string::npos) {
      if (held_.count(1) == 0) {
        return error(response, 409, "EnclaveKeyMissing", "the enclave holds no key for employees.salary",
                     {{"instance", instance_}, {"cek_ids", {1}}});
      }
      for (std::size_t i = 0; i < 2; ++i) {
        const auto& param = body["params"][i];
        seen_param_kinds.push_back(param.begin().key());
        if (!param.contains("cell")) return error(response, 400, "BadParameter", "parameter is not a cell");
        auto plaintext = key.decrypt(from_base64(param["cell"].get<std::string>()).value());
        if (!plaintext.is_ok())
          return error(response, 400, "BadParameter", "parameter is not a cell of cek1");
        bounds[i] = int_of(*plaintext);
      }
    }
    json rows = json::array();
    for (std::size_t i = 0; i < employees_.size(); ++i) {
      if (employees_[i].salary < bounds[0] || employees_[i].salary > bounds[1]) continue;
      Bytes cell = key.encrypt(int_plaintext(employees_[i].salary), EncryptionType::randomized).value();
      if (static_cast<int>(rows.size()) == tampered_row_) cell[40] ^= 1;
      rows.push_back({{{"text", employees_[i].name}}, {{"cell", to_base64(cell)}}});
    }
    json encryption = {{"cek_id", 1}, {"cek", "cek1"}, {"type", "randomized"}, {"sql_type", "int"}};
    answer(
        response, 200,
        {{"columns",
          {{{"name", "name"}, {"table", "employees"}, {"column", "name"}, {"encryption", nullptr}},
           {{"name", "salary"}, {"table", "employees"}, {"column", "salary"}, {"encryption", encryption}}}},
         {"rows", rows},
         {"changes", 0},
         {"last_insert_rowid", 0}});
  });
  server_->Post("/sql/v1/enclave/evidence",
                [this](const httplib::Request& request, httplib::Response& response) {
                  std::lock_guard lock(mutex_);
                  ++evidence_calls;
                  auto nonce = from_hex(json::parse(request.body).value("nonce", "")).value();
                  json jwk = jose::public_jwk(instance_key_.public_key(), "enclave-instance").value();
                  const std::string runtime = json{{"keys", {jwk}}, {"nonce", to_base64url(nonce)}}.dump();
                  Report report = platform_.good_report();
                  report.identity.debug = debug_;
                  report.report_data.fill(0);
                  const auto digest = crypto::sha256(as_bytes(runtime));
                  std::copy(digest.begin(), digest.end(), report.report_data.begin());
                  answer(response, 200,
                         {{"evidence", to_base64url(platform_.sign(report))},
                          {"runtime_data", to_base64url(as_bytes(runtime))},
                          {"instance", instance_}});
                });
  server_->Post("/sql/v1/enclave/keys", [this](const httplib::Request& request, httplib::Response& response) {
    std::lock_guard lock(mutex_);
    ++key_calls;
    auto plaintext = jose::decrypt_jwe(json::parse(request.body).value("jwe", ""), instance_key_);
    if (!plaintext.is_ok()) return error(response, 403, "KeyReleaseRefused", plaintext.status().message());
    auto document = json::parse(plaintext->view().begin(), plaintext->view().end());
    json installed = json::array();
    for (const auto& key : document["keys"]) {
      if (from_base64url(key["key"].get<std::string>()).value() != cek_)
        return error(response, 403, "KeyReleaseRefused", "wrong key");
      held_.insert(key["cek_id"].get<std::uint32_t>());
      installed.push_back(key["cek_id"]);
    }
    answer(response, 200, {{"installed", installed}});
  });
}

}  // namespace cloister::sql::client::testing

namespace cloister::sql::client::testing {

FakeAttestd::FakeAttestd() {
  key_ = crypto::PrivateKey::generate(crypto::KeyType::ec_p256).value().clone();
  crypto::CertificateRequest request;
  request.subject_common_name = "fake attestd signing key";
  cert_ = crypto::issue_certificate(request, key_.public_key(), key_, nullptr).value().clone();
  server_.Post("/attest/Cloister", [this](const httplib::Request& http, httplib::Response& response) {
    ++calls;
    auto body = nlohmann::json::parse(http.body);
    auto evidence =
        attest::parse_evidence(from_base64url(body["evidence"].get<std::string>()).value()).value();
    const std::string runtime_b64 = body["runtimeData"]["data"].get<std::string>();
    auto runtime = from_base64url(runtime_b64).value();
    const auto now = attest::testing::unix_ms_now() / 1000;
    const EnclaveIdentity& id = evidence.report.identity;
    nlohmann::json claims = {{"iss", "fake"},
                             {"iat", now},
                             {"nbf", now},
                             {"exp", now + 3600},
                             {"nonce", body["nonce"]},
                             {"x-ms-sgx-is-debuggable", id.debug},
                             {"x-ms-sgx-mrsigner", to_hex(id.signer)},
                             {"x-ms-sgx-mrenclave", to_hex(id.measurement)},
                             {"x-ms-sgx-ehd", runtime_b64},
                             {"x-ms-runtime", nlohmann::json::parse(runtime.begin(), runtime.end())},
                             {"x-cloister-isolation", "process"},
                             {"x-cloister-development-platform", evidence.report.development_platform}};
    jose::SignOptions options;
    options.kid = jose::thumbprint(key_.public_key()).value();
    answer(response, 200, {{"token", jose::sign_jwt(claims, key_, options).value()}});
  });
  port_ = server_.bind_to_any_port("127.0.0.1");
  thread_ = std::thread([this] { server_.listen_after_bind(); });
  while (!server_.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
}

FakeAttestd::~FakeAttestd() {
  server_.stop();
  thread_.join();
}

}  // namespace cloister::sql::client::testing
