// Always Encrypted's two parsers of untrusted bytes: a cell handed to decrypt
// and an encrypted CEK value from the server's metadata.
//  - decrypt either refuses or returns a plaintext that re-encrypts (same
//    IV) to exactly the input: there is one cell per plaintext and IV;
//  - the input, taken as a plaintext, round-trips through both cell types;
//  - parse_encrypted_cek either refuses or returns parts that re-encode to
//    exactly the input.
// Seeds in corpus/sql_cell_fuzz/ are hand-made: a cell under kFuzzCek, an
// encrypted CEK value with a short fake ciphertext and signature, and a cell
// with a wrong tag.
#include <cstdio>
#include <cstdlib>
#include <string>

#include "sql/cell_cipher.h"
#include "sql/encrypted_cek.h"
#include "sql/utf16.h"

namespace cloister::sql {
namespace {

[[noreturn]] void die(const char* what) {
  std::fprintf(stderr, "sql_cell_fuzz: %s\n", what);
  std::abort();
}

// 00 01 02 ... 1f: the seed cell was made under this key.
const CellKey& fuzz_key() {
  static const CellKey key = [] {
    Bytes cek(kColumnKeySize);
    for (std::size_t i = 0; i < cek.size(); ++i) cek[i] = static_cast<std::uint8_t>(i);
    return CellKey::create(cek).value();
  }();
  return key;
}

Bytes plain(ByteView secret) {
  return {secret.begin(), secret.end()};
}

void check_cell(ByteView in) {
  const CellKey& key = fuzz_key();
  auto decrypted = key.decrypt(in);
  if (decrypted.is_ok()) {
    auto again = key.encrypt_with_iv(*decrypted, in.subspan(1 + kCellTagSize, kCellIvSize));
    if (!again.is_ok() || *again != Bytes(in.begin(), in.end()))
      die("a decrypted cell does not re-encrypt to itself");
  }
  for (EncryptionType type : {EncryptionType::deterministic, EncryptionType::randomized}) {
    auto cell = key.encrypt(in, type);
    if (!cell.is_ok()) die("encrypt failed");
    auto back = key.decrypt(*cell);
    if (!back.is_ok() || plain(*back) != Bytes(in.begin(), in.end()))
      die("a cell does not decrypt to its plaintext");
  }
}

void check_encrypted_cek(ByteView in) {
  auto parts = parse_encrypted_cek(in);
  if (!parts.is_ok()) {
    if (parts.status().code() != ErrorCode::decode_error) die("parse_encrypted_cek: not a decode error");
    return;
  }
  auto path = utf16le_from_utf8(parts->key_path);
  if (!path.is_ok()) die("a parsed key path does not re-encode");
  Bytes encoded{kEncryptedCekVersion, static_cast<std::uint8_t>(path->size() & 0xff),
                static_cast<std::uint8_t>(path->size() >> 8),
                static_cast<std::uint8_t>(parts->ciphertext.size() & 0xff),
                static_cast<std::uint8_t>(parts->ciphertext.size() >> 8)};
  encoded.insert(encoded.end(), path->begin(), path->end());
  encoded.insert(encoded.end(), parts->ciphertext.begin(), parts->ciphertext.end());
  if (encoded.size() != parts->signed_size) die("signed_size is not the encoded prefix");
  encoded.insert(encoded.end(), parts->signature.begin(), parts->signature.end());
  if (encoded != Bytes(in.begin(), in.end())) die("an encrypted CEK does not re-encode to itself");
}

}  // namespace
}  // namespace cloister::sql

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > (1 << 16)) return 0;
  const cloister::ByteView in(data, size);
  cloister::sql::check_cell(in);
  cloister::sql::check_encrypted_cek(in);
  return 0;
}
