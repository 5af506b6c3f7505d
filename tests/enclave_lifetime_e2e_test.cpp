// End to end: what is left once a host lets go of a process enclave. Nothing
// may be: an enclave process still to be reaped, or a platform service thread
// still ending while the host exits, races OpenSSL's exit-time cleanup (seen
// as "double free or corruption" after every test had passed).
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <thread>

#include "cloister/host.h"
#include "common/unique_fd.h"
#include "enclave/test_calls.h"
#include "platform/launcher.h"

namespace cloister {
namespace {

using namespace test_enclave;

// Launches an enclave and asks for evidence, which the platform's service
// thread signs with OpenSSL; returns the enclave's pid.
int use_an_enclave_once() {
  auto enclave = Enclave::create(TEST_ENCLAVE_IMAGE, EnclaveOptions{});
  if (!enclave.is_ok()) return -1;
  auto evidence = enclave->call(GetEvidence{.report_data = {}});
  if (!evidence.is_ok() || evidence->evidence.empty()) return -1;
  return enclave->pid();
}

TEST(EnclaveLifetime, LettingGoReapsTheEnclaveProcess) {
  for (int round = 0; round < 5; ++round) {
    int pid = use_an_enclave_once();
    ASSERT_GT(pid, 0);
    // Already reaped by the time the Enclave's destructor returned: it is no
    // longer our child at all, not even a zombie.
    errno = 0;
    EXPECT_EQ(::waitpid(pid, nullptr, WNOHANG), -1) << "round " << round;
    EXPECT_EQ(errno, ECHILD) << "round " << round;
  }
}

TEST(EnclaveLifetime, TheHostExitsCleanlyRightAfterLettingGo) {
  // Each round is a fresh host process that ends the moment its enclave is
  // gone, running the exit-time cleanup of OpenSSL and every static.
  for (int round = 0; round < 20; ++round) {
    pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) std::exit(use_an_enclave_once() > 0 ? 0 : 3);
    int status = 0;
    ASSERT_EQ(::waitpid(child, &status, 0), child);
    ASSERT_TRUE(WIFEXITED(status)) << "round " << round << ": the host died of signal " << WTERMSIG(status);
    EXPECT_EQ(WEXITSTATUS(status), 0) << "round " << round;
  }
}

TEST(EnclaveLifetime, AStoppedAndContinuedEnclaveCarriesOn) {
  // Its timed waits resume through restart_syscall, which the filter allows.
  auto enclave = Enclave::create(TEST_ENCLAVE_IMAGE, EnclaveOptions{});
  ASSERT_TRUE(enclave.is_ok()) << enclave.status().to_string();
  ASSERT_TRUE(enclave->call(Empty{}).is_ok());
  for (int round = 0; round < 3; ++round) {
    ASSERT_EQ(::kill(enclave->pid(), SIGSTOP), 0);
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    ASSERT_EQ(::kill(enclave->pid(), SIGCONT), 0);
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  auto after = enclave->call(Empty{});
  EXPECT_TRUE(after.is_ok()) << after.status().to_string();
}

TEST(EnclaveLifetime, TheEnclaveExecutesAnExecuteOnlyImage) {
  // The kernel keeps a process non-dumpable from exec on when it may not read
  // the file it executes: the enclave's memory is never open to its uid.
  auto enclave = Enclave::create(TEST_ENCLAVE_IMAGE, EnclaveOptions{});
  ASSERT_TRUE(enclave.is_ok()) << enclave.status().to_string();
  struct stat image {};
  std::string exe = "/proc/" + std::to_string(enclave->pid()) + "/exe";
  if (::stat(exe.c_str(), &image) != 0) {
    // Only root may follow a non-dumpable process's exe link.
    EXPECT_NE(::geteuid(), 0u) << "cannot stat " << exe;
    EXPECT_EQ(errno, EACCES);
    return;
  }
  EXPECT_EQ(image.st_mode & 07777, 0111u);
}

TEST(EnclaveLifetime, AHostThatLetsGoEndsEvenAnEnclaveThatDoesNotListen) {
  // A stopped enclave cannot notice its lifeline's hang-up; the platform's
  // service kills it, so the host that owns an enclave can always end it.
  auto launcher = platform::development_launcher();
  ASSERT_TRUE(launcher);
  UniqueFd image(::open(TEST_ENCLAVE_IMAGE, O_RDONLY | O_CLOEXEC));
  ASSERT_TRUE(image.valid());
  auto launched = launcher->launch(image.get(), platform::LaunchParams{});
  ASSERT_TRUE(launched.is_ok()) << launched.status().to_string();
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  ASSERT_EQ(::kill(launched->pid, SIGSTOP), 0);
  launched->lifeline.reset();
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!launched->service->finished() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_TRUE(launched->service->finished()) << "a stopped enclave outlived its host's hang-up";
  if (!launched->service->finished()) ::kill(launched->pid, SIGCONT);
}

}  // namespace
}  // namespace cloister
