#include "attest/chain_cache.h"

#include <mutex>
#include <set>

namespace cloister::attest {
namespace {

constexpr std::size_t kMaxEntries = 256;
std::mutex mutex;
std::set<crypto::Digest256> verified;

}  // namespace

crypto::Digest256 chain_key(const std::vector<Bytes>& chain_der, ByteView root_der) {
  crypto::Hasher hasher(crypto::HashAlgorithm::sha256);
  auto add = [&hasher](ByteView der) {
    std::uint8_t length[8];
    for (int i = 0; i < 8; ++i) length[i] = static_cast<std::uint8_t>(der.size() >> (8 * i));
    hasher.update(length).update(der);
  };
  for (const auto& der : chain_der) add(der);
  add(root_der);
  Bytes digest = hasher.finish();
  crypto::Digest256 key{};
  std::copy(digest.begin(), digest.end(), key.begin());
  return key;
}

bool chain_verified_before(const crypto::Digest256& key) {
  std::lock_guard lock(mutex);
  return verified.count(key) != 0;
}

void remember_verified_chain(const crypto::Digest256& key) {
  std::lock_guard lock(mutex);
  if (verified.size() >= kMaxEntries) verified.clear();
  verified.insert(key);
}

Status check_validity_periods(const std::vector<const crypto::Certificate*>& certificates,
                              std::int64_t at_seconds) {
  for (const auto* certificate : certificates) {
    if (at_seconds < certificate->not_before()) {
      return Status(ErrorCode::verification_failed,
                    "certificate '" + certificate->subject() + "': certificate is not yet valid");
    }
    if (at_seconds > certificate->not_after()) {
      return Status(ErrorCode::verification_failed,
                    "certificate '" + certificate->subject() + "': certificate has expired");
    }
  }
  return Status::ok();
}

}  // namespace cloister::attest
