// The platform daemon: launches and measures enclaves for local hosts over a
// unix socket, signs their reports and derives their sealing keys.
#pragma once

#include <atomic>
#include <string>

#include "platform/enclave_uids.h"
#include "platform/launcher.h"
#include "platform/pending_connections.h"

namespace cloister::platform {

struct DaemonOptions {
  std::string socket_path;
  LaunchParams enclave_defaults;
  // Where each enclave's own uid comes from (the daemon must be root); without
  // it, enclaves run as the daemon's uid.
  std::shared_ptr<EnclaveUids> enclave_uids;
  ConnectionLimits connection_limits;  // for clients that connect and say nothing
  std::atomic<bool>* stop = nullptr;   // set to end serve()
};

// Serves until *options.stop becomes true; one log line per request.
Status serve_daemon(EnclaveLauncher& launcher, const DaemonOptions& options);

}  // namespace cloister::platform
