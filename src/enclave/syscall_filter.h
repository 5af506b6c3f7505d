// The enclave's seccomp allow-list: only what the runtime needs to compute,
// allocate memory, run threads and talk over the descriptors it already has.
#pragma once

#include "cloister/result.h"

namespace cloister::enclave {

// Installs the filter for this thread and every thread created after it.
// Anything else is trapped: the SIGSYS handler records the system call in the
// channel's death note and the process exits.
Status install_syscall_filter();

}  // namespace cloister::enclave
