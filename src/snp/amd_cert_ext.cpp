#include "snp/amd_cert_ext.h"

#include <openssl/asn1.h>

#include <climits>

#include "crypto/openssl_util.h"

namespace cloister::snp {

namespace {

using Asn1IntegerPtr = crypto::internal::OpenSslPtr<ASN1_INTEGER, ASN1_INTEGER_free>;
using Asn1OctetStringPtr = crypto::internal::OpenSslPtr<ASN1_OCTET_STRING, ASN1_OCTET_STRING_free>;
using Asn1Ia5StringPtr = crypto::internal::OpenSslPtr<ASN1_IA5STRING, ASN1_IA5STRING_free>;

const std::string kArc = "1.3.6.1.4.1.3704.1.";

Status malformed(const std::string& oid, const char* what) {
  crypto::internal::clear_openssl_errors();
  return error(ErrorCode::decode_error, "AMD certificate extension " + oid + " is not " + what);
}

// The DER must be exactly one value of the type: trailing bytes are refused.
bool consumed_all(const unsigned char* cursor, const Bytes& der) {
  return cursor == der.data() + der.size();
}

Status read_integer(const crypto::Certificate& cert, const std::string& suffix,
                    std::optional<std::int64_t>& out) {
  const std::string oid = kArc + suffix;
  auto der = cert.extension(oid);
  if (!der) return Status::ok();
  if (der->size() > LONG_MAX) return malformed(oid, "an INTEGER");
  const unsigned char* cursor = der->data();
  Asn1IntegerPtr value(d2i_ASN1_INTEGER(nullptr, &cursor, static_cast<long>(der->size())));
  std::int64_t number = 0;
  if (value == nullptr || !consumed_all(cursor, *der) || ASN1_INTEGER_get_int64(&number, value.get()) != 1) {
    return malformed(oid, "an INTEGER");
  }
  out = number;
  return Status::ok();
}

}  // namespace

Result<AmdCertExtensions> read_amd_extensions(const crypto::Certificate& cert) {
  if (!cert.valid()) return error(ErrorCode::invalid_argument, "empty certificate");
  AmdCertExtensions ext;
  CLOISTER_RETURN_IF_ERROR(read_integer(cert, "1", ext.struct_version));
  CLOISTER_RETURN_IF_ERROR(read_integer(cert, "3.1", ext.bl_spl));
  CLOISTER_RETURN_IF_ERROR(read_integer(cert, "3.2", ext.tee_spl));
  CLOISTER_RETURN_IF_ERROR(read_integer(cert, "3.3", ext.snp_spl));
  CLOISTER_RETURN_IF_ERROR(read_integer(cert, "3.4", ext.spl4));
  CLOISTER_RETURN_IF_ERROR(read_integer(cert, "3.5", ext.spl5));
  CLOISTER_RETURN_IF_ERROR(read_integer(cert, "3.6", ext.spl6));
  CLOISTER_RETURN_IF_ERROR(read_integer(cert, "3.7", ext.spl7));
  CLOISTER_RETURN_IF_ERROR(read_integer(cert, "3.8", ext.ucode_spl));
  CLOISTER_RETURN_IF_ERROR(read_integer(cert, "3.9", ext.fmc_spl));

  for (const char* suffix : {"2", "5"}) {
    const std::string oid = kArc + suffix;
    auto der = cert.extension(oid);
    if (!der) continue;
    if (der->size() > LONG_MAX) return malformed(oid, "an IA5String");
    const unsigned char* cursor = der->data();
    Asn1Ia5StringPtr text(d2i_ASN1_IA5STRING(nullptr, &cursor, static_cast<long>(der->size())));
    if (text == nullptr || !consumed_all(cursor, *der)) return malformed(oid, "an IA5String");
    const unsigned char* data = ASN1_STRING_get0_data(text.get());
    std::string value(data, data + ASN1_STRING_length(text.get()));
    (suffix[0] == '2' ? ext.product_name : ext.csp_id) = std::move(value);
  }

  const std::string hw_oid = kArc + "4";
  if (auto der = cert.extension(hw_oid)) {
    // AMD's KDS puts the chip id's raw bytes straight into the extension
    // value (64 bytes; 8 on Turin), with no inner OCTET STRING. An inner
    // OCTET STRING is accepted too; the lengths cannot be confused, since its
    // encoding is two bytes longer.
    if (der->size() == 64 || der->size() == 8) {
      ext.hw_id = *der;
    } else {
      if (der->size() > LONG_MAX) return malformed(hw_oid, "an OCTET STRING");
      const unsigned char* cursor = der->data();
      Asn1OctetStringPtr octets(d2i_ASN1_OCTET_STRING(nullptr, &cursor, static_cast<long>(der->size())));
      if (octets == nullptr || !consumed_all(cursor, *der)) return malformed(hw_oid, "an OCTET STRING");
      const unsigned char* data = ASN1_STRING_get0_data(octets.get());
      ext.hw_id = Bytes(data, data + ASN1_STRING_length(octets.get()));
    }
  }
  return ext;
}

}  // namespace cloister::snp
