#include "attestd/data_dir.h"

#include <spdlog/spdlog.h>

#include <cstdlib>

#include "attestd/files.h"
#include "attestd/registry.h"
#include "common/encoding.h"
#include "crypto/rng.h"
#include "crypto/x509.h"
#include "platform/private_files.h"

namespace cloister::attestd {
namespace {

constexpr std::size_t kMaxKeyFileBytes = 64 * 1024;

Status create_signing_key(const DataDir& dir, const DataDirOptions& options) {
  CLOISTER_ASSIGN_OR_RETURN(auto key, crypto::PrivateKey::generate(options.key_type));
  crypto::CertificateRequest request;
  request.subject_common_name = "Cloister attestation service token signing";
  request.validity_seconds = 5LL * 365 * 24 * 3600;
  CLOISTER_ASSIGN_OR_RETURN(auto cert, crypto::issue_certificate(request, key.public_key(), key, nullptr));
  CLOISTER_ASSIGN_OR_RETURN(std::string key_pem, key.to_pem());
  CLOISTER_ASSIGN_OR_RETURN(std::string cert_pem, cert.to_pem());
  // The certificate only after the key: a crash in between leaves a key
  // without a certificate, which the next start repairs (below), never the reverse.
  Status status = atomic_write_file(dir.path + "/signing_key.pem", as_bytes(key_pem), 0600);
  secure_wipe(key_pem.data(), key_pem.size());
  if (!status.is_ok()) return status;
  CLOISTER_RETURN_IF_ERROR(atomic_write_file(dir.path + "/signing_cert.pem", as_bytes(cert_pem), 0644));
  spdlog::info("attestd: created a {} token signing key and certificate in {}",
               options.key_type == crypto::KeyType::rsa ? "RSA (RS256)" : "P-256 (ES256)", dir.path);
  return Status::ok();
}

Status create_credential(const DataDir& dir) {
  CLOISTER_ASSIGN_OR_RETURN(Bytes random, crypto::random_bytes(32));
  std::string credential = to_base64url(random);
  secure_wipe(random.data(), random.size());
  Status status = atomic_write_file(dir.credential_path(), as_bytes(credential + "\n"), 0600);
  secure_wipe(credential.data(), credential.size());
  if (!status.is_ok()) return status;
  // Where, never what.
  spdlog::info("attestd: created the administrator credential in {} (policy changes need it)",
               dir.credential_path());
  return Status::ok();
}

Status create_registry(const DataDir& dir, const DataDirOptions& options) {
  return edit_registry(dir.registry_path(), [&](Registry& registry) {
    const std::string ca_path = options.local_platform_dir + "/operator_ca.pem";
    if (options.local_platform_dir.empty() || !platform::path_exists(ca_path)) {
      spdlog::info(
          "attestd: no platform registered (none found in {}); add one with `cloister attestd platform add`",
          options.local_platform_dir.empty() ? "(no platform dir)" : options.local_platform_dir);
      return Status::ok();
    }
    auto pem = platform::read_file(ca_path, kMaxKeyFileBytes);
    if (!pem) return pem.status();
    Status added = registry.add("local", to_string(*pem), {});
    if (!added) {
      spdlog::warn("attestd: the local platform CA {} was not registered: {}", ca_path, added.message());
      return Status::ok();
    }
    spdlog::info("attestd: registered the local platform (CA {}) as \"local\"", ca_path);
    return Status::ok();
  });
}

}  // namespace

std::string default_data_dir() {
  if (const char* dir = std::getenv("CLOISTER_ATTESTD_DIR"); dir != nullptr && *dir != '\0') return dir;
  const char* home = std::getenv("HOME");
  return std::string(home != nullptr ? home : "/tmp") + "/.cloister/attestd";
}

Result<std::string> read_credential(const std::string& path) {
  CLOISTER_RETURN_IF_ERROR(platform::check_private(path, false, "administrator credential"));
  CLOISTER_ASSIGN_OR_RETURN(SecretBytes raw, platform::read_secret_file(path, 1024));
  std::string credential(reinterpret_cast<const char*>(raw.data()), raw.size());
  while (!credential.empty() && (credential.back() == '\n' || credential.back() == '\r'))
    credential.pop_back();
  if (credential.empty()) return Status(ErrorCode::invalid_argument, path + " is empty");
  return credential;
}

Result<DataDir> DataDir::open(const std::string& path, const DataDirOptions& options) {
  DataDir dir;
  dir.path = path;
  dir.created = !platform::path_exists(path);
  CLOISTER_RETURN_IF_ERROR(platform::ensure_private_dir(path));
  // One starter at a time creates state: two first starts agree on one key.
  CLOISTER_ASSIGN_OR_RETURN(FileLock lock, FileLock::acquire(path + "/.init.lock"));
  if (!platform::path_exists(path + "/signing_key.pem") ||
      !platform::path_exists(path + "/signing_cert.pem")) {
    CLOISTER_RETURN_IF_ERROR(create_signing_key(dir, options));
  }
  if (!platform::path_exists(dir.credential_path())) CLOISTER_RETURN_IF_ERROR(create_credential(dir));
  if (!platform::path_exists(dir.registry_path())) CLOISTER_RETURN_IF_ERROR(create_registry(dir, options));
  CLOISTER_RETURN_IF_ERROR(platform::ensure_private_dir(dir.policies_dir()));

  CLOISTER_RETURN_IF_ERROR(platform::check_private(path + "/signing_key.pem", false, "token signing key"));
  CLOISTER_ASSIGN_OR_RETURN(SecretBytes key_pem,
                            platform::read_secret_file(path + "/signing_key.pem", kMaxKeyFileBytes));
  CLOISTER_ASSIGN_OR_RETURN(
      dir.signing_key, crypto::PrivateKey::from_pem(
                           std::string_view(reinterpret_cast<const char*>(key_pem.data()), key_pem.size())));
  CLOISTER_ASSIGN_OR_RETURN(Bytes cert_pem,
                            platform::read_file(path + "/signing_cert.pem", kMaxKeyFileBytes));
  CLOISTER_ASSIGN_OR_RETURN(auto cert, crypto::Certificate::from_pem(to_string(cert_pem)));
  CLOISTER_ASSIGN_OR_RETURN(Bytes cert_der, cert.to_der());
  CLOISTER_ASSIGN_OR_RETURN(auto cert_key, cert.public_key());
  CLOISTER_ASSIGN_OR_RETURN(Bytes cert_spki, cert_key.to_der());
  CLOISTER_ASSIGN_OR_RETURN(Bytes key_spki, dir.signing_key.public_key().to_der());
  if (cert_spki != key_spki) {
    return Status(ErrorCode::invalid_argument, path +
                                                   "/signing_cert.pem does not certify signing_key.pem; "
                                                   "delete both to have new ones made");
  }
  dir.certificate_chain = {std::move(cert_der)};
  CLOISTER_ASSIGN_OR_RETURN(std::string credential, read_credential(dir.credential_path()));
  dir.admin_credential = SecretBytes(as_bytes(credential));
  secure_wipe(credential.data(), credential.size());
  return dir;
}

}  // namespace cloister::attestd
