#include "crypto/init.h"

#include <gtest/gtest.h>

#if defined(__x86_64__)
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstddef>
#endif

#include "crypto/aes_gcm.h"
#include "crypto/hmac.h"
#include "crypto/keys.h"
#include "crypto/rng.h"
#include "crypto/x509.h"

namespace cloister::crypto {
namespace {

TEST(Initialize, SucceedsRepeatedly) {
  EXPECT_TRUE(initialize().is_ok());
  EXPECT_TRUE(initialize().is_ok());
}

#if defined(__x86_64__)

// Kills the process with SIGSYS on any attempt to open a file.
bool forbid_opening_files() {
  struct sock_filter filter[] = {
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_open, 3, 0),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_openat, 2, 0),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_openat2, 1, 0),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
  };
  struct sock_fprog program = {static_cast<unsigned short>(sizeof(filter) / sizeof(filter[0])), filter};
  return prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0 &&
         syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &program) == 0;
}

// Exercises every part of the module; returns a distinct code per failure.
int exercise_everything() {
  if (!random_bytes(64).is_ok()) return 10;
  if (hmac_sha256(as_bytes("key"), as_bytes("data")).size() != 32) return 11;
  if (!hkdf(HashAlgorithm::sha384, as_bytes("ikm"), as_bytes("salt"), as_bytes("info"), 64).is_ok())
    return 12;
  const Bytes key(32, 1);
  const Bytes iv(12, 2);
  auto sealed = aes_gcm_encrypt(key, iv, as_bytes("aad"), as_bytes("plaintext"));
  if (!sealed.is_ok() || !aes_gcm_decrypt(key, iv, as_bytes("aad"), *sealed).is_ok()) return 13;
  auto ca_key = PrivateKey::generate(KeyType::ec_p384);
  auto leaf_key = PrivateKey::generate(KeyType::ec_p256);
  if (!ca_key.is_ok() || !leaf_key.is_ok()) return 14;
  auto signature = leaf_key->sign(as_bytes("message"));
  if (!signature.is_ok() || !leaf_key->public_key().verify(as_bytes("message"), *signature).is_ok())
    return 15;
  if (!leaf_key->ecdh(PrivateKey::generate(KeyType::ec_p256)->public_key()).is_ok()) return 16;
  auto pem = leaf_key->to_pem();
  if (!pem.is_ok() || !PrivateKey::from_pem(*pem).is_ok()) return 17;
  CertificateRequest request;
  request.subject_common_name = "root";
  request.is_ca = true;
  auto root = issue_certificate(request, ca_key->public_key(), *ca_key, nullptr);
  if (!root.is_ok()) return 18;
  request.subject_common_name = "leaf";
  request.is_ca = false;
  auto leaf = issue_certificate(request, leaf_key->public_key(), *ca_key, &*root);
  if (!leaf.is_ok()) return 19;
  auto reparsed = Certificate::from_pem(*leaf->to_pem());
  if (!reparsed.is_ok()) return 20;
  std::vector<Certificate> roots;
  roots.push_back(root->clone());
  if (!verify_chain(*reparsed, {}, roots).is_ok()) return 21;
  auto rsa = PrivateKey::generate(KeyType::rsa, 2048);
  if (!rsa.is_ok()) return 22;
  auto wrapped = rsa->public_key().rsa_oaep_encrypt(key, HashAlgorithm::sha256);
  if (!wrapped.is_ok() || !rsa->rsa_oaep_decrypt(*wrapped, HashAlgorithm::sha256).is_ok()) return 23;
  return 0;
}

// The enclave runtime initialises, then forbids file access: nothing in this
// module may open a file lazily afterwards. The "threadsafe" death-test style
// re-executes the test binary, so the child starts with OpenSSL and glibc
// untouched by earlier tests. A file access shows as "killed by signal 31".
TEST(Initialize, NoFileAccessAfterwards) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(
      {
        if (!initialize().is_ok()) _exit(2);
        if (!forbid_opening_files()) _exit(3);
        _exit(exercise_everything());  // _exit: no leak checker or atexit handlers
      },
      ::testing::ExitedWithCode(0), "");
}

#endif  // __x86_64__

}  // namespace
}  // namespace cloister::crypto
