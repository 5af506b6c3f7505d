// Files that hold platform secrets: created owner-only, refused when others
// can read them (a leaked root secret would let anyone unseal every enclave's
// data, and a leaked attestation key would let anyone forge evidence).
#pragma once

#include <string>

#include "cloister/bytes.h"
#include "cloister/result.h"

namespace cloister::platform {

// Creates `dir` (and parents) with mode 0700 if missing; refuses an existing
// directory that group or others can access.
Status ensure_private_dir(const std::string& dir);
// Refuses a path that does not exist, is not a directory/regular file, or is
// accessible by group or others. `kind` names it in errors ("data directory").
Status check_private(const std::string& path, bool directory, const std::string& kind);

// Writes atomically (temporary file + rename) with the given mode. With
// `overwrite` false an existing file is an error.
Status write_file(const std::string& path, ByteView contents, unsigned mode, bool overwrite);
Result<Bytes> read_file(const std::string& path, std::size_t max_size);
Result<SecretBytes> read_secret_file(const std::string& path, std::size_t max_size);

bool path_exists(const std::string& path);

}  // namespace cloister::platform
