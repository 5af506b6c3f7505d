// cloister_bench: the SDK's costs, each beside a baseline measured in the same run.
//   cloister_bench [--json FILE] [--quick]
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <iostream>
#include <thread>

#include "cloister/host.h"
#include "crypto/aes_gcm.h"
#include "crypto/keys.h"
#include "enclave/futex.h"
#include "enclave/test_calls.h"
#include "measure.h"

namespace {

using namespace cloister;
using namespace cloister::bench;
using namespace test_enclave;

[[gnu::noinline]] std::uint64_t empty_function(std::uint64_t x) {
  asm volatile("" : "+r"(x));
  return x;
}

// Two processes handing a cache line back and forth, spinning: the floor for
// any cross-process call through shared memory.
double raw_ping_pong_ns() {
  void* shared = ::mmap(nullptr, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  auto* word = new (shared) std::atomic<std::uint32_t>(0);
  auto* stop = new (static_cast<char*>(shared) + 64) std::atomic<std::uint32_t>(0);
  pid_t child = ::fork();
  if (child == 0) {
    for (;;) {
      while (word->load(std::memory_order_acquire) != 1) {
        if (stop->load(std::memory_order_relaxed) != 0) ::_exit(0);
        cpu_relax();
      }
      word->store(2, std::memory_order_release);
    }
  }
  double ns = ns_per_op([&] {
    word->store(1, std::memory_order_release);
    while (word->load(std::memory_order_acquire) != 2) cpu_relax();
  });
  stop->store(1);
  word->store(1);
  ::waitpid(child, nullptr, 0);
  ::munmap(shared, 4096);
  return ns;
}

Enclave make(Backend backend, CallMode mode) {
  EnclaveOptions options;
  options.backend = backend;
  options.call_mode = mode;
  options.spin_budget = std::chrono::microseconds(200);
  auto enclave = Enclave::create(TEST_ENCLAVE_IMAGE, options);
  if (!enclave.is_ok()) {
    std::cerr << "error: " << enclave.status().to_string() << "\n";
    std::exit(1);
  }
  return std::move(enclave).value();
}

double empty_call_ns(Enclave& enclave) {
  return ns_per_op([&] {
    if (!enclave.call(Empty{}).is_ok()) std::abort();
  });
}

double gb_per_s(std::size_t bytes, double ns) {
  return static_cast<double>(bytes) / ns;
}

}  // namespace

int main(int argc, char** argv) {
  std::string json;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--json") == 0 && i + 1 < argc)
      json = argv[++i];
    else if (std::strcmp(argv[i], "--help") == 0) {
      std::cout << "usage: cloister_bench [--json FILE]\n";
      return 0;
    }
  }
  Table table("Cloister SDK benchmark (test enclave, development platform, " +
              std::to_string(std::thread::hardware_concurrency()) + " cores)");

  std::cerr << "measuring call round trips...\n";
  double direct = ns_per_op([] {
    static std::uint64_t (*volatile fn)(std::uint64_t) = empty_function;
    fn(1);
  });
  double raw = raw_ping_pong_ns();
  Enclave sim = make(Backend::sim, CallMode::sleeping);
  Enclave switchless = make(Backend::process, CallMode::switchless);
  Enclave sleeping = make(Backend::process, CallMode::sleeping);
  double sim_ns = empty_call_ns(sim);
  double switchless_ns = empty_call_ns(switchless);
  double sleeping_ns = empty_call_ns(sleeping);
  table.add({"direct function call", direct, "ns"});
  table.add({"raw shared-memory ping-pong (2 processes)", raw, "ns"});
  table.add({"empty ecall, sim", sim_ns, "ns", "direct function call", direct});
  table.add({"empty ecall, process (switchless)", switchless_ns, "ns", "raw ping-pong", raw, "target <= 2x"});
  table.add({"empty ecall, process (sleeping)", sleeping_ns, "ns", "raw ping-pong", raw});

  std::cerr << "measuring payloads...\n";
  for (std::size_t size : {std::size_t{4096}, std::size_t{1} << 20}) {
    Bytes data(size, 0x5a);
    Bytes copy(size);
    double memcpy_ns = ns_per_op([&] {
      std::memcpy(copy.data(), data.data(), size);
      asm volatile("" ::"r"(copy.data()) : "memory");
    });
    double call_ns = ns_per_op([&] {
      if (!switchless.call(Sink{.data = data}).is_ok()) std::abort();
    });
    std::string label = size == 4096 ? "4 KiB" : "1 MiB";
    table.add({"ecall with " + label + " payload (switchless)", gb_per_s(size, call_ns), "GB/s",
               "memcpy " + label, gb_per_s(size, memcpy_ns)});
  }

  std::cerr << "measuring enclave creation...\n";
  double create_ms =
      ns_per_op([] { make(Backend::process, CallMode::sleeping); }, std::chrono::milliseconds(400), 3) / 1e6;
  table.add({"enclave creation (process, dev platform)", create_ms, "ms", "", 0, "target < 50 ms"});

  std::cerr << "measuring evidence...\n";
  Bytes evidence;
  double generate_us = ns_per_op([&] {
                         auto reply = sleeping.call(GetEvidence{});
                         if (!reply.is_ok()) std::abort();
                         evidence = reply->evidence;
                       }) /
                       1e3;
  Expectations expect;
  expect.allow_development_platform = true;
  std::vector<Bytes> roots{sleeping.platform_ca_der()};
  double verify_us = ns_per_op([&] {
                       if (!verify_evidence(evidence, roots, expect).is_ok()) std::abort();
                     }) /
                     1e3;
  auto signing_key = crypto::PrivateKey::generate(crypto::KeyType::ec_p256);
  Bytes message(200, 7);
  auto signature = signing_key->sign(message);
  crypto::PublicKey public_key = signing_key->public_key();
  double sign_us = ns_per_op([&] {
                     if (!signing_key->sign(message).is_ok()) std::abort();
                   }) /
                   1e3;
  double raw_verify_us = ns_per_op([&] {
                           if (!public_key.verify(message, *signature).is_ok()) std::abort();
                         }) /
                         1e3;
  table.add({"evidence generation (ecall + platform signs)", generate_us, "us", "one raw ECDSA P-256 sign",
             sign_us});
  table.add({"evidence verification", verify_us, "us", "one raw ECDSA P-256 verify", raw_verify_us,
             "target < 100 us"});

  std::cerr << "measuring sealing...\n";
  Bytes plaintext(std::size_t{1} << 20, 0x42);
  Bytes sealed;
  double seal_ns = ns_per_op([&] {
    auto reply = switchless.call(Seal{.policy = 1, .plaintext = plaintext});
    if (!reply.is_ok()) std::abort();
    sealed = reply->sealed;
  });
  double unseal_ns = ns_per_op([&] {
    if (!switchless.call(Unseal{.sealed = sealed}).is_ok()) std::abort();
  });
  Bytes key(32, 1), iv(12, 2);
  double gcm_ns = ns_per_op([&] {
    if (!crypto::aes_gcm_encrypt(key, iv, {}, plaintext).is_ok()) std::abort();
  });
  double mb = static_cast<double>(plaintext.size()) / 1e6;
  table.add({"seal 1 MiB (ecall, in and out)", mb / (seal_ns / 1e9), "MB/s", "AES-256-GCM in the host",
             mb / (gcm_ns / 1e9)});
  table.add({"unseal 1 MiB (ecall, in and out)", mb / (unseal_ns / 1e9), "MB/s", "AES-256-GCM in the host",
             mb / (gcm_ns / 1e9)});

  table.print();
  if (!json.empty()) {
    if (!table.write_json(json)) {
      std::cerr << "error: cannot write " << json << "\n";
      return 1;
    }
    std::cerr << "wrote " << json << "\n";
  }
  return 0;
}
