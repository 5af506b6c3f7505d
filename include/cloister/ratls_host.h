// The host half of attested TLS: accepts TCP connections and moves their
// bytes through an enclave that serves them with EnclaveTlsSessions
// (ratls_enclave.h). The host sees ciphertext only.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "cloister/host.h"
#include "cloister/result.h"

namespace cloister::ratls {

struct BridgeOptions {
  std::string address = "127.0.0.1";  // loopback by default
  std::uint16_t port = 0;             // 0: any free port (see port())
  std::chrono::milliseconds idle_timeout{30000};
  std::size_t max_connections = 64;
};

class HostTlsBridge {
 public:
  // Listens and starts accepting; `enclave` must outlive the bridge.
  static Result<std::unique_ptr<HostTlsBridge>> start(Enclave& enclave, BridgeOptions options = {});
  ~HostTlsBridge();  // stop()
  HostTlsBridge(const HostTlsBridge&) = delete;
  HostTlsBridge& operator=(const HostTlsBridge&) = delete;

  [[nodiscard]] std::uint16_t port() const;
  // Stops accepting, ends open connections and waits for their threads.
  void stop();

 private:
  struct State;
  explicit HostTlsBridge(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

}  // namespace cloister::ratls
