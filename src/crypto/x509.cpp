#include "crypto/x509.h"

#include <openssl/err.h>
#include <openssl/pem.h>

#include <ctime>

#include "crypto/openssl_util.h"
#include "crypto/rng.h"

namespace cloister::crypto {

using internal::openssl_error;

void X509Deleter::operator()(X509* cert) const {
  X509_free(cert);
}

namespace {

constexpr std::size_t kSerialSize = 16;

std::string name_to_string(const X509_NAME* name) {
  if (name == nullptr) return {};
  internal::BioPtr bio(BIO_new(BIO_s_mem()));
  if (bio == nullptr || X509_NAME_print_ex(bio.get(), name, 0, XN_FLAG_RFC2253) < 0) {
    internal::clear_openssl_errors();
    return {};
  }
  return internal::bio_contents(bio.get());
}

std::int64_t time_to_epoch(const ASN1_TIME* time) {
  std::tm parts{};
  if (time == nullptr || ASN1_TIME_to_tm(time, &parts) != 1) return 0;
  return static_cast<std::int64_t>(timegm(&parts));
}

Result<X509Ptr> read_one_pem(BIO* bio) {
  X509Ptr cert(PEM_read_bio_X509(bio, nullptr, internal::refuse_pem_password, nullptr));
  if (cert == nullptr) return openssl_error(ErrorCode::decode_error, "malformed certificate PEM");
  return cert;
}

// The hash an issuer key signs certificates with, matching its strength.
Result<const EVP_MD*> signing_digest(const PrivateKey& issuer_key) {
  CLOISTER_ASSIGN_OR_RETURN(KeyType type, issuer_key.public_key().type());
  return internal::message_digest(type == KeyType::ec_p384 ? HashAlgorithm::sha384 : HashAlgorithm::sha256);
}

Status add_conf_extension(X509* cert, X509V3_CTX* context, int nid, const char* value) {
  internal::X509ExtensionPtr extension(X509V3_EXT_nconf_nid(nullptr, context, nid, value));
  if (extension == nullptr || X509_add_ext(cert, extension.get(), -1) != 1) {
    return openssl_error(ErrorCode::crypto_error, std::string("adding extension ") + OBJ_nid2sn(nid));
  }
  return Status::ok();
}

Status add_custom_extension(X509* cert, const std::string& oid, ByteView content) {
  // no_name = 1: only dotted OIDs, so a typo cannot silently match a short name.
  internal::Asn1ObjectPtr object(OBJ_txt2obj(oid.c_str(), 1));
  if (object == nullptr) {
    internal::clear_openssl_errors();
    return error(ErrorCode::invalid_argument, "extension OID '" + oid + "' is not a dotted OID");
  }
  if (X509_get_ext_by_OBJ(cert, object.get(), -1) >= 0) {
    return error(ErrorCode::invalid_argument, "extension " + oid + " appears twice");
  }
  if (!internal::fits_int(content.size()))
    return error(ErrorCode::out_of_range, "extension " + oid + " too large");
  internal::Asn1OctetStringPtr octets(ASN1_OCTET_STRING_new());
  if (octets == nullptr ||
      ASN1_OCTET_STRING_set(octets.get(), content.data(), static_cast<int>(content.size())) != 1) {
    return openssl_error(ErrorCode::crypto_error, "extension " + oid);
  }
  internal::X509ExtensionPtr extension(X509_EXTENSION_create_by_OBJ(nullptr, object.get(), 0, octets.get()));
  if (extension == nullptr || X509_add_ext(cert, extension.get(), -1) != 1) {
    return openssl_error(ErrorCode::crypto_error, "adding extension " + oid);
  }
  return Status::ok();
}

Status set_random_serial(X509* cert) {
  Bytes serial(kSerialSize);
  CLOISTER_RETURN_IF_ERROR(random_fill(serial));
  // A positive, non-zero INTEGER that fits in 16 octets (RFC 5280 4.1.2.2).
  serial[0] = static_cast<std::uint8_t>((serial[0] & 0x7f) | 0x40);
  internal::BignumPtr number(BN_bin2bn(serial.data(), static_cast<int>(serial.size()), nullptr));
  if (number == nullptr || BN_to_ASN1_INTEGER(number.get(), X509_get_serialNumber(cert)) == nullptr) {
    return openssl_error(ErrorCode::crypto_error, "setting certificate serial number");
  }
  return Status::ok();
}

Status set_subject(X509* cert, const CertificateRequest& request) {
  X509_NAME* name = X509_get_subject_name(cert);
  auto add = [name](const char* field, const std::string& value) {
    return X509_NAME_add_entry_by_txt(name, field, MBSTRING_UTF8,
                                      reinterpret_cast<const unsigned char*>(value.data()),
                                      static_cast<int>(value.size()), -1, 0) == 1;
  };
  if ((!request.subject_organization.empty() && !add("O", request.subject_organization)) ||
      !add("CN", request.subject_common_name)) {
    return openssl_error(ErrorCode::invalid_argument, "setting certificate subject");
  }
  return Status::ok();
}

}  // namespace

// ---- Certificate ----

Result<Certificate> Certificate::from_der(ByteView der) {
  if (!internal::fits_int(der.size())) return error(ErrorCode::decode_error, "certificate DER too large");
  const unsigned char* cursor = der.data();
  X509Ptr cert(d2i_X509(nullptr, &cursor, static_cast<long>(der.size())));
  if (cert == nullptr) return openssl_error(ErrorCode::decode_error, "malformed certificate DER");
  if (cursor != der.data() + der.size())
    return error(ErrorCode::decode_error, "trailing bytes after certificate DER");
  return Certificate(std::move(cert));
}

Result<Certificate> Certificate::from_pem(std::string_view pem) {
  internal::BioPtr bio = internal::read_only_bio(pem);
  if (bio == nullptr) return error(ErrorCode::decode_error, "certificate PEM too large");
  CLOISTER_ASSIGN_OR_RETURN(X509Ptr cert, read_one_pem(bio.get()));
  return Certificate(std::move(cert));
}

Result<std::vector<Certificate>> Certificate::all_from_pem(std::string_view pem) {
  internal::BioPtr bio = internal::read_only_bio(pem);
  if (bio == nullptr) return error(ErrorCode::decode_error, "certificate PEM too large");
  std::vector<Certificate> certs;
  while (true) {
    X509Ptr cert(PEM_read_bio_X509(bio.get(), nullptr, internal::refuse_pem_password, nullptr));
    if (cert == nullptr) break;
    certs.emplace_back(std::move(cert));
  }
  // Running out of PEM blocks ends the bundle; any other error is a bad block.
  unsigned long last = ERR_peek_last_error();
  if (certs.empty() || ERR_GET_LIB(last) != ERR_LIB_PEM || ERR_GET_REASON(last) != PEM_R_NO_START_LINE) {
    return openssl_error(
        ErrorCode::decode_error,
        certs.empty() ? "no certificate in PEM bundle"
                      : "malformed certificate " + std::to_string(certs.size() + 1) + " in PEM bundle");
  }
  internal::clear_openssl_errors();
  return certs;
}

Result<Bytes> Certificate::to_der() const {
  if (!valid()) return error(ErrorCode::invalid_argument, "empty certificate");
  int size = i2d_X509(cert_.get(), nullptr);
  if (size <= 0) return openssl_error(ErrorCode::crypto_error, "encoding certificate");
  Bytes der(static_cast<std::size_t>(size));
  unsigned char* cursor = der.data();
  if (i2d_X509(cert_.get(), &cursor) != size)
    return openssl_error(ErrorCode::crypto_error, "encoding certificate");
  return der;
}

Result<std::string> Certificate::to_pem() const {
  if (!valid()) return error(ErrorCode::invalid_argument, "empty certificate");
  internal::BioPtr bio(BIO_new(BIO_s_mem()));
  if (bio == nullptr || PEM_write_bio_X509(bio.get(), cert_.get()) != 1) {
    return openssl_error(ErrorCode::crypto_error, "encoding certificate PEM");
  }
  return internal::bio_contents(bio.get());
}

Result<PublicKey> Certificate::public_key() const {
  if (!valid()) return error(ErrorCode::invalid_argument, "empty certificate");
  EvpPkeyPtr key(X509_get_pubkey(cert_.get()));  // a new reference
  if (key == nullptr) return openssl_error(ErrorCode::decode_error, "certificate public key unusable");
  return PublicKey(std::move(key));
}

Certificate::Certificate(X509Ptr cert) : cert_(std::move(cert)), names_(std::make_shared<Names>()) {}

const Certificate::Names& Certificate::names() const {
  std::call_once(names_->printed, [this] {
    names_->subject = name_to_string(X509_get_subject_name(cert_.get()));
    names_->issuer = name_to_string(X509_get_issuer_name(cert_.get()));
  });
  return *names_;
}

std::string Certificate::subject() const {
  return valid() ? names().subject : "";
}
std::string Certificate::issuer() const {
  return valid() ? names().issuer : "";
}
std::int64_t Certificate::not_before() const {
  return valid() ? time_to_epoch(X509_get0_notBefore(cert_.get())) : 0;
}
std::int64_t Certificate::not_after() const {
  return valid() ? time_to_epoch(X509_get0_notAfter(cert_.get())) : 0;
}

std::optional<Bytes> Certificate::extension(const std::string& oid) const {
  if (!valid()) return std::nullopt;
  internal::Asn1ObjectPtr object(OBJ_txt2obj(oid.c_str(), 1));
  if (object == nullptr) {
    internal::clear_openssl_errors();
    return std::nullopt;
  }
  int index = X509_get_ext_by_OBJ(cert_.get(), object.get(), -1);
  if (index < 0) return std::nullopt;
  const ASN1_OCTET_STRING* content = X509_EXTENSION_get_data(X509_get_ext(cert_.get(), index));
  if (content == nullptr) return std::nullopt;
  const unsigned char* data = ASN1_STRING_get0_data(content);
  return Bytes(data, data + ASN1_STRING_length(content));
}

Certificate Certificate::clone() const {
  if (!valid()) return {};
  // Certificates are never modified after construction; share the reference.
  if (X509_up_ref(cert_.get()) != 1) return {};
  Certificate copy(X509Ptr(cert_.get()));
  copy.names_ = names_;
  return copy;
}

// ---- Chains ----

std::string common_name(std::string_view rfc2253) {
  for (std::size_t at = 0; at < rfc2253.size();) {
    std::size_t end = rfc2253.find(',', at);
    if (end == std::string_view::npos) end = rfc2253.size();
    if (rfc2253.compare(at, 3, "CN=") == 0) return std::string(rfc2253.substr(at + 3, end - at - 3));
    at = end + 1;
  }
  return {};
}

Status verify_chain(const Certificate& leaf, const std::vector<Certificate>& intermediates,
                    const std::vector<Certificate>& roots, std::int64_t at) {
  if (!leaf.valid()) return error(ErrorCode::invalid_argument, "empty leaf certificate");
  if (roots.empty()) return error(ErrorCode::invalid_argument, "no trusted root certificates");
  // A fresh store holding only the given roots: no default paths, so nothing
  // is read from disk and nothing outside the caller's roots is trusted.
  internal::X509StorePtr store(X509_STORE_new());
  if (store == nullptr) return openssl_error(ErrorCode::crypto_error, "certificate store");
  for (const Certificate& root : roots) {
    if (!root.valid() || X509_STORE_add_cert(store.get(), root.get()) != 1) {
      return openssl_error(ErrorCode::invalid_argument, "adding trusted root certificate");
    }
  }
  internal::X509StackPtr untrusted(sk_X509_new_null());
  if (untrusted == nullptr) return openssl_error(ErrorCode::crypto_error, "certificate stack");
  for (const Certificate& intermediate : intermediates) {
    if (!intermediate.valid() || sk_X509_push(untrusted.get(), intermediate.get()) <= 0) {
      return openssl_error(ErrorCode::invalid_argument, "adding intermediate certificate");
    }
  }
  internal::X509StoreCtxPtr context(X509_STORE_CTX_new());
  if (context == nullptr ||
      X509_STORE_CTX_init(context.get(), store.get(), leaf.get(), untrusted.get()) != 1) {
    return openssl_error(ErrorCode::crypto_error, "certificate verification setup");
  }
  // Sets X509_V_FLAG_USE_CHECK_TIME. X509_V_FLAG_PARTIAL_CHAIN stays off:
  // every chain must end at one of `roots`.
  if (at != 0) X509_STORE_CTX_set_time(context.get(), 0, static_cast<time_t>(at));

  if (X509_verify_cert(context.get()) == 1) return Status::ok();
  int reason = X509_STORE_CTX_get_error(context.get());
  int depth = X509_STORE_CTX_get_error_depth(context.get());
  X509* failing = X509_STORE_CTX_get_current_cert(context.get());
  std::string subject = failing != nullptr ? name_to_string(X509_get_subject_name(failing)) : leaf.subject();
  internal::clear_openssl_errors();
  return error(ErrorCode::verification_failed, "certificate '" + subject + "' (depth " +
                                                   std::to_string(depth) +
                                                   "): " + X509_verify_cert_error_string(reason));
}

Status verify_issued_by(const Certificate& cert, const PublicKey& issuer) {
  if (!cert.valid()) return error(ErrorCode::invalid_argument, "empty certificate");
  if (!issuer.valid()) return error(ErrorCode::invalid_argument, "empty issuer key");
  // 1: verifies; 0: a wrong signature; <0: malformed. Either way the queued
  // OpenSSL errors say nothing more useful than the outcome.
  const int result = X509_verify(cert.get(), issuer.get());
  internal::clear_openssl_errors();
  if (result == 1) return Status::ok();
  return error(ErrorCode::verification_failed,
               "certificate '" + cert.subject() + "': signature does not verify under the issuer key");
}

// ---- Issuing ----

Result<Certificate> issue_certificate(const CertificateRequest& request, const PublicKey& subject_key,
                                      const PrivateKey& issuer_key, const Certificate* issuer) {
  if (!subject_key.valid() || !issuer_key.valid()) return error(ErrorCode::invalid_argument, "empty key");
  if (issuer != nullptr && !issuer->valid())
    return error(ErrorCode::invalid_argument, "empty issuer certificate");
  if (request.subject_common_name.empty())
    return error(ErrorCode::invalid_argument, "empty subject common name");
  if (request.validity_seconds <= 0) return error(ErrorCode::invalid_argument, "validity must be positive");
  if (issuer == nullptr && EVP_PKEY_eq(subject_key.get(), issuer_key.get()) != 1) {
    return error(ErrorCode::invalid_argument,
                 "a self-signed certificate needs the issuer key to match the subject key");
  }
  if (issuer != nullptr && X509_check_private_key(issuer->get(), issuer_key.get()) != 1) {
    internal::clear_openssl_errors();
    return error(ErrorCode::invalid_argument, "issuer key does not match the issuer certificate");
  }
  CLOISTER_ASSIGN_OR_RETURN(const EVP_MD* digest, signing_digest(issuer_key));

  X509Ptr cert(X509_new());
  if (cert == nullptr || X509_set_version(cert.get(), X509_VERSION_3) != 1) {
    return openssl_error(ErrorCode::crypto_error, "creating certificate");
  }
  CLOISTER_RETURN_IF_ERROR(set_random_serial(cert.get()));
  CLOISTER_RETURN_IF_ERROR(set_subject(cert.get(), request));
  X509_NAME* issuer_name =
      issuer != nullptr ? X509_get_subject_name(issuer->get()) : X509_get_subject_name(cert.get());
  const std::int64_t not_before = request.not_before != 0 ? request.not_before : std::time(nullptr);
  if (X509_set_issuer_name(cert.get(), issuer_name) != 1 ||
      ASN1_TIME_set(X509_getm_notBefore(cert.get()), static_cast<time_t>(not_before)) == nullptr ||
      ASN1_TIME_set(X509_getm_notAfter(cert.get()),
                    static_cast<time_t>(not_before + request.validity_seconds)) == nullptr ||
      X509_set_pubkey(cert.get(), subject_key.get()) != 1) {
    return openssl_error(ErrorCode::crypto_error, "filling certificate fields");
  }

  X509V3_CTX context;
  X509V3_set_ctx(&context, issuer != nullptr ? issuer->get() : cert.get(), cert.get(), nullptr, nullptr, 0);
  CLOISTER_ASSIGN_OR_RETURN(KeyType subject_type, subject_key.type());
  const char* key_usage = request.is_ca                  ? "critical,keyCertSign,cRLSign,digitalSignature"
                          : subject_type == KeyType::rsa ? "critical,digitalSignature,keyEncipherment"
                                                         : "critical,digitalSignature,keyAgreement";
  CLOISTER_RETURN_IF_ERROR(add_conf_extension(cert.get(), &context, NID_basic_constraints,
                                              request.is_ca ? "critical,CA:TRUE" : "critical,CA:FALSE"));
  CLOISTER_RETURN_IF_ERROR(add_conf_extension(cert.get(), &context, NID_key_usage, key_usage));
  // The subject key identifier goes first: for a self-signed certificate the
  // authority key identifier is read back from it.
  CLOISTER_RETURN_IF_ERROR(add_conf_extension(cert.get(), &context, NID_subject_key_identifier, "hash"));
  CLOISTER_RETURN_IF_ERROR(
      add_conf_extension(cert.get(), &context, NID_authority_key_identifier, "keyid:always"));
  for (const auto& [oid, content] : request.extensions) {
    CLOISTER_RETURN_IF_ERROR(add_custom_extension(cert.get(), oid, content));
  }

  if (X509_sign(cert.get(), issuer_key.get(), digest) <= 0) {
    return openssl_error(ErrorCode::crypto_error, "signing certificate");
  }
  return Certificate(std::move(cert));
}

}  // namespace cloister::crypto
