#include "attestd/files.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>

#include "common/encoding.h"
#include "common/errno_text.h"
#include "crypto/rng.h"

namespace cloister::attestd {
namespace {

Status io_error(const std::string& what, const std::string& path) {
  return Status(ErrorCode::io_error, what + " " + path + ": " + errno_text(errno));
}

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

Status atomic_write_file(const std::string& path, ByteView contents, unsigned mode) {
  // A unique name per writer: two writers never share (and clobber) one temporary file.
  auto suffix = crypto::random_bytes(8);
  if (!suffix) return suffix.status();
  const std::string tmp = path + ".tmp-" + to_hex(*suffix);
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
