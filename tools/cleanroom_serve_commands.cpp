// cloister cleanroom serve: the clean-room service and its training enclave.
#include <iostream>

#include "cleanroom/service/cleanroom_service.h"
#include "common/encoding.h"
#include "common/log.h"
#include "tools/command_registry.h"
#include "tools/input_file.h"
#include "tools/serve_until_signal.h"

namespace cloister::cli {
namespace {

struct CleanroomServeArgs {
  std::string data_dir;
  std::string contract;
  std::string host = "127.0.0.1";
  int port = 8600;
  std::string port_file;
  std::string enclave_image;
  std::string platform_socket;
};

int run_cleanroom_serve(const CleanroomServeArgs& args) {
  log::init("cleanroom");
  block_stop_signals();
  cleanroom::CleanroomServiceOptions options;
  options.data_dir = args.data_dir;
  options.host = args.host;
  options.port = args.port;
  if (!args.contract.empty()) {
    auto contract = read_input_file(args.contract, cleanroom::kMaxContractBytes);
    if (!contract.is_ok()) return fail(contract.status().message());
    options.contract = std::move(contract).value();
  }
  options.enclave_image = args.enclave_image.empty()
                              ? built_enclave_image("cloister_cleanroom_enclave.signed", "cleanroom/enclave")
                              : args.enclave_image;
  if (options.enclave_image.empty())
    return fail(
        "the training enclave image (cloister_cleanroom_enclave.signed) was not found beside this binary",
        "build it (scripts/build.sh) or name it with --enclave");
  options.enclave.platform_socket = args.platform_socket;
  auto service = cleanroom::CleanroomService::create(options);
  if (!service.is_ok())
    return fail(service.status().message(),
                "check --data-dir, --contract, --enclave and the platform daemon");
  if (Status written = write_port_file(args.port_file, (*service)->http().port()); !written.is_ok())
    return fail(written.message());
  const Enclave& enclave = (*service)->enclave();
  std::cout << "cloister cleanroom listening on " << (*service)->http().url() << "\n"
            << "contract: " << (*service)->contract().name << " (" << (*service)->contract().hash_hex()
            << ")\n"
            << "data: " << args.data_dir << " (uploads stay encrypted on disk)\n"
            << "enclave: pid " << enclave.pid() << ", measurement " << to_hex(enclave.identity().measurement)
            << ", signer " << to_hex(enclave.identity().signer)
            << (enclave.development_platform() ? " (DEVELOPMENT platform)" : "") << "\n"
            << std::flush;
  serve_until_signal((*service)->http(), "cleanroom");
  std::cout << "cloister cleanroom stopped\n";
  return 0;
}

const RegisterSubcommands kRegisterCleanroomServe([](CLI::App& root) {
  CLI::App* cleanroom = root.get_subcommand("cleanroom");
  static CleanroomServeArgs args;
  auto* serve = cleanroom->add_subcommand("serve", "Serve a collaboration: uploads, key releases, training");
  serve
      ->add_option("--data-dir", args.data_dir, "State, audit log and encrypted uploads (created if missing)")
      ->required();
  serve->add_option("--contract", args.contract, "The contract (JSON); needed the first time only");
  serve->add_option("--host", args.host, "address to listen on")->capture_default_str();
  serve->add_option("--port", args.port, "port (0: any free port)")->capture_default_str();
  serve->add_option("--port-file", args.port_file, "write the bound port here");
  serve->add_option("--enclave", args.enclave_image,
                    "signed training enclave image; default: the one built beside cloister");
  serve->add_option(
      "--platform-socket", args.platform_socket,
      "platform daemon socket; default $CLOISTER_PLATFORM_SOCKET, else the development platform");
  serve->callback([] { exit_code() = run_cleanroom_serve(args); });
});

}  // namespace
}  // namespace cloister::cli
