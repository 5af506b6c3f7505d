#include "common/durable_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <filesystem>

#include "common/errno_text.h"

namespace cloister {
namespace {

Status io_error(const std::string& what, const std::string& path) {
  return Status(ErrorCode::io_error, what + " " + path + ": " + errno_text(errno));
}

// The rename is durable only once the directory entry is on disk.
Status sync_directory(const std::string& path) {
  std::string dir = std::filesystem::path(path).parent_path().string();
  if (dir.empty()) dir = ".";
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return io_error("cannot open directory", dir);
  const bool synced = ::fsync(fd) == 0;
  ::close(fd);
  if (!synced) return io_error("cannot sync directory", dir);
  return Status::ok();
}

}  // namespace

Status write_all(int fd, ByteView contents, const std::string& path) {
  std::size_t done = 0;
  while (done < contents.size()) {
    ssize_t n = ::write(fd, contents.data() + done, contents.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return io_error("cannot write", path);
    done += static_cast<std::size_t>(n);
  }
  return Status::ok();
}

Status atomic_write_file(const std::string& path, ByteView contents, unsigned mode) {
  // A name unique per process and write (O_EXCL checks it): two writers never
  // share, and clobber, one temporary file.
  static std::atomic<unsigned long> writes{0};
  const std::string tmp = path + ".tmp-" + std::to_string(::getpid()) + "-" + std::to_string(++writes);
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode);
  if (fd < 0) return io_error("cannot create", tmp);
  Status status = Status::ok();
  if (::fchmod(fd, mode) != 0) status = io_error("cannot chmod", tmp);
  if (status) status = write_all(fd, contents, tmp);
  if (status && ::fsync(fd) != 0) status = io_error("cannot sync", tmp);
  ::close(fd);
  if (status && ::rename(tmp.c_str(), path.c_str()) != 0) status = io_error("cannot rename onto", path);
  if (!status) {
    ::unlink(tmp.c_str());
    return status;
  }
  return sync_directory(path);
}

}  // namespace cloister
