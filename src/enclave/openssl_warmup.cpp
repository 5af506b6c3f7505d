#include "enclave/openssl_warmup.h"

#include <openssl/crypto.h>

#include "crypto/aes_gcm.h"
#include "crypto/hmac.h"
#include "crypto/keys.h"
#include "crypto/rng.h"
#include "crypto/x509.h"

namespace cloister::enclave {

Status warm_up_openssl() {
  // No configuration file: an enclave's crypto must not depend on the host's /etc.
  if (OPENSSL_init_crypto(OPENSSL_INIT_NO_LOAD_CONFIG, nullptr) != 1) {
    return Status(ErrorCode::crypto_error, "OpenSSL initialisation failed");
  }
  CLOISTER_ASSIGN_OR_RETURN(Bytes random, crypto::random_bytes(32));
  (void)crypto::sha256(random);
  (void)crypto::sha384(random);
  CLOISTER_ASSIGN_OR_RETURN(SecretBytes derived,
                            crypto::hkdf(crypto::HashAlgorithm::sha256, random, {}, {}, 32));
  Bytes iv(crypto::kAesGcmIvSize, 0);
  CLOISTER_ASSIGN_OR_RETURN(Bytes sealed, crypto::aes_gcm_encrypt(derived, iv, {}, random));
  CLOISTER_RETURN_IF_ERROR(crypto::aes_gcm_decrypt(derived, iv, {}, sealed).status());
  // One curve is enough: what initialises lazily is per algorithm, not per curve.
  for (auto type : {crypto::KeyType::ec_p256}) {
    CLOISTER_ASSIGN_OR_RETURN(crypto::PrivateKey key, crypto::PrivateKey::generate(type));
    CLOISTER_ASSIGN_OR_RETURN(Bytes signature, key.sign(random));
    CLOISTER_RETURN_IF_ERROR(key.public_key().verify(random, signature));
    CLOISTER_RETURN_IF_ERROR(key.ecdh(key.public_key()).status());
    CLOISTER_ASSIGN_OR_RETURN(Bytes der, key.public_key().to_der());
    CLOISTER_RETURN_IF_ERROR(crypto::PublicKey::from_der(der).status());
    crypto::CertificateRequest request;
    request.subject_common_name = "warm-up";
    request.is_ca = true;
    CLOISTER_ASSIGN_OR_RETURN(crypto::Certificate cert,
                              crypto::issue_certificate(request, key.public_key(), key, nullptr));
    CLOISTER_ASSIGN_OR_RETURN(Bytes cert_der, cert.to_der());
    CLOISTER_ASSIGN_OR_RETURN(crypto::Certificate parsed, crypto::Certificate::from_der(cert_der));
    std::vector<crypto::Certificate> roots;
    roots.push_back(std::move(cert));
    CLOISTER_RETURN_IF_ERROR(crypto::verify_chain(parsed, {}, roots));
  }
  return Status::ok();
}

}  // namespace cloister::enclave
