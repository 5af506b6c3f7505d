#include "dcap/collateral_root_key.h"

#include <algorithm>
#include <array>
#include <cstdint>

namespace cloister::dcap {

namespace {

// From the "Intel SGX Root CA" certificate's subjectPublicKeyInfo
// (https://certificates.trustedservices.intel.com/Intel_SGX_Provisioning_Certification_RootCA.pem).
constexpr std::array<std::uint8_t, 65> kIntelSgxRootKey = {
    0x04, 0x0b, 0xa9, 0xc4, 0xc0, 0xc0, 0xc8, 0x61, 0x93, 0xa3, 0xfe, 0x23, 0xd6, 0xb0, 0x2c, 0xda, 0x10,
    0xa8, 0xbb, 0xd4, 0xe8, 0x8e, 0x48, 0xb4, 0x45, 0x85, 0x61, 0xa3, 0x6e, 0x70, 0x55, 0x25, 0xf5, 0x67,
    0x91, 0x8e, 0x2e, 0xdc, 0x88, 0xe4, 0x0d, 0x86, 0x0b, 0xd0, 0xcc, 0x4e, 0xe2, 0x6a, 0xac, 0xc9, 0x88,
    0xe5, 0x05, 0xa9, 0x53, 0x55, 0x8c, 0x45, 0x3f, 0x6b, 0x09, 0x04, 0xae, 0x73, 0x94,
};

}  // namespace

ByteView intel_sgx_root_key_point() {
  return kIntelSgxRootKey;
}

Result<crypto::PublicKey> intel_sgx_root_key() {
  // Made once: importing a key is a good part of the cost of one verify.
  static const Result<crypto::PublicKey> key =
      crypto::PublicKey::from_ec_point(crypto::KeyType::ec_p256, kIntelSgxRootKey);
  if (!key) return key.status();
  return key->clone();
}

bool is_intel_sgx_root_key(const crypto::PublicKey& key) {
  auto type = key.type();
  if (!type.is_ok() || *type != crypto::KeyType::ec_p256) return false;
  auto point = key.ec_point();
  return point.is_ok() &&
         std::equal(point->begin(), point->end(), kIntelSgxRootKey.begin(), kIntelSgxRootKey.end());
}

}  // namespace cloister::dcap
