#include "dcap/collateral_dir.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "common/encoding.h"
#include "common/errno_text.h"
#include "common/unique_fd.h"
#include "crypto/rng.h"
#include "dcap/tcb_info.h"

namespace cloister::dcap {

namespace {

constexpr std::size_t kMaxBundleSize = 16U << 20;

const char* tee_folder(TeeType tee) {
  return tee == TeeType::tdx ? "tdx" : "sgx";
}

std::vector<crypto::Certificate> copy_chain(const std::vector<crypto::Certificate>& chain) {
  std::vector<crypto::Certificate> out;
  out.reserve(chain.size());
  for (const auto& cert : chain) out.push_back(cert.clone());
  return out;
}

// mkdir -p, each missing directory 0755 (before the umask).
Status make_directories(const std::string& path) {
  for (std::size_t slash = path.find('/', 1);; slash = path.find('/', slash + 1)) {
    const std::string prefix = path.substr(0, slash);
    if (!prefix.empty() && ::mkdir(prefix.c_str(), 0755) != 0 && errno != EEXIST)
      return error(ErrorCode::io_error, "creating " + prefix + ": " + errno_text(errno));
    if (slash == std::string::npos) return Status::ok();
  }
}

Status write_all(int fd, std::string_view data, const std::string& path) {
  while (!data.empty()) {
    ssize_t written = ::write(fd, data.data(), data.size());
    if (written < 0 && errno == EINTR) continue;
    if (written <= 0) return error(ErrorCode::io_error, "writing " + path + ": " + errno_text(errno));
    data.remove_prefix(static_cast<std::size_t>(written));
  }
  return Status::ok();
}

// The whole file lands or none of it: a reader never sees half a bundle.
Status atomic_write(const std::string& folder, const std::string& path, std::string_view contents) {
  Bytes nonce(8);
  CLOISTER_RETURN_IF_ERROR(crypto::random_fill(nonce));
  const std::string temp = path + ".tmp-" + to_hex(nonce);
  UniqueFd fd(::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644));
  if (!fd.valid()) return error(ErrorCode::io_error, "creating " + temp + ": " + errno_text(errno));
  Status status = write_all(fd.get(), contents, temp);
  if (status.is_ok() && ::fsync(fd.get()) != 0)
    status = error(ErrorCode::io_error, "syncing " + temp + ": " + errno_text(errno));
  fd.reset();
  if (status.is_ok() && ::rename(temp.c_str(), path.c_str()) != 0)
    status = error(ErrorCode::io_error, "renaming " + temp + " to " + path + ": " + errno_text(errno));
  if (!status.is_ok()) {
    ::unlink(temp.c_str());
    return status;
  }
  // The rename itself is durable once the directory is synced.
  UniqueFd dir(::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (dir.valid()) ::fsync(dir.get());
  return Status::ok();
}

Result<std::string> read_bundle(const std::string& path, std::int64_t size) {
  if (size < 0 || static_cast<std::size_t>(size) > kMaxBundleSize)
    return error(ErrorCode::out_of_range, path + " is larger than 16 MiB");
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) return error(ErrorCode::io_error, "opening " + path + ": " + errno_text(errno));
  std::string text;
  char buffer[8192];
  while (true) {
    ssize_t got = ::read(fd.get(), buffer, sizeof buffer);
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) return error(ErrorCode::io_error, "reading " + path + ": " + errno_text(errno));
    if (got == 0) break;
    text.append(buffer, static_cast<std::size_t>(got));
    if (text.size() > kMaxBundleSize) return error(ErrorCode::out_of_range, path + " is larger than 16 MiB");
  }
  return text;
}

}  // namespace

Collateral copy_collateral(const Collateral& c) {
  Collateral out;
  out.tcb_info_json = c.tcb_info_json;
  out.tcb_info_signature = c.tcb_info_signature;
  out.tcb_info_issuer_chain = copy_chain(c.tcb_info_issuer_chain);
  out.qe_identity_json = c.qe_identity_json;
  out.qe_identity_signature = c.qe_identity_signature;
  out.qe_identity_issuer_chain = copy_chain(c.qe_identity_issuer_chain);
  out.pck_crl = c.pck_crl;
  out.root_ca_crl = c.root_ca_crl;
  out.pck_crl_issuer_chain = copy_chain(c.pck_crl_issuer_chain);
  return out;
}

std::string CollateralDirectory::path_for(TeeType tee, ByteView fmspc) const {
  return root_ + "/" + tee_folder(tee) + "/" + to_hex(fmspc) + ".json";
}

Result<Collateral> CollateralDirectory::find(TeeType tee, ByteView fmspc) {
  const std::string path = path_for(tee, fmspc);
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0) {
    if (errno != ENOENT) return error(ErrorCode::io_error, "checking " + path + ": " + errno_text(errno));
    return error(
        ErrorCode::not_found,
        std::string("no ") + (tee == TeeType::tdx ? "TDX" : "SGX") + " collateral for FMSPC " +
            to_hex(fmspc) + ": " + path +
            " does not exist; add Intel's collateral for that FMSPC (a bundle, or the PCS files) with "
            "`cloister attestd collateral add` (docs/hardware-evidence.md)");
  }
  const std::int64_t mtime_ns =
      static_cast<std::int64_t>(info.st_mtim.tv_sec) * 1'000'000'000 + info.st_mtim.tv_nsec;
  const std::int64_t size = static_cast<std::int64_t>(info.st_size);
  const auto key = std::make_pair(tee, to_hex(fmspc));
  {
    std::lock_guard lock(mutex_);
    auto cached = cache_.find(key);
    if (cached != cache_.end() && cached->second.mtime_ns == mtime_ns && cached->second.size == size)
      return copy_collateral(cached->second.collateral);
  }
  CLOISTER_ASSIGN_OR_RETURN(std::string text, read_bundle(path, size));
  auto parsed = parse_collateral_bundle(text);
  if (!parsed) return parsed.status().with_context(path);
  std::lock_guard lock(mutex_);
  Cached& entry = cache_[key];
  entry.mtime_ns = mtime_ns;
  entry.size = size;
  entry.collateral = copy_collateral(*parsed);
  return parsed;
}

Result<std::string> CollateralDirectory::add(const Collateral& collateral) {
  auto info = parse_tcb_info(collateral.tcb_info_json);
  if (!info) return info.status().with_context("collateral to add");
  // The bundle must read back: a file find() would refuse is not stored.
  const std::string text = to_bundle_json(collateral);
  if (auto check = parse_collateral_bundle(text); !check)
    return check.status().with_context("collateral to add");
  const TeeType tee = info->id == "TDX" ? TeeType::tdx : TeeType::sgx;
  const std::string folder = root_ + "/" + tee_folder(tee);
  CLOISTER_RETURN_IF_ERROR(make_directories(folder));
  const std::string path = path_for(tee, info->fmspc);
  CLOISTER_RETURN_IF_ERROR(atomic_write(folder, path, text));
  return path;
}

}  // namespace cloister::dcap
