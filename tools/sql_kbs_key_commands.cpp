// The kbs forms of `cloister sql cmk create` and `cloister sql cek
// create|decrypt`: the column master key is an RSA key in the key broker,
// created without a release policy (never released); its metadata and the
// encrypted CEK values are signed by the broker, and the CEK is encrypted
// here with the CMK's public key.
#include <iostream>

#include "cloister/sql_client.h"
#include "common/encoding.h"
#include "crypto/rng.h"
#include "kbs/data_dir.h"
#include "sql/cell_cipher.h"
#include "sql/cmk_metadata.h"
#include "sql/encrypted_cek.h"
#include "tools/command_registry.h"
#include "tools/kbs_cli.h"
#include "tools/sql_kbs_keys.h"

namespace cloister::cli {

using sql::client::KbsKeyClient;
using sql::client::KbsKeyRef;
using sql::client::kKbsProviderName;

namespace {

constexpr const char* kCredentialHint =
    "pass --credential-file (the admin.credential file of the kbs data directory) or the broker's --data-dir";

// The provider's options: the broker's URL, CA and administrator credential.
Result<sql::KbsKeyStoreOptions> store_options(const KbsKeyArgs& args) {
  CLOISTER_ASSIGN_OR_RETURN(std::string credential, kbs::load_credential(args));
  sql::KbsKeyStoreOptions options{args.url, SecretBytes(as_bytes(credential)), args.ca_file};
  secure_wipe(credential.data(), credential.size());
  return options;
}

// The broker's base URL: --kbs, else the part of the key path before /keys/.
std::string base_url_of(const KbsCekArgs& args) {
  if (!args.kbs.url.empty() || args.cmk_key_path.empty()) return args.kbs.url;
  const std::size_t keys = args.cmk_key_path.find("/keys/", args.cmk_key_path.find("//") + 2);
  return keys == std::string::npos ? args.cmk_key_path : args.cmk_key_path.substr(0, keys);
}

struct ResolvedCmk {
  std::unique_ptr<KbsKeyClient> kbs;
  KbsKeyRef key;
  std::string key_path;
};

Result<ResolvedCmk> resolve_cmk(const KbsCekArgs& args) {
  KbsKeyArgs kbs_args = args.kbs;
  kbs_args.url = base_url_of(args);
  ResolvedCmk out;
  CLOISTER_ASSIGN_OR_RETURN(out.kbs, open_kbs(kbs_args));
  if (!args.cmk_key_path.empty()) {
    CLOISTER_ASSIGN_OR_RETURN(out.key, out.kbs->parse_key_path(args.cmk_key_path));
  } else {
    out.key.name = args.cmk;
    CLOISTER_ASSIGN_OR_RETURN(out.key.version, out.kbs->current_version(args.cmk));
  }
  out.key_path = out.kbs->key_path(out.key);
  return out;
}

sql::CmkSigner broker_signer(KbsKeyClient& kbs, const KbsKeyRef& key) {
  return [&kbs, key](const crypto::Digest256& digest) { return kbs.sign(key, digest); };
}

}  // namespace

void add_kbs_credential_options(CLI::App* command, KbsKeyArgs& args) {
  args.data_dir = cloister::kbs::default_data_dir();
  command->add_option("--credential-file", args.credential_file,
                      "With --kbs: the broker's administrator credential (admin.credential)");
  command
      ->add_option("--data-dir", args.data_dir,
                   "With --kbs: the broker's data directory, for admin.credential")
      ->capture_default_str();
  command->add_option("--ca", args.ca_file, "With --kbs: CA certificate (PEM) of an https key broker")
      ->check(CLI::ExistingFile);
}

Result<std::unique_ptr<KbsKeyClient>> open_kbs(const KbsKeyArgs& args) {
  CLOISTER_ASSIGN_OR_RETURN(sql::KbsKeyStoreOptions options, store_options(args));
  return KbsKeyClient::create(options);
}

std::string sql_identifier(std::string_view name) {
  bool plain = !name.empty() && (std::isalpha(static_cast<unsigned char>(name[0])) != 0 || name[0] == '_');
  for (char c : name) plain = plain && (std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_');
  return plain ? std::string(name) : "[" + std::string(name) + "]";
}

int run_kbs_cmk_create(const KbsCmkArgs& args) {
  auto base = sql::client::normalize_kbs_url(args.kbs.url);
  if (!base.is_ok())
    return fail(base.status().message(), "--kbs takes the broker's URL, e.g. http://127.0.0.1:8600");
  // Created without a release policy: the key is never released, only used
  // in place through unwrapkey and sign.
  kbs::ClientArgs client = args.kbs;
  client.url = *base;
  const nlohmann::json request = {{"name", args.name}, {"kty", "RSA"}, {"size", args.bits}};
  auto created = kbs::call(client, "POST", "/keys", request, true);
  if (!created.is_ok()) return fail(created.status().message(), kCredentialHint);
  if (created->status == 409) {
    return fail("the key broker already holds a key named " + args.name,
                "choose another --name; existing keys are never overwritten");
  }
  if (created->status != 201) return kbs::fail_response(*created, kCredentialHint);
  const KbsKeyRef key{args.name, created->body.value("current_version", std::int64_t{1})};

  auto kbs = open_kbs(client);
  if (!kbs.is_ok()) return fail(kbs.status().message(), kCredentialHint);
  const std::string key_path = (*kbs)->key_path(key);
  std::string signature_hex;
  if (args.enclave_computations) {
    auto cmk = (*kbs)->public_key(key);
    if (!cmk.is_ok()) return fail(cmk.status().message());
    auto signature =
        sql::sign_cmk_metadata(*cmk, broker_signer(**kbs, key), kKbsProviderName, key_path, true);
    if (!signature.is_ok()) return fail(signature.status().message());
    signature_hex = "0x" + to_hex(*signature);
  }
  if (args.ddl) {
    std::cout << "CREATE COLUMN MASTER KEY " << sql_identifier(args.name)
              << " WITH (KEY_STORE_PROVIDER_NAME = N'" << kKbsProviderName << "', KEY_PATH = N'" << key_path
              << "'"
              << (signature_hex.empty() ? "" : ", ENCLAVE_COMPUTATIONS (SIGNATURE = " + signature_hex + ")")
              << ");\n";
    return 0;
  }
  std::cout << "provider: " << kKbsProviderName << "\n"
            << "key path: " << key_path << "\n";
  if (!signature_hex.empty()) std::cout << "enclave computations signature: " << signature_hex << "\n";
  return 0;
}

int run_kbs_cek_create(const KbsCekArgs& args) {
  auto cmk = resolve_cmk(args);
  if (!cmk.is_ok()) {
    return fail(
        cmk.status().message(),
        "name the CMK with --kbs URL --cmk NAME or --cmk-key-path; create it with: cloister sql cmk create "
        "--kbs URL --name NAME");
  }
  auto public_key = cmk->kbs->public_key(cmk->key);
  if (!public_key.is_ok()) return fail(public_key.status().message());
  SecretBytes cek(sql::kColumnKeySize);
  if (Status filled = crypto::random_fill({cek.data(), cek.size()}); !filled.is_ok())
    return fail(filled.message());
  auto value = sql::wrap_cek(*public_key, broker_signer(*cmk->kbs, cmk->key), cmk->key_path, cek);
  if (!value.is_ok()) return fail(value.status().message());
  if (args.ddl) {
    if (args.name.empty()) return fail("--ddl needs the key's --name");
    const std::string cmk_name = args.cmk.empty() ? cmk->key.name : args.cmk;
    std::cout << "CREATE COLUMN ENCRYPTION KEY " << sql_identifier(args.name)
              << " WITH VALUES (COLUMN_MASTER_KEY = " << sql_identifier(cmk_name)
              << ", ALGORITHM = 'RSA_OAEP', ENCRYPTED_VALUE = 0x" << to_hex(*value) << ");\n";
    return 0;
  }
  std::cout << "0x" << to_hex(*value) << "\n";
  return 0;
}

int run_kbs_cek_decrypt(const KbsCekArgs& args, ByteView value) {
  auto parts = sql::parse_encrypted_cek(value);
  if (!parts.is_ok())
    return fail(parts.status().message(), "--value takes the value as SQL Server prints it");
  // Without a key path, the value's own: it is checked against --kbs all the same.
  KbsCekArgs resolved = args;
  if (resolved.cmk_key_path.empty() && resolved.cmk.empty()) resolved.cmk_key_path = parts->key_path;
  auto cmk = resolve_cmk(resolved);
  if (!cmk.is_ok()) return fail(cmk.status().message(), "--kbs and --cmk (or --cmk-key-path) name the CMK");
  KbsKeyArgs kbs_args = resolved.kbs;
  kbs_args.url = cmk->kbs->base_url();
  auto options = store_options(kbs_args);
  if (!options.is_ok()) return fail(options.status().message(), kCredentialHint);
  auto provider = sql::KeyStoreProvider::cloister_kbs(*options);
  if (!provider.is_ok()) return fail(provider.status().message());
  auto cek = (*provider)->decrypt_column_key(cmk->key_path, "RSA_OAEP", value);
  if (!cek.is_ok()) return fail(cek.status().message());
  std::cout << to_hex(*cek) << "\n";
  return 0;
}

}  // namespace cloister::cli
