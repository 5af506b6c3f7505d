// The one interface every enclave backend implements; Enclave forwards to it.
#pragma once

#include <map>
#include <mutex>
#include <shared_mutex>

#include "cloister/host.h"

namespace cloister {

struct EnclaveInfo {
  EnclaveIdentity identity;
  EnclaveConfig config;
  Backend backend = Backend::process;
  bool development_platform = true;
  Bytes platform_ca_der;
  int pid = 0;
};

// Host handlers for the ocalls an enclave makes.
class OcallTable {
 public:
  void add(std::uint32_t id, RawOcallHandler handler);
  Result<Bytes> dispatch(std::uint32_t id, ByteView request) const;

 private:
  mutable std::shared_mutex mutex_;
  std::map<std::uint32_t, RawOcallHandler> handlers_;
};

class EnclaveBackend {
 public:
  virtual ~EnclaveBackend() = default;
  virtual Result<Bytes> call(std::uint32_t id, ByteView request) = 0;
  [[nodiscard]] const EnclaveInfo& info() const { return info_; }
  OcallTable& ocalls() { return ocalls_; }

 protected:
  EnclaveInfo info_;
  OcallTable ocalls_;
};

Result<std::unique_ptr<EnclaveBackend>> create_process_backend(const std::string& image_path,
                                                               const EnclaveOptions& options);
Result<std::unique_ptr<EnclaveBackend>> create_sim_backend(const std::string& image_path,
                                                           const EnclaveOptions& options);

}  // namespace cloister
