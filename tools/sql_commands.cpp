// cloister sql cell encrypt|decrypt, cloister sql cmk create, cloister sql cek
// create|decrypt: Always Encrypted's cells and keys, in the formats SQL Server
// stores, from the command line. Binary values are hex on argv or stdin. The
// CMK lives in a local key file store (--store, --cmk-store) or in the key
// broker (--kbs; sql_kbs_key_commands.cpp).
#include <iostream>
#include <iterator>
#include <memory>
#include <string>

#include "common/encoding.h"
#include "crypto/rng.h"
#include "sql/cell_cipher.h"
#include "sql/cmk_metadata.h"
#include "sql/encrypted_cek.h"
#include "sql/key_file_store.h"
#include "tools/command_registry.h"
#include "tools/sql_kbs_keys.h"

namespace cloister::cli {
namespace {

struct CellArgs {
  std::string cek_hex;
  std::string type = "deterministic";
  std::string input;  // hex; empty means stdin
};

struct CmkArgs {
  std::string store;
  std::string name;
  bool enclave_computations = false;
  bool ddl = false;
  unsigned bits = 3072;
  KbsKeyArgs kbs;  // --kbs instead of --store
};

struct CekArgs {
  std::string store;
  std::string cmk;
  std::string value_hex;
  std::string name;  // for --ddl
  bool ddl = false;
  KbsKeyArgs kbs;  // --kbs / --cmk-key-path instead of --cmk-store
  std::string cmk_key_path;
};

KbsCekArgs kbs_cek_args(const CekArgs& args) {
  return {.kbs = args.kbs,
          .cmk = args.cmk,
          .cmk_key_path = args.cmk_key_path,
          .name = args.name,
          .ddl = args.ddl};
}

bool uses_kbs(const CekArgs& args) {
  return !args.kbs.url.empty() || !args.cmk_key_path.empty();
}

// Exactly one home for the CMK: a key file store or the key broker.
int check_one_store(bool store, bool kbs, const char* store_option) {
  if (store == kbs) {
    return fail(std::string("name where the column master key lives: ") + store_option +
                " DIR (a key file store) or --kbs URL (the key broker)");
  }
  return 0;
}

// The positional hex, or all of stdin, without whitespace.
Result<Bytes> hex_input(const std::string& argument, const char* what) {
  std::string text = argument;
  if (text.empty() || text == "-") {
    text.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
  }
  std::erase_if(text, [](char c) { return c == ' ' || c == '\n' || c == '\r' || c == '\t'; });
  if (text.starts_with("0x") || text.starts_with("0X")) text.erase(0, 2);  // as SQL Server prints binary
  auto bytes = from_hex(text);
  if (!bytes.is_ok()) return bytes.status().with_context(std::string("the ") + what + " is not hex");
  return bytes;
}

Result<sql::CellKey> cell_key(const std::string& cek_hex) {
  auto cek = from_hex(cek_hex);
  if (!cek.is_ok()) return cek.status().with_context("--cek is not hex");
  auto key = sql::CellKey::create(*cek);
  secure_wipe(cek->data(), cek->size());
  return key;
}

int run_cell_encrypt(const CellArgs& args) {
  const char* hint = "--cek takes the 32-byte column encryption key as 64 hex digits";
  auto key = cell_key(args.cek_hex);
  if (!key.is_ok()) return fail(key.status().message(), hint);
  auto plaintext = hex_input(args.input, "plaintext");
  if (!plaintext.is_ok())
    return fail(plaintext.status().message(), "pass the plaintext as hex, on argv or stdin");
  const auto type =
      args.type == "randomized" ? sql::EncryptionType::randomized : sql::EncryptionType::deterministic;
  auto cell = key->encrypt(*plaintext, type);
  secure_wipe(plaintext->data(), plaintext->size());
  if (!cell.is_ok()) return fail(cell.status().message());
  std::cout << to_hex(*cell) << "\n";
  return 0;
}

int run_cell_decrypt(const CellArgs& args) {
  auto key = cell_key(args.cek_hex);
  if (!key.is_ok()) return fail(key.status().message(), "--cek takes the 32-byte key as 64 hex digits");
  auto cell = hex_input(args.input, "cell");
  if (!cell.is_ok()) return fail(cell.status().message(), "pass the encrypted cell as hex, on argv or stdin");
  auto plaintext = key->decrypt(*cell);
  if (!plaintext.is_ok()) {
    return fail(plaintext.status().message(),
                "check that --cek is the key of that column and the cell is whole");
  }
  std::cout << to_hex(*plaintext) << "\n";
  return 0;
}

int run_cmk_create(const CmkArgs& args) {
  if (int bad = check_one_store(!args.store.empty(), !args.kbs.url.empty(), "--store"); bad != 0) return bad;
  if (!args.kbs.url.empty()) {
    return run_kbs_cmk_create({.kbs = args.kbs,
                               .name = args.name,
                               .bits = args.bits,
                               .enclave_computations = args.enclave_computations,
                               .ddl = args.ddl});
  }
  auto store = sql::KeyFileStore::open(args.store, true);
  if (!store.is_ok()) return fail(store.status().message(), "--store names a directory only you can read");
  auto key = store->create_key(args.name, args.bits);
  if (!key.is_ok()) {
    return fail(key.status().message(), key.status().code() == ErrorCode::conflict
                                            ? "choose another --name; existing keys are never overwritten"
                                            : "");
  }
  std::string signature_hex;
  if (args.enclave_computations) {
    auto signature = sql::sign_cmk_metadata(*key, sql::kKeyFileProviderName, args.name, true);
    if (!signature.is_ok()) return fail(signature.status().message());
    signature_hex = "0x" + to_hex(*signature);
  }
  if (args.ddl) {
    // The statement that records this CMK in a database, as SSMS generates it.
    std::cout << "CREATE COLUMN MASTER KEY " << args.name << " WITH (KEY_STORE_PROVIDER_NAME = N'"
              << sql::kKeyFileProviderName << "', KEY_PATH = N'" << args.name << "'"
              << (signature_hex.empty() ? "" : ", ENCLAVE_COMPUTATIONS (SIGNATURE = " + signature_hex + ")")
              << ");\n";
    return 0;
  }
  std::cout << "provider: " << sql::kKeyFileProviderName << "\n"
            << "key path: " << args.name << "\n"
            << "file:     " << store->directory() << "/" << args.name << "\n";
  if (!signature_hex.empty()) std::cout << "enclave computations signature: " << signature_hex << "\n";
  return 0;
}

Result<crypto::PrivateKey> load_cmk(const std::string& store_dir, const std::string& name) {
  CLOISTER_ASSIGN_OR_RETURN(sql::KeyFileStore store, sql::KeyFileStore::open(store_dir, false));
  return store.load(name);
}

int run_cek_create(const CekArgs& args) {
  if (int bad = check_one_store(!args.store.empty(), uses_kbs(args), "--cmk-store"); bad != 0) return bad;
  if (uses_kbs(args)) {
    if (args.cmk.empty() == args.cmk_key_path.empty() || (!args.cmk.empty() && args.kbs.url.empty()))
      return fail("with the key broker, name the CMK with --kbs URL --cmk NAME, or with --cmk-key-path PATH");
    return run_kbs_cek_create(kbs_cek_args(args));
  }
  if (args.cmk.empty()) return fail("--cmk names the column master key in --cmk-store");
  auto cmk = load_cmk(args.store, args.cmk);
  if (!cmk.is_ok()) {
    return fail(cmk.status().message(), "create the CMK first: cloister sql cmk create --store DIR --name N");
  }
  SecretBytes cek(sql::kColumnKeySize);
  if (Status filled = crypto::random_fill({cek.data(), cek.size()}); !filled.is_ok())
    return fail(filled.message());
  auto value = sql::wrap_cek(*cmk, args.cmk, cek);
  if (!value.is_ok()) return fail(value.status().message());
  if (args.ddl) {
    if (args.name.empty()) return fail("--ddl needs the key's --name");
    std::cout << "CREATE COLUMN ENCRYPTION KEY " << args.name
              << " WITH VALUES (COLUMN_MASTER_KEY = " << args.cmk
              << ", ALGORITHM = 'RSA_OAEP', ENCRYPTED_VALUE = 0x" << to_hex(*value) << ");\n";
    return 0;
  }
  std::cout << "0x" << to_hex(*value) << "\n";
  return 0;
}

int run_cek_decrypt(const CekArgs& args) {
  if (int bad = check_one_store(!args.store.empty(), uses_kbs(args), "--cmk-store"); bad != 0) return bad;
  if (uses_kbs(args)) {
    auto value = hex_input(args.value_hex, "encrypted CEK value");
    if (!value.is_ok())
      return fail(value.status().message(), "--value takes the value as SQL Server prints it");
    return run_kbs_cek_decrypt(kbs_cek_args(args), *value);
  }
  if (args.cmk.empty()) return fail("--cmk names the column master key in --cmk-store");
  auto cmk = load_cmk(args.store, args.cmk);
  if (!cmk.is_ok())
    return fail(cmk.status().message(), "--cmk-store and --cmk name the CMK that wrapped the value");
  auto value = hex_input(args.value_hex, "encrypted CEK value");
  if (!value.is_ok())
    return fail(value.status().message(), "--value takes the value as SQL Server prints it");
  auto cek = sql::unwrap_cek(*cmk, args.cmk, *value);
  if (!cek.is_ok()) return fail(cek.status().message());
  std::cout << to_hex(*cek) << "\n";
  return 0;
}

void add_cell_options(CLI::App* command, const std::shared_ptr<CellArgs>& args, const char* input_help) {
  command->add_option("--cek", args->cek_hex, "Column encryption key, 64 hex digits")->required();
  command->add_option("HEX", args->input, input_help);
}

void add_sql_commands(CLI::App& root) {
  auto* sql =
      root.add_subcommand("sql", "Always Encrypted: cells, column master keys, column encryption keys");
  sql->require_subcommand(1);

  auto* cell = sql->add_subcommand("cell", "Encrypt or decrypt one cell (AEAD_AES_256_CBC_HMAC_SHA256)");
  cell->require_subcommand(1);
  auto encrypt_args = std::make_shared<CellArgs>();
  auto* encrypt = cell->add_subcommand("encrypt", "Encrypt hex plaintext into a cell (hex)");
  add_cell_options(encrypt, encrypt_args, "Plaintext as hex (default: read stdin)");
  encrypt->add_option("--type", encrypt_args->type, "deterministic (equal values, equal cells) or randomized")
      ->check(CLI::IsMember({"deterministic", "randomized"}))
      ->capture_default_str();
  encrypt->callback([encrypt_args] { exit_code() = run_cell_encrypt(*encrypt_args); });
  auto decrypt_args = std::make_shared<CellArgs>();
  auto* decrypt = cell->add_subcommand("decrypt", "Check a cell's tag and decrypt it (hex out)");
  add_cell_options(decrypt, decrypt_args, "Cell as hex (default: read stdin)");
  decrypt->add_option("--type", decrypt_args->type, "Ignored: a cell decrypts the same either way")
      ->check(CLI::IsMember({"deterministic", "randomized"}));
  decrypt->callback([decrypt_args] { exit_code() = run_cell_decrypt(*decrypt_args); });

  auto* cmk = sql->add_subcommand("cmk", "Column master keys in a local key file store or in the key broker");
  cmk->require_subcommand(1);
  auto cmk_args = std::make_shared<CmkArgs>();
  auto* cmk_create = cmk->add_subcommand(
      "create",
      "Create an RSA column master key: in a key file store (PKCS#8 PEM, mode 0600, provider "
      "CLOISTER_KEY_FILE) "
      "or in the key broker (never released; provider CLOISTER_KBS, key path URL/keys/NAME/VERSION)");
  cmk_create->add_option("--store", cmk_args->store, "Key store directory (made with mode 0700)");
  cmk_create->add_option("--kbs", cmk_args->kbs.url, "Or: the key broker's URL, e.g. http://127.0.0.1:8600");
  cmk_create->add_option("--name", cmk_args->name, "Key name (in a key file store, also its key path)")
      ->required();
  cmk_create->add_flag("--enclave-computations", cmk_args->enclave_computations,
                       "Also print the metadata signature for ENCLAVE_COMPUTATIONS (SIGNATURE = ...)");
  cmk_create->add_flag("--ddl", cmk_args->ddl,
                       "Print the CREATE COLUMN MASTER KEY statement for the database");
  cmk_create->add_option("--bits", cmk_args->bits, "RSA size")
      ->check(CLI::IsMember({2048, 3072}))
      ->capture_default_str();
  add_kbs_credential_options(cmk_create, cmk_args->kbs);
  cmk_create->callback([cmk_args] { exit_code() = run_cmk_create(*cmk_args); });

  auto* cek = sql->add_subcommand("cek", "Column encryption keys wrapped by a column master key");
  cek->require_subcommand(1);
  auto add_cmk_options = [](CLI::App* command, CekArgs& args) {
    command->add_option("--cmk-store", args.store, "Key store directory of the CMK");
    command->add_option("--cmk", args.cmk,
                        "Column master key name (in --cmk-store, or in --kbs: its current version)");
    command->add_option("--kbs", args.kbs.url,
                        "Or: the key broker holding the CMK, e.g. http://127.0.0.1:8600");
    command->add_option("--cmk-key-path", args.cmk_key_path,
                        "Or: the CMK's key path in the key broker, URL/keys/NAME/VERSION");
    add_kbs_credential_options(command, args.kbs);
  };
  auto cek_create_args = std::make_shared<CekArgs>();
  auto* cek_create =
      cek->add_subcommand("create", "Make a random CEK and print it wrapped, as SQL Server stores it");
  add_cmk_options(cek_create, *cek_create_args);
  cek_create->add_option("--name", cek_create_args->name, "Key name (for --ddl)");
  cek_create->add_flag("--ddl", cek_create_args->ddl, "Print the CREATE COLUMN ENCRYPTION KEY statement");
  cek_create->callback([cek_create_args] { exit_code() = run_cek_create(*cek_create_args); });
  auto cek_decrypt_args = std::make_shared<CekArgs>();
  auto* cek_decrypt = cek->add_subcommand(
      "decrypt", "Verify and unwrap an encrypted CEK value (hex out); with --kbs the broker unwraps it");
  add_cmk_options(cek_decrypt, *cek_decrypt_args);
  cek_decrypt
      ->add_option("--value", cek_decrypt_args->value_hex,
                   "Encrypted value as hex (0x optional; - for stdin)")
      ->required();
  cek_decrypt->callback([cek_decrypt_args] { exit_code() = run_cek_decrypt(*cek_decrypt_args); });
}

const RegisterCommands kRegisterSqlCommands(add_sql_commands);

}  // namespace
}  // namespace cloister::cli
