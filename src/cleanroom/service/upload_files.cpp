#include "cleanroom/service/upload_files.h"

#include <fcntl.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstdio>
#include <filesystem>

#include "common/durable_file.h"
#include "common/encoding.h"
#include "common/errno_text.h"

namespace cloister::cleanroom {

namespace {

// The header of a dataset fits well within this; enough to check whose and
// which contract's an upload claims to be.
constexpr std::size_t kHeadBytes = 64 * 1024;
constexpr std::string_view kPartialSuffix = ".cds.partial";

Status io_error(const std::string& what, const std::string& path) {
  return Status(ErrorCode::io_error, what + " " + path + ": " + errno_text(errno));
}

Status sync_directory(const std::string& dir) {
  UniqueFd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd.valid() || ::fsync(fd.get()) != 0) return io_error("cannot sync", dir);
  return Status::ok();
}

}  // namespace

UploadFiles::Writer::~Writer() {
  if (fd_.valid() && !committed_) ::unlink(partial_.c_str());
}

Status UploadFiles::Writer::append(ByteView bytes) {
  CLOISTER_RETURN_IF_ERROR(write_all(fd_.get(), bytes, partial_));
  hasher_->update(bytes);
  if (head_.size() < kHeadBytes) {
    const std::size_t take = std::min(bytes.size(), kHeadBytes - head_.size());
    head_.insert(head_.end(), bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(take));
  }
  size_ += bytes.size();
  return Status::ok();
}

std::string UploadFiles::Writer::finish_hash() {
  return to_hex(hasher_->finish());
}

Status UploadFiles::Writer::commit() {
  if (::fsync(fd_.get()) != 0) return io_error("cannot sync", partial_);
  if (::rename(partial_.c_str(), final_.c_str()) != 0) return io_error("cannot rename", partial_);
  committed_ = true;
  return sync_directory(std::filesystem::path(final_).parent_path().string());
}

Result<UploadFiles> UploadFiles::open(const std::string& dir) {
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) return io_error("cannot create", dir);
  return UploadFiles(dir);
}

Result<UploadFiles::Writer> UploadFiles::begin(const std::string& party) {
  const std::string partial = dir_ + "/" + party + std::string(kPartialSuffix);
  UniqueFd fd(::open(partial.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
  if (!fd.valid()) return io_error("cannot create", partial);
  return Writer(std::move(fd), partial, path(party));
}

Status UploadFiles::remove(const std::string& party) {
  if (::unlink(path(party).c_str()) != 0 && errno != ENOENT) return io_error("cannot remove", path(party));
  return sync_directory(dir_);
}

Status UploadFiles::read_parts(const std::string& party, std::size_t part,
                               const std::function<Status(ByteView, std::uint64_t, bool)>& each) const {
  const std::string file = path(party);
  UniqueFd fd(::open(file.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) return io_error("cannot open", file);
  struct stat info {};
  if (::fstat(fd.get(), &info) != 0) return io_error("cannot stat", file);
  const auto total = static_cast<std::uint64_t>(info.st_size);
  Bytes buffer(part);
  std::uint64_t offset = 0;
  do {
    const std::size_t want = static_cast<std::size_t>(std::min<std::uint64_t>(part, total - offset));
    std::size_t got = 0;
    while (got < want) {
      const ssize_t n = ::read(fd.get(), buffer.data() + got, want - got);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return io_error("cannot read", file);
      got += static_cast<std::size_t>(n);
    }
    CLOISTER_RETURN_IF_ERROR(each(ByteView(buffer.data(), want), offset, offset + want == total));
    offset += want;
  } while (offset < total);
  return Status::ok();
}

Result<std::vector<std::string>> UploadFiles::remove_partials() {
  std::vector<std::string> parties;
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator(dir_, error)) {
    const std::string name = entry.path().filename().string();
    if (name.size() <= kPartialSuffix.size() || !name.ends_with(kPartialSuffix)) continue;
    if (::unlink(entry.path().c_str()) != 0) return io_error("cannot remove", entry.path().string());
    parties.push_back(name.substr(0, name.size() - kPartialSuffix.size()));
  }
  if (error) return Status(ErrorCode::io_error, "cannot list " + dir_ + ": " + error.message());
  return parties;
}

}  // namespace cloister::cleanroom
