#include "crypto/sha.h"

#include <cstdio>
#include <cstdlib>

#include "crypto/openssl_util.h"

namespace cloister::crypto {
namespace {

// Hashing fails only when OpenSSL cannot allocate or its default provider is
// missing, never because of the input; these functions return plain digests,
// so carrying on with an unset digest would be worse than stopping.
[[noreturn]] void digest_failure(const char* what) {
  std::fprintf(stderr, "cloister crypto: %s failed inside OpenSSL\n", what);
  std::abort();
}

template <typename DigestArray>
DigestArray one_shot(const EVP_MD* md, ByteView data, const char* what) {
  DigestArray digest{};
  unsigned int size = 0;
  if (EVP_Digest(data.data(), data.size(), digest.data(), &size, md, nullptr) != 1 || size != digest.size()) {
    digest_failure(what);
  }
  return digest;
}

}  // namespace

Digest256 sha256(ByteView data) {
  return one_shot<Digest256>(EVP_sha256(), data, "SHA-256");
}
Digest384 sha384(ByteView data) {
  return one_shot<Digest384>(EVP_sha384(), data, "SHA-384");
}

std::size_t digest_size(HashAlgorithm algorithm) {
  switch (algorithm) {
    case HashAlgorithm::sha256:
      return 32;
    case HashAlgorithm::sha384:
      return 48;
  }
  return 0;
}

struct Hasher::Impl {
  internal::EvpMdCtxPtr context;
  std::size_t size = 0;
  bool finished = false;
};

Hasher::Hasher(HashAlgorithm algorithm) : impl_(std::make_unique<Impl>()) {
  impl_->context.reset(EVP_MD_CTX_new());
  impl_->size = digest_size(algorithm);
  if (impl_->context == nullptr ||
      EVP_DigestInit_ex(impl_->context.get(), internal::message_digest(algorithm), nullptr) != 1) {
    digest_failure("digest initialisation");
  }
}

Hasher::~Hasher() = default;
Hasher::Hasher(Hasher&&) noexcept = default;
Hasher& Hasher::operator=(Hasher&&) noexcept = default;

Hasher& Hasher::update(ByteView data) {
  // Updating a moved-from or finished hasher is a caller bug; ignoring it
  // keeps the digest returned earlier unchanged.
  if (impl_ == nullptr || impl_->finished || data.empty()) return *this;
  if (EVP_DigestUpdate(impl_->context.get(), data.data(), data.size()) != 1) digest_failure("digest update");
  return *this;
}

Bytes Hasher::finish() {
  if (impl_ == nullptr || impl_->finished) return {};
  Bytes digest(impl_->size);
  unsigned int size = 0;
  if (EVP_DigestFinal_ex(impl_->context.get(), digest.data(), &size) != 1 || size != digest.size()) {
    digest_failure("digest finalisation");
  }
  impl_->finished = true;
  return digest;
}

}  // namespace cloister::crypto
