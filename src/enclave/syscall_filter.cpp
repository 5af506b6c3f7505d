#include "enclave/syscall_filter.h"

#include <sched.h>
#include <seccomp.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <memory>

namespace cloister::enclave {
namespace {

struct FilterDeleter {
  void operator()(scmp_filter_ctx ctx) const { seccomp_release(ctx); }
};
using Filter = std::unique_ptr<void, FilterDeleter>;

// Computation, memory, threads, time, randomness, and I/O on the descriptors
// the enclave was started with. No open, socket, exec, ptrace, fork, kill of
// other processes, or anything that creates a new descriptor.
constexpr int kAllowed[] = {
    SCMP_SYS(read),
    SCMP_SYS(write),
    SCMP_SYS(readv),
    SCMP_SYS(writev),
    SCMP_SYS(recvmsg),
    SCMP_SYS(sendmsg),
    SCMP_SYS(recvfrom),
    SCMP_SYS(sendto),
    SCMP_SYS(poll),
    SCMP_SYS(ppoll),
    SCMP_SYS(futex),
    SCMP_SYS(munmap),
    SCMP_SYS(mremap),
    SCMP_SYS(madvise),
    SCMP_SYS(brk),
    SCMP_SYS(exit),
    SCMP_SYS(exit_group),
    SCMP_SYS(rt_sigreturn),
    // The kernel resumes a timed wait (futex, poll, nanosleep) through it
    // after the process was stopped and continued (SIGSTOP/SIGCONT, a debugger).
    SCMP_SYS(restart_syscall),
    SCMP_SYS(rt_sigprocmask),
    SCMP_SYS(clock_gettime),
    SCMP_SYS(clock_getres),
    SCMP_SYS(gettimeofday),
    SCMP_SYS(nanosleep),
    SCMP_SYS(clock_nanosleep),
    SCMP_SYS(sched_yield),
    SCMP_SYS(getrandom),
    SCMP_SYS(getpid),
    SCMP_SYS(gettid),
    SCMP_SYS(set_robust_list),
    SCMP_SYS(rseq),
    SCMP_SYS(sched_getaffinity),
};

// libseccomp's SCMP_A* macros use C compound literals; spell the struct out.
scmp_arg_cmp argument(unsigned index, scmp_compare op, scmp_datum_t a, scmp_datum_t b = 0) {
  scmp_arg_cmp cmp{};
  cmp.arg = index;
  cmp.op = op;
  cmp.datum_a = a;
  cmp.datum_b = b;
  return cmp;
}

}  // namespace

Status install_syscall_filter() {
  Filter filter(seccomp_init(SCMP_ACT_TRAP));
  if (!filter) return Status(ErrorCode::internal, "seccomp_init failed");
  auto* ctx = filter.get();
  int rc = 0;
  for (int syscall : kAllowed) rc |= seccomp_rule_add(ctx, SCMP_ACT_ALLOW, syscall, 0);
  // Memory may be mapped and protected, but never made executable: the
  // measured image is the only code that runs.
  rc |=
      seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(mmap), 1, argument(2, SCMP_CMP_MASKED_EQ, PROT_EXEC, 0));
  rc |= seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(mprotect), 1,
                         argument(2, SCMP_CMP_MASKED_EQ, PROT_EXEC, 0));
  // Threads only (CLONE_THREAD), never new processes.
  rc |= seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(clone), 1,
                         argument(0, SCMP_CMP_MASKED_EQ, CLONE_THREAD, CLONE_THREAD));
  // clone3 passes its flags in memory a filter cannot read; glibc falls back to clone.
  rc |= seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0);
  // abort() signals itself; let that through (to this process only) so it is reported as SIGABRT.
  rc |= seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(tgkill), 1,
                         argument(0, SCMP_CMP_EQ, static_cast<scmp_datum_t>(::getpid())));
  if (rc != 0) return Status(ErrorCode::internal, "cannot build the seccomp filter");
  if (seccomp_load(ctx) != 0) return Status(ErrorCode::internal, "cannot install the seccomp filter");
  return Status::ok();
}

}  // namespace cloister::enclave
