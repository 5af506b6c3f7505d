// Warm-up that a library linked into an enclave needs before the syscall
// filter goes on (TLS initialises lazily, like the rest of OpenSSL). The
// process runtime runs every registered function after warm_up_openssl();
// a failure stops the enclave at start-up rather than at the first call.
#pragma once

#include "cloister/result.h"

namespace cloister::enclave {

using WarmUpFunction = Status (*)();

// Registers at static initialisation; keep the function itself for main().
struct WarmUpRegistrar {
  explicit WarmUpRegistrar(WarmUpFunction function);
};

Status run_registered_warm_ups();

}  // namespace cloister::enclave
