// The host side of the SDK: create an enclave from a signed image and call it.
//
//   auto enclave = cloister::Enclave::create("hello.signed", {});
//   if (!enclave) { std::cerr << enclave.status().to_string(); return 1; }
//   auto reply = enclave->call(Greet{.name = "world"});
//
// The backend is a runtime choice (EnclaveOptions::backend); the API is the
// same for every backend, including hardware ones added later.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "cloister/bytes.h"
#include "cloister/call.h"
#include "cloister/evidence.h"
#include "cloister/result.h"
#include "cloister/runtime_calls.h"
#include "image/identity.h"

namespace cloister {

enum class CallMode {
  sleeping,    // each side sleeps in the kernel (futex) until woken: no idle CPU use
  switchless,  // each side spins briefly before sleeping: lowest latency, burns a core while busy
};

struct EnclaveOptions {
  Backend backend = Backend::process;
  CallMode call_mode = CallMode::sleeping;
  // How long a waiting side spins before sleeping, in switchless mode.
  std::chrono::microseconds spin_budget{100};
  // Largest request or reply, in bytes; each enclave thread gets a buffer this size.
  std::size_t max_message_size = std::size_t{4} << 20;
  // Platform daemon socket; empty: $CLOISTER_PLATFORM_SOCKET, else the
  // in-process development platform (its evidence says so).
  std::string platform_socket;
  // sim only: which linked-in CLOISTER_ENCLAVE entry runs; empty: the only one.
  std::string sim_entry;
};

using RawOcallHandler = RawCallHandler;

class EnclaveBackend;  // implemented per backend in src/host

class Enclave {
 public:
  // Loads, verifies and launches a signed enclave image.
  static Result<Enclave> create(const std::string& image_path, const EnclaveOptions& options);

  Enclave(Enclave&&) noexcept;
  Enclave& operator=(Enclave&&) noexcept;
  ~Enclave();  // stops the enclave

  template <CallMessage Call>
  Result<typename Call::Reply> call(const Call& request) {
    auto reply = call_raw(Call::id, wire::encode(request));
    if (!reply.is_ok()) return reply.status();
    return wire::decode<typename Call::Reply>(*reply);
  }
  Result<Bytes> call_raw(std::uint32_t id, ByteView request);

  // Registers a handler for an ocall the enclave makes; register before calling.
  template <CallMessage Call>
  void on_ocall(std::function<Result<typename Call::Reply>(const Call&)> handler) {
    on_ocall_raw(Call::id, typed_handler<Call>(std::move(handler), "malformed ocall"));
  }
  void on_ocall_raw(std::uint32_t id, RawOcallHandler handler);

  // Evidence binding the enclave's instance key and `nonce` (at most
  // kMaxRuntimeNonceSize bytes), answered by the runtime of every enclave:
  // {evidence, runtime_data}, with report_data = SHA-256(runtime_data) || 32
  // zero bytes. runtime_data is JSON naming the key as a JWK (enclave.h).
  Result<RuntimeEvidence> runtime_evidence(ByteView nonce) {
    return call(RuntimeEvidenceRequest{.nonce = Bytes(nonce.begin(), nonce.end())});
  }

  [[nodiscard]] const EnclaveIdentity& identity() const;
  [[nodiscard]] const EnclaveConfig& config() const;
  [[nodiscard]] Backend backend() const;
  [[nodiscard]] bool development_platform() const;
  // The operator CA that certifies the platform which launched this enclave (DER).
  [[nodiscard]] const Bytes& platform_ca_der() const;
  // The enclave's process id (process backend), or 0.
  [[nodiscard]] int pid() const;

 private:
  explicit Enclave(std::unique_ptr<EnclaveBackend> backend);
  std::unique_ptr<EnclaveBackend> backend_;
};

}  // namespace cloister
