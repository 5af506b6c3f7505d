// cloister kbs serve | key ... | audit: the key broker and its administration.
#include <httplib.h>

#include <cstdlib>
#include <iostream>

#include "common/log.h"
#include "kbs/data_dir.h"
#include "kbs/kbs_service.h"
#include "kbs/key_store.h"
#include "platform/private_files.h"
#include "sqlite/database.h"
#include "tools/command_registry.h"
#include "tools/http_client.h"
#include "tools/kbs_cli.h"
#include "tools/serve_until_signal.h"

namespace cloister::cli::kbs {

using cloister::kbs::DataDirPaths;

std::string default_url() {
  if (const char* url = std::getenv("CLOISTER_KBS_URL"); url != nullptr && *url != '\0') return url;
  return "http://127.0.0.1:8600";
}

Result<std::string> load_credential(const ClientArgs& args) {
  const std::string file = !args.credential_file.empty()
                               ? args.credential_file
                               : cloister::kbs::data_dir_paths(args.data_dir).credential;
  auto credential = cloister::kbs::load_admin_credential(file);
  if (!credential.is_ok()) {
    return credential.status().with_context(
        "the administrator credential (pass --credential-file or the server's --data-dir)");
  }
  return credential;
}

Result<Response> call(const ClientArgs& args, const std::string& method, const std::string& path,
                      const std::optional<nlohmann::json>& body, bool admin) {
  httplib::Headers headers;
  if (admin) {
    CLOISTER_ASSIGN_OR_RETURN(std::string credential, load_credential(args));
    headers.emplace("Authorization", "Bearer " + credential);
    secure_wipe(credential.data(), credential.size());
  }
  const std::string payload = body ? body->dump() : std::string();
  auto reply = http_call(args.url, method, path, payload, "application/json", headers, args.ca_file);
  if (!reply) return reply.status().with_context("the key broker");
  Response out;
  out.status = reply->status;
  out.body = nlohmann::json::parse(reply->body, nullptr, false);
  if (out.body.is_discarded()) out.body = nlohmann::json::object();
  return out;
}

int fail_response(const Response& response, const std::string& hint) {
  std::string message = "the key broker answered HTTP " + std::to_string(response.status);
  if (response.body.contains("error") && response.body["error"].is_object()) {
    message += ": " + response.body["error"].value("message", std::string());
  }
  std::string next = hint;
  if (response.status == 401)
    next = "pass --credential-file FILE or --data-dir of the server (admin.credential)";
  return fail(message, next);
}

namespace {

struct ServeArgs {
  std::string data_dir = cloister::kbs::default_data_dir();
  std::string kek_file;
  std::string host = "127.0.0.1";
  int port = 8600;
  std::string port_file;
  std::string tls_cert;
  std::string tls_key;
  std::vector<std::string> authority_jwks;
  std::string authority_ca;
};

int run_serve(const ServeArgs& args) {
  log::init("kbs");
  block_stop_signals();

  const DataDirPaths paths = cloister::kbs::data_dir_paths(args.data_dir, args.kek_file);
  auto store = cloister::kbs::KeyStore::open(paths);
  if (!store.is_ok()) return fail(store.status().message(), "check --data-dir and --kek-file");
  auto credential = cloister::kbs::load_admin_credential(paths.credential);
  if (!credential.is_ok()) return fail(credential.status().message());

  cloister::kbs::AuthorityOptions authority_options;
  authority_options.ca_file = args.authority_ca;
  for (const auto& mapping : args.authority_jwks) {
    const std::size_t eq = mapping.rfind('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == mapping.size()) {
      return fail("--authority-jwks takes ISSUER=FILE, not " + mapping);
    }
    authority_options.jwks_files[mapping.substr(0, eq)] = mapping.substr(eq + 1);
  }
  cloister::kbs::AuthorityKeys authorities(authority_options);
  cloister::kbs::Service service(**store, authorities, std::move(credential).value());

  http::ServerOptions options;
  options.host = args.host;
  options.port = args.port;
  options.tls_cert_pem_file = args.tls_cert;
  options.tls_key_pem_file = args.tls_key;
  options.service_name = "kbs";
  auto server = http::Server::create(options);
  if (!server.is_ok()) return fail(server.status().message());
  service.install((*server)->routes());
  if (Status bound = (*server)->bind(); !bound.is_ok()) return fail(bound.message());
  if (Status written = write_port_file(args.port_file, (*server)->port()); !written.is_ok())
    return fail(written.message());
  std::cout << "kbs listening on " << (*server)->url() << "\n"
            << "data directory: " << paths.dir << " (admin credential: " << paths.credential << ")\n"
            << std::flush;
  serve_until_signal(**server, "kbs");
  std::cout << "kbs stopped\n";
  return 0;
}

int run_audit(const ClientArgs& client, bool verify, bool local, const std::string& key, std::size_t limit,
              bool json) {
  if (local) {
    // Reads the store directly, without the KEK: audit rows hold no secrets.
    const DataDirPaths paths = cloister::kbs::data_dir_paths(client.data_dir);
    if (!platform::path_exists(paths.database)) return fail("no key store at " + paths.database);
    auto db = cloister::sqlite::Database::open(paths.database);
    if (!db.is_ok()) return fail(db.status().message());
    if (verify) {
      auto verified = cloister::kbs::audit::verify(*db);
      if (!verified.is_ok()) return fail(verified.status().message(), "the audit log was tampered with");
      std::cout << "audit log intact: " << verified->rows << " rows, head " << verified->head_hash << "\n";
      return 0;
    }
    auto records = cloister::kbs::audit::list(*db, limit, key);
    if (!records.is_ok()) return fail(records.status().message());
    for (const auto& record : *records) std::cout << cloister::kbs::to_json(record).dump() << "\n";
    return 0;
  }
  if (verify) {
    auto response = call(client, "GET", "/audit/verify", std::nullopt, true);
    if (!response.is_ok()) return fail(response.status().message());
    if (response->status != 200) return fail_response(*response, "the audit log was tampered with");
    std::cout << "audit log intact: " << response->body.value("rows", 0) << " rows, head "
              << response->body.value("head_hash", "") << "\n";
    return 0;
  }
  std::string path = "/audit?limit=" + std::to_string(limit);
  if (!key.empty()) path += "&key=" + key;
  auto response = call(client, "GET", path, std::nullopt, true);
  if (!response.is_ok()) return fail(response.status().message());
  if (response->status != 200) return fail_response(*response);
  for (const auto& record : response->body["records"]) {
    if (json) {
      std::cout << record.dump() << "\n";
      continue;
    }
    std::cout << record.value("seq", 0) << "\t" << record.value("time", 0) << "\t"
              << record.value("action", "") << "\t" << record.value("key", "") << "/"
              << record.value("version", 0) << "\t" << record.value("outcome", "") << "\t"
              << record.value("reason", "");
    if (record.contains("token_iss")) std::cout << "\tiss=" << record.value("token_iss", "");
    if (record.contains("mrenclave")) std::cout << "\tmrenclave=" << record.value("mrenclave", "");
    std::cout << "\n";
  }
  return 0;
}

void add_client_options(CLI::App* command, ClientArgs& args) {
  command->add_option("--url", args.url, "The key broker ($CLOISTER_KBS_URL)")->capture_default_str();
  command->add_option("--data-dir", args.data_dir, "The server's data directory, for admin.credential")
      ->capture_default_str();
  command->add_option("--credential-file", args.credential_file, "The administrator credential file");
  command->add_option("--ca", args.ca_file, "CA certificate of an https key broker");
}

const RegisterCommands registered([](CLI::App& root) {
  auto* kbs = root.add_subcommand("kbs", "The key broker: keys released only to attested enclaves");
  kbs->require_subcommand(1);

  auto serve_args = std::make_shared<ServeArgs>();
  auto* serve = kbs->add_subcommand("serve", "Run the key broker (REST over http(s), loopback by default)");
  serve->add_option("--data-dir", serve_args->data_dir, "Store, KEK and credential ($CLOISTER_KBS_DIR)")
      ->capture_default_str();
  serve->add_option("--kek-file", serve_args->kek_file,
                    "Key-encryption key file (default: DATA_DIR/kek.bin)");
  serve->add_option("--host", serve_args->host, "Address to listen on")->capture_default_str();
  serve->add_option("--port", serve_args->port, "Port (0: any free port)")->capture_default_str();
  serve->add_option("--port-file", serve_args->port_file, "Write the bound port here");
  serve->add_option("--tls-cert", serve_args->tls_cert, "Serve https with this certificate (PEM)");
  serve->add_option("--tls-key", serve_args->tls_key, "and this private key (PEM)");
  serve->add_option("--authority-jwks", serve_args->authority_jwks,
                    "ISSUER=FILE: use this JWKS for ISSUER instead of fetching it (repeatable)");
  serve->add_option("--authority-ca", serve_args->authority_ca, "CA file for https attestation authorities");
  serve->callback([serve_args] { exit_code() = run_serve(*serve_args); });

  auto* key = kbs->add_subcommand("key", "Create, import, list, rotate, delete and release keys");
  key->require_subcommand(1);
  auto args = std::make_shared<KeyArgs>();
  args->client.url = default_url();
  args->client.data_dir = cloister::kbs::default_data_dir();
  auto add = [&](const char* name, const char* help, bool needs_name) {
    auto* command = key->add_subcommand(name, help);
    add_client_options(command, args->client);
    if (needs_name) command->add_option("name", args->name, "Key name")->required();
    return command;
  };
  auto* create = add("create", "Create a key (oct: AES-256 by default)", true);
  create->add_option("--type", args->type, "oct | EC | RSA")->capture_default_str();
  create->add_option("--size", args->size, "Bits: RSA 2048 or 3072 (default 3072)");
  create->add_option("--policy", args->policy_file, "Release policy (Key Vault SKR JSON)");
  create->callback([args] { exit_code() = run_key_create(*args); });
  auto* import = add("import", "Import a key: a JWK {kty:oct,k} or a PKCS#8 PEM (EC P-256, RSA)", true);
  import->add_option("--key-file", args->key_file, "The key to import")->required();
  import->add_option("--policy", args->policy_file, "Release policy (Key Vault SKR JSON)");
  import->callback([args] { exit_code() = run_key_import(*args);
});
auto* list = add("list", "List keys", false);
list->add_flag("--json", args->json, "Print the JSON the service returns");
list->callback([args] { exit_code() = run_key_list(*args); });
auto* show = add("show", "Show a key's metadata and policy (never its material)", true);
show->add_flag("--json", args->json, "Print the JSON the service returns");
show->callback([args] { exit_code() = run_key_show(*args); });
add("rotate", "Add a new version; it becomes current", true)->callback([args] {
  exit_code() = run_key_rotate(*args);
});
add("delete", "Delete a key and all its versions", true)->callback([args] {
  exit_code() = run_key_delete(*args);
});
add("enable", "Allow releases of a key again", true)->callback([args] {
  exit_code() = run_key_enable(*args, true);
});
add("disable", "Refuse every release of a key", true)->callback([args] {
  exit_code() = run_key_enable(*args, false);
});
auto* policy = key->add_subcommand("policy", "Release policies");
policy->require_subcommand(1);
auto* policy_set = policy->add_subcommand("set", "Replace a key's release policy");
add_client_options(policy_set, args->client);
policy_set->add_option("name", args->name, "Key name")->required();
policy_set->add_option("policy", args->policy_file, "Policy file (Key Vault SKR JSON)")->required();
policy_set->callback([args] { exit_code() = run_key_policy_set(*args); });
auto* release = add("release", "Ask for a key with an attestation token (as an enclave would)", true);
release->add_option("--token", args->token_file, "File holding the attestation token")->required();
release->add_option("--nonce", args->nonce, "Nonce the token's runtime data must carry (x-ms-runtime.nonce)");
release->add_option("--private-key", args->private_key_file,
                    "Enclave private key (PEM): unwrap and print the key as a JWK (tests/debugging only)");
release->callback([args] { exit_code() = run_key_release(*args); });

auto* key_audit =
    add("audit", "Show one key's releases, refusals and changes (all keys: cloister kbs audit)", true);
key_audit->add_flag("--json", args->json, "One JSON record per line");
key_audit->callback([args] {
  exit_code() = run_audit(args->client, false, false, args->name, 1000, args->json);
});

auto* audit = kbs->add_subcommand("audit", "Show or verify the append-only audit log");
auto audit_args = std::make_shared<ClientArgs>(args->client);
auto verify = std::make_shared<bool>(false);
auto local = std::make_shared<bool>(false);
auto json = std::make_shared<bool>(false);
auto audit_key = std::make_shared<std::string>();
auto limit = std::make_shared<std::size_t>(1000);
add_client_options(audit, *audit_args);
audit->add_flag("--verify", *verify, "Recompute the hash chain; fails if any row was altered or removed");
audit->add_flag("--local", *local, "Read the store in --data-dir directly instead of asking the server");
audit->add_flag("--json", *json, "One JSON record per line");
audit->add_option("--key", *audit_key, "Only records of this key");
audit->add_option("--limit", *limit, "At most this many (most recent) records")->capture_default_str();
audit->callback([=] { exit_code() = run_audit(*audit_args, *verify, *local, *audit_key, *limit, *json); });
});

}  // namespace
}  // namespace cloister::cli::kbs
