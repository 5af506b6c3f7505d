#include "attest/cert_cache.h"

#include <algorithm>
#include <deque>
#include <mutex>
#include <utility>

namespace cloister::attest {
namespace {

constexpr std::size_t kMaxCachedCertificates = 64;

struct CertCache {
  std::mutex mutex;
  std::deque<std::pair<Bytes, crypto::Certificate>> entries;  // oldest first
};

CertCache& cache() {
  static CertCache* instance = new CertCache();  // never destroyed: usable during static teardown
  return *instance;
}

}  // namespace

Result<crypto::Certificate> parse_certificate_cached(ByteView der) {
  CertCache& c = cache();
  {
    std::lock_guard lock(c.mutex);
    for (const auto& [bytes, cert] : c.entries) {
      if (std::equal(bytes.begin(), bytes.end(), der.begin(), der.end())) return cert.clone();
    }
  }
  // Parse outside the lock; a concurrent miss on the same bytes just parses twice.
  CLOISTER_ASSIGN_OR_RETURN(crypto::Certificate parsed, crypto::Certificate::from_der(der));
  std::lock_guard lock(c.mutex);
  if (c.entries.size() >= kMaxCachedCertificates) c.entries.pop_front();
  c.entries.emplace_back(Bytes(der.begin(), der.end()), parsed.clone());
  return parsed;
}

}  // namespace cloister::attest
