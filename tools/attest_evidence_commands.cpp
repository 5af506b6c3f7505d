// cloister attest evidence: launch an enclave and save the runtime evidence
// every Cloister enclave answers (its instance key bound into the report data).
#include <fstream>
#include <iostream>

#include "cloister/host.h"
#include "common/encoding.h"
#include "tools/command_registry.h"

namespace cloister::cli {
namespace {

struct EvidenceArgs {
  std::string image;
  std::string platform_socket;
  std::string nonce;
  std::string out;
  std::string runtime_data_out;
};

Status write_file(const std::string& path, ByteView bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  out.close();
  if (!out) return Status(ErrorCode::io_error, "cannot write " + path);
  return Status::ok();
}

int run_evidence(const EvidenceArgs& args) {
  auto nonce = from_hex(args.nonce);
  if (!nonce.is_ok() || nonce->size() > kMaxRuntimeNonceSize) {
    return fail("--nonce must be at most " + std::to_string(kMaxRuntimeNonceSize) + " bytes of hex");
  }
  EnclaveOptions options;
  options.platform_socket = args.platform_socket;
  auto enclave = Enclave::create(args.image, options);
  if (!enclave.is_ok()) {
    return fail("cannot launch " + args.image + ": " + enclave.status().message(),
                "is the platform daemon running? (`cloister platform serve`, --platform-socket)");
  }
  auto runtime = enclave->runtime_evidence(*nonce);
  if (!runtime.is_ok()) return fail("the enclave gave no runtime evidence: " + runtime.status().message());
  if (auto status = write_file(args.out, runtime->evidence); !status.is_ok()) return fail(status.message());
  if (auto status = write_file(args.runtime_data_out, runtime->runtime_data); !status.is_ok()) {
    return fail(status.message());
  }
  if (enclave->development_platform()) {
    std::cerr << "warning: no platform daemon: this evidence comes from the DEVELOPMENT platform, which "
                 "default policies refuse\n";
  }
  std::cout << "measurement: " << to_hex(enclave->identity().measurement) << "\n"
            << "signer: " << to_hex(enclave->identity().signer) << "\n"
            << "evidence (" << runtime->evidence.size() << " bytes) written to " << args.out << "\n"
            << "runtime data (" << runtime->runtime_data.size() << " bytes) written to "
            << args.runtime_data_out << "\n"
            << "report data binds: SHA-256(runtime data) || 32 zero bytes\n";
  return 0;
}

const RegisterSubcommands registered([](CLI::App& root) {
  auto* attest = root.get_subcommand("attest");
  auto* evidence = attest->add_subcommand(
      "evidence", "Launch an enclave and save evidence binding its instance key (runtime data)");
  auto args = std::make_shared<EvidenceArgs>();
  evidence->add_option("image", args->image, "Signed enclave image")->required();
  evidence->add_option("--platform-socket", args->platform_socket,
                       "Platform daemon socket (default $CLOISTER_PLATFORM_SOCKET)");
  evidence->add_option("--nonce", args->nonce, "Nonce to put in the runtime data (hex, default none)");
  evidence->add_option("--out", args->out, "Where to write the evidence")->required();
  evidence->add_option("--runtime-data-out", args->runtime_data_out, "Where to write the runtime data (JSON)")
      ->required();
  evidence->callback([=] { exit_code() = run_evidence(*args); });
});

}  // namespace
}  // namespace cloister::cli
