#include "platform/launcher.h"

#include <fcntl.h>
#include <grp.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <mutex>
#include <new>

#include "common/errno_text.h"
#include "enclave/channel_layout.h"
#include "image/signed_image.h"
#include "platform/enclave_service.h"

namespace cloister::platform {
namespace {

constexpr std::size_t kMaxImageSize = std::size_t{512} << 20;
constexpr std::size_t kMaxChannelSize = std::size_t{4} << 30;

Status errno_status(const std::string& what) {
  return Status(ErrorCode::io_error, what + ": " + errno_text(errno));
}

// A read-only view of a sealed memfd, unmapped on destruction.
class Mapping {
 public:
  Mapping(void* data, std::size_t size) : data_(data), size_(size) {}
  ~Mapping() {
    if (data_ != MAP_FAILED) ::munmap(data_, size_);
  }
  Mapping(const Mapping&) = delete;
  Mapping& operator=(const Mapping&) = delete;
  [[nodiscard]] bool ok() const { return data_ != MAP_FAILED; }
  [[nodiscard]] ByteView view() const { return {static_cast<const std::uint8_t*>(data_), size_}; }
  [[nodiscard]] void* data() const { return data_; }

 private:
  void* data_;
  std::size_t size_;
};

// Copies the image into a memfd and seals it, so the bytes measured below are
// the bytes the kernel executes, whatever happens to the file afterwards.
Result<UniqueFd> sealed_copy(int image_fd, std::size_t& size) {
  struct stat st {};
  if (::fstat(image_fd, &st) != 0) return errno_status("cannot stat enclave image");
  if (!S_ISREG(st.st_mode)) return Status(ErrorCode::invalid_argument, "enclave image is not a regular file");
  if (st.st_size <= 0 || static_cast<std::size_t>(st.st_size) > kMaxImageSize) {
    return Status(ErrorCode::out_of_range,
                  "enclave image size " + std::to_string(st.st_size) + " is out of range");
  }
  UniqueFd memfd(::memfd_create("cloister-enclave", MFD_CLOEXEC | MFD_ALLOW_SEALING));
  if (!memfd.valid()) return errno_status("memfd_create");
  std::vector<std::uint8_t> buffer(1 << 20);
  off_t offset = 0;
  size = 0;
  for (;;) {
    ssize_t got = ::pread(image_fd, buffer.data(), buffer.size(), offset);
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) return errno_status("cannot read enclave image");
    if (got == 0) break;
    if (size + static_cast<std::size_t>(got) > kMaxImageSize)
      return Status(ErrorCode::out_of_range, "enclave image too large");
    for (ssize_t written = 0; written < got;) {
      ssize_t w = ::write(memfd.get(), buffer.data() + written, static_cast<std::size_t>(got - written));
      if (w < 0 && errno == EINTR) continue;
      if (w < 0) return errno_status("cannot copy enclave image");
      written += w;
    }
    offset += got;
    size += static_cast<std::size_t>(got);
  }
  // Execute-only: the kernel leaves a process non-dumpable from its first
  // instruction when it executes a file it may not read (would_dump() in
  // fs/exec.c), so no one but root can open its /proc/PID/mem, ptrace it or
  // read it with process_vm_readv at any moment, not even in the instants
  // before the runtime's own prctl(PR_SET_DUMPABLE, 0).
  if (::fchmod(memfd.get(), 0111) != 0) return errno_status("cannot make the enclave image execute-only");
  if (::fcntl(memfd.get(), F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL) != 0) {
    return errno_status("cannot seal the enclave image memfd");
  }
  return memfd;
}

// With fs.suid_dumpable=1 the kernel leaves every process dumpable, even one
// that changed uid or executed an unreadable file: enclaves would be readable
// by their uid. Refused rather than run unprotected.
Status check_dumpable_policy() {
  UniqueFd policy(::open("/proc/sys/fs/suid_dumpable", O_RDONLY | O_CLOEXEC));
  char value = 0;
  if (!policy.valid() || ::read(policy.get(), &value, 1) != 1)
    return Status::ok();  // no procfs: nothing to say
  if (value == '1') {
    return Status(
        ErrorCode::failed_precondition,
        "fs.suid_dumpable is 1, which would leave enclaves dumpable (their memory readable by their "
        "uid): set it to 0 or 2 with `sysctl fs.suid_dumpable=0`");
  }
  return Status::ok();
}

Result<UniqueFd> create_channel(const EnclaveConfig& config, const LaunchParams& params) {
  UniqueFd memfd(::memfd_create("cloister-channel", MFD_CLOEXEC));
  if (!memfd.valid()) return errno_status("memfd_create");
  std::size_t size = channel::region_size(config.max_threads, params.slot_capacity);
  if (size > kMaxChannelSize) {
    return Status(ErrorCode::out_of_range, "a channel of " + std::to_string(config.max_threads) +
                                               " slots of " + std::to_string(params.slot_capacity) +
                                               " bytes exceeds 4 GiB: lower max_message_size");
  }
  if (::ftruncate(memfd.get(), static_cast<off_t>(size)) != 0) return errno_status("cannot size the channel");
  Mapping map(::mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED, memfd.get(), 0), size);
  if (!map.ok()) return errno_status("cannot map the channel");
  auto* header = new (map.data()) channel::Header{};
  header->magic = channel::kMagic;
  header->version = channel::kVersion;
  header->slot_count = config.max_threads;
  header->slot_capacity = params.slot_capacity;
  header->spin_iterations = params.spin_iterations;
  for (std::uint32_t i = 0; i < config.max_threads; ++i) {
    new (channel::slot_at(map.data(), params.slot_capacity, i)) channel::SlotHeader{};
  }
  return memfd;
}

// Runs in the forked child: only async-signal-safe calls until exec.
[[noreturn]] void exec_enclave(int image, int lifeline, int channel_fd, int platform_socket,
                               const LaunchParams& params) {
  // Move every descriptor above the target range first, so dup2 never clobbers one we still need.
  int moved[4] = {::fcntl(image, F_DUPFD_CLOEXEC, 100), ::fcntl(lifeline, F_DUPFD_CLOEXEC, 100),
                  ::fcntl(channel_fd, F_DUPFD_CLOEXEC, 100), ::fcntl(platform_socket, F_DUPFD_CLOEXEC, 100)};
  for (int fd : moved) {
    if (fd < 0) ::_exit(126);
  }
  if (::dup2(moved[1], channel::kLifelineFd) < 0 || ::dup2(moved[2], channel::kChannelFd) < 0 ||
      ::dup2(moved[3], channel::kPlatformFd) < 0) {
    ::_exit(126);
  }
  ::close(0);
  ::close(1);
  ::close(2);
  // Everything else goes, except the image to execute (close-on-exec: it
  // vanishes at exec).
  auto image_fd = static_cast<unsigned>(moved[0]);
  ::syscall(SYS_close_range, 6u, image_fd - 1, 0u);
  ::syscall(SYS_close_range, image_fd + 1, ~0u, 0u);
  if (params.enclave_gid && ::setresgid(*params.enclave_gid, *params.enclave_gid, *params.enclave_gid) != 0)
    ::_exit(125);
  if (params.enclave_uid) {
    if (::setgroups(0, nullptr) != 0 && errno != EPERM) ::_exit(125);
    if (::setresuid(*params.enclave_uid, *params.enclave_uid, *params.enclave_uid) != 0) ::_exit(125);
  }
  char name[] = "cloister-enclave";
  char* argv[] = {name, nullptr};
  char* envp[] = {nullptr};
  ::syscall(SYS_execveat, moved[0], "", argv, envp, AT_EMPTY_PATH);
  ::_exit(127);
}

}  // namespace

EnclaveLauncher::EnclaveLauncher(std::shared_ptr<const PlatformIdentity> identity)
    : identity_(std::move(identity)) {}

Result<LaunchedEnclave> EnclaveLauncher::launch(int image_fd, const LaunchParams& params) {
  CLOISTER_RETURN_IF_ERROR(check_dumpable_policy());
  std::size_t size = 0;
  CLOISTER_ASSIGN_OR_RETURN(UniqueFd image_memfd, sealed_copy(image_fd, size));
  Mapping map(::mmap(nullptr, size, PROT_READ, MAP_SHARED, image_memfd.get(), 0), size);
  if (!map.ok()) return errno_status("cannot map the enclave image");
  CLOISTER_ASSIGN_OR_RETURN(image::SignedImage signed_image, image::parse_signed_image(map.view()));

  if (params.slot_capacity < 4096 || params.slot_capacity > (256u << 20)) {
    return Status(ErrorCode::out_of_range, "channel message size must be between 4 KiB and 256 MiB");
  }
  CLOISTER_ASSIGN_OR_RETURN(UniqueFd channel_fd, create_channel(signed_image.config, params));

  int lifeline[2];
  int platform[2];
  if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, lifeline) != 0)
    return errno_status("socketpair");
  UniqueFd host_lifeline(lifeline[0]);
  UniqueFd enclave_lifeline(lifeline[1]);
  if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, platform) != 0)
    return errno_status("socketpair");
  UniqueFd platform_end(platform[0]);
  UniqueFd enclave_platform(platform[1]);
  // The service watches the enclave's end for the host's hang-up, so a host
  // that lets go of its enclave ends it even if the enclave ignores that.
  UniqueFd host_watch(::fcntl(enclave_lifeline.get(), F_DUPFD_CLOEXEC, 0));
  if (!host_watch.valid()) return errno_status("cannot watch the enclave's lifeline");

  pid_t pid = ::fork();
  if (pid < 0) return errno_status("cannot start the enclave process");
  if (pid == 0)
    exec_enclave(image_memfd.get(), enclave_lifeline.get(), channel_fd.get(), enclave_platform.get(), params);

  LaunchedEnclave launched;
  launched.pid = pid;
  launched.pidfd = UniqueFd(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));
  launched.channel = std::move(channel_fd);
  launched.lifeline = std::move(host_lifeline);
  launched.identity = signed_image.identity;
  launched.config = signed_image.config;

  launched.service =
      std::make_unique<EnclaveService>(identity_, std::move(platform_end), std::move(host_watch), pid,
                                       signed_image.identity, signed_image.config);
  return launched;
}

std::shared_ptr<EnclaveLauncher> development_launcher() {
  // Never destroyed: its key must outlive OpenSSL's exit-time cleanup.
  static std::mutex mutex;
  static auto* launcher = new std::shared_ptr<EnclaveLauncher>();
  std::lock_guard lock(mutex);
  if (!*launcher) {
    auto identity = PlatformIdentity::create_development();
    if (!identity.is_ok()) return nullptr;
    *launcher = std::make_shared<EnclaveLauncher>(
        std::make_shared<const PlatformIdentity>(std::move(identity).value()));
  }
  return *launcher;
}

}  // namespace cloister::platform
