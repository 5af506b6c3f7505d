#include "kbs/data_dir.h"

#include <cstdlib>

#include "common/encoding.h"
#include "crypto/rng.h"
#include "platform/private_files.h"

namespace cloister::kbs {

namespace {

Status create_secret_file(const std::string& path, std::size_t size, bool text) {
  SecretBytes secret(size);
  CLOISTER_RETURN_IF_ERROR(crypto::random_fill({secret.data(), secret.size()}));
  if (!text) return platform::write_file(path, secret.view(), 0600, /*overwrite=*/false);
  std::string encoded = to_base64url(secret.view()) + "\n";
  Status written = platform::write_file(path, as_bytes(encoded), 0600, /*overwrite=*/false);
  secure_wipe(encoded.data(), encoded.size());
  return written;
}

}  // namespace

std::string default_data_dir() {
  if (const char* dir = std::getenv("CLOISTER_KBS_DIR"); dir != nullptr && *dir != '\0') return dir;
  const char* home = std::getenv("HOME");
  return std::string(home != nullptr ? home : "/tmp") + "/.cloister/kbs";
}

DataDirPaths data_dir_paths(const std::string& dir, const std::string& kek_file) {
  return {dir, dir + "/kbs.sqlite3", kek_file.empty() ? dir + "/kek.bin" : kek_file,
          dir + "/admin.credential"};
}

Status prepare_data_dir(const DataDirPaths& paths) {
  CLOISTER_RETURN_IF_ERROR(platform::ensure_private_dir(paths.dir));
  const bool new_store = !platform::path_exists(paths.database);
  if (!platform::path_exists(paths.kek)) {
    if (!new_store) {
      return {ErrorCode::not_found, "the key store " + paths.database +
                                        " exists but its key-encryption key " + paths.kek +
                                        " is missing; restore it or pass --kek-file"};
    }
    CLOISTER_RETURN_IF_ERROR(create_secret_file(paths.kek, kKekSize, /*text=*/false));
  }
  if (!platform::path_exists(paths.credential)) {
    CLOISTER_RETURN_IF_ERROR(create_secret_file(paths.credential, 32, /*text=*/true));
  }
  return Status::ok();
}

Result<SecretBytes> load_kek(const DataDirPaths& paths) {
  CLOISTER_RETURN_IF_ERROR(platform::check_private(paths.kek, false, "key-encryption key file"));
  CLOISTER_ASSIGN_OR_RETURN(SecretBytes kek, platform::read_secret_file(paths.kek, 4096));
  if (kek.size() != kKekSize) {
    return Status(ErrorCode::invalid_argument, "the key-encryption key file " + paths.kek + " holds " +
                                                   std::to_string(kek.size()) + " bytes, not " +
                                                   std::to_string(kKekSize));
  }
  return kek;
}

Result<std::string> load_admin_credential(const std::string& credential_file) {
  CLOISTER_RETURN_IF_ERROR(platform::check_private(credential_file, false, "administrator credential file"));
  CLOISTER_ASSIGN_OR_RETURN(SecretBytes bytes, platform::read_secret_file(credential_file, 4096));
  std::string text(bytes.view().begin(), bytes.view().end());
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' ')) text.pop_back();
  if (text.size() < 16) {
    secure_wipe(text.data(), text.size());
    return Status(ErrorCode::invalid_argument,
                  "the administrator credential in " + credential_file + " is too short");
  }
  return text;
}

}  // namespace cloister::kbs
