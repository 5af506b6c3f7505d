#include "sql/cell_decryptor.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

#include "crypto/aes_cbc.h"
#include "crypto/hmac.h"
#include "crypto/rng.h"
#include "sql/utf16.h"

namespace cloister::sql {
namespace {

Bytes random_key() {
  auto key = crypto::random_bytes(kColumnKeySize);
  EXPECT_TRUE(key.is_ok());
  return *key;
}

Bytes to_vector(const SecretBytes& secret) {
  return {secret.view().begin(), secret.view().end()};
}

TEST(CellDecryptor, DecryptsWhatCellKeyEncrypts) {
  const Bytes cek = random_key();
  auto key = CellKey::create(cek);
  auto decryptor = CellDecryptor::create(cek);
  ASSERT_TRUE(key.is_ok() && decryptor.is_ok());
  for (std::size_t size : {0u, 1u, 15u, 16u, 17u, 100u, 495u, 496u, 497u, 512u, 4096u}) {
    Bytes plaintext(size);
    for (std::size_t i = 0; i < size; ++i) plaintext[i] = static_cast<std::uint8_t>(i * 7 + 1);
    for (EncryptionType type : {EncryptionType::deterministic, EncryptionType::randomized}) {
      auto cell = key->encrypt(plaintext, type);
      ASSERT_TRUE(cell.is_ok());
      auto decrypted = decryptor->decrypt(*cell);
      ASSERT_TRUE(decrypted.is_ok()) << size << ": " << decrypted.status().to_string();
      EXPECT_EQ(to_vector(*decrypted), plaintext) << size;
      auto reference = key->decrypt(*cell);
      ASSERT_TRUE(reference.is_ok());
      EXPECT_EQ(to_vector(*reference), plaintext);
    }
  }
  // Its key encrypts cells the same way.
  auto again = decryptor->key().encrypt(Bytes{1, 2, 3}, EncryptionType::deterministic);
  EXPECT_EQ(*again, *key->encrypt(Bytes{1, 2, 3}, EncryptionType::deterministic));
}

// A cell whose tag is valid but whose last block is `last_block` after
// decryption: only the key's holder can make one, so it is built here from
// SQL Server's key derivation, as a faulty encryptor would.
Bytes cell_ending_in(ByteView cek, const Bytes& last_block) {
  const auto derive = [&](std::string_view what) {
    const std::string label =
        std::string("Microsoft SQL Server cell ") + std::string(what) +
        " key with encryption algorithm:AEAD_AES_256_CBC_HMAC_SHA256 and key length:256";
    return crypto::hmac_sha256(cek, *utf16le_from_utf8(label));
  };
  const Bytes iv(16, 0x42);
  Bytes ciphertext = *crypto::aes_256_cbc_encrypt(derive("encryption"), iv, last_block);
  ciphertext.resize(16);  // drop the padding block aes_256_cbc_encrypt added
  Bytes authenticated{kCellVersion};
  authenticated.insert(authenticated.end(), iv.begin(), iv.end());
  authenticated.insert(authenticated.end(), ciphertext.begin(), ciphertext.end());
  authenticated.push_back(1);
  const Bytes tag = crypto::hmac_sha256(derive("MAC"), authenticated);
  Bytes cell{kCellVersion};
  cell.insert(cell.end(), tag.begin(), tag.end());
  cell.insert(cell.end(), iv.begin(), iv.end());
  cell.insert(cell.end(), ciphertext.begin(), ciphertext.end());
  return cell;
}

TEST(CellDecryptor, ChecksPaddingUnderAValidTag) {
  const Bytes cek = random_key();
  auto decryptor = CellDecryptor::create(cek);
  ASSERT_TRUE(decryptor.is_ok());
  Bytes block(16, 'x');
  block[14] = 2;
  block[15] = 2;
  auto two = decryptor->decrypt(cell_ending_in(cek, block));
  ASSERT_TRUE(two.is_ok()) << two.status().to_string();
  EXPECT_EQ(to_vector(*two), Bytes(14, 'x'));
  auto empty = decryptor->decrypt(cell_ending_in(cek, Bytes(16, 16)));
  ASSERT_TRUE(empty.is_ok());
  EXPECT_EQ(empty->size(), 0u);
  for (const std::uint8_t last : {0, 17, 255}) {
    block[15] = last;
    EXPECT_EQ(decryptor->decrypt(cell_ending_in(cek, block)).status().code(), ErrorCode::crypto_error)
        << int{last};
  }
  block[13] = 3;
  block[14] = 2;  // 3 bytes claimed, the middle one differs
  block[15] = 3;
  EXPECT_EQ(decryptor->decrypt(cell_ending_in(cek, block)).status().code(), ErrorCode::crypto_error);
}

TEST(CellDecryptor, RefusesTamperedMalformedAndForeignCells) {
  const Bytes cek = random_key();
  auto key = CellKey::create(cek);
  auto decryptor = CellDecryptor::create(cek);
  auto cell = key->encrypt(Bytes{'1', '2', '3'}, EncryptionType::randomized);
  ASSERT_TRUE(cell.is_ok());
  for (std::size_t i = 1; i < cell->size(); ++i) {  // tag, IV and ciphertext bytes
    Bytes tampered = *cell;
    tampered[i] ^= 0x01;
    auto refused = decryptor->decrypt(tampered);
    ASSERT_FALSE(refused.is_ok()) << i;
    EXPECT_EQ(refused.status().code(), ErrorCode::verification_failed) << i;
  }
  Bytes version = *cell;
  version[0] = 2;
  EXPECT_EQ(decryptor->decrypt(version).status().code(), ErrorCode::decode_error);
  EXPECT_EQ(decryptor->decrypt(ByteView(*cell).first(kCellMinSize - 1)).status().code(),
            ErrorCode::decode_error);
  Bytes extra = *cell;
  extra.push_back(0);
  EXPECT_EQ(decryptor->decrypt(extra).status().code(), ErrorCode::decode_error);
  auto other = CellDecryptor::create(random_key());
  EXPECT_EQ(other->decrypt(*cell).status().code(), ErrorCode::verification_failed);
  EXPECT_FALSE(CellDecryptor::create(Bytes(31, 0)).is_ok());
}

TEST(CellDecryptor, ManyThreadsAtOnce) {
  const Bytes cek = random_key();
  auto key = CellKey::create(cek);
  auto decryptor = CellDecryptor::create(cek);
  std::vector<Bytes> cells;
  for (int i = 0; i < 64; ++i) {
    cells.push_back(*key->encrypt(Bytes(static_cast<std::size_t>(i), static_cast<std::uint8_t>(i)),
                                  EncryptionType::randomized));
  }
  std::atomic<int> wrong{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int round = 0; round < 200; ++round) {
        for (std::size_t i = 0; i < cells.size(); ++i) {
          auto plaintext = decryptor->decrypt(cells[i]);
          if (!plaintext.is_ok() || to_vector(*plaintext) != Bytes(i, static_cast<std::uint8_t>(i))) ++wrong;
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(wrong.load(), 0);
}

// Not a pass/fail check: prints what one decryption costs, beside CellKey's.
TEST(CellDecryptor, CostPerCell) {
  const Bytes cek = random_key();
  auto key = CellKey::create(cek);
  auto decryptor = CellDecryptor::create(cek);
  auto cell = key->encrypt(Bytes{0x50, 0xc3, 0, 0}, EncryptionType::randomized);
  constexpr int kRounds = 20000;
  auto time = [&](auto&& decrypt) {
    const auto start = std::chrono::steady_clock::now();
    for (int i = 0; i < kRounds; ++i) EXPECT_TRUE(decrypt().is_ok());
    return std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - start).count() /
           kRounds;
  };
  const double fast = time([&] { return decryptor->decrypt(*cell); });
  const double reference = time([&] { return key->decrypt(*cell); });
  std::printf("decrypt of a 4-byte cell: CellDecryptor %.0f ns, CellKey %.0f ns\n", fast, reference);
}

}  // namespace
}  // namespace cloister::sql
