// Shared pieces of `cloister kbs`: the REST client the key and audit
// commands use, and where the administrator credential comes from.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "cloister/result.h"

namespace cloister::cli::kbs {

struct ClientArgs {
  std::string url;              // --url, $CLOISTER_KBS_URL, http://127.0.0.1:8600
  std::string data_dir;         // where admin.credential lives
  std::string credential_file;  // --credential-file overrides data_dir
  std::string ca_file;          // https: the CA that signed the server's certificate
};

std::string default_url();

// The administrator credential: --credential-file, else admin.credential in
// the data directory. The caller wipes it.
Result<std::string> load_credential(const ClientArgs& args);

struct Response {
  int status = 0;
  nlohmann::json body;
};
// Sends a request; `admin` adds the bearer credential. Transport failures are
// errors; HTTP errors come back as a Response for the caller to explain.
Result<Response> call(const ClientArgs& args, const std::string& method, const std::string& path,
                      const std::optional<nlohmann::json>& body, bool admin);

// Prints the service's {"error":{...}} message and a hint; returns exit code 1.
int fail_response(const Response& response, const std::string& hint = "");

// Implemented in kbs_key_commands.cpp.
struct KeyArgs {
  ClientArgs client;
  std::string name;
  std::string type = "oct";
  unsigned size = 0;
  std::string policy_file;
  std::string key_file;
  std::string token_file;
  std::string nonce;
  std::string private_key_file;
  bool json = false;
};
int run_key_create(const KeyArgs& args);
int run_key_import(const KeyArgs& args);
int run_key_list(const KeyArgs& args);
int run_key_show(const KeyArgs& args);
int run_key_rotate(const KeyArgs& args);
int run_key_delete(const KeyArgs& args);
int run_key_enable(const KeyArgs& args, bool enabled);
int run_key_policy_set(const KeyArgs& args);
int run_key_release(const KeyArgs& args);

}  // namespace cloister::cli::kbs
