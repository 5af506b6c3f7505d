#include "crypto/constant_time.h"

#include <openssl/crypto.h>

namespace cloister::crypto {

bool constant_time_equal(ByteView a, ByteView b) {
  if (a.size() != b.size()) return false;
  if (a.empty()) return true;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace cloister::crypto
