// The process backend, host side: maps the channel, hands slots to calling
// threads, serves ocalls on the calling thread, and notices a dead enclave.
#include <fcntl.h>
#include <poll.h>
#include <seccomp.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <condition_variable>
#include <csignal>
#include <cstring>
#include <mutex>
#include <optional>
#include <vector>

#include "common/errno_text.h"
#include "enclave/channel_layout.h"
#include "enclave/futex.h"
#include "host/backend.h"
#include "host/daemon_client.h"
#include "platform/launcher.h"
#include "platform/protocol.h"

namespace cloister {
namespace {

constexpr std::chrono::microseconds kSleepSlice{20000};
constexpr auto kStartTimeout = std::chrono::seconds(10);

std::uint32_t spin_iterations_for(const EnclaveOptions& options) {
  if (options.call_mode == CallMode::sleeping) return 0;
  // A pause instruction takes roughly 10-40 ns; aim for the budget at the slow end.
  return static_cast<std::uint32_t>(std::min<std::int64_t>(options.spin_budget.count() * 30, 10'000'000));
}

class ProcessBackend final : public EnclaveBackend {
 public:
  ProcessBackend(platform::LaunchedEnclave launched, EnclaveInfo info, std::uint32_t spin)
      : launched_(std::move(launched)), spin_(spin) {
    info_ = std::move(info);
  }

  ~ProcessBackend() override {
    // Closing the lifeline tells the enclave to exit; the kill makes sure.
    launched_.lifeline.reset();
    if (launched_.pidfd.valid()) ::syscall(SYS_pidfd_send_signal, launched_.pidfd.get(), SIGKILL, nullptr, 0);
    if (base_ != nullptr) ::munmap(base_, size_);
    launched_.service.reset();  // waits until the enclave is gone and its service thread has ended
  }

  Status attach() {
    struct stat st {};
    if (::fstat(launched_.channel.get(), &st) != 0)
      return Status(ErrorCode::io_error, "cannot stat the channel");
    size_ = static_cast<std::size_t>(st.st_size);
    void* base = ::mmap(nullptr, size_, PROT_READ | PROT_WRITE, MAP_SHARED, launched_.channel.get(), 0);
    if (base == MAP_FAILED) return Status(ErrorCode::io_error, "cannot map the channel");
    base_ = base;
    launched_.channel.reset();
    header_ = static_cast<channel::Header*>(base_);
    slot_count_ = header_->slot_count;
    capacity_ = header_->slot_capacity;
    if (header_->magic != channel::kMagic || channel::region_size(slot_count_, capacity_) > size_) {
      return Status(ErrorCode::internal, "the platform returned a malformed channel");
    }
    busy_ = std::make_unique<std::atomic<bool>[]>(slot_count_);
    for (std::uint32_t i = 0; i < slot_count_; ++i) busy_[i].store(false);
    return wait_until_ready();
  }

  Result<Bytes> call(std::uint32_t id, ByteView request) override {
    if (request.size() > capacity_) {
      return Status(ErrorCode::out_of_range, "ecall payload of " + std::to_string(request.size()) +
                                                 " bytes exceeds the channel's message limit of " +
                                                 std::to_string(capacity_) +
                                                 " bytes (EnclaveOptions::max_message_size)");
    }
    if (dead_.load()) return death_status();
    std::optional<std::uint32_t> index = acquire_slot();
    if (!index) return death_status();
    Result<Bytes> reply = run_on_slot(*index, id, request);
    release_slot(*index);
    return reply;
  }

 private:
  // Slots are claimed without a lock; a caller that finds none free sleeps
  // until one is released (or the enclave dies).
  std::optional<std::uint32_t> try_acquire_slot() {
    thread_local std::uint32_t hint = 0;
    for (std::uint32_t i = 0; i < slot_count_; ++i) {
      std::uint32_t index = (hint + i) % slot_count_;
      bool expected = false;
      if (busy_[index].compare_exchange_strong(expected, true, std::memory_order_acquire)) {
        hint = index;
        return index;
      }
    }
    return std::nullopt;
  }

  std::optional<std::uint32_t> acquire_slot() {
    if (auto index = try_acquire_slot()) return index;
    std::unique_lock lock(mutex_);
    waiters_.fetch_add(1);
    std::optional<std::uint32_t> index;
    slot_available_.wait(lock, [&] {
      index = try_acquire_slot();
      return index.has_value() || dead_.load();
    });
    waiters_.fetch_sub(1);
    return index;
  }

  void release_slot(std::uint32_t index) {
    busy_[index].store(false, std::memory_order_seq_cst);
    if (waiters_.load(std::memory_order_seq_cst) > 0) {
      std::lock_guard lock(mutex_);
      slot_available_.notify_one();
    }
  }

  Result<Bytes> run_on_slot(std::uint32_t index, std::uint32_t id, ByteView request) {
    channel::SlotHeader* slot = channel::slot_at(base_, capacity_, index);
    write_payload(slot, id, 0, request);
    publish(slot->state, channel::kRequest, slot->enclave_sleeping);
    std::uint32_t waiting_on = channel::kRequest;
    for (;;) {
      std::uint32_t state = wait_for_change(slot->state, waiting_on, slot->host_sleeping, spin_, kSleepSlice,
                                            [this] { return alive(); });
      if (state == waiting_on) return mark_dead();
      if (state == channel::kReply) {
        std::uint32_t status = slot->status;
        CLOISTER_ASSIGN_OR_RETURN(Bytes reply, copy_payload(slot));
        if (status != 0) return platform::status_from(status, to_string(reply));
        return reply;
      }
      if (state != channel::kOcall) {
        return Status(ErrorCode::internal,
                      "the enclave broke the channel protocol (state " + std::to_string(state) + ")");
      }
      std::uint32_t ocall_id = slot->call_id;
      Result<Bytes> ocall_request = copy_payload(slot);
      Result<Bytes> ocall_reply =
          ocall_request.is_ok() ? ocalls_.dispatch(ocall_id, *ocall_request) : ocall_request.status();
      write_result(slot, ocall_reply);
      publish(slot->state, channel::kOcallReply, slot->enclave_sleeping);
      waiting_on = channel::kOcallReply;
    }
  }

  void write_payload(channel::SlotHeader* slot, std::uint32_t id, std::uint32_t status, ByteView payload) {
    slot->call_id = id;
    slot->status = status;
    slot->length = static_cast<std::uint32_t>(payload.size());
    if (!payload.empty()) std::memcpy(channel::payload_of(slot), payload.data(), payload.size());
  }

  void write_result(channel::SlotHeader* slot, const Result<Bytes>& result) {
    if (result.is_ok() && result->size() <= capacity_) {
      write_payload(slot, 0, 0, *result);
      return;
    }
    Status status = result.is_ok()
                        ? Status(ErrorCode::out_of_range, "ocall reply exceeds the channel message size")
                        : result.status();
    std::string message = status.message().substr(0, capacity_);
    write_payload(slot, 0, static_cast<std::uint32_t>(status.code()), as_bytes(message));
  }

  // The enclave is not trusted to keep its lengths in bounds either.
  Result<Bytes> copy_payload(channel::SlotHeader* slot) const {
    std::uint32_t length = slot->length;
    if (length > capacity_)
      return Status(ErrorCode::out_of_range, "the enclave wrote an oversize message length");
    const std::uint8_t* payload = channel::payload_of(slot);
    return Bytes(payload, payload + length);
  }

  bool alive() {
    pollfd lifeline{launched_.lifeline.get(), POLLIN, 0};
    int rc = ::poll(&lifeline, 1, 0);
    return !(rc > 0 && (lifeline.revents & (POLLHUP | POLLERR)) != 0);
  }

  Status wait_until_ready() {
    auto deadline = std::chrono::steady_clock::now() + kStartTimeout;
    while (header_->ready.load() == 0) {
      if (!alive()) return mark_dead().with_context("enclave failed to start");
      if (std::chrono::steady_clock::now() > deadline) {
        return Status(ErrorCode::enclave_terminated, "enclave did not become ready within 10 s");
      }
      futex_wait(header_->ready, 0, kSleepSlice);
    }
    return Status::ok();
  }

  Status mark_dead() {
    {
      std::lock_guard lock(mutex_);
      dead_.store(true);
    }
    slot_available_.notify_all();
    return death_status();
  }

  Status death_status() const {
    auto reason = header_->death_reason.load();
    auto detail = header_->death_detail.load();
    std::string why = "process exited";
    if (reason == channel::kForbiddenSyscall) {
      char* name = seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, static_cast<int>(detail));
      why = "forbidden system call " + (name != nullptr ? std::string(name) : "#" + std::to_string(detail));
      std::free(name);
    } else if (reason == channel::kFatalSignal) {
      const char* abbrev = sigabbrev_np(static_cast<int>(detail));
      why = "fatal signal " + (abbrev != nullptr ? "SIG" + std::string(abbrev) : std::to_string(detail));
    } else if (reason == channel::kStartupFailed) {
      why = "start-up step " + std::to_string(detail) + " failed";
    }
    return Status(ErrorCode::enclave_terminated, "enclave terminated: " + why);
  }

  platform::LaunchedEnclave launched_;
  std::uint32_t spin_;
  void* base_ = nullptr;
  std::size_t size_ = 0;
  channel::Header* header_ = nullptr;
  std::uint32_t slot_count_ = 0;
  std::uint32_t capacity_ = 0;
  std::mutex mutex_;
  std::condition_variable slot_available_;
  std::unique_ptr<std::atomic<bool>[]> busy_;
  std::atomic<int> waiters_{0};
  std::atomic<bool> dead_{false};
};

}  // namespace

Result<std::unique_ptr<EnclaveBackend>> create_process_backend(const std::string& image_path,
                                                               const EnclaveOptions& options) {
  UniqueFd image(::open(image_path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!image.valid()) {
    return Status(ErrorCode::not_found, "cannot open enclave image " + image_path + ": " + errno_text(errno));
  }
  platform::LaunchParams params;
  params.slot_capacity =
      static_cast<std::uint32_t>(std::min<std::size_t>(options.max_message_size, 256u << 20));
  params.spin_iterations = spin_iterations_for(options);

  std::string socket = options.platform_socket;
  if (socket.empty()) {
    const char* env = std::getenv("CLOISTER_PLATFORM_SOCKET");
    if (env != nullptr) socket = env;
  }
  EnclaveInfo info;
  info.backend = Backend::process;
  platform::LaunchedEnclave launched;
  if (!socket.empty()) {
    CLOISTER_ASSIGN_OR_RETURN(DaemonLaunch daemon, launch_with_daemon(socket, image.get(), params));
    launched = std::move(daemon.enclave);
    info.development_platform = daemon.development_platform;
    info.platform_ca_der = std::move(daemon.platform_ca_der);
  } else {
    auto launcher = platform::development_launcher();
    if (!launcher) return Status(ErrorCode::internal, "cannot create the development platform");
    auto result = launcher->launch(image.get(), params);
    if (!result.is_ok()) return result.status().with_context("cannot launch enclave " + image_path);
    launched = std::move(result).value();
    info.development_platform = true;
    info.platform_ca_der = launcher->identity().operator_ca_der();
  }
  info.identity = launched.identity;
  info.config = launched.config;
  info.pid = launched.pid;
  auto backend =
      std::make_unique<ProcessBackend>(std::move(launched), std::move(info), params.spin_iterations);
  CLOISTER_RETURN_IF_ERROR(backend->attach());
  return std::unique_ptr<EnclaveBackend>(std::move(backend));
}

}  // namespace cloister
