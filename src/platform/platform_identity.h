// The platform's identity: its root secret (for sealing keys), its
// attestation key and certificate, and the operator CA that issued it.
//
// Data directory layout (all created by init, the secrets 0600, the dir 0700):
//   root_secret           32 random bytes; sealing keys derive from it
//   attestation_key.pem   P-256 PKCS#8; signs reports
//   operator_ca_key.pem   P-256 PKCS#8; issued attestation_cert.pem (never loaded at runtime)
//   operator_ca.pem       self-signed operator CA; relying parties trust it
//   attestation_cert.pem  attestation key certificate with the platform id extension
#pragma once

#include <array>
#include <cstdint>
#include <string>

#include "cloister/bytes.h"
#include "cloister/evidence.h"
#include "cloister/result.h"
#include "cloister/seal.h"
#include "crypto/keys.h"
#include "image/identity.h"

namespace cloister::platform {

inline constexpr char kDevelopmentCaSubject[] = "Cloister DEVELOPMENT platform (untrusted)";

class PlatformIdentity {
 public:
  struct InitOptions {
    std::string operator_name = "Cloister development operator";
    bool force = false;  // overwrite an existing identity (its sealed data becomes unreadable)
  };

  // Creates a new identity in `data_dir`; refuses to overwrite one unless force.
  static Result<PlatformIdentity> init(const std::string& data_dir, const InitOptions& options);
  // Loads an identity; refuses a data dir or secret files readable by group or others.
  static Result<PlatformIdentity> load(const std::string& data_dir);
  // In-memory ephemeral keys for tests and the sim backend; its evidence says so.
  static Result<PlatformIdentity> create_development();

  PlatformIdentity(PlatformIdentity&&) noexcept = default;
  PlatformIdentity& operator=(PlatformIdentity&&) noexcept = default;
  PlatformIdentity(const PlatformIdentity&) = delete;
  PlatformIdentity& operator=(const PlatformIdentity&) = delete;
  ~PlatformIdentity() = default;  // SecretBytes and the key wrappers wipe themselves

  // Signs a report for an enclave this platform measured; fills platform_id,
  // timestamp and the development flag. Returns evidence bytes.
  Result<Bytes> sign_report(Backend backend, Isolation isolation, const EnclaveIdentity& identity,
                            const std::array<std::uint8_t, 64>& report_data) const;

  // HKDF-SHA256 from the root secret. Refuses requested_svn greater than the
  // enclave's security version (permission_denied).
  Result<SecretBytes> derive_seal_key(const EnclaveIdentity& identity, SealPolicy policy,
                                      std::uint16_t requested_svn, ByteView key_id) const;

  const Bytes& operator_ca_der() const { return operator_ca_der_; }
  std::string operator_ca_pem() const;
  const std::array<std::uint8_t, 32>& platform_id() const { return platform_id_; }
  bool development() const { return development_; }
  // The attestation key certificate (DER), first in every evidence chain.
  const Bytes& attestation_cert_der() const { return attestation_cert_der_; }

 private:
  PlatformIdentity() = default;
  static Result<PlatformIdentity> assemble(SecretBytes root_secret, crypto::PrivateKey attestation_key,
                                           Bytes attestation_cert_der, Bytes operator_ca_der,
                                           bool development);

  SecretBytes root_secret_;
  crypto::PrivateKey attestation_key_;
  Bytes attestation_cert_der_;
  Bytes operator_ca_der_;
  std::array<std::uint8_t, 32> platform_id_{};
  bool development_ = false;
};

}  // namespace cloister::platform
