// cloister platform init | serve | ca
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <cstdlib>
#include <iostream>

#include "common/encoding.h"
#include "common/log.h"
#include "platform/daemon.h"
#include "platform/launcher.h"
#include "platform/platform_identity.h"
#include "tools/command_registry.h"

namespace cloister::cli {
namespace {

using platform::PlatformIdentity;

std::atomic<bool> g_stop{false};
void on_stop_signal(int) {
  g_stop.store(true);
}

std::string default_data_dir() {
  if (const char* dir = std::getenv("CLOISTER_PLATFORM_DIR")) return dir;
  const char* home = std::getenv("HOME");
  return std::string(home != nullptr ? home : "/tmp") + "/.cloister/platform";
}

std::string default_socket() {
  if (const char* socket = std::getenv("CLOISTER_PLATFORM_SOCKET")) return socket;
  return default_data_dir() + "/platform.sock";
}

int run_init(const std::string& data_dir, const std::string& operator_name, bool force) {
  PlatformIdentity::InitOptions options;
  options.force = force;
  if (!operator_name.empty()) options.operator_name = operator_name;
  auto identity = PlatformIdentity::init(data_dir, options);
  if (!identity.is_ok()) {
    return fail(identity.status().message(),
                "pass --force to replace an existing platform, or another --data-dir");
  }
  std::cout << "platform initialised in " << data_dir << "\n"
            << "platform id: " << to_hex(identity->platform_id()) << "\n"
            << "operator CA: " << data_dir << "/operator_ca.pem (give this to verifiers)\n"
            << "next: cloister platform serve --data-dir " << data_dir << "\n";
  return 0;
}

// As root, each enclave runs under a uid of its own from the range; without
// root the daemon cannot change uid and enclaves run as its own.
Result<std::shared_ptr<platform::EnclaveUids>> enclave_uid_pool(const std::string& range_text) {
  if (::geteuid() != 0) {
    if (range_text.empty()) return std::shared_ptr<platform::EnclaveUids>();
    return Status(ErrorCode::permission_denied, "--enclave-uids needs the daemon to run as root");
  }
  platform::UidRange range = platform::kDefaultEnclaveUids;
  if (!range_text.empty()) {
    auto parsed = platform::parse_uid_range(range_text);
    if (!parsed.is_ok()) return parsed.status();
    range = *parsed;
  }
  return platform::EnclaveUids::create(range);
}

int run_serve(const std::string& data_dir, const std::string& socket, const std::string& enclave_uids,
              const std::string& enclave_user) {
  if (!enclave_user.empty()) {
    return fail(
        "--enclave-user is gone: a shared user lets every process of that user signal and read the "
        "enclaves",
        "run the daemon as root: each enclave then gets a uid of its own (--enclave-uids FIRST-LAST "
        "chooses the range)");
  }
  log::init("platform");
  auto identity = PlatformIdentity::load(data_dir);
  if (!identity.is_ok()) {
    bool missing = identity.status().message().find("does not exist") != std::string::npos;
    return fail(identity.status().message(),
                missing ? "create a platform first: cloister platform init --data-dir " + data_dir : "");
  }
  platform::DaemonOptions options;
  options.socket_path = socket;
  options.stop = &g_stop;
  auto pool = enclave_uid_pool(enclave_uids);
  if (!pool.is_ok()) return fail(pool.status().message(), "see docs/platform.md, \"Who an enclave runs as\"");
  options.enclave_uids = std::move(pool).value();
  std::signal(SIGINT, on_stop_signal);
  std::signal(SIGTERM, on_stop_signal);
  std::signal(SIGPIPE, SIG_IGN);
  platform::EnclaveLauncher launcher(std::make_shared<const PlatformIdentity>(std::move(identity).value()));
  Status served = platform::serve_daemon(launcher, options);
  if (!served.is_ok()) return fail(served.message());
  return 0;
}

int run_ca(const std::string& data_dir) {
  auto identity = PlatformIdentity::load(data_dir);
  if (!identity.is_ok()) return fail(identity.status().message());
  std::cout << identity->operator_ca_pem();
  return 0;
}

const RegisterCommands registered([](CLI::App& root) {
  auto* platform =
      root.add_subcommand("platform", "Run the platform that launches, measures and attests enclaves");
  platform->require_subcommand(1);

  auto* init =
      platform->add_subcommand("init", "Create a platform: root secret, attestation key, operator CA");
  auto data_dir = std::make_shared<std::string>(default_data_dir());
  auto operator_name = std::make_shared<std::string>();
  auto force = std::make_shared<bool>(false);
  init->add_option("--data-dir", *data_dir, "Where the platform keeps its secrets ($CLOISTER_PLATFORM_DIR)")
      ->capture_default_str();
  init->add_option("--operator", *operator_name, "Operator name in the CA certificate");
  init->add_flag("--force", *force, "Replace an existing platform (its sealed data becomes unreadable)");
  init->callback([=] { exit_code() = run_init(*data_dir, *operator_name, *force); });

  auto* serve = platform->add_subcommand("serve", "Run the platform daemon on a unix socket");
  auto socket = std::make_shared<std::string>(default_socket());
  auto enclave_uids = std::make_shared<std::string>();
  auto enclave_user = std::make_shared<std::string>();
  serve->add_option("--data-dir", *data_dir, "The platform's data directory")->capture_default_str();
  serve->add_option("--socket", *socket, "Unix socket hosts connect to ($CLOISTER_PLATFORM_SOCKET)")
      ->capture_default_str();
  serve->add_option("--enclave-uids", *enclave_uids,
                    "As root, the range FIRST-LAST that each enclave's own uid comes from (default " +
                        std::to_string(platform::kDefaultEnclaveUids.first) + "-" +
                        std::to_string(platform::kDefaultEnclaveUids.last) + "); no account may use it");
  serve->add_option("--enclave-user", *enclave_user, "Removed: enclaves get a uid of their own")->group("");
  serve->callback([=] { exit_code() = run_serve(*data_dir, *socket, *enclave_uids, *enclave_user); });

  auto* ca = platform->add_subcommand("ca", "Print the operator CA certificate (PEM) that verifiers trust");
  ca->add_option("--data-dir", *data_dir, "The platform's data directory")->capture_default_str();
  ca->callback([=] { exit_code() = run_ca(*data_dir); });
});

}  // namespace
}  // namespace cloister::cli
