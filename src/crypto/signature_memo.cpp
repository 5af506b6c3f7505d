#include "crypto/signature_memo.h"

#include <array>
#include <cstdint>
#include <mutex>
#include <set>

#include "crypto/sha.h"

namespace cloister::crypto {
namespace {

constexpr std::size_t kMaxEntries = 16384;

struct Memo {
  std::mutex mutex;
  std::set<Bytes> verified;
};

Memo& memo() {
  static Memo* instance = new Memo();  // never destroyed: usable during static teardown
  return *instance;
}

void append_length_prefixed(Bytes& out, ByteView part) {
  const std::uint64_t size = part.size();
  for (int shift = 0; shift < 64; shift += 8) out.push_back(static_cast<std::uint8_t>(size >> shift));
  out.insert(out.end(), part.begin(), part.end());
}

Bytes memo_key(std::string_view kind, ByteView signer, ByteView signed_bytes) {
  Bytes input;
  input.reserve(kind.size() + signer.size() + signed_bytes.size() + 24);
  append_length_prefixed(input, as_bytes(kind));
  append_length_prefixed(input, signer);
  append_length_prefixed(input, signed_bytes);
  const auto digest = sha256(input);
  return Bytes(digest.begin(), digest.end());
}

}  // namespace

Status verify_memoized(std::string_view kind, ByteView signer, ByteView signed_bytes,
                       const std::function<Status()>& check) {
  const Bytes key = memo_key(kind, signer, signed_bytes);
  Memo& m = memo();
  {
    std::lock_guard lock(m.mutex);
    if (m.verified.contains(key)) return Status::ok();
  }
  Status status = check();
  if (!status.is_ok()) return status;
  std::lock_guard lock(m.mutex);
  if (m.verified.size() >= kMaxEntries) m.verified.clear();
  m.verified.insert(key);
  return status;
}

void clear_signature_memo() {
  Memo& m = memo();
  std::lock_guard lock(m.mutex);
  m.verified.clear();
}

}  // namespace cloister::crypto
