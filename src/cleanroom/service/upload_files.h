// Uploaded datasets on the service's disk, still encrypted: DIR/NAME.cds.
// An upload is written to NAME.cds.partial and renamed only when all of it
// arrived and was checked, so a service killed mid-upload leaves no file
// that could be taken for a whole one (the next start removes the partial
// file and reports it).
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "cloister/bytes.h"
#include "cloister/result.h"
#include "common/unique_fd.h"
#include "crypto/sha.h"

namespace cloister::cleanroom {

class UploadFiles {
 public:
  // One upload in progress; removed unless committed.
  class Writer {
   public:
    Writer(Writer&&) noexcept = default;
    Writer& operator=(Writer&&) noexcept = default;
    ~Writer();
    Status append(ByteView bytes);
    [[nodiscard]] std::uint64_t size() const { return size_; }
    // The SHA-256 (hex) of what was written; call once, before commit.
    std::string finish_hash();
    // The first bytes written (for the header check).
    [[nodiscard]] const Bytes& head() const { return head_; }
    // fsync, then rename over DIR/NAME.cds.
    Status commit();

   private:
    friend class UploadFiles;
    Writer(UniqueFd fd, std::string partial, std::string final_path)
        : fd_(std::move(fd)), partial_(std::move(partial)), final_(std::move(final_path)) {}
    UniqueFd fd_;
    std::string partial_, final_;
    std::unique_ptr<crypto::Hasher> hasher_ = std::make_unique<crypto::Hasher>(crypto::HashAlgorithm::sha256);
    std::uint64_t size_ = 0;
    Bytes head_;
    bool committed_ = false;
  };

  // Creates DIR (mode 0700) if missing.
  static Result<UploadFiles> open(const std::string& dir);

  Result<Writer> begin(const std::string& party);
  Status remove(const std::string& party);
  // Reads the party's file in parts of at most `part` bytes, in order.
  Status read_parts(const std::string& party, std::size_t part,
                    const std::function<Status(ByteView bytes, std::uint64_t offset, bool last)>& each) const;
  // Removes partial files a killed service left; returns whose they were.
  Result<std::vector<std::string>> remove_partials();

 private:
  explicit UploadFiles(std::string dir) : dir_(std::move(dir)) {}
  [[nodiscard]] std::string path(const std::string& party) const { return dir_ + "/" + party + ".cds"; }
  std::string dir_;
};

}  // namespace cloister::cleanroom
