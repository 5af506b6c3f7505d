// Run as an unprivileged user (see run_unprivileged.sh): the host starts a
// real enclave, learns where the enclave keeps a secret, and tries every way
// an ordinary process has to read another's memory. Each must fail. The same
// attempts against an ordinary child process must succeed, or the test
// proves nothing.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>

#include "cloister/host.h"
#include "common/errno_text.h"
#include "enclave/test_calls.h"

namespace cloister {
namespace {

using namespace test_enclave;

// Reads `size` bytes at `address` of process `pid` through /proc/PID/mem.
Result<std::string> read_proc_mem(int pid, std::uint64_t address, std::size_t size) {
  std::string path = "/proc/" + std::to_string(pid) + "/mem";
  int fd = ::open(path.c_str(), O_RDONLY);
  if (fd < 0) return Status(ErrorCode::permission_denied, "open " + path + ": " + errno_text(errno));
  std::string out(size, '\0');
  ssize_t got = ::pread(fd, out.data(), size, static_cast<off_t>(address));
  int saved = errno;
  ::close(fd);
  if (got != static_cast<ssize_t>(size)) return Status(ErrorCode::permission_denied, errno_text(saved));
  return out;
}

Result<std::string> read_vm(int pid, std::uint64_t address, std::size_t size) {
  std::string out(size, '\0');
  iovec local{out.data(), size};
  iovec remote{reinterpret_cast<void*>(address),
               size};  // NOLINT(performance-no-int-to-ptr): another process's address
  if (::process_vm_readv(pid, &local, 1, &remote, 1, 0) != static_cast<ssize_t>(size)) {
    return Status(ErrorCode::permission_denied, errno_text(errno));
  }
  return out;
}

TEST(Isolation, RunsUnprivileged) {
  EXPECT_NE(::geteuid(), 0u) << "run this test through run_unprivileged.sh";
}

std::string image_path() {
  const char* path = std::getenv("CLOISTER_TEST_IMAGE");
  return path != nullptr ? path : TEST_ENCLAVE_IMAGE;
}

TEST(Isolation, HostCannotReadEnclaveMemory) {
  auto enclave = Enclave::create(image_path(), {});
  ASSERT_TRUE(enclave.is_ok()) << enclave.status().to_string();
  auto where = enclave->call(SecretLocation{});
  ASSERT_TRUE(where.is_ok());
  auto by_proc = read_proc_mem(enclave->pid(), where->address, where->size);
  EXPECT_FALSE(by_proc.is_ok()) << "read the enclave's secret through /proc/PID/mem";
  auto by_vm = read_vm(enclave->pid(), where->address, where->size);
  EXPECT_FALSE(by_vm.is_ok()) << "read the enclave's secret with process_vm_readv";
  // The enclave is alive and well after the attempts.
  EXPECT_TRUE(enclave->call(Empty{}).is_ok());
}

TEST(Isolation, TheSameReadsWorkOnAnOrdinaryChild) {
  static char marker[] = "ORDINARY-CHILD-MARKER";
  int ready[2];
  ASSERT_EQ(::pipe(ready), 0);
  pid_t child = ::fork();
  if (child == 0) {
    char byte = 1;
    (void)::write(ready[1], &byte, 1);
    ::pause();
    ::_exit(0);
  }
  char byte = 0;
  ASSERT_EQ(::read(ready[0], &byte, 1), 1);
  auto address = reinterpret_cast<std::uint64_t>(marker);
  auto by_proc = read_proc_mem(child, address, sizeof marker - 1);
  auto by_vm = read_vm(child, address, sizeof marker - 1);
  ::kill(child, SIGKILL);
  ::waitpid(child, nullptr, 0);
  ASSERT_TRUE(by_proc.is_ok()) << by_proc.status().to_string();
  EXPECT_EQ(*by_proc, "ORDINARY-CHILD-MARKER");
  ASSERT_TRUE(by_vm.is_ok()) << by_vm.status().to_string();
  EXPECT_EQ(*by_vm, "ORDINARY-CHILD-MARKER");
}

}  // namespace
}  // namespace cloister
