// cloister cleanroom portal: a hospital's web console to the clean room,
// served on loopback by the party's own agent (cleanroom_portal_agent.h),
// which holds the party's key; one portal per party. The browser sends the
// CSV to the agent, the agent encrypts it: only ciphertext reaches the service.
#include <iostream>
#include <memory>

#include "common/log.h"
#include "http/http_server.h"
#include "tools/cleanroom_portal_agent.h"
#include "tools/cleanroom_portal_routes.h"
#include "tools/command_registry.h"
#include "tools/enclave_policy_options.h"
#include "tools/input_file.h"
#include "tools/serve_until_signal.h"

namespace cloister::cli {
namespace {

struct PortalArgs {
  std::string contract;
  std::string party;
  std::string key;
  std::string service = "http://127.0.0.1:8600";
  std::string data_dir;
  std::string test_data;
  int port = 8610;
  std::string port_file;
  std::string user;
  std::string password_file;
  EnclavePolicyArgs policy;
};

int run_portal(const PortalArgs& args) {
  log::init("cleanroom-portal");
  block_stop_signals();
  auto policy = attestation_options(args.policy);
  if (!policy.is_ok()) return fail(policy.status().message());
  auto agent = PortalAgent::create({.contract_file = args.contract,
                                    .party = args.party,
                                    .key_file = args.key,
                                    .service = args.service,
                                    .data_dir = args.data_dir,
                                    .test_data = args.test_data,
                                    .policy = *policy});
  if (!agent.is_ok())
    return fail(agent.status().message(), "check --contract, --party, --key and --test-data");
  auto password = read_password_file(args.password_file);
  if (!password.is_ok()) return fail(password.status().message());
  std::vector<web::Account> accounts;
  accounts.push_back({args.user, std::move(password).value()});
  auto sign_in = web::SignIn::create("cloister-portal-" + args.party, std::move(accounts));
  if (!sign_in.is_ok()) return fail(sign_in.status().message());
  auto server = http::Server::create({.host = "127.0.0.1",
                                      .port = args.port,
                                      .max_body_bytes = kMaxPortalRequest,
                                      .service_name = "cleanroom-portal"});
  if (!server.is_ok()) return fail(server.status().message());
  add_portal_routes((*server)->routes(), **agent, **sign_in);
  if (Status bound = (*server)->bind(); !bound.is_ok())
    return fail(bound.message(), "is --port in use? --port 0 takes any free port");
  if (Status written = write_port_file(args.port_file, (*server)->port()); !written.is_ok())
    return fail(written.message());
  std::cout << "cloister cleanroom portal for " << args.party << " listening on " << (*server)->url() << "\n"
            << "sign in as " << args.user << " (password from " << args.password_file << ")\n"
            << "service " << args.service << ", agent data in " << args.data_dir << "\n"
            << std::flush;
  spdlog::info("cleanroom-portal: {} listening on {}", args.party, (*server)->url());
  serve_until_signal(**server, "cleanroom-portal");
  std::cout << "cloister cleanroom portal stopped\n";
  return 0;
}

const RegisterSubcommands kRegisterCleanroomPortal([](CLI::App& root) {
  CLI::App* cleanroom = root.get_subcommand("cleanroom");
  static PortalArgs args;
  auto* portal = cleanroom->add_subcommand(
      "portal", "A party's web console: its own agent, which verifies the enclave and encrypts its data");
  portal->add_option("--contract", args.contract, "The contract (JSON)")->required();
  portal->add_option("--party", args.party, "This party's name in the contract")->required();
  portal->add_option("--key", args.key, "This party's private key (PEM); it stays in this process")
      ->required();
  portal->add_option("--service", args.service, "The clean-room service URL")->capture_default_str();
  portal
      ->add_option("--data-dir", args.data_dir,
                   "The agent's files: the encrypted upload, its data key, models")
      ->required();
  portal->add_option("--test-data", args.test_data, "Held-out labelled rows (CSV) to evaluate the models on");
  portal->add_option("--port", args.port, "port on 127.0.0.1 (0: any free port)")->capture_default_str();
  portal->add_option("--port-file", args.port_file, "write the bound port here");
  portal->add_option("--user", args.user, "The user name to sign in with")->required();
  portal->add_option("--password-file", args.password_file, "A file whose first line is the password")
      ->required();
  add_enclave_policy_options(*portal, args.policy);
  portal->callback([] { exit_code() = run_portal(args); });
});

}  // namespace
}  // namespace cloister::cli
