#include "attestd/files.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>

#include "common/durable_file.h"
#include "common/errno_text.h"

namespace cloister::attestd {
namespace {

Status io_error(const std::string& what, const std::string& path) {
  return Status(ErrorCode::io_error, what + " " + path + ": " + errno_text(errno));
}

}  // namespace

Status append_line(const std::string& path, std::string_view line, unsigned mode) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, mode);
  if (fd < 0) return io_error("cannot open", path);
  std::string text(line);
  text += '\n';
  // One write() with O_APPEND: concurrent appenders never interleave within a line.
  Status status = write_all(fd, as_bytes(text), path);
  if (status && ::fsync(fd) != 0) status = io_error("cannot sync", path);
  ::close(fd);
  return status;
}

Result<FileLock> FileLock::acquire(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) return io_error("cannot open lock file", path);
  while (::flock(fd, LOCK_EX) != 0) {
    if (errno == EINTR) continue;
    Status status = io_error("cannot lock", path);
    ::close(fd);
    return status;
  }
  return FileLock(fd);
}

FileLock::~FileLock() {
  if (fd_ >= 0) ::close(fd_);  // closing releases the flock
}

std::string file_fingerprint(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return {};
  return std::to_string(st.st_ino) + ":" + std::to_string(st.st_size) + ":" +
         std::to_string(st.st_mtim.tv_sec) + "." + std::to_string(st.st_mtim.tv_nsec);
}

}  // namespace cloister::attestd
