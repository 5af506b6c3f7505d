#include "platform/enclave_uids.h"

#include <dirent.h>
#include <grp.h>
#include <pwd.h>

#include <charconv>
#include <fstream>
#include <sstream>
#include <utility>

namespace cloister::platform {
namespace {

bool in_range(UidRange range, std::uint64_t id) {
  return id >= range.first && id <= range.last;
}

Result<uid_t> parse_id(std::string_view text) {
  std::uint64_t value = 0;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (text.empty() || ec != std::errc() || ptr != end || value >= 0xFFFFFFFFu) {
    return Status(ErrorCode::invalid_argument, "'" + std::string(text) + "' is not a uid");
  }
  return static_cast<uid_t>(value);
}

// The "Uid:" or "Gid:" line of /proc/PID/status: real, effective, saved, fs.
void add_ids(const std::string& line, std::set<std::uint32_t>& ids) {
  std::istringstream fields(line.substr(4));
  std::uint64_t id = 0;
  while (fields >> id) ids.insert(static_cast<std::uint32_t>(id));
}

}  // namespace

Result<UidRange> parse_uid_range(const std::string& text) {
  auto dash = text.find('-');
  if (dash == std::string::npos) {
    return Status(ErrorCode::invalid_argument,
                  "a uid range is FIRST-LAST (for example 1879048192-1879113727)");
  }
  auto first = parse_id(std::string_view(text).substr(0, dash));
  auto last = parse_id(std::string_view(text).substr(dash + 1));
  if (!first.is_ok()) return first.status();
  if (!last.is_ok()) return last.status();
  if (*first > *last) return Status(ErrorCode::invalid_argument, "the uid range " + text + " is empty");
  return UidRange{*first, *last};
}

std::set<std::uint32_t> ids_in_use_by_processes() {
  std::set<std::uint32_t> ids;
  DIR* proc = ::opendir("/proc");
  if (proc == nullptr) return ids;
  while (dirent* entry = ::readdir(proc)) {
    if (entry->d_name[0] < '0' || entry->d_name[0] > '9') continue;
    std::ifstream status(std::string("/proc/") + entry->d_name + "/status");
    std::string line;
    while (std::getline(status, line)) {
      if (line.rfind("Uid:", 0) == 0 || line.rfind("Gid:", 0) == 0) add_ids(line, ids);
    }
  }
  ::closedir(proc);
  return ids;
}

Result<std::shared_ptr<EnclaveUids>> EnclaveUids::create(UidRange range) {
  for (std::uint64_t special : {0ull, 65534ull, 65535ull, 0xFFFFFFFFull}) {
    if (in_range(range, special)) {
      return Status(ErrorCode::invalid_argument,
                    "the enclave uid range " + std::to_string(range.first) + "-" +
                        std::to_string(range.last) + " holds uid " + std::to_string(special) +
                        " (root, nobody or an invalid id): choose a range no account uses");
    }
  }
  // The range must be the platform's alone: no account or group may sit in it.
  std::string taken;
  ::setpwent();
  while (passwd* user = ::getpwent()) {
    if (in_range(range, user->pw_uid) || in_range(range, user->pw_gid))
      taken = std::string("user ") + user->pw_name;
  }
  ::endpwent();
  ::setgrent();
  while (group* entry = ::getgrent()) {
    if (in_range(range, entry->gr_gid)) taken = std::string("group ") + entry->gr_name;
  }
  ::endgrent();
  if (!taken.empty()) {
    return Status(ErrorCode::invalid_argument, "the enclave uid range " + std::to_string(range.first) + "-" +
                                                   std::to_string(range.last) + " is used by " + taken +
                                                   ": choose a range that no account or group uses");
  }
  return std::shared_ptr<EnclaveUids>(new EnclaveUids(range));
}

Result<UidLease> EnclaveUids::acquire() {
  std::set<std::uint32_t> busy = ids_in_use_by_processes();
  std::lock_guard lock(mutex_);
  const std::uint64_t size = std::uint64_t{range_.last} - range_.first + 1;
  for (std::uint64_t tried = 0; tried < size; ++tried) {
    uid_t candidate = next_;
    next_ = candidate == range_.last ? range_.first : candidate + 1;
    if (leased_.contains(candidate) || busy.contains(candidate)) continue;
    // An account added after start would share the uid with whoever logs in.
    if (::getpwuid(candidate) != nullptr || ::getgrgid(candidate) != nullptr) continue;
    leased_.insert(candidate);
    return UidLease(shared_from_this(), candidate);
  }
  return Status(ErrorCode::failed_precondition,
                "every uid of the enclave range " + std::to_string(range_.first) + "-" +
                    std::to_string(range_.last) + " is in use: stop some enclaves or widen --enclave-uids");
}

std::size_t EnclaveUids::in_use() const {
  std::lock_guard lock(mutex_);
  return leased_.size();
}

void EnclaveUids::release(uid_t uid) {
  std::lock_guard lock(mutex_);
  leased_.erase(uid);
}

UidLease::UidLease(UidLease&& other) noexcept
    : owner_(std::move(other.owner_)), uid_(std::exchange(other.uid_, 0)) {}

UidLease& UidLease::operator=(UidLease&& other) noexcept {
  if (this != &other) {
    release();
    owner_ = std::move(other.owner_);
    uid_ = std::exchange(other.uid_, 0);
  }
  return *this;
}

UidLease::~UidLease() {
  release();
}

void UidLease::release() {
  if (owner_) owner_->release(uid_);
  owner_.reset();
}

}  // namespace cloister::platform
