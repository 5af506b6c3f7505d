// Files that land whole or not at all: a unique temporary file, fsync,
// rename, fsync of the directory. A crash or a concurrent writer never
// leaves a half-written state file, key or certificate.
#pragma once

#include <string>

#include "cloister/bytes.h"
#include "cloister/result.h"

namespace cloister {

// Replaces `path` atomically with `contents`, created with `mode`.
Status atomic_write_file(const std::string& path, ByteView contents, unsigned mode);

// write(2) until all of `contents` is written (retrying EINTR); `path` names
// the file in the error.
Status write_all(int fd, ByteView contents, const std::string& path);

}  // namespace cloister
