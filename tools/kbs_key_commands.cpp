// cloister kbs key create | import | list | show | rotate | delete | enable |
// disable | policy set | release: REST calls to a running `cloister kbs serve`.
#include <fstream>
#include <iostream>
#include <iterator>

#include "common/encoding.h"
#include "crypto/keys.h"
#include "jose/jose.h"
#include "kbs/release_policy.h"
#include "tools/command_registry.h"
#include "tools/kbs_cli.h"

namespace cloister::cli::kbs {
namespace {

Result<std::string> read_text(const std::string& path, const char* what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status(ErrorCode::not_found, std::string("cannot open ") + what + " " + path);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (text.size() > (1 << 20)) return Status(ErrorCode::out_of_range, path + " is larger than 1 MiB");
  return text;
}

// Policies are checked here too, so a typo is reported with its location
// before anything is sent.
Result<nlohmann::json> read_policy(const std::string& path) {
  CLOISTER_ASSIGN_OR_RETURN(std::string text, read_text(path, "policy file"));
  CLOISTER_ASSIGN_OR_RETURN(auto policy, cloister::kbs::ReleasePolicy::parse_text(text));
  return policy.json();
}

std::string kid_of(const nlohmann::json& info) {
  return info.value("kid", std::string());
}

void print_key(const nlohmann::json& info, bool json) {
  if (json) {
    std::cout << info.dump(2) << "\n";
    return;
  }
  std::cout << "name:     " << info.value("name", "") << "\n"
            << "type:     " << info.value("kty", "") << " " << info.value("size", 0) << "\n"
            << "enabled:  " << (info.value("enabled", false) ? "yes" : "no") << "\n"
            << "current:  " << kid_of(info) << " (" << info["versions"].size() << " version(s))\n"
            << "created:  " << info.value("created", 0) << "\n";
  if (info.contains("public_jwk")) std::cout << "public:   " << info["public_jwk"].dump() << "\n";
  if (info["release_policy"].is_null()) {
    std::cout << "policy:   none (never released; set one with: cloister kbs key policy set "
              << info.value("name", "") << " POLICY.json)\n";
  } else {
    std::cout << "policy:   " << info["release_policy"].dump(2) << "\n";
  }
}

int expect(const Result<Response>& response, int status, const std::string& hint = "") {
  if (!response.is_ok())
    return fail(response.status().message(), "is `cloister kbs serve` running at that --url?");
  if (response->status != status) return fail_response(*response, hint);
  return 0;
}

}  // namespace

int run_key_create(const KeyArgs& args) {
  nlohmann::json body = {{"name", args.name}, {"kty", args.type}};
  if (args.size != 0) body["size"] = args.size;
  if (!args.policy_file.empty()) {
    auto policy = read_policy(args.policy_file);
    if (!policy.is_ok()) return fail(policy.status().message(), "see docs/kbs.md for the policy grammar");
    body["release_policy"] = *policy;
  }
  auto response = call(args.client, "POST", "/keys", body, true);
  if (int rc = expect(response, 201); rc != 0) return rc;
  std::cout << "created " << kid_of(response->body) << "\n";
  if (args.policy_file.empty()) {
    std::cout << "note: no release policy yet; it is never released until: cloister kbs key policy set "
              << args.name << " POLICY.json\n";
  }
  return 0;
}

int run_key_import(const KeyArgs& args) {
  auto text = read_text(args.key_file, "key file");
  if (!text.is_ok()) return fail(text.status().message());
  nlohmann::json body;
  if (text->find("-----BEGIN") != std::string::npos) {
    body["pem"] = *text;
  } else {
    auto jwk = nlohmann::json::parse(*text, nullptr, false);
    if (jwk.is_discarded() || !jwk.is_object()) {
      secure_wipe(text->data(), text->size());
      return fail(args.key_file + " is neither a PEM private key nor a JSON JWK",
                  "give {\"kty\":\"oct\",\"k\":\"<base64url of 32 bytes>\"} or a PKCS#8 PEM");
    }
    body["key"] = jwk;
  }
  secure_wipe(text->data(), text->size());
  if (!args.policy_file.empty()) {
    auto policy = read_policy(args.policy_file);
    if (!policy.is_ok()) return fail(policy.status().message());
    body["release_policy"] = *policy;
  }
  auto response = call(args.client, "PUT", "/keys/" + args.name, body, true);
  if (int rc = expect(response, 201); rc != 0) return rc;
  std::cout << "imported " << kid_of(response->body) << "\n";
  return 0;
}

int run_key_list(const KeyArgs& args) {
  auto response = call(args.client, "GET", "/keys", std::nullopt, true);
  if (int rc = expect(response, 200); rc != 0) return rc;
  if (args.json) {
    std::cout << response->body.dump(2) << "\n";
    return 0;
  }
  const auto& keys = response->body["keys"];
  if (keys.empty())
    std::cout << "no keys; create one with: cloister kbs key create NAME --policy POLICY.json\n";
  for (const auto& info : keys) {
    std::cout << kid_of(info) << "\t" << info.value("kty", "") << "-" << info.value("size", 0) << "\t"
              << (info.value("enabled", false) ? "enabled" : "disabled") << "\t"
              << (info["release_policy"].is_null() ? "no policy" : "policy") << "\n";
  }
  return 0;
}

int run_key_show(const KeyArgs& args) {
  auto response = call(args.client, "GET", "/keys/" + args.name, std::nullopt, true);
  if (int rc = expect(response, 200); rc != 0) return rc;
  print_key(response->body, args.json);
  return 0;
}

int run_key_rotate(const KeyArgs& args) {
  auto response = call(args.client, "POST", "/keys/" + args.name + "/rotate", std::nullopt, true);
  if (int rc = expect(response, 200); rc != 0) return rc;
  std::cout << "rotated; current version " << kid_of(response->body) << "\n";
  return 0;
}

int run_key_delete(const KeyArgs& args) {
  auto response = call(args.client, "DELETE", "/keys/" + args.name, std::nullopt, true);
  if (int rc = expect(response, 200); rc != 0) return rc;
  std::cout << "deleted " << args.name << " and all its versions\n";
  return 0;
}

int run_key_enable(const KeyArgs& args, bool enabled) {
  auto response =
      call(args.client, "PATCH", "/keys/" + args.name, nlohmann::json{{"enabled", enabled}}, true);
  if (int rc = expect(response, 200); rc != 0) return rc;
  std::cout << args.name << (enabled ? " enabled\n" : " disabled (releases are refused)\n");
  return 0;
}

int run_key_policy_set(const KeyArgs& args) {
  auto policy = read_policy(args.policy_file);
  if (!policy.is_ok()) return fail(policy.status().message(), "see docs/kbs.md for the policy grammar");
  auto response = call(args.client, "PUT", "/keys/" + args.name + "/policy", *policy, true);
  if (int rc = expect(response, 200); rc != 0) return rc;
  std::cout << "release policy of " << args.name << " set\n";
  return 0;
}

int run_key_release(const KeyArgs& args) {
  auto token = read_text(args.token_file, "token file");
  if (!token.is_ok()) return fail(token.status().message());
  while (!token->empty() && std::isspace(static_cast<unsigned char>(token->back())) != 0) token->pop_back();
  nlohmann::json body = {{"target", *token}};
  if (!args.nonce.empty()) body["nonce"] = args.nonce;
  auto response = call(args.client, "POST", "/keys/" + args.name + "/release", body, false);
  if (int rc =
          expect(response, 200, "the refusal is in the audit log: cloister kbs audit --key " + args.name);
      rc != 0)
    return rc;
  if (args.private_key_file.empty()) {
    std::cout << response->body.dump(2) << "\n";
    return 0;
  }
  auto pem = read_text(args.private_key_file, "private key");
  if (!pem.is_ok()) return fail(pem.status().message());
  auto key = crypto::PrivateKey::from_pem(*pem);
  secure_wipe(pem->data(), pem->size());
  if (!key.is_ok()) return fail("cannot read " + args.private_key_file + ": " + key.status().message());
  auto plain = jose::decrypt_jwe(response->body.value("value", ""), *key);
  if (!plain.is_ok()) {
    return fail("the released key does not unwrap: " + plain.status().message(),
                "--private-key must be the private half of the key in the token's x-ms-runtime.keys");
  }
  // Printed on request only: this is for tests and debugging, never for production.
  std::cout.write(reinterpret_cast<const char*>(plain->data()), static_cast<std::streamsize>(plain->size()));
  std::cout << "\n";
  return 0;
}

}  // namespace cloister::cli::kbs
