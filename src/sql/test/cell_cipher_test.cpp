#include "sql/cell_cipher.h"

#include <gtest/gtest.h>

#include "sql/test/vectors.h"

namespace cloister::sql {
namespace {

Bytes test_cek() {
  Bytes cek(32);
  for (std::size_t i = 0; i < cek.size(); ++i) cek[i] = static_cast<std::uint8_t>(i * 7 + 1);
  return cek;
}

Bytes plain(ByteView secret) {
  return {secret.begin(), secret.end()};
}

TEST(CellCipher, AllSqlServerVectors) {
  const auto& vectors = test::always_encrypted_vectors();
  if (!vectors) GTEST_SKIP() << "no vectors at " << test::vectors_path();
  const auto& cells = (*vectors)["cells"];
  ASSERT_EQ(cells.size(), 32u);
  for (const auto& vector : cells) {
    SCOPED_TRACE(vector["id"].get<std::string>());
    auto key = CellKey::create(test::hex(vector["cek_hex"]));
    ASSERT_TRUE(key.is_ok()) << key.status().to_string();
    const Bytes plaintext = test::hex(vector["plaintext_hex"]);
    const Bytes cell = test::hex(vector["cell_hex"]);
    const Bytes iv(cell.begin() + 1 + kCellTagSize, cell.begin() + 1 + kCellTagSize + kCellIvSize);
    EXPECT_EQ(iv, test::hex(vector["iv_hex"]));

    auto decrypted = key->decrypt(cell);
    ASSERT_TRUE(decrypted.is_ok()) << decrypted.status().to_string();
    EXPECT_EQ(plain(*decrypted), plaintext);

    auto rebuilt = key->encrypt_with_iv(plaintext, iv);
    ASSERT_TRUE(rebuilt.is_ok());
    EXPECT_EQ(*rebuilt, cell);
    if (vector["encryption_type"] == "deterministic") {
      EXPECT_EQ(key->deterministic_iv(plaintext), iv);
      auto encrypted = key->encrypt(plaintext, EncryptionType::deterministic);
      ASSERT_TRUE(encrypted.is_ok());
      EXPECT_EQ(*encrypted, cell);
    } else {
      EXPECT_EQ(vector["encryption_type"], "randomized");
    }
  }
}

TEST(CellCipher, RandomizedCellsDifferAndDecrypt) {
  auto key = CellKey::create(test_cek());
  ASSERT_TRUE(key.is_ok());
  const Bytes plaintext = to_bytes("4111-1111-1111-1111");
  auto a = key->encrypt(plaintext, EncryptionType::randomized);
  auto b = key->encrypt(plaintext, EncryptionType::randomized);
  ASSERT_TRUE(a.is_ok() && b.is_ok());
  EXPECT_NE(*a, *b);
  EXPECT_EQ(plain(*key->decrypt(*a)), plaintext);
  EXPECT_EQ(plain(*key->decrypt(*b)), plaintext);
  auto d1 = key->encrypt(plaintext, EncryptionType::deterministic);
  auto d2 = key->encrypt(plaintext, EncryptionType::deterministic);
  EXPECT_EQ(*d1, *d2);
}

TEST(CellCipher, EmptyPlaintextIsOneBlock) {
  auto key = CellKey::create(test_cek());
  auto cell = key->encrypt({}, EncryptionType::deterministic);
  ASSERT_TRUE(cell.is_ok());
  EXPECT_EQ(cell->size(), kCellMinSize);
  auto back = key->decrypt(*cell);
  ASSERT_TRUE(back.is_ok());
  EXPECT_TRUE(back->empty());
}

TEST(CellCipher, EveryFlippedByteFailsTheTag) {
  auto key = CellKey::create(test_cek());
  auto cell =
      key->encrypt(to_bytes("a value that spans more than one AES block"), EncryptionType::randomized);
  ASSERT_TRUE(cell.is_ok());
  for (std::size_t i = 0; i < cell->size(); ++i) {
    for (std::uint8_t mask : {0x01, 0x80}) {
      Bytes tampered = *cell;
      tampered[i] ^= mask;
      auto result = key->decrypt(tampered);
      ASSERT_FALSE(result.is_ok()) << "byte " << i;
      if (i == 0) {
        EXPECT_NE(result.status().message().find("version"), std::string::npos);
      } else {
        EXPECT_EQ(result.status().message(),
                  "the cell's authentication tag does not match: tampered, or another key");
      }
    }
  }
}

TEST(CellCipher, AnotherKeyFailsTheTag) {
  Bytes other = test_cek();
  other[0] ^= 1;
  auto cell = CellKey::create(test_cek())->encrypt(to_bytes("x"), EncryptionType::deterministic);
  auto result = CellKey::create(other)->decrypt(*cell);
  ASSERT_FALSE(result.is_ok());
  EXPECT_EQ(result.status().code(), ErrorCode::crypto_error);
}

TEST(CellCipher, TruncationsAndExtensionsFail) {
  auto key = CellKey::create(test_cek());
  auto cell = key->encrypt(to_bytes("0123456789abcdef0123"), EncryptionType::randomized);
  ASSERT_TRUE(cell.is_ok());
  for (std::size_t size = 0; size < cell->size(); ++size) {
    auto result = key->decrypt(ByteView(*cell).first(size));
    EXPECT_FALSE(result.is_ok()) << "size " << size;
    if (size < kCellMinSize) {
      EXPECT_EQ(result.status().code(), ErrorCode::decode_error);
    }
  }
  Bytes longer = *cell;
  longer.insert(longer.end(), 16, 0);
  EXPECT_FALSE(key->decrypt(longer).is_ok());
}

TEST(CellCipher, RejectsBadKeysAndIvs) {
  EXPECT_EQ(CellKey::create(Bytes(31)).status().code(), ErrorCode::invalid_argument);
  EXPECT_EQ(CellKey::create(Bytes(33)).status().code(), ErrorCode::invalid_argument);
  auto key = CellKey::create(test_cek());
  EXPECT_EQ(key->encrypt_with_iv(to_bytes("x"), Bytes(15)).status().code(), ErrorCode::invalid_argument);
}

}  // namespace
}  // namespace cloister::sql
