// The calls the runtime answers for every enclave (cloister/runtime_calls.h).
#pragma once

#include <cstdint>

#include "cloister/bytes.h"
#include "cloister/result.h"

namespace cloister::enclave {

// Answers a call id at or above kReservedCallIdBase; unknown ones are unknown_call.
Result<Bytes> dispatch_runtime_call(std::uint32_t id, ByteView request);

}  // namespace cloister::enclave
