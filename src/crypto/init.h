// One-time OpenSSL set-up, for processes that later restrict their system calls.
#pragma once

#include "cloister/result.h"

namespace cloister::crypto {

// Loads OpenSSL's configuration, fetches every algorithm this module uses and
// seeds the DRBG, so that later calls do not open files. Call it before
// installing a seccomp filter; the filter must still allow getrandom, which
// the DRBG uses to reseed. Safe to call more than once and from any thread;
// not needed by processes without such a filter (OpenSSL initialises lazily).
Status initialize();

}  // namespace cloister::crypto
