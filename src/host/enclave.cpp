#include <exception>

#include "cloister/host.h"
#include "host/backend.h"

namespace cloister {

void OcallTable::add(std::uint32_t id, RawOcallHandler handler) {
  std::unique_lock lock(mutex_);
  handlers_[id] = std::move(handler);
}

Result<Bytes> OcallTable::dispatch(std::uint32_t id, ByteView request) const {
  RawOcallHandler handler;
  {
    std::shared_lock lock(mutex_);
    auto it = handlers_.find(id);
    if (it == handlers_.end()) {
      return Status(ErrorCode::unknown_call, "the host has no handler for ocall id " + std::to_string(id));
    }
    handler = it->second;
  }
  try {
    return handler(request);
  } catch (const std::exception& e) {
    return Status(ErrorCode::internal, std::string("host ocall handler threw: ") + e.what());
  } catch (...) {
    // Nothing may escape: the process backend would leave the slot claimed
    // and the enclave thread waiting for an ocall reply forever.
    return Status(ErrorCode::internal, "host ocall handler threw a non-standard exception");
  }
}

Result<Enclave> Enclave::create(const std::string& image_path, const EnclaveOptions& options) {
  Result<std::unique_ptr<EnclaveBackend>> backend = options.backend == Backend::sim
                                                        ? create_sim_backend(image_path, options)
                                                        : create_process_backend(image_path, options);
  if (!backend.is_ok()) return backend.status();
  return Enclave(std::move(backend).value());
}

Enclave::Enclave(std::unique_ptr<EnclaveBackend> backend) : backend_(std::move(backend)) {}
Enclave::Enclave(Enclave&&) noexcept = default;
Enclave& Enclave::operator=(Enclave&&) noexcept = default;
Enclave::~Enclave() = default;

Result<Bytes> Enclave::call_raw(std::uint32_t id, ByteView request) {
  if (!backend_) return Status(ErrorCode::invalid_argument, "enclave was moved from");
  return backend_->call(id, request);
}

void Enclave::on_ocall_raw(std::uint32_t id, RawOcallHandler handler) {
  backend_->ocalls().add(id, std::move(handler));
}

const EnclaveIdentity& Enclave::identity() const {
  return backend_->info().identity;
}
const EnclaveConfig& Enclave::config() const {
  return backend_->info().config;
}
Backend Enclave::backend() const {
  return backend_->info().backend;
}
bool Enclave::development_platform() const {
  return backend_->info().development_platform;
}
const Bytes& Enclave::platform_ca_der() const {
  return backend_->info().platform_ca_der;
}
int Enclave::pid() const {
  return backend_->info().pid;
}

}  // namespace cloister
