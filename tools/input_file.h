// Reading a file the user named on the command line.
#pragma once

#include <cstddef>
#include <string>

#include "cloister/bytes.h"
#include "cloister/result.h"

namespace cloister::cli {

inline constexpr std::size_t kMaxInputFileBytes = 1 << 20;

// The whole file; `-` reads standard input. More than `max_bytes` is refused,
// so a wrong path (a disk image, /dev/zero) fails instead of filling memory.
Result<Bytes> read_input_file(const std::string& path, std::size_t max_bytes = kMaxInputFileBytes);
Result<std::string> read_input_text(const std::string& path, std::size_t max_bytes = kMaxInputFileBytes);

// A console's --password-file: its first line, the read buffer wiped;
// invalid_argument when that line is empty.
Result<SecretBytes> read_password_file(const std::string& path);

}  // namespace cloister::cli
