// Trust anchors for SEV-SNP: AMD's root key (ARK) per product line, pinned by
// the SHA-256 of its SubjectPublicKeyInfo, and the rules AMD's CA
// certificates follow (RSASSA-PSS with SHA-384, MGF1-SHA-384, 48-byte salt).
#pragma once

#include <string>

#include "cloister/result.h"
#include "crypto/x509.h"
#include "snp/report_format.h"

namespace cloister::snp {

struct BuiltinChain {
  Product product;
  const char* ark_pem;
  const char* ask_pem;   // signs VCEKs
  const char* asvk_pem;  // signs VLEKs
  // Hex SHA-256 of the ARK's SubjectPublicKeyInfo DER: the pin. A supplied
  // ARK is trusted only if its key hashes to this.
  const char* ark_spki_sha256;
};

// Null for Product::unknown.
const BuiltinChain* builtin_chain(Product product);

// The product line an AMD CA certificate's common name names: ARK-<line>,
// SEV-<line> (ASK) or SEV-VLEK-<line> (ASVK). Unknown for anything else.
Product product_from_ca_name(const crypto::Certificate& cert);
// The certificate's subject common name, "" if none.
std::string common_name(const crypto::Certificate& cert);

// Hex SHA-256 of the certificate's SubjectPublicKeyInfo DER.
Result<std::string> spki_sha256_hex(const crypto::Certificate& cert);
// Hex SHA-256 of the certificate's DER (its usual fingerprint).
Result<std::string> cert_sha256_hex(const crypto::Certificate& cert);

// The certificate's signature algorithm is RSASSA-PSS with SHA-384, MGF1 with
// SHA-384 and a 48-byte salt, as AMD signs its chain. Whether the signature
// verifies is checked separately (crypto::verify_issued_by).
Status check_amd_signature_algorithm(const crypto::Certificate& cert);

}  // namespace cloister::snp
