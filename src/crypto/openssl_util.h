// Internal to src/crypto: RAII owners for OpenSSL handles, and the OpenSSL
// error queue turned into a Status. Not part of the module's API.
#pragma once

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <climits>
#include <memory>
#include <string>
#include <string_view>

#include "cloister/result.h"
#include "crypto/sha.h"

namespace cloister::crypto::internal {

// Binds an OpenSSL free function as a unique_ptr deleter.
template <auto FreeFunction>
struct OpenSslDeleter {
  template <typename T>
  void operator()(T* handle) const {
    FreeFunction(handle);
  }
};
template <typename T, auto FreeFunction>
using OpenSslPtr = std::unique_ptr<T, OpenSslDeleter<FreeFunction>>;

using EvpMdCtxPtr = OpenSslPtr<EVP_MD_CTX, EVP_MD_CTX_free>;
using EvpPkeyCtxPtr = OpenSslPtr<EVP_PKEY_CTX, EVP_PKEY_CTX_free>;
using EvpCipherCtxPtr = OpenSslPtr<EVP_CIPHER_CTX, EVP_CIPHER_CTX_free>;
using EvpMacPtr = OpenSslPtr<EVP_MAC, EVP_MAC_free>;
using EvpMacCtxPtr = OpenSslPtr<EVP_MAC_CTX, EVP_MAC_CTX_free>;
using EvpKdfPtr = OpenSslPtr<EVP_KDF, EVP_KDF_free>;
using EvpKdfCtxPtr = OpenSslPtr<EVP_KDF_CTX, EVP_KDF_CTX_free>;
using BioPtr = OpenSslPtr<BIO, BIO_free_all>;
using BignumPtr = OpenSslPtr<BIGNUM, BN_free>;
using EcdsaSigPtr = OpenSslPtr<ECDSA_SIG, ECDSA_SIG_free>;
using Pkcs8InfoPtr = OpenSslPtr<PKCS8_PRIV_KEY_INFO, PKCS8_PRIV_KEY_INFO_free>;
using X509StorePtr = OpenSslPtr<X509_STORE, X509_STORE_free>;
using X509StoreCtxPtr = OpenSslPtr<X509_STORE_CTX, X509_STORE_CTX_free>;
using X509ExtensionPtr = OpenSslPtr<X509_EXTENSION, X509_EXTENSION_free>;
using Asn1ObjectPtr = OpenSslPtr<ASN1_OBJECT, ASN1_OBJECT_free>;
using Asn1OctetStringPtr = OpenSslPtr<ASN1_OCTET_STRING, ASN1_OCTET_STRING_free>;

// sk_X509_free is a static inline in the OpenSSL headers; wrap it explicitly.
// The stack does not own its certificates.
struct X509StackDeleter {
  void operator()(STACK_OF(X509) * stack) const { sk_X509_free(stack); }
};
using X509StackPtr = std::unique_ptr<STACK_OF(X509), X509StackDeleter>;

// Drains this thread's OpenSSL error queue into "what: lib: reason; ...", so
// a later, unrelated call never reports a stale error.
Status openssl_error(ErrorCode code, std::string_view what);

// Forgets queued OpenSSL errors that the caller has already turned into a
// Status of its own (e.g. "signature does not verify").
void clear_openssl_errors();

const EVP_MD* message_digest(HashAlgorithm algorithm);

// OpenSSL takes most lengths as int.
inline bool fits_int(std::size_t size) {
  return size <= static_cast<std::size_t>(INT_MAX);
}

// A read-only memory BIO over `text` (not copied); null if it cannot be made.
BioPtr read_only_bio(std::string_view text);
// A writable memory BIO whose buffer is wiped when freed, for private keys.
BioPtr secure_memory_bio();
std::string bio_contents(BIO* bio);

// PEM password callback that refuses, so an encrypted PEM fails cleanly
// instead of OpenSSL prompting on the controlling terminal.
int refuse_pem_password(char* buffer, int size, int rwflag, void* userdata);

}  // namespace cloister::crypto::internal
