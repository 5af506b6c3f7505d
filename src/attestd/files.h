// Durable state files for attestd: whole-file writes are atomic
// (common/durable_file.h), so a crash or a concurrent writer never leaves a
// half-written registry or policy; the change log is appended line by line.
#pragma once

#include <string>
#include <string_view>

#include "cloister/bytes.h"
#include "cloister/result.h"
#include "common/durable_file.h"

namespace cloister::attestd {

// Appends one line (a trailing newline is added) and syncs it: the change log.
Status append_line(const std::string& path, std::string_view line, unsigned mode);

// An exclusive advisory lock (flock) on `path`, held for the object's
// lifetime: serialises read-modify-write cycles between processes (the
// service and `cloister attestd platform add` editing the same registry).
class FileLock {
 public:
  static Result<FileLock> acquire(const std::string& path);
  FileLock(FileLock&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
  FileLock& operator=(FileLock&&) = delete;
  FileLock(const FileLock&) = delete;
  FileLock& operator=(const FileLock&) = delete;
  ~FileLock();

 private:
  explicit FileLock(int fd) : fd_(fd) {}
  int fd_ = -1;
};

// A cheap fingerprint (inode, size, mtime) to notice that another process
// replaced a file; empty when the file does not exist.
std::string file_fingerprint(const std::string& path);

}  // namespace cloister::attestd
