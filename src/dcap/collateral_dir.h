// A directory of collateral bundles, one per TEE and FMSPC, so a verifier
// can run with no network: <dir>/sgx/<fmspc>.json and <dir>/tdx/<fmspc>.json
// (fmspc in lower-case hex), each in the bundle form (to_bundle_json).
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <utility>

#include "cloister/bytes.h"
#include "cloister/result.h"
#include "dcap/collateral.h"
#include "dcap/tcb_facts.h"

namespace cloister::dcap {

// Collateral holds certificates, which are move-only; this copies one.
Collateral copy_collateral(const Collateral& collateral);

class CollateralDirectory {
 public:
  explicit CollateralDirectory(std::string path) : root_(std::move(path)) {}

  // The bundle for this TEE and FMSPC. not_found names the file it looked
  // for and how to add one. Parsed bundles are cached and re-read when the
  // file's modification time or size changes.
  Result<Collateral> find(TeeType tee, ByteView fmspc);
  // Stores `collateral` under the TEE and FMSPC its TCB info names, replacing
  // any bundle there atomically (temporary file, fsync, rename). Returns the
  // file's path. Directories are created with mode 0755.
  Result<std::string> add(const Collateral& collateral);

  // Where the bundle for this TEE and FMSPC lives.
  [[nodiscard]] std::string path_for(TeeType tee, ByteView fmspc) const;

 private:
  struct Cached {
    std::int64_t mtime_ns = 0;
    std::int64_t size = 0;
    Collateral collateral;
  };

  std::string root_;
  std::mutex mutex_;
  std::map<std::pair<TeeType, std::string>, Cached> cache_;
};

}  // namespace cloister::dcap
