// The options every `cloister sql` client that connects to the server takes
// (shell, console): the server and its pinned certificate, where the column
// master keys are, and the enclave policy keys are released under.
#pragma once

#include <CLI/CLI.hpp>
#include <string>
#include <vector>

#include "cloister/result.h"
#include "cloister/sql_client.h"
#include "tools/enclave_policy_options.h"

namespace cloister::cli {

struct SqlConnectionArgs {
  std::string server;
  std::string server_cert;
  std::vector<std::string> cmk_stores;
  std::string kbs_url;
  std::string kbs_credential_file;
  std::string kbs_ca;
  EnclavePolicyArgs enclave_policy;
};

void add_sql_connection_options(CLI::App& command, SqlConnectionArgs& args);

Result<sql::ConnectionOptions> connection_options(const SqlConnectionArgs& args);

}  // namespace cloister::cli
