// Launches process-backend enclaves: copies the signed image into a sealed
// memfd, measures exactly those bytes, and executes them in a fresh process
// that holds only its three channel descriptors. Then serves that enclave's
// platform requests (evidence, sealing keys) on a private socket.
#pragma once

#include <sys/types.h>

#include <memory>
#include <optional>

#include "cloister/result.h"
#include "common/unique_fd.h"
#include "image/identity.h"
#include "platform/enclave_service.h"
#include "platform/platform_identity.h"

namespace cloister::platform {

struct LaunchParams {
  std::uint32_t slot_capacity = 4u << 20;
  std::uint32_t spin_iterations = 0;
  std::optional<uid_t> enclave_uid;  // run the enclave as this user (needs root)
  std::optional<gid_t> enclave_gid;
};

struct LaunchedEnclave {
  pid_t pid = 0;
  UniqueFd pidfd;     // only meaningful to the launching process
  UniqueFd channel;   // memfd with the channel layout
  UniqueFd lifeline;  // host end of the lifeline socket
  EnclaveIdentity identity;
  EnclaveConfig config;
  // Answers the enclave's platform requests; letting it go ends the enclave.
  // Only the launching process has one.
  std::unique_ptr<EnclaveService> service;
};

class EnclaveLauncher {
 public:
  explicit EnclaveLauncher(std::shared_ptr<const PlatformIdentity> identity);
  EnclaveLauncher(const EnclaveLauncher&) = delete;
  EnclaveLauncher& operator=(const EnclaveLauncher&) = delete;

  // `image_fd` is read from its start; the caller keeps ownership.
  Result<LaunchedEnclave> launch(int image_fd, const LaunchParams& params);
  [[nodiscard]] const PlatformIdentity& identity() const { return *identity_; }

 private:
  std::shared_ptr<const PlatformIdentity> identity_;
};

// The process-wide in-process development platform, created on first use.
std::shared_ptr<EnclaveLauncher> development_launcher();

}  // namespace cloister::platform
