#pragma once

#include "cloister/result.h"

namespace cloister::ratls {

// One complete TLS 1.3 handshake and a record each way between an in-memory
// client and server, so that everything libssl initialises on first use
// (algorithm fetches, key exchange groups, record ciphers) is done while the
// enclave may still make the system calls that needs.
Status warm_up_tls();

}  // namespace cloister::ratls
