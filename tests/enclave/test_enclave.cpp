// The enclave the end-to-end tests and benchmarks run.
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <stdexcept>
#include <thread>

#include "cloister/enclave.h"
#include "test_calls.h"

namespace {

using namespace cloister;
using namespace test_enclave;

// volatile: keep the marker in memory where the isolation test looks for it.
volatile char secret_marker[sizeof kSecret];
std::atomic<std::uint32_t> inside{0};
std::atomic<std::uint32_t> most_inside{0};

Result<Misbehave::Reply> misbehave(const Misbehave& request) {
  Misbehave::Reply reply;
  switch (request.kind) {
    case Misbehave::open_file:
      reply.result = ::open(request.path.c_str(), O_RDONLY);
      return reply;
    case Misbehave::crash: {
      volatile int* null_pointer = nullptr;
      reply.result = *null_pointer;  // NOLINT(clang-analyzer-core.NullDereference): the point of the call
      return reply;
    }
    case Misbehave::throw_exception:
      throw std::runtime_error("deliberate failure");
    case Misbehave::spawn_process:
      reply.result = ::fork();
      return reply;
    case Misbehave::exec_memory: {
      void* page =
          ::mmap(nullptr, 4096, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
      reply.result = page == MAP_FAILED ? -1 : 0;
      return reply;
    }
    default:
      return Status(ErrorCode::invalid_argument, "unknown misbehaviour");
  }
}

}  // namespace

CLOISTER_ENCLAVE(test_enclave) {
  for (std::size_t i = 0; i < sizeof kSecret; ++i) secret_marker[i] = kSecret[i];

  enclave.on<Empty>([](const Empty&) -> Result<Empty::Reply> { return Empty::Reply{}; });
  enclave.on<Echo>(
      [](const Echo& request) -> Result<Echo::Reply> { return Echo::Reply{.data = request.data}; });
  enclave.on<Checksum>([](const Checksum& request) -> Result<Checksum::Reply> {
    std::uint64_t sum = 0;
    for (auto byte : request.data) sum += byte;
    return Checksum::Reply{.sum = sum};
  });
  enclave.on<Sink>(
      [](const Sink& request) -> Result<Sink::Reply> { return Sink::Reply{.size = request.data.size()}; });
  enclave.on<OcallLoop>([](const OcallLoop& request) -> Result<OcallLoop::Reply> {
    std::uint64_t total = 0;
    for (std::uint32_t i = 0; i < request.count; ++i) {
      auto reply = enclave::ocall(Increment{.value = i});
      if (!reply.is_ok()) return reply.status();
      total += reply->value;
    }
    return OcallLoop::Reply{.total = total};
  });
  enclave.on<Misbehave>(misbehave);
  enclave.on<GetEvidence>([](const GetEvidence& request) -> Result<GetEvidence::Reply> {
    CLOISTER_ASSIGN_OR_RETURN(Bytes evidence, enclave::get_evidence(request.report_data));
    return GetEvidence::Reply{.evidence = std::move(evidence)};
  });
  enclave.on<SecretLocation>([](const SecretLocation&) -> Result<SecretLocation::Reply> {
    return SecretLocation::Reply{.address = reinterpret_cast<std::uint64_t>(&secret_marker[0]),
                                 .size = static_cast<std::uint32_t>(sizeof kSecret)};
  });
  enclave.on<Work>([](const Work& request) -> Result<Work::Reply> {
    std::uint32_t now = ++inside;
    std::uint32_t seen = most_inside.load();
    while (now > seen && !most_inside.compare_exchange_weak(seen, now)) {
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(request.sleep_ms));
    --inside;
    return Work::Reply{.output = request.input * request.input + 1, .threads_inside = most_inside.load()};
  });
  enclave.on<Seal>([](const Seal& request) -> Result<Seal::Reply> {
    CLOISTER_ASSIGN_OR_RETURN(
        Bytes sealed, enclave::seal(static_cast<SealPolicy>(request.policy), request.plaintext, request.aad));
    return Seal::Reply{.sealed = std::move(sealed)};
  });
  enclave.on<InstanceKeyAgree>([](const InstanceKeyAgree& request) -> Result<InstanceKeyAgree::Reply> {
    CLOISTER_ASSIGN_OR_RETURN(crypto::PublicKey peer,
                              crypto::PublicKey::from_ec_point(crypto::KeyType::ec_p256, request.peer_point));
    CLOISTER_ASSIGN_OR_RETURN(SecretBytes secret, enclave::instance_key().ecdh(peer));
    return InstanceKeyAgree::Reply{.shared_secret = Bytes(secret.view().begin(), secret.view().end())};
  });
  enclave.on<Unseal>([](const Unseal& request) -> Result<Unseal::Reply> {
    CLOISTER_ASSIGN_OR_RETURN(SecretBytes plaintext, enclave::unseal(request.sealed, request.aad));
    return Unseal::Reply{.plaintext = Bytes(plaintext.view().begin(), plaintext.view().end())};
  });
}
