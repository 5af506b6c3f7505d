#include <gtest/gtest.h>

#include "crypto/aes_gcm.h"
#include "jose/concat_kdf.h"
#include "jose/jose.h"
#include "jose/test/test_keys.h"

namespace cloister::jose {
namespace {

using crypto::KeyType;
using nlohmann::json;
using testing::test_key;

// RFC 7518 Appendix C: Bob's static P-256 key (d = VEmDZpDXXK8p...) as
// PKCS#8, Alice's ephemeral public key, and the values the RFC derives.
constexpr const char* kBobPem =
    "-----BEGIN PRIVATE KEY-----\n"
    "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgVEmDZpDXXK8p8N0C\n"
    "ndsxs924q6nS1RXFASRl6BfUqdyhRANCAATB40nLYexwJIzoAQNMODThuI6+EWHL\n"
    "Ja84dB94X8/ExHvJZwjvgJUrU/jSVV/nK4Qe0EWIYosdN4pZSTlQDsnJ\n"
    "-----END PRIVATE KEY-----\n";
const json kAliceEpk = {{"kty", "EC"},
                        {"crv", "P-256"},
                        {"x", "gI0GAILBdu7T53akrFmMyGcsF3n5dO7MmwNBHKW5SV0"},
                        {"y", "SLW_xSffzlPWrHEVI30DHM_4egVwt3NQqeUD7nMFpps"}};
const Bytes kAppendixCZ = {158, 86, 217, 29,  129, 113, 53,  211, 114, 131, 66,  131, 191, 132, 38,  156,
                           251, 49, 110, 163, 218, 128, 106, 72,  246, 218, 167, 121, 140, 254, 144, 196};

std::string bytes_of(const SecretBytes& secret) {
  return cloister::to_string(secret.view());
}

TEST(ConcatKdf, Rfc7518AppendixC) {
  auto bob = crypto::PrivateKey::from_pem(kBobPem);
  ASSERT_TRUE(bob.is_ok()) << bob.status().to_string();
  auto alice = key_from_jwk(kAliceEpk);
  ASSERT_TRUE(alice.is_ok()) << alice.status().to_string();
  auto z = bob->ecdh(*alice);
  ASSERT_TRUE(z.is_ok());
  EXPECT_EQ(Bytes(z->view().begin(), z->view().end()), kAppendixCZ);
  auto key = internal::concat_kdf(kAppendixCZ, "A128GCM", as_bytes("Alice"), as_bytes("Bob"), 128);
  ASSERT_TRUE(key.is_ok()) << key.status().to_string();
  EXPECT_EQ(to_base64url(key->view()), "VqqN6vgjbSBcIijNcacQGg");
  // Longer outputs continue with round 2; the first block is unchanged.
  auto longer = internal::concat_kdf(kAppendixCZ, "A128GCM", as_bytes("Alice"), as_bytes("Bob"), 384);
  ASSERT_TRUE(longer.is_ok());
  EXPECT_EQ(longer->size(), 48u);
  EXPECT_NE(to_base64url(longer->view().first(16)), "VqqN6vgjbSBcIijNcacQGg") << "keydatalen is in OtherInfo";
  EXPECT_EQ(internal::concat_kdf(kAppendixCZ, "A128GCM", {}, {}, 0).status().code(),
            ErrorCode::invalid_argument);
  EXPECT_EQ(internal::concat_kdf(kAppendixCZ, "A128GCM", {}, {}, 12).status().code(),
            ErrorCode::invalid_argument);
}

std::vector<std::string> parts_of(const std::string& jwe) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  for (std::size_t dot = jwe.find('.'); dot != std::string::npos; dot = jwe.find('.', start)) {
    parts.push_back(jwe.substr(start, dot - start));
    start = dot + 1;
  }
  parts.push_back(jwe.substr(start));
  return parts;
}

std::string join(const std::vector<std::string>& parts) {
  std::string out;
  for (std::size_t i = 0; i < parts.size(); ++i) out += (i == 0 ? "" : ".") + parts[i];
  return out;
}

json header_of(const std::string& jwe) {
  return json::parse(cloister::to_string(testing::b64url(parts_of(jwe)[0])));
}

// The token with another protected header; the tag fails unless it is the original.
std::string with_header(const std::string& jwe, const json& header) {
  auto parts = parts_of(jwe);
  parts[0] = to_base64url(as_bytes(header.dump()));
  return join(parts);
}

void expect_refused(std::string_view jwe, const crypto::PrivateKey& key, ErrorCode code,
                    const std::string& fragment) {
  auto plaintext = decrypt_jwe(jwe, key);
  ASSERT_FALSE(plaintext.is_ok()) << jwe;
  EXPECT_EQ(plaintext.status().code(), code) << plaintext.status().to_string();
  EXPECT_NE(plaintext.status().message().find(fragment), std::string::npos) << plaintext.status().to_string();
}

TEST(Jwe, RoundTripsToEveryRecipientType) {
  const std::string message = "column key 0123456789abcdef0123456789abcdef";
  for (KeyType type : {KeyType::ec_p256, KeyType::ec_p384, KeyType::rsa}) {
    const crypto::PrivateKey& key = test_key(type);
    auto jwe = encrypt_jwe(as_bytes(message), key.public_key(), "recipient");
    ASSERT_TRUE(jwe.is_ok()) << jwe.status().to_string();
    const auto parts = parts_of(*jwe);
    ASSERT_EQ(parts.size(), 5u);
    const json header = header_of(*jwe);
    EXPECT_EQ(header["enc"], "A256GCM");
    EXPECT_EQ(header["kid"], "recipient");
    if (type == KeyType::rsa) {
      EXPECT_EQ(header["alg"], "RSA-OAEP-256");
      EXPECT_EQ(testing::b64url(parts[1]).size(), 256u);
      EXPECT_FALSE(header.contains("epk"));
    } else {
      EXPECT_EQ(header["alg"], "ECDH-ES");
      EXPECT_TRUE(parts[1].empty());
      EXPECT_EQ(header["epk"]["crv"], type == KeyType::ec_p256 ? "P-256" : "P-384");
      EXPECT_FALSE(header["epk"].contains("d"));
    }
    EXPECT_EQ(testing::b64url(parts[2]).size(), 12u);
    EXPECT_EQ(testing::b64url(parts[4]).size(), 16u);
    auto plaintext = decrypt_jwe(*jwe, key);
    ASSERT_TRUE(plaintext.is_ok()) << plaintext.status().to_string();
    EXPECT_EQ(bytes_of(*plaintext), message);
    // Fresh content key and IV each time.
    EXPECT_NE(*encrypt_jwe(as_bytes(message), key.public_key()), *jwe);
  }
  auto empty = encrypt_jwe({}, test_key(KeyType::ec_p256).public_key());
  ASSERT_TRUE(empty.is_ok());
  EXPECT_TRUE(decrypt_jwe(*empty, test_key(KeyType::ec_p256))->empty());
  EXPECT_FALSE(header_of(*empty).contains("kid"));
}

TEST(Jwe, DecryptsAnEcdhEsTokenBuiltFromTheRfcKeys) {
  // A JWE to Bob whose epk is Alice's key: the content key must come from
  // Bob's ECDH with it, Concat KDF over enc "A256GCM", apu "Alice", apv "Bob".
  const json header = {
      {"alg", "ECDH-ES"}, {"enc", "A256GCM"}, {"epk", kAliceEpk}, {"apu", "QWxpY2U"}, {"apv", "Qm9i"}};
  const std::string protected_header = to_base64url(as_bytes(header.dump()));
  auto key = internal::concat_kdf(kAppendixCZ, "A256GCM", as_bytes("Alice"), as_bytes("Bob"), 256);
  ASSERT_TRUE(key.is_ok());
  const Bytes iv(12, 7);
  auto sealed = crypto::aes_gcm_encrypt(*key, iv, as_bytes(protected_header), as_bytes("to Bob"));
  ASSERT_TRUE(sealed.is_ok());
  const std::string jwe = protected_header + ".." + to_base64url(iv) + "." +
                          to_base64url(ByteView(*sealed).first(sealed->size() - 16)) + "." +
                          to_base64url(ByteView(*sealed).last(16));
  auto bob = crypto::PrivateKey::from_pem(kBobPem);
  ASSERT_TRUE(bob.is_ok());
  auto plaintext = decrypt_jwe(jwe, *bob);
  ASSERT_TRUE(plaintext.is_ok()) << plaintext.status().to_string();
  EXPECT_EQ(bytes_of(*plaintext), "to Bob");
  json without_apu = header;
  without_apu.erase("apu");
  expect_refused(with_header(jwe, without_apu), *bob, ErrorCode::verification_failed, "does not decrypt");
}

TEST(Jwe, TamperingAndWrongKeysFailAtTheTag) {
  for (KeyType type : {KeyType::ec_p256, KeyType::rsa}) {
    const crypto::PrivateKey& key = test_key(type);
    const std::string jwe = *encrypt_jwe(as_bytes("secret payload"), key.public_key());
    const auto parts = parts_of(jwe);
    for (std::size_t index : {1u, 2u, 3u, 4u}) {
      if (parts[index].empty()) continue;
      Bytes bytes = testing::b64url(parts[index]);
      bytes[bytes.size() / 2] ^= 0x01;
      auto tampered = parts;
      tampered[index] = to_base64url(bytes);
      expect_refused(join(tampered), key, ErrorCode::verification_failed, "does not decrypt");
    }
    json header = header_of(jwe);
    header["kid"] = "added";
    expect_refused(with_header(jwe, header), key, ErrorCode::verification_failed, "does not decrypt");
    const crypto::PrivateKey other = std::move(crypto::PrivateKey::generate(type, 2048)).value();
    expect_refused(jwe, other, ErrorCode::verification_failed, "does not decrypt");
  }
}

TEST(Jwe, MalformedTokensAreRefused) {
  const crypto::PrivateKey& ec = test_key(KeyType::ec_p256);
  const crypto::PrivateKey& rsa = test_key(KeyType::rsa);
  const std::string ec_jwe = *encrypt_jwe(as_bytes("x"), ec.public_key());
  const std::string rsa_jwe = *encrypt_jwe(as_bytes("x"), rsa.public_key());
  const json ec_header = header_of(ec_jwe);

  expect_refused("", ec, ErrorCode::decode_error, "1 parts, not 5");
  expect_refused(ec_jwe + ".", ec, ErrorCode::decode_error, "6 parts");
  expect_refused(ec_jwe.substr(0, ec_jwe.rfind('.')), ec, ErrorCode::decode_error, "4 parts");
  expect_refused(std::string(kMaxTokenBytes + 1, 'A'), ec, ErrorCode::out_of_range, "exceeds");
  expect_refused("W10....", ec, ErrorCode::decode_error, "not a JSON object");  // []
  expect_refused(ec_jwe, rsa, ErrorCode::invalid_argument, "does not match the recipient's RSA key");
  expect_refused(rsa_jwe, ec, ErrorCode::invalid_argument, "does not match the recipient's P-256 key");
  expect_refused(rsa_jwe, test_key(KeyType::ec_p384), ErrorCode::invalid_argument, "P-384");
  expect_refused(ec_jwe, test_key(KeyType::ec_p384), ErrorCode::invalid_argument, "epk is a P-256 key");

  auto changed = [&](const char* name, const json& value) {
    json header = ec_header;
    if (value.is_null()) {
      header.erase(name);
    } else {
      header[name] = value;
    }
    return with_header(ec_jwe, header);
  };
  expect_refused(changed("alg", "dir"), ec, ErrorCode::invalid_argument, "\"dir\" is not accepted");
  expect_refused(changed("alg", "none"), ec, ErrorCode::invalid_argument, "is not accepted");
  expect_refused(changed("alg", nullptr), ec, ErrorCode::decode_error, "no \"alg\"");
  expect_refused(changed("enc", "A128GCM"), ec, ErrorCode::invalid_argument, "enc must be A256GCM");
  expect_refused(changed("enc", nullptr), ec, ErrorCode::invalid_argument, "enc must be A256GCM");
  expect_refused(changed("zip", "DEF"), ec, ErrorCode::invalid_argument, "zip");
  expect_refused(changed("crit", json::array({"exp"})), ec, ErrorCode::invalid_argument, "crit");
  expect_refused(changed("epk", nullptr), ec, ErrorCode::decode_error, "no \"epk\"");
  expect_refused(changed("epk", "key"), ec, ErrorCode::invalid_argument, "epk");
  json epk_with_d = ec_header["epk"];
  epk_with_d["d"] = "AAAA";
  expect_refused(changed("epk", epk_with_d), ec, ErrorCode::invalid_argument, "private member");
  expect_refused(changed("apu", 5), ec, ErrorCode::decode_error, "\"apu\" is not a string");
  expect_refused(changed("apv", "Qm9i="), ec, ErrorCode::decode_error, "padded");

  auto parts = parts_of(ec_jwe);
  auto with_part = [&](std::size_t index, const std::string& value) {
    auto copy = parts;
    copy[index] = value;
    return join(copy);
  };
  expect_refused(with_part(1, "AAAA"), ec, ErrorCode::decode_error, "has an encrypted key");
  expect_refused(with_part(2, to_base64url(Bytes(16, 1))), ec, ErrorCode::decode_error, "iv is not 12 bytes");
  const Bytes tag = testing::b64url(parts[4]);
  expect_refused(with_part(4, to_base64url(ByteView(tag).first(12))), ec, ErrorCode::decode_error,
                 "tag is not 16 bytes");
  expect_refused(with_part(4, ""), ec, ErrorCode::decode_error, "tag is not 16 bytes");
  expect_refused(with_part(3, "a*b"), ec, ErrorCode::decode_error, "ciphertext is not base64url");
  // An RSA encrypted key of the wrong size fails like any other bad one.
  auto rsa_parts = parts_of(rsa_jwe);
  rsa_parts[1] = to_base64url(Bytes(10, 1));
  expect_refused(join(rsa_parts), rsa, ErrorCode::verification_failed, "does not decrypt");
  EXPECT_FALSE(decrypt_jwe(ec_jwe, crypto::PrivateKey()).is_ok());
}

TEST(Jwe, EncryptionRefusesOversizeAndEmptyKeys) {
  EXPECT_EQ(encrypt_jwe(Bytes(kMaxTokenBytes, 1), test_key(KeyType::ec_p256).public_key()).status().code(),
            ErrorCode::out_of_range);
  EXPECT_EQ(
      encrypt_jwe(Bytes(kMaxTokenBytes - 100, 1), test_key(KeyType::ec_p256).public_key()).status().code(),
      ErrorCode::out_of_range)
      << "base64url growth counts against the limit";
  EXPECT_FALSE(encrypt_jwe(Bytes(1, 1), crypto::PublicKey()).is_ok());
}

}  // namespace
}  // namespace cloister::jose
