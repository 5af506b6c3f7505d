#include "sql/cell_decryptor.h"

#include <openssl/err.h>
#include <openssl/evp.h>

#include <array>
#include <atomic>
#include <utility>

#include "crypto/constant_time.h"

namespace cloister::sql {
namespace {

struct MdCtxFree {
  void operator()(EVP_MD_CTX* context) const { EVP_MD_CTX_free(context); }
};
struct MdFree {
  void operator()(EVP_MD* md) const { EVP_MD_free(md); }
};
struct CipherFree {
  void operator()(EVP_CIPHER* cipher) const { EVP_CIPHER_free(cipher); }
};
struct CipherCtxFree {
  void operator()(EVP_CIPHER_CTX* context) const { EVP_CIPHER_CTX_free(context); }
};
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, MdCtxFree>;
using CipherCtxPtr = std::unique_ptr<EVP_CIPHER_CTX, CipherCtxFree>;

Status openssl_failure(const char* what) {
  ERR_clear_error();
  return error(ErrorCode::crypto_error, std::string("cell decryption: ") + what + " failed in OpenSSL");
}

constexpr std::size_t kSha256BlockSize = 64;

// Each CellDecryptor's serial number: a thread's cipher context remembers
// whose key it holds (an address could be reused after a key is freed).
std::atomic<std::uint64_t> next_serial{1};

// Plaintexts up to this size are decrypted on the stack, then copied once
// into their SecretBytes.
constexpr std::size_t kStackPlaintext = 512;

}  // namespace

// HMAC-SHA256 (RFC 2104) as two SHA-256 states that have absorbed the key
// blocks: a cell's tag then costs two state copies and the hashing of the
// cell, where EVP_MAC_CTX_dup costs several allocations and provider calls.
// The AES key schedule is made once too, in a context each thread copies.
struct CellDecryptor::State {
  MdCtxPtr inner;       // SHA-256 after (mac_key ^ ipad)
  MdCtxPtr outer;       // SHA-256 after (mac_key ^ opad)
  CipherCtxPtr cipher;  // AES-256-CBC decryption keyed with the encryption key
  std::uint64_t serial = 0;
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
  std::unique_ptr<EVP_MD, MdFree> sha256(EVP_MD_fetch(nullptr, "SHA256", nullptr));
  std::unique_ptr<EVP_CIPHER, CipherFree> aes(EVP_CIPHER_fetch(nullptr, "AES-256-CBC", nullptr));
  if (sha256 == nullptr || aes == nullptr) return openssl_failure("fetching SHA-256 and AES-256-CBC");

  std::array<std::uint8_t, kSha256BlockSize> pad{};
  const SecretBytes& mac_key = key.mac_key_;  // 32 bytes: shorter than a block, used as is
  state->inner.reset(EVP_MD_CTX_new());
  state->outer.reset(EVP_MD_CTX_new());
  bool ok = state->inner != nullptr && state->outer != nullptr;
  for (auto [context, byte] : {std::pair{state->inner.get(), 0x36}, std::pair{state->outer.get(), 0x5c}}) {
    if (!ok) break;
    pad.fill(static_cast<std::uint8_t>(byte));
    for (std::size_t i = 0; i < mac_key.size(); ++i) pad[i] ^= mac_key.data()[i];
    ok = EVP_DigestInit_ex2(context, sha256.get(), nullptr) == 1 &&
         EVP_DigestUpdate(context, pad.data(), pad.size()) == 1;
  }
  secure_wipe(pad.data(), pad.size());
  if (!ok) return openssl_failure("HMAC key setup");

  state->cipher.reset(EVP_CIPHER_CTX_new());
  if (state->cipher == nullptr ||
      EVP_DecryptInit_ex2(state->cipher.get(), aes.get(), key.enc_key_.data(), nullptr, nullptr) != 1) {
    return openssl_failure("AES-256-CBC key setup");
  }
  return CellDecryptor(std::move(key), std::move(state));
}

Result<std::size_t> CellDecryptor::decrypt_into(ByteView cell, std::span<std::uint8_t> out) const {
  CLOISTER_ASSIGN_OR_RETURN(const CellParts parts, split_cell(cell));
  const ByteView stored_tag = parts.tag;
  const ByteView iv = parts.iv;
  const ByteView ciphertext = parts.ciphertext;
  if (ciphertext.size() > (1u << 30)) return error(ErrorCode::out_of_range, "the cell is too large");

  // tag = HMAC-SHA256(mac_key, version || iv || ciphertext || sizeof(version))
  thread_local MdCtxPtr hash(EVP_MD_CTX_new());
  static constexpr std::uint8_t kVersion[] = {kCellVersion};
  static constexpr std::uint8_t kVersionSize[] = {1};
  std::array<std::uint8_t, kCellTagSize> inner{};
  std::array<std::uint8_t, kCellTagSize> tag{};
  unsigned int inner_size = 0;
  unsigned int tag_size = 0;
  if (hash == nullptr || EVP_MD_CTX_copy_ex(hash.get(), state_->inner.get()) != 1 ||
      EVP_DigestUpdate(hash.get(), kVersion, 1) != 1 ||
      EVP_DigestUpdate(hash.get(), iv.data(), iv.size()) != 1 ||
      EVP_DigestUpdate(hash.get(), ciphertext.data(), ciphertext.size()) != 1 ||
      EVP_DigestUpdate(hash.get(), kVersionSize, 1) != 1 ||
      EVP_DigestFinal_ex(hash.get(), inner.data(), &inner_size) != 1 || inner_size != inner.size() ||
      EVP_MD_CTX_copy_ex(hash.get(), state_->outer.get()) != 1 ||
      EVP_DigestUpdate(hash.get(), inner.data(), inner.size()) != 1 ||
      EVP_DigestFinal_ex(hash.get(), tag.data(), &tag_size) != 1 || tag_size != tag.size()) {
    return openssl_failure("HMAC");
  }
  if (!crypto::constant_time_equal(tag, stored_tag)) {
    return error(ErrorCode::verification_failed,
                 "the cell's authentication tag does not match: tampered, or another key");
  }

  // A context per thread, holding the key schedule of the last key it used
  // (a scan or a sort uses one key for many cells); only the IV changes.
  struct ThreadCipher {
    CipherCtxPtr context{EVP_CIPHER_CTX_new()};
    std::uint64_t serial = 0;
  };
  thread_local ThreadCipher cipher;
  if (cipher.context == nullptr) return openssl_failure("AES-256-CBC setup");
  if (cipher.serial != state_->serial) {
    cipher.serial = 0;
    if (EVP_CIPHER_CTX_copy(cipher.context.get(), state_->cipher.get()) != 1)
      return openssl_failure("AES-256-CBC setup");
    cipher.serial = state_->serial;
  }
  EVP_CIPHER_CTX* context = cipher.context.get();
  if (EVP_DecryptInit_ex2(context, nullptr, nullptr, iv.data(), nullptr) != 1) {
    return openssl_failure("AES-256-CBC setup");
  }
  const std::size_t room = ciphertext.size() + 16;  // what EVP_DecryptUpdate may need
  if (out.size() < room) {
    return error(ErrorCode::invalid_argument,
                 "cell decryption: the output buffer is smaller than " + std::to_string(room) + " bytes");
  }
  int written = 0;
  int final_written = 0;
  const bool ok = EVP_DecryptUpdate(context, out.data(), &written, ciphertext.data(),
                                    static_cast<int>(ciphertext.size())) == 1 &&
                  EVP_DecryptFinal_ex(context, out.data() + written, &final_written) == 1;
  if (!ok) {
    secure_wipe(out.data(), room);
    ERR_clear_error();
    // Only the key's holder can make a valid tag over bad padding.
    return error(ErrorCode::crypto_error,
                 "AES-256-CBC padding is invalid: the cell's tag is valid but its padding is not (a faulty "
                 "encryptor)");
  }
  const std::size_t size = static_cast<std::size_t>(written) + static_cast<std::size_t>(final_written);
  secure_wipe(out.data() + size, room - size);  // the padding block's remains
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
