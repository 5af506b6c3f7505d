// Hex and base64 (standard and URL-safe) text encodings of bytes.
#pragma once

#include <string>
#include <string_view>

#include "cloister/bytes.h"
#include "cloister/result.h"

namespace cloister {

std::string to_hex(ByteView bytes);
Result<Bytes> from_hex(std::string_view hex);  // accepts upper or lower case, no separators

std::string to_base64(ByteView bytes);
Result<Bytes> from_base64(std::string_view text);            // requires correct padding
Status from_base64_into(std::string_view text, Bytes& out);  // the same, reusing out's capacity
std::string to_base64url(ByteView bytes);                    // no padding
Result<Bytes> from_base64url(std::string_view text);         // padding optional

}  // namespace cloister
