// A stand-in for `cloister sql serve` speaking docs/sql-protocol.md over TLS,
// with a fake enclave (evidence from a test platform, keys opened with
// jose), so the driver's flows and refusals are tested before the real
// server exists. One table: employees(name TEXT, salary INT randomized).
#pragma once

#include <httplib.h>

#include <atomic>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "attest/test/test_platform.h"
#include "cloister/bytes.h"
#include "crypto/keys.h"
#include "crypto/x509.h"

namespace cloister::sql::client::testing {

struct Employee {
  std::string name;
  std::int32_t salary;
};

class FakeServer {
 public:
  // `cmk` wraps the column key; `enclave_enabled` signs its metadata.
  FakeServer(const crypto::PrivateKey& cmk, bool enclave_enabled);
  ~FakeServer();

  int port() const { return port_; }
  std::string cert_pem() const { return *cert_.to_pem(); }
  attest::testing::TestPlatform& platform() { return platform_; }
  const Bytes& cek() const { return cek_; }

  // Faults: a new enclave instance without keys, forgotten sessions, a
  // tampered stored cell, a debug enclave.
  void restart_enclave();
  void drop_sessions();
  // The server process killed and started again on the same port: no
  // sessions, a new enclave instance.
  void restart_process();
  void tamper_row(std::size_t row) { tampered_row_ = static_cast<int>(row); }
  void set_debug(bool debug) { debug_ = debug; }
  // A lying server: describes @lo and @hi as meeting no encrypted column, so
  // a driver that believes it sends them in plaintext.
  void describe_parameters_as_plaintext() { plaintext_parameters_ = true; }
  // The next execute is refused as a stale description (the driver then
  // describes the statement again).
  void refuse_next_execute_as_stale() { refuse_next_execute_ = true; }

  std::atomic<int> evidence_calls{0};
  std::atomic<int> key_calls{0};
  std::atomic<int> session_calls{0};
  std::atomic<int> describe_calls{0};
  std::vector<std::string> seen_param_kinds;  // "cell", "int", ...

 private:
  void routes();
  void listen(int port);

  std::mutex mutex_;
  attest::testing::TestPlatform platform_;
  crypto::PrivateKey tls_key_;
  crypto::Certificate cert_;
  std::unique_ptr<httplib::SSLServer> server_;
  std::thread thread_;
  int port_ = 0;

  Bytes cek_;
  Bytes encrypted_cek_;
  Bytes cmk_signature_;
  std::vector<Employee> employees_;
  std::set<std::string> sessions_;
  int next_session_ = 1;
  crypto::PrivateKey instance_key_;
  std::string instance_ = "i1";
  std::set<std::uint32_t> held_;
  int tampered_row_ = -1;
  bool debug_ = false;
  bool plaintext_parameters_ = false;
  bool refuse_next_execute_ = false;
};

}  // namespace cloister::sql::client::testing

namespace cloister::sql::client::testing {

// A stand-in for `cloister attestd` (plain HTTP): POST /attest/Cloister
// answers a token signed with its key, carrying the report's claims as
// attestd does. It does not verify the evidence: the driver's checks are
// what is tested.
class FakeAttestd {
 public:
  FakeAttestd();
  ~FakeAttestd();
  [[nodiscard]] std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  [[nodiscard]] std::string cert_pem() const { return *cert_.to_pem(); }
  std::atomic<int> calls{0};

 private:
  crypto::PrivateKey key_;
  crypto::Certificate cert_;
  httplib::Server server_;
  std::thread thread_;
  int port_ = 0;
};

}  // namespace cloister::sql::client::testing
