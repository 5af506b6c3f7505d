// End to end: what is left once a host lets go of a process enclave. Nothing
// may be: an enclave process still to be reaped, or a platform service thread
// still ending while the host exits, races OpenSSL's exit-time cleanup (seen
// as "double free or corruption" after every test had passed).
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>

#include "cloister/host.h"
#include "enclave/test_calls.h"

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

}  // namespace
}  // namespace cloister
