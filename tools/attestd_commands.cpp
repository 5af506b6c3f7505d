// cloister attestd serve | init | platform add|list|remove | policy show|set|reset
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <iterator>
#include <map>

#include "attestd/data_dir.h"
#include "attestd/files.h"
#include "attestd/registry.h"
#include "attestd/routes.h"
#include "attestd/service.h"
#include "common/log.h"
#include "http/http_server.h"
#include "platform/private_files.h"
#include "tools/command_registry.h"
#include "tools/http_client.h"
#include "tools/input_file.h"
#include "tools/serve_until_signal.h"
#include "tools/time_argument.h"

namespace cloister::cli {
namespace {

using namespace cloister::attestd;

std::string default_platform_dir() {
  if (const char* dir = std::getenv("CLOISTER_PLATFORM_DIR")) return dir;
  const char* home = std::getenv("HOME");
  return std::string(home != nullptr ? home : "/tmp") + "/.cloister/platform";
}

struct ServeArgs {
  std::string data_dir = default_data_dir();
  std::string host = "127.0.0.1";
  int port = 8500;
  std::string tls_cert;
  std::string tls_key;
  std::string issuer;
  std::string port_file;
  std::string algorithm = "ES256";
  std::int64_t token_lifetime = 8 * 3600;
  std::int64_t max_evidence_age = 600;
  std::string collateral_time;
  bool allow_missing_collateral = false;
};

Result<DataDir> open_data_dir(const ServeArgs& args) {
  DataDirOptions options;
  if (args.algorithm == "RS256") {
    options.key_type = crypto::KeyType::rsa;
  } else if (args.algorithm != "ES256") {
    return Status(ErrorCode::invalid_argument, "--algorithm must be ES256 or RS256");
  }
  options.local_platform_dir = default_platform_dir();
  return DataDir::open(args.data_dir, options);
}

int run_init(const ServeArgs& args) {
  log::init("attestd");
  auto dir = open_data_dir(args);
  if (!dir) return fail(dir.status().message(), "pick another --data-dir, or fix its permissions");
  std::cout << "attestd data directory: " << dir->path << (dir->created ? " (created)" : " (exists)") << "\n"
            << "administrator credential: " << dir->credential_path() << "\n"
            << "next: cloister attestd serve --data-dir " << dir->path << "\n";
  return 0;
}

int run_serve(const ServeArgs& args) {
  block_stop_signals();
  log::init("attestd");
  auto dir = open_data_dir(args);
  if (!dir) return fail(dir.status().message(), "pick another --data-dir, or fix its permissions");
  spdlog::info("attestd: data directory {}; administrator credential in {}", dir->path,
               dir->credential_path());
  ServiceOptions options;
  options.token_lifetime_seconds = args.token_lifetime;
  options.max_evidence_age_seconds = args.max_evidence_age;
  if (args.token_lifetime <= 0 || args.max_evidence_age <= 0) {
    return fail("--token-lifetime and --max-evidence-age must be positive");
  }
  options.require_collateral = !args.allow_missing_collateral;
  if (!args.collateral_time.empty()) {
    auto at = parse_time_argument(args.collateral_time);
    if (!at) return fail(at.status().message());
    options.collateral_time_s = *at;
    spdlog::warn("attestd: collateral validity is checked as of {}, not now", args.collateral_time);
  }
  auto service = AttestationService::create(std::move(dir).value(), options);
  if (!service) return fail(service.status().message());

  http::ServerOptions server_options;
  server_options.host = args.host;
  server_options.port = args.port;
  server_options.tls_cert_pem_file = args.tls_cert;
  server_options.tls_key_pem_file = args.tls_key;
  server_options.service_name = "attestd";
  auto server = http::Server::create(server_options);
  if (!server) return fail(server.status().message());
  register_routes(**server, **service);
  Status bound = (*server)->bind();
  if (!bound) return fail(bound.message());
  const std::string url = (*server)->url();
  (*service)->set_issuer(args.issuer.empty() ? url : args.issuer);
  if (Status written = write_port_file(args.port_file, (*server)->port()); !written)
    return fail(written.message());

  std::cout << "attestd listening on " << url << std::endl;
  spdlog::info("attestd: listening on {} (issuer {})", url, (*service)->options().issuer);
  serve_until_signal(**server, "attestd");
  return 0;
}

// --- platform registry --------------------------------------------------

struct PlatformArgs {
  std::string data_dir = default_data_dir();
  std::string name;
  std::string ca;
  std::vector<std::string> claims;
};

int run_platform_add(const PlatformArgs& args) {
  std::map<std::string, std::string> claims;
  for (const auto& claim : args.claims) {
    const auto eq = claim.find('=');
    if (eq == std::string::npos || eq == 0)
      return fail("--claim takes key=value, e.g. --claim region=eu-west");
    claims[claim.substr(0, eq)] = claim.substr(eq + 1);
  }
  auto pem = read_input_text(args.ca);
  if (!pem)
    return fail(pem.status().message(), "get a platform's CA with `cloister platform ca --data-dir DIR`");
  Status ready = platform::ensure_private_dir(args.data_dir);
  if (!ready) return fail(ready.message());
  Status added = edit_registry(args.data_dir + "/platforms.json",
                               [&](Registry& registry) { return registry.add(args.name, *pem, claims); });
  if (!added) return fail(added.message());
  std::cout << "platform " << args.name << " registered; evidence from it is trusted from now on\n";
  return 0;
}

int run_platform_list(const std::string& data_dir) {
  auto registry = Registry::load(data_dir + "/platforms.json");
  if (!registry) return fail(registry.status().message());
  if (registry->entries().empty()) {
    std::cout << "no platform registered; add one with `cloister attestd platform add --name N --ca FILE`\n";
  }
  for (const auto& entry : registry->entries()) {
    std::cout << entry.name << "\n  CA: " << entry.ca_subject << "\n";
    for (const auto& [key, value] : entry.claims)
      std::cout << "  x-cloister-platform-" << key << ": " << value << "\n";
  }
  return 0;
}

int run_platform_remove(const PlatformArgs& args) {
  Status removed = edit_registry(args.data_dir + "/platforms.json",
                                 [&](Registry& registry) { return registry.remove(args.name); });
  if (!removed) return fail(removed.message());
  std::cout << "platform " << args.name << " removed; its evidence is refused from now on\n";
  return 0;
}

// --- policy ---------------------------------------------------------------

struct PolicyArgs {
  std::string url = "http://127.0.0.1:8500";
  std::string data_dir = default_data_dir();
  std::string credential_file;
  std::string file;
  std::string if_match;
  std::string ca_file;
  std::string type = kCloisterType;
};

Result<httplib::Headers> admin_headers(const PolicyArgs& args) {
  const std::string path =
      args.credential_file.empty() ? args.data_dir + "/admin_credential" : args.credential_file;
  auto credential = read_credential(path);
  if (!credential) return credential.status();
  httplib::Headers headers{{"Authorization", "Bearer " + *credential}};
  if (!args.if_match.empty()) headers.emplace("If-Match", args.if_match);
  return headers;
}

int run_policy(const PolicyArgs& args, const std::string& action) {
  const std::string path = "/policies/" + args.type;
  Result<HttpReply> reply = Status(ErrorCode::internal, "no request");
  if (action == "show") {
    reply = http_call(args.url, "GET", path, "", "", {}, args.ca_file);
  } else {
    auto headers = admin_headers(args);
    if (!headers) {
      return fail(headers.status().message(),
                  "pass --credential-file, or --data-dir of the attestd that runs");
    }
    if (action == "set") {
      auto text = read_input_text(args.file);
      if (!text) return fail(text.status().message());
      reply = http_call(args.url, "PUT", path, *text, "text/plain", *headers, args.ca_file);
    } else {
      reply = http_call(args.url, "POST", path + ":reset", "", "text/plain", *headers, args.ca_file);
    }
  }
  if (!reply) return fail(reply.status().message(), "start it with `cloister attestd serve`, or pass --url");
  if (reply->status != 200) return fail(error_text(*reply));
  auto json = nlohmann::json::parse(reply->body, nullptr, false);
  if (json.is_discarded()) return fail("the service answered something that is not JSON");
  if (action == "show") {
    std::cout << json.value("policy", "") << "\n# x-ms-policy-hash: " << json.value("x-ms-policy-hash", "")
              << (json.value("default", false) ? " (the default policy)" : "") << "\n";
  } else {
    std::cout << "policy " << (action == "set" ? "updated" : "reset to the default")
              << "; x-ms-policy-hash: " << json.value("x-ms-policy-hash", "") << "\n";
  }
  return 0;
}

void add_policy_command(CLI::App* policy, const std::string& action, const std::string& help) {
  auto args = std::make_shared<PolicyArgs>();
  auto* command = policy->add_subcommand(action, help);
  command->add_option("--url", args->url, "attestd base URL")->capture_default_str();
  command->add_option("--ca-file", args->ca_file, "CA certificate (PEM) to trust for an https URL");
  command
      ->add_option("--type", args->type,
                   "Attestation type: Cloister, SgxEnclave, OpenEnclave, TdxVm, SevSnpVm")
      ->capture_default_str();
  if (action != "show") {
    command->add_option("--data-dir", args->data_dir, "attestd data directory (for its admin_credential)")
        ->capture_default_str();
    command->add_option("--credential-file", args->credential_file,
                        "File holding the administrator credential");
    command->add_option("--if-match", args->if_match,
                        "Only change the policy if its x-ms-policy-hash is this");
  }
  if (action == "set")
    command->add_option("FILE", args->file, "Policy text (or an MAA JWS envelope); - for stdin")->required();
  command->callback([=] { exit_code() = run_policy(*args, action); });
}

const RegisterCommands registered([](CLI::App& root) {
  auto* attestd = root.add_subcommand("attestd", "The attestation service (shaped like Azure Attestation)");
  attestd->require_subcommand(1);

  auto serve_args = std::make_shared<ServeArgs>();
  auto add_dir_options = [serve_args](CLI::App* command) {
    command
        ->add_option("--data-dir", serve_args->data_dir,
                     "State: keys, policies, registry ($CLOISTER_ATTESTD_DIR)")
        ->capture_default_str();
    command
        ->add_option("--algorithm", serve_args->algorithm,
                     "Token signing algorithm when the key is created: ES256 or RS256")
        ->capture_default_str();
  };
  auto* init = attestd->add_subcommand("init", "Create the data directory (serve does this on first start)");
  add_dir_options(init);
  init->callback([=] { exit_code() = run_init(*serve_args); });

  auto* serve = attestd->add_subcommand("serve", "Run the attestation service");
  add_dir_options(serve);
  serve->add_option("--host", serve_args->host, "Address to listen on (loopback by default)")
      ->capture_default_str();
  serve->add_option("--port", serve_args->port, "Port; 0 picks a free one (see --port-file)")
      ->capture_default_str();
  serve->add_option("--tls-cert", serve_args->tls_cert, "TLS certificate (PEM): serve HTTPS");
  serve->add_option("--tls-key", serve_args->tls_key, "TLS private key (PEM)");
  serve->add_option("--issuer", serve_args->issuer, "Token issuer (iss); default: the service URL");
  serve->add_option("--port-file", serve_args->port_file, "Write the bound port to this file");
  serve->add_option("--token-lifetime", serve_args->token_lifetime, "Token lifetime in seconds")
      ->capture_default_str();
  serve
      ->add_option("--max-evidence-age", serve_args->max_evidence_age,
                   "Refuse evidence older than this (seconds)")
      ->capture_default_str();
  serve->add_option(
      "--collateral-time", serve_args->collateral_time,
      "Check Intel collateral and certificate validity as of this time (YYYY-MM-DD[THH:MM:SSZ]) "
      "instead of now: only to replay archived evidence");
  serve->add_flag("--allow-missing-collateral", serve_args->allow_missing_collateral,
                  "Issue tokens for SGX/TDX evidence whose FMSPC has no collateral (no TCB status, no CRLs)");
  serve->callback([=] { exit_code() = run_serve(*serve_args); });

  auto* platform =
      attestd->add_subcommand("platform", "The platforms (operator CAs) whose evidence is trusted");
  platform->require_subcommand(1);
  auto platform_args = std::make_shared<PlatformArgs>();
  auto* add = platform->add_subcommand("add", "Trust a platform's operator CA, with claims for its tokens");
  add->add_option("--data-dir", platform_args->data_dir, "attestd data directory")->capture_default_str();
  add->add_option("--name", platform_args->name, "Platform name (x-cloister-platform-name)")->required();
  add->add_option("--ca", platform_args->ca, "Operator CA (PEM), from `cloister platform ca`")->required();
  add->add_option("--claim", platform_args->claims,
                  "key=value added as x-cloister-platform-<key> (repeatable)");
  add->callback([=] { exit_code() = run_platform_add(*platform_args); });
  auto* list = platform->add_subcommand("list", "List the registered platforms");
  list->add_option("--data-dir", platform_args->data_dir, "attestd data directory")->capture_default_str();
  list->callback([=] { exit_code() = run_platform_list(platform_args->data_dir); });
  auto* remove = platform->add_subcommand("remove", "Stop trusting a platform");
  remove->add_option("--data-dir", platform_args->data_dir, "attestd data directory")->capture_default_str();
  remove->add_option("--name", platform_args->name, "Platform name")->required();
  remove->callback([=] { exit_code() = run_platform_remove(*platform_args); });

  auto* policy =
      attestd->add_subcommand("policy", "Show or change the attestation policy of a running attestd");
  policy->require_subcommand(1);
  add_policy_command(policy, "show", "Print the current policy and its x-ms-policy-hash");
  add_policy_command(policy, "set", "Replace the policy (needs the administrator credential)");
  add_policy_command(policy, "reset", "Go back to the default policy (needs the administrator credential)");
});

}  // namespace
}  // namespace cloister::cli
