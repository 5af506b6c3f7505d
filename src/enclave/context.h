// What enclave code reaches through cloister::enclave::*: one implementation
// per backend, installed for the thread that runs a handler.
#pragma once

#include <array>
#include <mutex>

#include "cloister/evidence.h"
#include "cloister/result.h"
#include "cloister/seal.h"
#include "crypto/keys.h"
#include "image/identity.h"

namespace cloister::enclave {

class EnclaveContext {
 public:
  virtual ~EnclaveContext() = default;
  [[nodiscard]] virtual const EnclaveIdentity& identity() const = 0;
  [[nodiscard]] virtual Backend backend() const = 0;
  // The platform's operator CA, learned from the platform itself (never from the host).
  [[nodiscard]] virtual const Bytes& platform_ca_der() const = 0;
  [[nodiscard]] virtual bool development_platform() const = 0;
  virtual Result<Bytes> ocall(std::uint32_t id, ByteView request) = 0;
  virtual Result<Bytes> evidence(const std::array<std::uint8_t, 64>& report_data) = 0;
  virtual Result<SecretBytes> seal_key(SealPolicy policy, std::uint16_t svn, ByteView key_id) = 0;

  // This enclave instance's key, generated on first use. It belongs to the
  // context, not to a process-wide static, so that two sim enclaves in one
  // host process still have different keys.
  const crypto::PrivateKey& instance_key();

 private:
  std::once_flag instance_key_once_;
  crypto::PrivateKey instance_key_;
};

// The context of the handler running on this thread, or null outside one.
EnclaveContext* current_context();

// Installs a context for the current thread for its lifetime (nests).
class ContextScope {
 public:
  explicit ContextScope(EnclaveContext* context);
  ~ContextScope();
  ContextScope(const ContextScope&) = delete;
  ContextScope& operator=(const ContextScope&) = delete;

 private:
  EnclaveContext* previous_;
};

}  // namespace cloister::enclave
