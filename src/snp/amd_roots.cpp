#include "snp/amd_roots.h"

#include <openssl/rsa.h>
#include <openssl/x509.h>

#include <array>

#include "common/encoding.h"
#include "crypto/openssl_util.h"
#include "crypto/sha.h"
#include "snp/amd_root_certs.h"

namespace cloister::snp {

namespace {

using RsaPssParamsPtr = crypto::internal::OpenSslPtr<RSA_PSS_PARAMS, RSA_PSS_PARAMS_free>;
using X509AlgorPtr = crypto::internal::OpenSslPtr<X509_ALGOR, X509_ALGOR_free>;

// Computed with `openssl x509 -pubkey | openssl pkey -pubin -outform DER |
// sha256sum` over the ARKs AMD's KDS serves.
const std::array<BuiltinChain, 3> kChains = {{
    {Product::milan, builtin::kMilanArkPem, builtin::kMilanAskPem, builtin::kMilanAsvkPem,
     "9f056bee44377e29308cb5ffa895bdfb62d18881fa6bed8d6f075b0204089cb9"},
    {Product::genoa, builtin::kGenoaArkPem, builtin::kGenoaAskPem, builtin::kGenoaAsvkPem,
     "429a69c9422aa258ee4d8db5fcda9c6470ef15f8cd5a9cebd6cbc7d90b863831"},
    {Product::turin, builtin::kTurinArkPem, builtin::kTurinAskPem, builtin::kTurinAsvkPem,
     "4f125410563a2ab9a50356f9243f6fe0b6f73de98603f53f90339c70e9d7ad08"},
}};

Status not_amd_algorithm(const crypto::Certificate& cert, const std::string& why) {
  crypto::internal::clear_openssl_errors();
  return error(ErrorCode::verification_failed,
               "certificate '" + cert.subject() + "' is not signed with RSASSA-PSS/SHA-384/salt 48: " + why);
}

bool is_sha384(const X509_ALGOR* algorithm) {
  if (algorithm == nullptr) return false;  // absent means SHA-1
  const ASN1_OBJECT* object = nullptr;
  X509_ALGOR_get0(&object, nullptr, nullptr, algorithm);
  return OBJ_obj2nid(object) == NID_sha384;
}

}  // namespace

const BuiltinChain* builtin_chain(Product product) {
  for (const auto& chain : kChains) {
    if (chain.product == product) return &chain;
  }
  return nullptr;
}

std::string common_name(const crypto::Certificate& cert) {
  return crypto::common_name(cert.subject());
}

Product product_from_ca_name(const crypto::Certificate& cert) {
  const std::string name = common_name(cert);
  for (const char* prefix : {"ARK-", "SEV-VLEK-", "SEV-"}) {
    const std::string p(prefix);
    if (name.rfind(p, 0) == 0) return product_from_name(std::string_view(name).substr(p.size()));
  }
  return Product::unknown;
}

Result<std::string> spki_sha256_hex(const crypto::Certificate& cert) {
  CLOISTER_ASSIGN_OR_RETURN(crypto::PublicKey key, cert.public_key());
  CLOISTER_ASSIGN_OR_RETURN(Bytes der, key.to_der());
  return to_hex(crypto::sha256(der));
}

Result<std::string> cert_sha256_hex(const crypto::Certificate& cert) {
  CLOISTER_ASSIGN_OR_RETURN(Bytes der, cert.to_der());
  return to_hex(crypto::sha256(der));
}

Status check_amd_signature_algorithm(const crypto::Certificate& cert) {
  if (!cert.valid()) return error(ErrorCode::invalid_argument, "empty certificate");
  const X509_ALGOR* algorithm = nullptr;
  X509_get0_signature(nullptr, &algorithm, cert.get());
  const ASN1_OBJECT* object = nullptr;
  int parameter_type = 0;
  const void* parameter = nullptr;
  X509_ALGOR_get0(&object, &parameter_type, &parameter, algorithm);
  if (OBJ_obj2nid(object) != NID_rsassaPss) return not_amd_algorithm(cert, "the algorithm is not RSASSA-PSS");
  if (parameter_type != V_ASN1_SEQUENCE || parameter == nullptr) {
    return not_amd_algorithm(cert, "no PSS parameters");
  }
  const auto* sequence = static_cast<const ASN1_STRING*>(parameter);
  const unsigned char* cursor = ASN1_STRING_get0_data(sequence);
  RsaPssParamsPtr params(d2i_RSA_PSS_PARAMS(nullptr, &cursor, ASN1_STRING_length(sequence)));
  if (params == nullptr) return not_amd_algorithm(cert, "malformed PSS parameters");
  if (!is_sha384(params->hashAlgorithm)) return not_amd_algorithm(cert, "the hash is not SHA-384");

  // MGF1, whose parameter is the mask hash's AlgorithmIdentifier.
  const X509_ALGOR* mgf = params->maskGenAlgorithm;
  if (mgf == nullptr) return not_amd_algorithm(cert, "the mask is MGF1 with SHA-1");
  const ASN1_OBJECT* mgf_object = nullptr;
  int mgf_type = 0;
  const void* mgf_parameter = nullptr;
  X509_ALGOR_get0(&mgf_object, &mgf_type, &mgf_parameter, mgf);
  if (OBJ_obj2nid(mgf_object) != NID_mgf1 || mgf_type != V_ASN1_SEQUENCE || mgf_parameter == nullptr) {
    return not_amd_algorithm(cert, "the mask generation function is not MGF1");
  }
  const auto* mgf_sequence = static_cast<const ASN1_STRING*>(mgf_parameter);
  const unsigned char* mgf_cursor = ASN1_STRING_get0_data(mgf_sequence);
  X509AlgorPtr mask_hash(d2i_X509_ALGOR(nullptr, &mgf_cursor, ASN1_STRING_length(mgf_sequence)));
  if (!is_sha384(mask_hash.get())) return not_amd_algorithm(cert, "the MGF1 hash is not SHA-384");

  std::int64_t salt = 20;  // the ASN.1 default when absent
  if (params->saltLength != nullptr && ASN1_INTEGER_get_int64(&salt, params->saltLength) != 1) {
    return not_amd_algorithm(cert, "malformed salt length");
  }
  if (salt != 48) return not_amd_algorithm(cert, "the salt is " + std::to_string(salt) + " bytes");
  return Status::ok();
}

}  // namespace cloister::snp
