#include "sql/cell_decryptor.h"

// The low-level SHA-256 functions are deprecated in OpenSSL 3 in favour of
// EVP, but they are the only way to copy a hash state without an allocation:
// EVP_MD_CTX_copy_ex duplicates the provider context on the heap, twice per
// cell, which cost a scan more than the hashing itself.
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/sha.h>

#include <array>
#include <atomic>
#include <utility>

#include "crypto/constant_time.h"

namespace cloister::sql {
namespace {

struct CipherFree {
  void operator()(EVP_CIPHER* cipher) const { EVP_CIPHER_free(cipher); }
};
struct CipherCtxFree {
  void operator()(EVP_CIPHER_CTX* context) const { EVP_CIPHER_CTX_free(context); }
};
using CipherCtxPtr = std::unique_ptr<EVP_CIPHER_CTX, CipherCtxFree>;

Status openssl_failure(const char* what) {
  ERR_clear_error();
  return error(ErrorCode::crypto_error, std::string("cell decryption: ") + what + " failed in OpenSSL");
}

constexpr std::size_t kSha256BlockSize = 64;
constexpr std::size_t kAesBlockSize = 16;

// Each CellDecryptor's serial number: a thread's cipher context remembers
// whose key it holds (an address could be reused after a key is freed).
std::atomic<std::uint64_t> next_serial{1};

// Plaintexts up to this size are decrypted on the stack, then copied once
// into their SecretBytes.
constexpr std::size_t kStackPlaintext = 512;

}  // namespace

// HMAC-SHA256 (RFC 2104) as two SHA-256 states that have absorbed the key
// blocks: a cell's tag then costs two copies of a plain struct and the
// hashing of the cell. AES-256-CBC decryption as AES-256-ECB keyed once
// (each thread copies the context) and the chaining XOR done here: setting a
// new IV on a CBC context costs a parameter lookup and re-initialisation per
// cell, more than decrypting a short cell.
struct CellDecryptor::State {
  SHA256_CTX inner{};   // after (mac_key ^ ipad)
  SHA256_CTX outer{};   // after (mac_key ^ opad)
  CipherCtxPtr cipher;  // AES-256-ECB decryption, no padding, keyed with the encryption key
  std::uint64_t serial = 0;
  State() = default;
  State(const State&) = delete;
  State& operator=(const State&) = delete;
  ~State() {
    secure_wipe(&inner, sizeof inner);
    secure_wipe(&outer, sizeof outer);
  }
};

CellDecryptor::CellDecryptor(CellKey key, std::unique_ptr<State> state)
    : key_(std::move(key)), state_(std::move(state)) {}
CellDecryptor::CellDecryptor(CellDecryptor&&) noexcept = default;
CellDecryptor& CellDecryptor::operator=(CellDecryptor&&) noexcept = default;
CellDecryptor::~CellDecryptor() = default;

Result<CellDecryptor> CellDecryptor::create(ByteView column_encryption_key) {
  CLOISTER_ASSIGN_OR_RETURN(CellKey key, CellKey::create(column_encryption_key));
  auto state = std::make_unique<State>();
  state->serial = next_serial.fetch_add(1);
  std::unique_ptr<EVP_CIPHER, CipherFree> aes(EVP_CIPHER_fetch(nullptr, "AES-256-ECB", nullptr));
  if (aes == nullptr) return openssl_failure("fetching AES-256-ECB");

  std::array<std::uint8_t, kSha256BlockSize> pad{};
  const SecretBytes& mac_key = key.mac_key_;  // 32 bytes: shorter than a block, used as is
  bool ok = true;
  for (auto [context, byte] : {std::pair{&state->inner, 0x36}, std::pair{&state->outer, 0x5c}}) {
    pad.fill(static_cast<std::uint8_t>(byte));
    for (std::size_t i = 0; i < mac_key.size(); ++i) pad[i] ^= mac_key.data()[i];
    ok = ok && SHA256_Init(context) == 1 && SHA256_Update(context, pad.data(), pad.size()) == 1;
  }
  secure_wipe(pad.data(), pad.size());
  if (!ok) return openssl_failure("HMAC key setup");

  state->cipher.reset(EVP_CIPHER_CTX_new());
  if (state->cipher == nullptr ||
      EVP_DecryptInit_ex2(state->cipher.get(), aes.get(), key.enc_key_.data(), nullptr, nullptr) != 1 ||
      EVP_CIPHER_CTX_set_padding(state->cipher.get(), 0) != 1) {
    return openssl_failure("AES-256 key setup");
  }
  return CellDecryptor(std::move(key), std::move(state));
}

Result<std::size_t> CellDecryptor::decrypt_into(ByteView cell, std::span<std::uint8_t> out) const {
  CLOISTER_ASSIGN_OR_RETURN(const CellParts parts, split_cell(cell));  // whole blocks, at least one
  const ByteView stored_tag = parts.tag;
  const ByteView iv = parts.iv;
  const ByteView ciphertext = parts.ciphertext;
  if (ciphertext.size() > (1u << 30)) return error(ErrorCode::out_of_range, "the cell is too large");

  // tag = HMAC-SHA256(mac_key, version || iv || ciphertext || sizeof(version))
  static constexpr std::uint8_t kVersion[] = {kCellVersion};
  static constexpr std::uint8_t kVersionSize[] = {1};
  std::array<std::uint8_t, kCellTagSize> inner{};
  std::array<std::uint8_t, kCellTagSize> tag{};
  SHA256_CTX hash = state_->inner;
  SHA256_Update(&hash, kVersion, 1);
  SHA256_Update(&hash, iv.data(), iv.size());
  SHA256_Update(&hash, ciphertext.data(), ciphertext.size());
  SHA256_Update(&hash, kVersionSize, 1);
  SHA256_Final(inner.data(), &hash);
  hash = state_->outer;
  SHA256_Update(&hash, inner.data(), inner.size());
  SHA256_Final(tag.data(), &hash);
  secure_wipe(&hash, sizeof hash);
  if (!crypto::constant_time_equal(tag, stored_tag)) {
    return error(ErrorCode::verification_failed,
                 "the cell's authentication tag does not match: tampered, or another key");
  }

  // A context per thread, holding the key schedule of the last key it used
  // (a scan or a sort uses one key for many cells).
  struct ThreadCipher {
    CipherCtxPtr context{EVP_CIPHER_CTX_new()};
    std::uint64_t serial = 0;
  };
  thread_local ThreadCipher cipher;
  if (cipher.context == nullptr) return openssl_failure("AES-256 setup");
  if (cipher.serial != state_->serial) {
    cipher.serial = 0;
    if (EVP_CIPHER_CTX_copy(cipher.context.get(), state_->cipher.get()) != 1 ||
        EVP_CIPHER_CTX_set_padding(cipher.context.get(), 0) != 1)
      return openssl_failure("AES-256 setup");
    cipher.serial = state_->serial;
  }
  const std::size_t room = decrypt_buffer_size(cell.size());
  if (out.size() < room) {
    return error(ErrorCode::invalid_argument,
                 "cell decryption: the output buffer is smaller than " + std::to_string(room) + " bytes");
  }
  int written = 0;
  if (EVP_DecryptUpdate(cipher.context.get(), out.data(), &written, ciphertext.data(),
                        static_cast<int>(ciphertext.size())) != 1 ||
      static_cast<std::size_t>(written) != ciphertext.size()) {
    secure_wipe(out.data(), room);
    return openssl_failure("AES-256 decryption");
  }
  // CBC: each block's decryption XOR the ciphertext block before it (the IV for the first).
  for (std::size_t i = 0; i < ciphertext.size(); ++i) {
    out[i] ^= i < kAesBlockSize ? iv[i] : ciphertext[i - kAesBlockSize];
  }
  // PKCS#7 padding. The tag is verified, so how long this takes tells nothing.
  const std::uint8_t pad = out[ciphertext.size() - 1];
  bool padded = pad >= 1 && pad <= kAesBlockSize;
  for (std::size_t i = 0; padded && i < pad; ++i) padded = out[ciphertext.size() - 1 - i] == pad;
  if (!padded) {
    secure_wipe(out.data(), room);
    // Only the key's holder can make a valid tag over bad padding.
    return error(ErrorCode::crypto_error,
                 "AES-256-CBC padding is invalid: the cell's tag is valid but its padding is not (a faulty "
                 "encryptor)");
  }
  const std::size_t size = ciphertext.size() - pad;
  secure_wipe(out.data() + size, pad);
  return size;
}

Result<SecretBytes> CellDecryptor::decrypt(ByteView cell) const {
  std::array<std::uint8_t, kStackPlaintext> stack_buffer;
  SecretBytes heap_buffer;
  std::span<std::uint8_t> out(stack_buffer);
  if (decrypt_buffer_size(cell.size()) > stack_buffer.size()) {
    heap_buffer = SecretBytes(decrypt_buffer_size(cell.size()));
    out = std::span<std::uint8_t>(heap_buffer.data(), heap_buffer.size());
  }
  CLOISTER_ASSIGN_OR_RETURN(std::size_t size, decrypt_into(cell, out));
  SecretBytes plaintext(ByteView(out.data(), size));
  secure_wipe(out.data(), size);
  return plaintext;
}

}  // namespace cloister::sql
