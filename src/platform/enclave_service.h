// Serves one enclave's requests to its platform (evidence, sealing keys) on a
// thread of its own, until the enclave goes away.
//
// The thread is owned, never detached: a thread that signed with OpenSSL and
// is still ending while the process exits races OpenSSL's exit-time cleanup
// of per-thread state (a double free). So whoever launched the enclave keeps
// its service and lets it go before the process ends.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <memory>
#include <thread>

#include "common/unique_fd.h"
#include "image/identity.h"
#include "platform/platform_identity.h"

namespace cloister::platform {

class EnclaveService {
 public:
  // `socket` is the platform's end of the enclave's private socket; the
  // caller is the enclave's parent, so the service reaps it when it exits.
  // `host_watch` is a copy of the enclave's end of its lifeline: when the
  // host hangs up (lets go of the enclave, or exits), the service kills the
  // enclave, so the host that owns an enclave can always stop it, and no one
  // else can.
  EnclaveService(std::shared_ptr<const PlatformIdentity> platform, UniqueFd socket, UniqueFd host_watch,
                 pid_t pid, const EnclaveIdentity& identity, const EnclaveConfig& config);
  EnclaveService(const EnclaveService&) = delete;
  EnclaveService& operator=(const EnclaveService&) = delete;

  // Ends the enclave if it still runs (unless abandoned), then waits for the
  // thread: when this returns, no thread of the service is left.
  ~EnclaveService();

  // True once the enclave has exited and been reaped.
  [[nodiscard]] bool finished() const { return finished_.load(); }

  // Stops serving without ending the enclave: it runs on without its
  // platform (as an enclave outlives a stopped platform daemon) and is
  // reaped by whoever inherits it.
  void abandon();

 private:
  void serve(pid_t pid, const EnclaveIdentity& identity, const EnclaveConfig& config);
  void answer_one(const EnclaveIdentity& identity, const EnclaveConfig& config, bool& serving);
  void kill_enclave() const;

  std::shared_ptr<const PlatformIdentity> platform_;
  UniqueFd socket_;
  UniqueFd host_watch_;
  UniqueFd pidfd_;  // signals reach this enclave only, even after its pid is reused
  std::atomic<bool> abandoned_{false};
  std::atomic<bool> finished_{false};
  std::thread thread_;
};

}  // namespace cloister::platform
