// Checks that a byte string is an ELF the enclave loader can run: a 64-bit,
// little-endian, native-machine executable that is statically linked.
#pragma once

#include "cloister/bytes.h"
#include "cloister/result.h"

namespace cloister::image {

// Accepts ET_EXEC, and ET_DYN only as a static PIE (no PT_INTERP). A dynamic
// loader would pull unmeasured code into the enclave, so PT_INTERP is refused.
Status check_static_elf(ByteView elf);

}  // namespace cloister::image
