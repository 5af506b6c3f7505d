#include "envelope.h"

#include "crypto/aes_gcm.h"
#include "crypto/hmac.h"
#include "crypto/rng.h"

namespace exchange {
namespace {

using namespace cloister;

constexpr std::string_view kSalt = "cloister-sample-key-exchange-v1";

// Both public keys go into the key derivation and the AAD, so an envelope
// cannot be replayed to, or re-targeted at, another key.
Result<SecretBytes> derive_key(const SecretBytes& shared, const Bytes& ephemeral, const Bytes& recipient) {
  Bytes context = ephemeral;
  context.insert(context.end(), recipient.begin(), recipient.end());
  return crypto::hkdf(crypto::HashAlgorithm::sha256, shared, as_bytes(kSalt), context,
                      crypto::kAesGcmKeySize);
}

}  // namespace

Result<Envelope> seal_to(const crypto::PublicKey& recipient, ByteView plaintext) {
  CLOISTER_ASSIGN_OR_RETURN(crypto::PrivateKey ephemeral,
                            crypto::PrivateKey::generate(crypto::KeyType::ec_p256));
  CLOISTER_ASSIGN_OR_RETURN(SecretBytes shared, ephemeral.ecdh(recipient));
  Envelope envelope;
  CLOISTER_ASSIGN_OR_RETURN(envelope.ephemeral_public_key, ephemeral.public_key().to_der());
  CLOISTER_ASSIGN_OR_RETURN(Bytes recipient_der, recipient.to_der());
  CLOISTER_ASSIGN_OR_RETURN(SecretBytes key,
                            derive_key(shared, envelope.ephemeral_public_key, recipient_der));
  CLOISTER_RETURN_IF_ERROR(crypto::random_fill(envelope.iv));
  Bytes aad = envelope.ephemeral_public_key;
  aad.insert(aad.end(), recipient_der.begin(), recipient_der.end());
  CLOISTER_ASSIGN_OR_RETURN(envelope.ciphertext, crypto::aes_gcm_encrypt(key, envelope.iv, aad, plaintext));
  return envelope;
}

Result<SecretBytes> open_envelope(const crypto::PrivateKey& recipient, const Envelope& envelope) {
  CLOISTER_ASSIGN_OR_RETURN(crypto::PublicKey ephemeral,
                            crypto::PublicKey::from_der(envelope.ephemeral_public_key));
  CLOISTER_ASSIGN_OR_RETURN(SecretBytes shared, recipient.ecdh(ephemeral));
  CLOISTER_ASSIGN_OR_RETURN(Bytes recipient_der, recipient.public_key().to_der());
  CLOISTER_ASSIGN_OR_RETURN(SecretBytes key,
                            derive_key(shared, envelope.ephemeral_public_key, recipient_der));
  Bytes aad = envelope.ephemeral_public_key;
  aad.insert(aad.end(), recipient_der.begin(), recipient_der.end());
  return crypto::aes_gcm_decrypt(key, envelope.iv, aad, envelope.ciphertext);
}

}  // namespace exchange
