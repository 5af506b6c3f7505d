// Comparison of MACs, tags and secrets in time independent of their contents.
#pragma once

#include "cloister/bytes.h"

namespace cloister::crypto {

// False when the sizes differ (sizes are public); otherwise compares every byte.
bool constant_time_equal(ByteView a, ByteView b);

}  // namespace cloister::crypto
