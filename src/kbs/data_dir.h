// The broker's data directory: the SQLite store, the key-encryption key and
// the administrator credential, all owner-only (0700 directory, 0600 files).
// The KEK lives in a file of its own so that a copy of the database alone
// (a backup, a stolen disk image of the DB) reveals no key.
#pragma once

#include <string>

#include "cloister/bytes.h"
#include "cloister/result.h"

namespace cloister::kbs {

struct DataDirPaths {
  std::string dir;
  std::string database;    // <dir>/kbs.sqlite3
  std::string kek;         // <dir>/kek.bin unless --kek-file
  std::string credential;  // <dir>/admin.credential
};

// $CLOISTER_KBS_DIR, else ~/.cloister/kbs.
std::string default_data_dir();
DataDirPaths data_dir_paths(const std::string& dir, const std::string& kek_file = "");

inline constexpr std::size_t kKekSize = 32;

// Creates the directory (0700) if missing. The KEK and credential are made
// only when the store does not exist yet: a missing KEK beside an existing
// store is an error, never silently replaced (that would orphan every key).
Status prepare_data_dir(const DataDirPaths& paths);
Result<SecretBytes> load_kek(const DataDirPaths& paths);
Result<std::string> load_admin_credential(const std::string& credential_file);

}  // namespace cloister::kbs
