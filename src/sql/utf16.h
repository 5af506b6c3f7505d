// UTF-16LE, the encoding SQL Server (and .NET's Encoding.Unicode) uses for
// key paths, key derivation labels and the column master key metadata.
#pragma once

#include <string>
#include <string_view>

#include "cloister/bytes.h"
#include "cloister/result.h"

namespace cloister::sql {

// UTF-8 to UTF-16LE (surrogate pairs above U+FFFF); malformed UTF-8 is refused.
Result<Bytes> utf16le_from_utf8(std::string_view utf8);
// UTF-16LE to UTF-8; an odd length or an unpaired surrogate is refused.
Result<std::string> utf8_from_utf16le(ByteView utf16);

// ASCII letters lowered, everything else kept: .NET's ToLowerInvariant for
// the ASCII key paths and provider names SQL Server uses.
std::string ascii_lower(std::string_view text);

}  // namespace cloister::sql
