// OpenSSL initialises parts of itself on first use (configuration, providers,
// the DRBG, algorithm tables); do all of that before the syscall filter goes on.
#pragma once

#include "cloister/result.h"

namespace cloister::enclave {

Status warm_up_openssl();

}  // namespace cloister::enclave
