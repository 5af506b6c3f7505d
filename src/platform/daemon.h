// The platform daemon: launches and measures enclaves for local hosts over a
// unix socket, signs their reports and derives their sealing keys.
#pragma once

#include <atomic>
#include <string>

#include "platform/launcher.h"

namespace cloister::platform {

struct DaemonOptions {
  std::string socket_path;
  LaunchParams enclave_defaults;      // the uid/gid enclaves run as
  std::atomic<bool>* stop = nullptr;  // set to end serve()
};

// Serves until *options.stop becomes true; one log line per request.
Status serve_daemon(EnclaveLauncher& launcher, const DaemonOptions& options);

}  // namespace cloister::platform
