// The hello host: launches the enclave and greets.
//   hello_host IMAGE [--sim] [NAME]
#include <cstring>
#include <iostream>

#include "cloister/host.h"
#include "common/encoding.h"
#include "hello_calls.h"

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: hello_host IMAGE.signed [--sim] [NAME]\n";
    return 2;
  }
  cloister::EnclaveOptions options;
  std::string name = "world";
  for (int i = 2; i < argc; ++i) {
    if (std::strcmp(argv[i], "--sim") == 0) options.backend = cloister::Backend::sim;
    else name = argv[i];
  }
  auto enclave = cloister::Enclave::create(argv[1], options);
  if (!enclave.is_ok()) {
    std::cerr << "error: " << enclave.status().to_string() << "\n";
    return 1;
  }
  enclave->on_ocall<hello::HostName>([](const hello::HostName&) -> cloister::Result<hello::HostName::Reply> {
    return hello::HostName::Reply{.name = "hello_host"};
  });
  std::cout << "enclave measurement: " << cloister::to_hex(enclave->identity().measurement) << "\n";
  auto reply = enclave->call(hello::Greet{.name = name});
  if (!reply.is_ok()) {
    std::cerr << "error: " << reply.status().to_string() << "\n";
    return 1;
  }
  std::cout << reply->greeting << " (greeting #" << reply->greetings_so_far << ")\n";
  return 0;
}
