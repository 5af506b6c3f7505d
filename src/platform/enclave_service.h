// Serves one enclave's requests to its platform until the enclave goes away.
#pragma once

#include <sys/types.h>

#include "common/unique_fd.h"
#include "image/identity.h"
#include "platform/platform_identity.h"

namespace cloister::platform {

// Blocks until the enclave closes its socket, then reaps it (the caller is its parent).
void serve_enclave(const PlatformIdentity& platform, UniqueFd socket, pid_t pid,
                   const EnclaveIdentity& identity, const EnclaveConfig& config);

}  // namespace cloister::platform
