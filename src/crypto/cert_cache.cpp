#include "crypto/cert_cache.h"

#include <algorithm>
#include <deque>
#include <mutex>
#include <utility>

#include "common/encoding.h"

namespace cloister::crypto {
namespace {

constexpr std::size_t kMaxCachedCertificates = 256;

struct CertCache {
  std::mutex mutex;
  std::deque<std::pair<Bytes, Certificate>> entries;  // oldest first
};

CertCache& cache() {
  static CertCache* instance = new CertCache();  // never destroyed: usable during static teardown
  return *instance;
}

}  // namespace

Result<Certificate> parse_certificate_cached(ByteView der) {
  CertCache& c = cache();
  {
    std::lock_guard lock(c.mutex);
    for (const auto& [bytes, cert] : c.entries) {
      if (std::equal(bytes.begin(), bytes.end(), der.begin(), der.end())) return cert.clone();
    }
  }
  // Parse outside the lock; a concurrent miss on the same bytes just parses twice.
  CLOISTER_ASSIGN_OR_RETURN(Certificate parsed, Certificate::from_der(der));
  std::lock_guard lock(c.mutex);
  if (c.entries.size() >= kMaxCachedCertificates) c.entries.pop_front();
  c.entries.emplace_back(Bytes(der.begin(), der.end()), parsed.clone());
  return parsed;
}

Result<std::vector<Certificate>> parse_pem_chain_cached(std::string_view pem) {
  constexpr std::string_view kBegin = "-----BEGIN CERTIFICATE-----";
  constexpr std::string_view kEnd = "-----END CERTIFICATE-----";
  std::vector<Certificate> chain;
  std::size_t at = 0;
  while ((at = pem.find(kBegin, at)) != std::string_view::npos) {
    const std::size_t body = at + kBegin.size();
    const std::size_t end = pem.find(kEnd, body);
    if (end == std::string_view::npos)
      return Status(ErrorCode::decode_error,
                    "certificate " + std::to_string(chain.size() + 1) + " has no END line");
    std::string base64;
    for (char c : pem.substr(body, end - body)) {
      if (c != '\n' && c != '\r' && c != ' ' && c != '\t') base64.push_back(c);
    }
    auto der = from_base64(base64);
    if (!der)
      return Status(ErrorCode::decode_error,
                    "certificate " + std::to_string(chain.size() + 1) + " is not base64");
    CLOISTER_ASSIGN_OR_RETURN(Certificate certificate, parse_certificate_cached(*der));
    chain.push_back(std::move(certificate));
    at = end + kEnd.size();
  }
  return chain;
}

}  // namespace cloister::crypto
