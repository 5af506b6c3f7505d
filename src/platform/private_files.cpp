#include "platform/private_files.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "common/errno_text.h"

namespace cloister::platform {
namespace {

Status io_error(const std::string& what, const std::string& path) {
  return Status(ErrorCode::io_error, what + " " + path + ": " + errno_text(errno));
}

std::string octal(unsigned mode) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%04o", mode & 07777);
  return buf;
}

// Reads through a descriptor so a secret never passes through stream buffers
// we cannot wipe.
Status read_into(const std::string& path, std::size_t max_size, Bytes& out) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) {
    if (errno == ENOENT) return Status(ErrorCode::not_found, "missing file " + path);
    return io_error("cannot open", path);
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || static_cast<std::size_t>(st.st_size) > max_size) {
    ::close(fd);
    return Status(ErrorCode::io_error,
                  path + " is not a regular file of at most " + std::to_string(max_size) + " bytes");
  }
  out.resize(static_cast<std::size_t>(st.st_size));
  std::size_t done = 0;
  while (done < out.size()) {
    ssize_t n = ::read(fd, out.data() + done, out.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      ::close(fd);
      return io_error("cannot read", path);
    }
    done += static_cast<std::size_t>(n);
  }
  ::close(fd);
  return Status::ok();
}

}  // namespace

bool path_exists(const std::string& path) {
  struct stat st {};
  return ::lstat(path.c_str(), &st) == 0;
}

Status check_private(const std::string& path, bool directory, const std::string& kind) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) return Status(ErrorCode::not_found, kind + " " + path + " does not exist");
    return io_error("cannot inspect " + kind, path);
  }
  if (directory ? !S_ISDIR(st.st_mode) : !S_ISREG(st.st_mode)) {
    return Status(ErrorCode::permission_denied,
                  kind + " " + path + " is not a " + (directory ? "directory" : "regular file"));
  }
  if ((st.st_mode & 077) != 0) {
    return Status(ErrorCode::permission_denied,
                  kind + " " + path + " is accessible by group or others (mode " + octal(st.st_mode) +
                      "); run: chmod " + (directory ? "700 " : "600 ") + path);
  }
  return Status::ok();
}

Status ensure_private_dir(const std::string& dir) {
  if (!path_exists(dir)) {
    std::error_code ec;
    std::filesystem::path parent = std::filesystem::path(dir).parent_path();
    if (!parent.empty()) std::filesystem::create_directories(parent, ec);
    if (ec) return Status(ErrorCode::io_error, "cannot create " + parent.string() + ": " + ec.message());
    if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) return io_error("cannot create", dir);
    // The umask may have narrowed 0700 further; make it exactly 0700.
    if (::chmod(dir.c_str(), 0700) != 0) return io_error("cannot chmod", dir);
  }
  return check_private(dir, /*directory=*/true, "data directory");
}

Status write_file(const std::string& path, ByteView contents, unsigned mode, bool overwrite) {
  if (!overwrite && path_exists(path)) {
    return Status(ErrorCode::permission_denied,
                  path + " already exists; refusing to overwrite it (use force)");
  }
  const std::string tmp = path + ".tmp";
  ::unlink(tmp.c_str());
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode);
  if (fd < 0) return io_error("cannot create", tmp);
  Status status = Status::ok();
  if (::fchmod(fd, mode) != 0) status = io_error("cannot chmod", tmp);
  std::size_t done = 0;
  while (status && done < contents.size()) {
    ssize_t n = ::write(fd, contents.data() + done, contents.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0)
      status = io_error("cannot write", tmp);
    else
      done += static_cast<std::size_t>(n);
  }
  if (status && ::fsync(fd) != 0) status = io_error("cannot sync", tmp);
  ::close(fd);
  if (status && ::rename(tmp.c_str(), path.c_str()) != 0) status = io_error("cannot rename onto", path);
  if (!status) ::unlink(tmp.c_str());
  return status;
}

Result<Bytes> read_file(const std::string& path, std::size_t max_size) {
  Bytes out;
  CLOISTER_RETURN_IF_ERROR(read_into(path, max_size, out));
  return out;
}

Result<SecretBytes> read_secret_file(const std::string& path, std::size_t max_size) {
  Bytes raw;
  Status status = read_into(path, max_size, raw);
  SecretBytes out(std::move(raw));  // wipes even on failure
  if (!status) return status;
  return out;
}

}  // namespace cloister::platform
