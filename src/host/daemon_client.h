// Asks the platform daemon (`cloister platform serve`) to launch an enclave.
#pragma once

#include <string>

#include "platform/launcher.h"

namespace cloister {

struct DaemonLaunch {
  platform::LaunchedEnclave enclave;  // no pidfd: the daemon is the enclave's parent
  bool development_platform = false;
  Bytes platform_ca_der;
};

Result<DaemonLaunch> launch_with_daemon(const std::string& socket_path, int image_fd,
                                        const platform::LaunchParams& params);

}  // namespace cloister
