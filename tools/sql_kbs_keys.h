// `cloister sql cmk|cek` with the column master key in the key broker
// (provider CLOISTER_KBS): the kbs URL and credential options, and the
// commands' kbs forms. Implemented in sql_kbs_key_commands.cpp.
#pragma once

#include <CLI/CLI.hpp>
#include <memory>
#include <string>
#include <string_view>

#include "cloister/bytes.h"
#include "cloister/result.h"
#include "sql/client/kbs_key_client.h"
#include "tools/kbs_cli.h"

namespace cloister::cli {

// Where the broker is and how to authenticate, as `cloister kbs` finds them
// (the url is --kbs here).
using KbsKeyArgs = kbs::ClientArgs;

// --credential-file, --data-dir and --ca (--kbs is added by each command).
void add_kbs_credential_options(CLI::App* command, KbsKeyArgs& args);
Result<std::unique_ptr<sql::client::KbsKeyClient>> open_kbs(const KbsKeyArgs& args);

// A name as a SQL identifier: as is when plain, else [bracketed].
std::string sql_identifier(std::string_view name);

struct KbsCmkArgs {
  KbsKeyArgs kbs;
  std::string name;
  unsigned bits = 3072;
  bool enclave_computations = false;
  bool ddl = false;
};
int run_kbs_cmk_create(const KbsCmkArgs& args);

struct KbsCekArgs {
  KbsKeyArgs kbs;
  std::string cmk;           // kbs key name (current version) ...
  std::string cmk_key_path;  // ... or the full key path
  std::string name;          // the CEK's name, for --ddl
  bool ddl = false;
};
int run_kbs_cek_create(const KbsCekArgs& args);
int run_kbs_cek_decrypt(const KbsCekArgs& args, ByteView value);

}  // namespace cloister::cli
