#include "tools/serve_until_signal.h"

#include <pthread.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <csignal>
#include <filesystem>
#include <thread>

#include "platform/private_files.h"

namespace cloister::cli {
namespace {

sigset_t stop_signal_set() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  return set;
}

}  // namespace

void block_stop_signals() {
  const sigset_t set = stop_signal_set();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  std::signal(SIGPIPE, SIG_IGN);
}

Status write_port_file(const std::string& path, int port) {
  if (path.empty()) return Status::ok();
  const std::string text = std::to_string(port) + "\n";
  return platform::write_file(path, as_bytes(text), 0644, /*overwrite=*/true);
}

void serve_until_signal(http::Server& server, const std::string& name) {
  std::atomic<bool> signalled{false};
  std::thread waiter([&] {
    const sigset_t set = stop_signal_set();
    int signal_number = 0;
    sigwait(&set, &signal_number);
    signalled = true;
    spdlog::info("{}: signal {}, stopping", name, signal_number);
    server.stop();
  });
  server.run();
  // run() also returns when the listener fails; wake the waiter so it exits.
  // SIGTERM is blocked in every thread and the waiter takes it with sigwait,
  // so this delivers a value to sigwait rather than terminating anything.
  if (!signalled)
    pthread_kill(waiter.native_handle(), SIGTERM);  // NOLINT(bugprone-bad-signal-to-kill-thread)
  waiter.join();
}

std::string built_enclave_image(const std::string& file_name, const std::string& build_dir) {
  std::error_code error;
  const auto exe = std::filesystem::read_symlink("/proc/self/exe", error);
  if (error) return {};
  const auto dir = exe.parent_path();
  for (const auto& candidate : {dir / file_name, dir / ".." / "src" / build_dir / file_name,
                                dir / ".." / "lib" / "cloister" / file_name}) {
    if (std::filesystem::exists(candidate, error))
      return std::filesystem::weakly_canonical(candidate, error).string();
  }
  return {};
}

}  // namespace cloister::cli
