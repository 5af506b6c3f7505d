// `cloister enclave keygen|sign|measure|inspect`: enclave signing keys and images.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "common/encoding.h"
#include "common/errno_text.h"
#include "crypto/keys.h"
#include "crypto/sha.h"
#include "image/config_json.h"
#include "image/signed_image.h"
#include "tools/command_registry.h"

namespace cloister::cli {
namespace {

constexpr std::size_t kMaxKeyFileSize = 64 << 10;
constexpr std::size_t kMaxConfigFileSize = 64 << 10;
constexpr std::size_t kMaxElfFileSize = std::size_t{1} << 30;

struct KeygenOptions {
  std::string out;
  std::string curve = "p256";
  bool force = false;
};

struct SignOptions {
  std::string image;
  std::string config;
  std::string key;
  std::string out;
  bool quiet = false;
};

struct InspectOptions {
  std::string image;
  bool json = false;
};

int fail_status(const Status& status, const std::string& hint = "") {
  return fail(status.message(), hint);
}

std::string last_error() {
  return cloister::errno_text(errno);
}

// Writes `data` to a temporary file beside `path`, then moves it into place,
// so a reader never sees a half-written key or image. Without `overwrite` the
// final link fails atomically if `path` exists.
Status write_file_atomically(const std::string& path, ByteView data, mode_t mode, bool overwrite) {
  const auto slash = path.rfind('/');
  const std::string dir = slash == std::string::npos ? "." : (slash == 0 ? "/" : path.substr(0, slash));
  std::string temp = dir + "/.cloister-tmp-XXXXXX";
  const int fd = ::mkstemp(temp.data());
  if (fd < 0) return error(ErrorCode::io_error, "cannot create a file in " + dir + ": " + last_error());
  auto cleanup = [&](const std::string& message) {
    Status status = error(ErrorCode::io_error, message);
    ::close(fd);
    ::unlink(temp.c_str());
    return status;
  };
  if (::fchmod(fd, mode) != 0) return cleanup("cannot set the mode of " + temp + ": " + last_error());
  std::size_t written = 0;
  while (written < data.size()) {
    const ssize_t n = ::write(fd, data.data() + written, data.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return cleanup("cannot write " + path + ": " + last_error());
    written += static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0) return cleanup("cannot write " + path + ": " + last_error());
  if (::close(fd) != 0) {
    ::unlink(temp.c_str());
    return error(ErrorCode::io_error, "cannot write " + path + ": " + last_error());
  }
  if (overwrite) {
    if (::rename(temp.c_str(), path.c_str()) != 0) {
      const std::string message = "cannot write " + path + ": " + last_error();
      ::unlink(temp.c_str());
      return error(ErrorCode::io_error, message);
    }
    return Status::ok();
  }
  const int linked = ::link(temp.c_str(), path.c_str());
  const int link_errno = errno;
  ::unlink(temp.c_str());
  if (linked != 0) {
    if (link_errno == EEXIST) return error(ErrorCode::invalid_argument, path + " already exists");
    return error(ErrorCode::io_error, "cannot write " + path + ": " + cloister::errno_text(link_errno));
  }
  return Status::ok();
}

mode_t current_umask() {
  const mode_t mask = ::umask(0);
  ::umask(mask);
  return mask;
}

std::string key_type_name(const crypto::PublicKey& key) {
  auto type = key.type();
  if (!type) return "unknown";
  switch (*type) {
    case crypto::KeyType::ec_p256:
      return "ECDSA P-256";
    case crypto::KeyType::ec_p384:
      return "ECDSA P-384";
    case crypto::KeyType::rsa:
      return "RSA";
  }
  return "unknown";
}

std::string human_size(std::uint64_t bytes) {
  if (bytes % (std::uint64_t{1} << 30) == 0) return std::to_string(bytes >> 30) + " GiB";
  if (bytes % (std::uint64_t{1} << 20) == 0) return std::to_string(bytes >> 20) + " MiB";
  if (bytes % (std::uint64_t{1} << 10) == 0) return std::to_string(bytes >> 10) + " KiB";
  return std::to_string(bytes) + " bytes";
}

Result<std::string> signer_hex(const crypto::PublicKey& key) {
  CLOISTER_ASSIGN_OR_RETURN(Bytes spki, key.to_der());
  return to_hex(image::compute_signer_id(spki));
}

Result<crypto::PrivateKey> load_signing_key(const std::string& path) {
  CLOISTER_ASSIGN_OR_RETURN(Bytes raw, image::read_file(path, kMaxKeyFileSize, "signing key"));
  const SecretBytes pem(std::move(raw));
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0 && (st.st_mode & 077) != 0) {
    std::cerr << "warning: signing key " << path << " is readable by other users (chmod 600 " << path
              << ")\n";
  }
  auto key =
      crypto::PrivateKey::from_pem(std::string_view(reinterpret_cast<const char*>(pem.data()), pem.size()));
  if (!key) return key.status().with_context("cannot read signing key " + path);
  return key;
}

int run_keygen(const KeygenOptions& options) {
  const auto type = options.curve == "p384" ? crypto::KeyType::ec_p384 : crypto::KeyType::ec_p256;
  auto key = crypto::PrivateKey::generate(type);
  if (!key) return fail_status(key.status());
  auto pem = key->to_pem();
  if (!pem) return fail_status(pem.status());
  const SecretBytes secret(as_bytes(*pem));
  secure_wipe(pem->data(), pem->size());
  if (auto status = write_file_atomically(options.out, secret, 0600, options.force); !status) {
    return fail_status(status,
                       status.code() == ErrorCode::invalid_argument ? "pass --force to replace it" : "");
  }
  auto signer = signer_hex(key->public_key());
  if (!signer) return fail_status(signer.status());
  std::cout << "wrote " << options.out << " (" << key_type_name(key->public_key())
            << ", PKCS#8 PEM, mode 0600)\n"
            << "signer: " << *signer << "\n";
  return 0;
}

int run_sign(const SignOptions& options) {
  auto elf = image::read_file(options.image, kMaxElfFileSize, "enclave ELF");
  if (!elf) return fail_status(elf.status());
  auto config_text = image::read_file(options.config, kMaxConfigFileSize, "enclave config");
  if (!config_text) return fail_status(config_text.status());
  auto config = image::parse_enclave_config_json(to_string(*config_text));
  if (!config) return fail_status(config.status().with_context(options.config));
  auto key = load_signing_key(options.key);
  if (!key) {
    return fail_status(key.status(), "generate a key with `cloister enclave keygen --out KEY.pem`");
  }

  auto signed_file = image::sign_image(*elf, *config, *key);
  if (!signed_file) return fail_status(signed_file.status().with_context("cannot sign " + options.image));
  // Check what we are about to publish exactly as a loader will.
  auto parsed = image::parse_signed_image(*signed_file);
  if (!parsed)
    return fail_status(parsed.status().with_context("internal error: the signed image does not parse"));

  const mode_t mode = 0755 & ~current_umask();  // the signed image is still executable
  if (auto status = write_file_atomically(options.out, *signed_file, mode, true); !status) {
    return fail_status(status);
  }
  if (!options.quiet) {
    std::cout << "measurement: " << to_hex(parsed->identity.measurement) << "\n"
              << "signer: " << to_hex(parsed->identity.signer) << "\n";
  }
  return 0;
}

int run_measure(const std::string& path) {
  auto image = image::load_signed_image(path);
  if (!image) return fail_status(image.status());
  std::cout << "measurement: " << to_hex(image->identity.measurement) << "\n"
            << "signer: " << to_hex(image->identity.signer) << "\n";
  return 0;
}

int run_inspect(const InspectOptions& options) {
  auto image = image::load_signed_image(options.image);
  if (!image) return fail_status(image.status());
  auto key = crypto::PublicKey::from_der(image->signer_public_key);
  if (!key) return fail_status(key.status());
  const EnclaveConfig& config = image->config;

  if (options.json) {
    const nlohmann::json out = {
        {"file", options.image},
        {"file_size", image->file.size()},
        {"elf_size", image->elf_size},
        {"config",
         {{"heap_size", config.heap_size},
          {"max_threads", config.max_threads},
          {"debug", config.debug},
          {"product_id", config.product_id},
          {"security_version", config.security_version}}},
        {"measurement", to_hex(image->identity.measurement)},
        {"signer", to_hex(image->identity.signer)},
        {"public_key_type", key_type_name(*key)},
        {"public_key", to_hex(image->signer_public_key)},
        {"signature", {{"status", "verified"}, {"size", image->signature.size()}}},
    };
    std::cout << out.dump(2) << "\n";
    return 0;
  }
  std::cout << "file:             " << options.image << "\n"
            << "file size:        " << image->file.size() << " bytes\n"
            << "elf size:         " << image->elf_size << " bytes\n"
            << "heap_size:        " << config.heap_size << " (" << human_size(config.heap_size) << ")\n"
            << "max_threads:      " << config.max_threads << "\n"
            << "debug:            " << (config.debug ? "true" : "false") << "\n"
            << "product_id:       " << config.product_id << "\n"
            << "security_version: " << config.security_version << "\n"
            << "measurement:      " << to_hex(image->identity.measurement) << "\n"
            << "signer:           " << to_hex(image->identity.signer) << "\n"
            << "public key:       " << key_type_name(*key) << "\n"
            << "signature:        verified (" << image->signature.size() << " bytes DER)\n";
  return 0;
}

void add_enclave_commands(CLI::App& root) {
  auto* enclave = root.add_subcommand("enclave", "Enclave signing keys and signed enclave images");
  enclave->require_subcommand(1);

  auto keygen = std::make_shared<KeygenOptions>();
  auto* keygen_cmd =
      enclave->add_subcommand("keygen", "Generate an enclave signing key (PKCS#8 PEM, mode 0600)");
  keygen_cmd->add_option("--out", keygen->out, "Where to write the private key")->required();
  keygen_cmd->add_option("--curve", keygen->curve, "p256 (default) or p384")
      ->check(CLI::IsMember({"p256", "p384"}));
  keygen_cmd->add_flag("--force", keygen->force, "Replace an existing key file");
  keygen_cmd->callback([keygen] { exit_code() = run_keygen(*keygen); });

  auto sign = std::make_shared<SignOptions>();
  auto* sign_cmd = enclave->add_subcommand("sign", "Sign a statically linked enclave ELF with a config");
  sign_cmd->add_option("--image", sign->image, "The unsigned enclave ELF")->required();
  sign_cmd->add_option("--config", sign->config, "Enclave config JSON")->required();
  sign_cmd->add_option("--key", sign->key, "Signing key (PEM) from `cloister enclave keygen`")->required();
  sign_cmd->add_option("--out", sign->out, "Where to write the signed image")->required();
  sign_cmd->add_flag("--quiet", sign->quiet, "Print nothing on success");
  sign_cmd->callback([sign] { exit_code() = run_sign(*sign); });

  auto measure_image = std::make_shared<std::string>();
  auto* measure_cmd =
      enclave->add_subcommand("measure", "Verify a signed image; print its measurement and signer");
  measure_cmd->add_option("--image", *measure_image, "The signed enclave image")->required();
  measure_cmd->callback([measure_image] { exit_code() = run_measure(*measure_image); });

  auto inspect = std::make_shared<InspectOptions>();
  auto* inspect_cmd =
      enclave->add_subcommand("inspect", "Verify a signed image and print everything about it");
  inspect_cmd->add_option("--image", inspect->image, "The signed enclave image")->required();
  inspect_cmd->add_flag("--json", inspect->json, "Print JSON");
  inspect_cmd->callback([inspect] { exit_code() = run_inspect(*inspect); });
}

const RegisterCommands kRegisterEnclaveCommands(add_enclave_commands);

}  // namespace
}  // namespace cloister::cli
