// main() of every process-backend enclave: lock the process down, learn the
// identity the platform measured, install the syscall filter, register the
// enclave's handlers and serve one channel slot per thread.
#include <fcntl.h>
#include <malloc.h>
#include <openssl/crypto.h>
#include <poll.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <csignal>
#include <cstring>
#include <memory>
#include <thread>
#include <vector>

#include "enclave/futex.h"
#include "enclave/openssl_warmup.h"
#include "enclave/slot_worker.h"
#include "enclave/syscall_filter.h"
#include "enclave/warm_up.h"

namespace {

using namespace cloister;
using namespace cloister::enclave;

channel::Header* g_header = nullptr;

enum ExitCode : int { kBadStart = 2, kFilterFailed = 3, kNoEntry = 4, kLostHost = 0 };

[[noreturn]] void die(channel::DeathReason reason, std::int64_t detail, int code) {
  if (g_header != nullptr) {
    g_header->death_detail.store(detail);
    g_header->death_reason.store(reason);
  }
  ::syscall(SYS_exit_group, code);
  __builtin_unreachable();
}

// Only async-signal-safe work: record why, then end the whole process.
void on_forbidden_syscall(int, siginfo_t* info, void*) {
  die(channel::kForbiddenSyscall, info->si_syscall, 128 + SIGSYS);
}
void on_fatal_signal(int signal, siginfo_t*, void*) {
  die(channel::kFatalSignal, signal, 128 + signal);
}

void install_death_handlers() {
  // A small alternate stack so a stack overflow is still reported.
  static std::uint8_t alt_stack[64 * 1024];
  stack_t ss{};
  ss.ss_sp = alt_stack;
  ss.ss_size = sizeof alt_stack;
  ::sigaltstack(&ss, nullptr);
  struct sigaction action {};
  action.sa_flags = SA_SIGINFO | SA_ONSTACK;
  action.sa_sigaction = on_forbidden_syscall;
  ::sigaction(SIGSYS, &action, nullptr);
  action.sa_sigaction = on_fatal_signal;
  for (int signal : {SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT}) ::sigaction(signal, &action, nullptr);
}

ChannelView map_channel() {
  struct stat st {};
  if (::fstat(channel::kChannelFd, &st) != 0 || st.st_size < static_cast<off_t>(sizeof(channel::Header))) {
    ::_exit(kBadStart);
  }
  auto size = static_cast<std::size_t>(st.st_size);
  void* base = ::mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED, channel::kChannelFd, 0);
  if (base == MAP_FAILED) ::_exit(kBadStart);
  ::close(channel::kChannelFd);
  auto* header = static_cast<channel::Header*>(base);
  ChannelView view{base, header->slot_count, header->slot_capacity, header->spin_iterations};
  if (header->magic != channel::kMagic || header->version != channel::kVersion || view.slot_count == 0 ||
      view.slot_count > 256 || view.capacity > (256u << 20) ||
      channel::region_size(view.slot_count, view.capacity) > size) {
    ::_exit(kBadStart);
  }
  g_header = header;
  return view;
}

void limit_memory(const EnclaveConfig& config, std::uint32_t threads) {
  // The signed heap size bounds private memory; thread stacks count against it too.
  rlimit limit{};
  limit.rlim_cur = limit.rlim_max = config.heap_size + std::uint64_t{threads} * (8u << 20) + (32u << 20);
  ::setrlimit(RLIMIT_DATA, &limit);
}

[[noreturn]] void wait_for_host_to_leave() {
  pollfd lifeline{channel::kLifelineFd, POLLIN, 0};
  for (;;) {
    int rc = ::poll(&lifeline, 1, -1);
    if (rc > 0 && (lifeline.revents & (POLLHUP | POLLERR | POLLIN)) != 0) {
      std::uint8_t byte = 0;
      if ((lifeline.revents & (POLLHUP | POLLERR)) != 0 || ::read(channel::kLifelineFd, &byte, 1) <= 0) {
        ::syscall(SYS_exit_group, kLostHost);
      }
    }
  }
}

}  // namespace

int main() {
  ::prctl(PR_SET_DUMPABLE, 0);
  ::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
  for (int fd : {channel::kLifelineFd, channel::kChannelFd, channel::kPlatformFd}) {
    if (::fcntl(fd, F_GETFD) < 0) ::_exit(kBadStart);
  }
  ::syscall(SYS_close_range, 6u, ~0u, 0u);
  // One malloc arena: glibc's per-thread arenas read /proc/sys/vm/overcommit_memory
  // the first time they shrink, which the syscall filter would (rightly) kill.
  ::mallopt(M_ARENA_MAX, 1);  // NOLINT(concurrency-mt-unsafe): single-threaded here
  // Large requests come and go with every call: keep their memory in the heap
  // rather than mapping and faulting in fresh pages each time.
  ::mallopt(M_MMAP_THRESHOLD, 64 << 20);   // NOLINT(concurrency-mt-unsafe)
  ::mallopt(M_TRIM_THRESHOLD, 128 << 20);  // NOLINT(concurrency-mt-unsafe)
  ChannelView view = map_channel();
  install_death_handlers();

  if (!warm_up_openssl().is_ok()) die(channel::kStartupFailed, 1, kBadStart);
  if (!run_registered_warm_ups().is_ok()) die(channel::kStartupFailed, 6, kBadStart);
  static PlatformClient platform_client(channel::kPlatformFd);
  platform::EnclaveRequest hello;
  auto reply = platform_client.request(hello);
  if (!reply.is_ok()) die(channel::kStartupFailed, 2, kBadStart);
  if (reply->config.max_threads != view.slot_count) die(channel::kStartupFailed, 3, kBadStart);
  limit_memory(reply->config, view.slot_count);

  // glibc installs its thread signal handlers (rt_sigaction) on the first
  // pthread_create of a static binary: get that done while it is allowed.
  std::thread([] {}).join();

  if (!install_syscall_filter().is_ok()) die(channel::kStartupFailed, 4, kFilterFailed);

  // From here on, user code runs under the filter.
  static Handlers handlers;
  EntryFunction entry = sole_entry();
  if (entry == nullptr) die(channel::kStartupFailed, 5, kNoEntry);
  static ProcessContext context(*reply, platform_client, view);
  {
    ContextScope scope(&context);
    entry(handlers);
  }
  for (std::uint32_t i = 0; i < view.slot_count; ++i) {
    std::thread([i, view] { serve_slot(handlers, context, view, i); }).detach();
  }
  g_header->ready.store(1);
  futex_wake_all(g_header->ready);
  wait_for_host_to_leave();
}
