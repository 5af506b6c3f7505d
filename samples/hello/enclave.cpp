// The hello enclave: greets by name, and asks the host who it is via an ocall.
#include "cloister/enclave.h"

#include <atomic>

#include "hello_calls.h"

namespace {
std::atomic<std::uint64_t> greetings{0};
}

CLOISTER_ENCLAVE(hello) {
  enclave.on<hello::Greet>([](const hello::Greet& request) -> cloister::Result<hello::Greet::Reply> {
    if (request.name.empty()) return cloister::Status(cloister::ErrorCode::invalid_argument, "name is empty");
    auto host = cloister::enclave::ocall(hello::HostName{});
    if (!host.is_ok()) return host.status();
    hello::Greet::Reply reply;
    reply.greeting = "hello, " + request.name + ", from inside an enclave hosted by " + host->name;
    reply.greetings_so_far = ++greetings;
    return reply;
  });
  // The nonce is the verifier's: it goes into the report data as it is.
  enclave.on<hello::Attest>([](const hello::Attest& request) -> cloister::Result<hello::Attest::Reply> {
    auto evidence = cloister::enclave::get_evidence(request.nonce);
    if (!evidence.is_ok()) return evidence.status();
    return hello::Attest::Reply{.evidence = std::move(evidence).value()};
  });
}
