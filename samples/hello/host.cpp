// The hello host: launches the enclave and greets; optionally saves the
// enclave's evidence for a verifier's nonce.
//   hello_host IMAGE [--sim] [--evidence FILE [--nonce HEX]] [NAME]
#include "cloister/host.h"

#include <cstring>
#include <fstream>
#include <iostream>

#include "common/encoding.h"
#include "hello_calls.h"

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: hello_host IMAGE.signed [--sim] [--evidence FILE [--nonce HEX]] [NAME]\n";
    return 2;
  }
  cloister::EnclaveOptions options;
  std::string name = "world";
  std::string evidence_path;
  std::string nonce_hex;
  for (int i = 2; i < argc; ++i) {
    if (std::strcmp(argv[i], "--sim") == 0)
      options.backend = cloister::Backend::sim;
    else if (std::strcmp(argv[i], "--evidence") == 0 && i + 1 < argc)
      evidence_path = argv[++i];
    else if (std::strcmp(argv[i], "--nonce") == 0 && i + 1 < argc)
      nonce_hex = argv[++i];
    else
      name = argv[i];
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

  if (!evidence_path.empty()) {
    hello::Attest request;
    auto nonce = cloister::from_hex(nonce_hex);
    if (!nonce.is_ok() || nonce->size() > request.nonce.size()) {
      std::cerr << "error: --nonce takes up to 64 bytes of hex\n";
      return 2;
    }
    std::copy(nonce->begin(), nonce->end(), request.nonce.begin());
    auto attested = enclave->call(request);
    if (!attested.is_ok()) {
      std::cerr << "error: " << attested.status().to_string() << "\n";
      return 1;
    }
    std::ofstream(evidence_path, std::ios::binary)
        .write(reinterpret_cast<const char*>(attested->evidence.data()),
               static_cast<std::streamsize>(attested->evidence.size()));
    std::cout << "evidence (" << attested->evidence.size() << " bytes) written to " << evidence_path << "\n";
  }
  return 0;
}
