// The attested TLS sample's host: launches the enclave and bridges TCP
// connections on loopback to it, until interrupted.
//   attested_tls_server IMAGE.signed [--port N]
#include <csignal>
#include <cstring>
#include <iostream>
#include <string>

#include "cloister/ratls_host.h"
#include "common/encoding.h"

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: attested_tls_server IMAGE.signed [--port N]\n";
    return 2;
  }
  cloister::ratls::BridgeOptions options;
  for (int i = 2; i < argc; ++i) {
    if (std::strcmp(argv[i], "--port") == 0 && i + 1 < argc) {
      options.port = static_cast<std::uint16_t>(std::stoi(argv[++i]));
    } else {
      std::cerr << "unknown argument " << argv[i] << "\n";
      return 2;
    }
  }
  // Block the stop signals before any thread starts, then wait for one.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  auto enclave = cloister::Enclave::create(argv[1], {});
  if (!enclave.is_ok()) {
    std::cerr << "error: " << enclave.status().to_string() << "\n";
    return 1;
  }
  auto bridge = cloister::ratls::HostTlsBridge::start(*enclave, options);
  if (!bridge.is_ok()) {
    std::cerr << "error: " << bridge.status().to_string() << "\n";
    return 1;
  }
  std::cout << "enclave measurement: " << cloister::to_hex(enclave->identity().measurement) << "\n"
            << (enclave->development_platform() ? "platform: DEVELOPMENT (no daemon)\n"
                                                : "platform: daemon\n")
            << "listening on 127.0.0.1:" << (*bridge)->port() << "\n"
            << std::flush;
  int signal = 0;
  sigwait(&stop_signals, &signal);
  std::cout << "stopping\n";
  (*bridge)->stop();
  return 0;
}
