#include "sql/key_file_store.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <memory>

#include "common/errno_text.h"
#include "common/unique_fd.h"

namespace cloister::sql {
namespace {

constexpr std::size_t kMaxNameSize = 128;
constexpr std::size_t kMaxKeyFileSize = 64 * 1024;

Status io_failure(const std::string& what, int error_number) {
  return error(error_number == ENOENT   ? ErrorCode::not_found
               : error_number == EACCES ? ErrorCode::permission_denied
                                        : ErrorCode::io_error,
               what + ": " + errno_text(error_number));
}

Status write_all(int fd, std::string_view text, const std::string& path) {
  while (!text.empty()) {
    const ssize_t written = ::write(fd, text.data(), text.size());
    if (written < 0) {
      if (errno == EINTR) continue;
      return io_failure("writing " + path, errno);
    }
    text.remove_prefix(static_cast<std::size_t>(written));
  }
  return Status::ok();
}

}  // namespace

Status KeyFileStore::check_name(std::string_view name) {
  const bool valid_chars = std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == '-';
  });
  if (name.empty() || name.size() > kMaxNameSize || name.front() == '.' || !valid_chars) {
    return error(ErrorCode::invalid_argument,
                 "key name '" + std::string(name) +
                     "' must be 1-128 letters, digits, '.', '_' or '-', not starting "
                     "with '.'");
  }
  return Status::ok();
}

Result<KeyFileStore> KeyFileStore::open(std::string directory, bool create) {
  if (directory.empty()) return error(ErrorCode::invalid_argument, "the key store directory is empty");
  if (create && ::mkdir(directory.c_str(), 0700) != 0 && errno != EEXIST) {
    return io_failure("creating key store " + directory, errno);
  }
  struct stat info {};
  if (::stat(directory.c_str(), &info) != 0) return io_failure("opening key store " + directory, errno);
  if (!S_ISDIR(info.st_mode)) return error(ErrorCode::invalid_argument, directory + " is not a directory");
  // Private keys live here: refuse a store others can read or write.
  if ((info.st_mode & 077) != 0) {
    return error(ErrorCode::permission_denied,
                 "key store " + directory + " is accessible by group or others; run: chmod 700 " + directory);
  }
  return KeyFileStore(std::move(directory));
}

std::string KeyFileStore::path_of(std::string_view name) const {
  return directory_ + "/" + std::string(name);
}

Result<crypto::PrivateKey> KeyFileStore::create_key(std::string_view name, unsigned rsa_bits) const {
  CLOISTER_RETURN_IF_ERROR(check_name(name));
  if (rsa_bits != 2048 && rsa_bits != 3072) {
    return error(ErrorCode::invalid_argument, "column master keys are RSA-2048 or RSA-3072");
  }
  CLOISTER_ASSIGN_OR_RETURN(crypto::PrivateKey key,
                            crypto::PrivateKey::generate(crypto::KeyType::rsa, rsa_bits));
  CLOISTER_ASSIGN_OR_RETURN(std::string pem, key.to_pem());
  const std::string path = path_of(name);
  UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
  if (!fd.valid()) {
    if (errno == EEXIST)
      return error(ErrorCode::conflict, "key '" + std::string(name) + "' already exists in " + directory_);
    return io_failure("creating " + path, errno);
  }
  Status written = write_all(fd.get(), pem, path);
  if (written.is_ok() && ::fsync(fd.get()) != 0) written = io_failure("syncing " + path, errno);
  if (!written.is_ok()) {
    ::unlink(path.c_str());  // never leave a half-written key behind
    return written;
  }
  return key;
}

Result<crypto::PrivateKey> KeyFileStore::load(std::string_view name) const {
  CLOISTER_RETURN_IF_ERROR(check_name(name));
  const std::string path = path_of(name);
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
  if (!fd.valid()) return io_failure("opening column master key " + path, errno);
  struct stat info {};
  if (::fstat(fd.get(), &info) != 0) return io_failure("reading " + path, errno);
  if (!S_ISREG(info.st_mode) || info.st_size <= 0 ||
      static_cast<std::size_t>(info.st_size) > kMaxKeyFileSize) {
    return error(ErrorCode::decode_error, path + " is not a key file (empty, not regular, or over 64 KiB)");
  }
  std::string pem(static_cast<std::size_t>(info.st_size), '\0');
  std::size_t done = 0;
  while (done < pem.size()) {
    const ssize_t got = ::read(fd.get(), pem.data() + done, pem.size() - done);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) return io_failure("reading " + path, got < 0 ? errno : EIO);
    done += static_cast<std::size_t>(got);
  }
  Result<crypto::PrivateKey> key = crypto::PrivateKey::from_pem(pem);
  secure_wipe(pem.data(), pem.size());
  if (!key.is_ok()) return key.status().with_context("loading column master key " + path);
  if (key->public_key().type().is_ok() && *key->public_key().type() != crypto::KeyType::rsa) {
    return error(ErrorCode::invalid_argument, path + " is not an RSA key; column master keys are RSA");
  }
  return key;
}

Result<std::vector<std::string>> KeyFileStore::list() const {
  std::unique_ptr<DIR, int (*)(DIR*)> dir(::opendir(directory_.c_str()), ::closedir);
  if (dir == nullptr) return io_failure("listing " + directory_, errno);
  std::vector<std::string> names;
  while (const dirent* entry = ::readdir(dir.get())) {
    const std::string name = entry->d_name;
    if (check_name(name).is_ok()) names.push_back(name);
  }
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace cloister::sql
