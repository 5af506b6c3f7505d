#include "platform/platform_identity.h"

#include <chrono>
#include <string_view>

#include "attest/evidence_format.h"
#include "attest/platform_id.h"
#include "common/encoding.h"
#include "crypto/rng.h"
#include "crypto/x509.h"
#include "platform/private_files.h"

namespace cloister::platform {
namespace {

constexpr std::size_t kRootSecretSize = 32;
constexpr std::size_t kMaxPemBytes = 64 * 1024;

constexpr char kRootSecretFile[] = "root_secret";
constexpr char kAttestationKeyFile[] = "attestation_key.pem";
constexpr char kCaKeyFile[] = "operator_ca_key.pem";
constexpr char kCaCertFile[] = "operator_ca.pem";
constexpr char kAttestationCertFile[] = "attestation_cert.pem";

std::string join(const std::string& dir, const char* name) {
  return dir + "/" + name;
}

// The keys and certificates a new identity consists of, before they are
// written anywhere.
struct Generated {
  SecretBytes root_secret;
  crypto::PrivateKey attestation_key;
  crypto::PrivateKey ca_key;
  crypto::Certificate ca_cert;
  crypto::Certificate attestation_cert;
};

Result<Generated> generate(const std::string& ca_subject, const std::string& key_subject_prefix) {
  Generated g;
  g.root_secret = SecretBytes(kRootSecretSize);
  CLOISTER_RETURN_IF_ERROR(crypto::random_fill({g.root_secret.data(), g.root_secret.size()}));
  CLOISTER_ASSIGN_OR_RETURN(g.attestation_key, crypto::PrivateKey::generate(crypto::KeyType::ec_p256));
  CLOISTER_ASSIGN_OR_RETURN(g.ca_key, crypto::PrivateKey::generate(crypto::KeyType::ec_p256));

  crypto::CertificateRequest ca_request;
  ca_request.subject_common_name = ca_subject;
  ca_request.is_ca = true;
  CLOISTER_ASSIGN_OR_RETURN(g.ca_cert,
                            crypto::issue_certificate(ca_request, g.ca_key.public_key(), g.ca_key, nullptr));

  CLOISTER_ASSIGN_OR_RETURN(attest::PlatformId id, attest::platform_id_of(g.attestation_key.public_key()));
  crypto::CertificateRequest key_request;
  key_request.subject_common_name = key_subject_prefix + to_hex(ByteView(id).first(8));
  key_request.extensions.emplace_back(attest::kPlatformIdOid, attest::platform_id_extension(id));
  CLOISTER_ASSIGN_OR_RETURN(
      g.attestation_cert,
      crypto::issue_certificate(key_request, g.attestation_key.public_key(), g.ca_key, &g.ca_cert));
  return g;
}

std::uint64_t unix_ms_now() {
  return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                        std::chrono::system_clock::now().time_since_epoch())
                                        .count());
}

Status write_pem(const std::string& path, const std::string& pem, bool force) {
  return write_file(path, as_bytes(pem), 0644, force);
}

Status write_secret_pem(const std::string& path, const crypto::PrivateKey& key, bool force) {
  CLOISTER_ASSIGN_OR_RETURN(std::string pem, key.to_pem());
  Status status = write_file(path, as_bytes(pem), 0600, force);
  secure_wipe(pem.data(), pem.size());
  return status;
}

Result<crypto::Certificate> load_cert(const std::string& path) {
  CLOISTER_ASSIGN_OR_RETURN(Bytes pem, read_file(path, kMaxPemBytes));
  auto cert =
      crypto::Certificate::from_pem(std::string_view(reinterpret_cast<const char*>(pem.data()), pem.size()));
  if (!cert) return cert.status().with_context("reading " + path);
  return cert;
}

}  // namespace

Result<PlatformIdentity> PlatformIdentity::assemble(SecretBytes root_secret,
                                                    crypto::PrivateKey attestation_key,
                                                    Bytes attestation_cert_der, Bytes operator_ca_der,
                                                    bool development) {
  if (root_secret.size() != kRootSecretSize) {
    return Status(ErrorCode::invalid_argument, "the root secret must be exactly 32 bytes");
  }
  auto type = attestation_key.public_key().type();
  if (!type || *type != crypto::KeyType::ec_p256) {
    return Status(ErrorCode::invalid_argument, "the attestation key must be ECDSA P-256");
  }
  PlatformIdentity identity;
  CLOISTER_ASSIGN_OR_RETURN(identity.platform_id_, attest::platform_id_of(attestation_key.public_key()));
  identity.root_secret_ = std::move(root_secret);
  identity.attestation_key_ = std::move(attestation_key);
  identity.attestation_cert_der_ = std::move(attestation_cert_der);
  identity.operator_ca_der_ = std::move(operator_ca_der);
  identity.development_ = development;
  return identity;
}

Result<PlatformIdentity> PlatformIdentity::init(const std::string& data_dir, const InitOptions& options) {
  if (data_dir.empty()) return Status(ErrorCode::invalid_argument, "no platform data directory given");
  CLOISTER_RETURN_IF_ERROR(ensure_private_dir(data_dir));
  if (!options.force) {
    for (const char* name :
         {kRootSecretFile, kAttestationKeyFile, kCaKeyFile, kCaCertFile, kAttestationCertFile}) {
      if (path_exists(join(data_dir, name))) {
        return Status(ErrorCode::permission_denied,
                      "a platform identity already exists in " + data_dir + " (" + name +
                          "); refusing to overwrite it, since data sealed under it would become unreadable. "
                          "Use force to replace it");
      }
    }
  }
  CLOISTER_ASSIGN_OR_RETURN(Generated g, generate(options.operator_name, "Cloister platform "));
  CLOISTER_ASSIGN_OR_RETURN(std::string ca_pem, g.ca_cert.to_pem());
  CLOISTER_ASSIGN_OR_RETURN(std::string cert_pem, g.attestation_cert.to_pem());
  const bool force = options.force;
  CLOISTER_RETURN_IF_ERROR(write_secret_pem(join(data_dir, kCaKeyFile), g.ca_key, force));
  CLOISTER_RETURN_IF_ERROR(write_pem(join(data_dir, kCaCertFile), ca_pem, force));
  CLOISTER_RETURN_IF_ERROR(write_secret_pem(join(data_dir, kAttestationKeyFile), g.attestation_key, force));
  CLOISTER_RETURN_IF_ERROR(write_pem(join(data_dir, kAttestationCertFile), cert_pem, force));
  CLOISTER_RETURN_IF_ERROR(write_file(join(data_dir, kRootSecretFile), g.root_secret, 0600, force));

  CLOISTER_ASSIGN_OR_RETURN(Bytes ca_der, g.ca_cert.to_der());
  CLOISTER_ASSIGN_OR_RETURN(Bytes cert_der, g.attestation_cert.to_der());
  return assemble(std::move(g.root_secret), std::move(g.attestation_key), std::move(cert_der),
                  std::move(ca_der),
                  /*development=*/false);
}

Result<PlatformIdentity> PlatformIdentity::load(const std::string& data_dir) {
  CLOISTER_RETURN_IF_ERROR(check_private(data_dir, /*directory=*/true, "platform data directory"));
  for (const char* name : {kRootSecretFile, kAttestationKeyFile}) {
    CLOISTER_RETURN_IF_ERROR(check_private(join(data_dir, name), /*directory=*/false, "secret file"));
  }
  // The CA key is not needed at runtime (an operator may keep it offline),
  // but if it is here it must be private too.
  if (path_exists(join(data_dir, kCaKeyFile))) {
    CLOISTER_RETURN_IF_ERROR(check_private(join(data_dir, kCaKeyFile), /*directory=*/false, "secret file"));
  }

  CLOISTER_ASSIGN_OR_RETURN(SecretBytes root_secret, read_secret_file(join(data_dir, kRootSecretFile), 1024));
  if (root_secret.size() != kRootSecretSize) {
    return Status(ErrorCode::decode_error, join(data_dir, kRootSecretFile) + " is not 32 bytes");
  }
  CLOISTER_ASSIGN_OR_RETURN(SecretBytes key_pem,
                            read_secret_file(join(data_dir, kAttestationKeyFile), kMaxPemBytes));
  auto key = crypto::PrivateKey::from_pem(
      std::string_view(reinterpret_cast<const char*>(key_pem.data()), key_pem.size()));
  if (!key) return key.status().with_context("reading " + join(data_dir, kAttestationKeyFile));

  CLOISTER_ASSIGN_OR_RETURN(crypto::Certificate ca, load_cert(join(data_dir, kCaCertFile)));
  CLOISTER_ASSIGN_OR_RETURN(crypto::Certificate cert, load_cert(join(data_dir, kAttestationCertFile)));
  // Catch a mixed-up data directory now rather than as unverifiable evidence later.
  CLOISTER_ASSIGN_OR_RETURN(crypto::PublicKey cert_key, cert.public_key());
  CLOISTER_ASSIGN_OR_RETURN(Bytes cert_spki, cert_key.to_der());
  CLOISTER_ASSIGN_OR_RETURN(Bytes key_spki, key->public_key().to_der());
  if (cert_spki != key_spki) {
    return Status(ErrorCode::verification_failed,
                  "attestation_cert.pem does not certify attestation_key.pem in " + data_dir);
  }
  std::vector<crypto::Certificate> roots;
  roots.push_back(ca.clone());
  Status chained = crypto::verify_chain(cert, {}, roots);
  if (!chained) return chained.with_context("attestation_cert.pem is not issued by operator_ca.pem");

  CLOISTER_ASSIGN_OR_RETURN(Bytes ca_der, ca.to_der());
  CLOISTER_ASSIGN_OR_RETURN(Bytes cert_der, cert.to_der());
  return assemble(std::move(root_secret), std::move(key).value(), std::move(cert_der), std::move(ca_der),
                  /*development=*/false);
}

Result<PlatformIdentity> PlatformIdentity::create_development() {
  CLOISTER_ASSIGN_OR_RETURN(Generated g,
                            generate(kDevelopmentCaSubject, "Cloister DEVELOPMENT platform key "));
  CLOISTER_ASSIGN_OR_RETURN(Bytes ca_der, g.ca_cert.to_der());
  CLOISTER_ASSIGN_OR_RETURN(Bytes cert_der, g.attestation_cert.to_der());
  return assemble(std::move(g.root_secret), std::move(g.attestation_key), std::move(cert_der),
                  std::move(ca_der),
                  /*development=*/true);
}

Result<Bytes> PlatformIdentity::sign_report(Backend backend, Isolation isolation,
                                            const EnclaveIdentity& identity,
                                            const std::array<std::uint8_t, 64>& report_data) const {
  Report report;
  report.backend = backend;
  report.isolation = isolation;
  report.development_platform = development_;
  report.identity = identity;
  report.report_data = report_data;
  report.platform_id = platform_id_;
  report.timestamp_ms = unix_ms_now();
  return attest::sign_evidence(report, attestation_key_, {attestation_cert_der_});
}

std::string PlatformIdentity::operator_ca_pem() const {
  auto cert = crypto::Certificate::from_der(operator_ca_der_);
  if (!cert) return {};
  auto pem = cert->to_pem();
  return pem ? *pem : std::string();
}

}  // namespace cloister::platform
