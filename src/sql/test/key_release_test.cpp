#include "sql/key_release.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "common/encoding.h"
#include "sql/cmk_metadata.h"

namespace cloister::sql {
namespace {

using nlohmann::json;

constexpr std::string_view kProvider = "CLOISTER_KEY_FILE";

// One RSA CMK for the whole suite: generating them is slow.
const crypto::PrivateKey& cmk() {
  static const crypto::PrivateKey key =
      std::move(crypto::PrivateKey::generate(crypto::KeyType::rsa, 2048)).value();
  return key;
}

ReleasedKey released(std::uint32_t id, const std::string& key_path, bool enclave_enabled = true,
                     const crypto::PrivateKey& signer = cmk()) {
  ReleasedKey key;
  key.cek_id = id;
  key.cek_name = "cek" + std::to_string(id);
  key.key = SecretBytes(Bytes(32, static_cast<std::uint8_t>(id)));
  key.cmk_provider = std::string(kProvider);
  key.cmk_key_path = key_path;
  key.cmk_public_key_der = *cmk().public_key().to_der();
  key.cmk_enclave_signature = *sign_cmk_metadata(signer, kProvider, key_path, enclave_enabled);
  return key;
}

KeyRelease release_of(std::vector<ReleasedKey> keys) {
  KeyRelease release;
  release.database_id = "00112233445566778899aabbccddeeff";
  release.keys = std::move(keys);
  return release;
}

std::string document_text(const KeyRelease& release) {
  auto document = key_release_document(release);
  EXPECT_TRUE(document.is_ok()) << document.status().to_string();
  return to_string(document->view());
}

TEST(KeyRelease, SealedToTheEnclaveKeyAndOpenedInside) {
  auto enclave_key = crypto::PrivateKey::generate(crypto::KeyType::ec_p256);
  ASSERT_TRUE(enclave_key.is_ok());
  KeyRelease release = release_of({released(1, "cmk1"), released(7, "cmk1")});
  release.keys[1].allow_decryption_to_host = true;
  auto jwe = seal_key_release(release, enclave_key->public_key());
  ASSERT_TRUE(jwe.is_ok()) << jwe.status().to_string();
  EXPECT_EQ(jwe->find("cek1"), std::string::npos);

  auto opened = open_key_release(*jwe, *enclave_key);
  ASSERT_TRUE(opened.is_ok()) << opened.status().to_string();
  EXPECT_EQ(opened->database_id, release.database_id);
  ASSERT_EQ(opened->keys.size(), 2u);
  for (std::size_t i = 0; i < 2; ++i) {
    const ReleasedKey& got = opened->keys[i];
    const ReleasedKey& sent = release.keys[i];
    EXPECT_EQ(got.cek_id, sent.cek_id);
    EXPECT_EQ(got.cek_name, sent.cek_name);
    EXPECT_EQ(to_string(got.key.view()), to_string(sent.key.view()));
    EXPECT_EQ(got.cmk_provider, sent.cmk_provider);
    EXPECT_EQ(got.cmk_key_path, sent.cmk_key_path);
    EXPECT_EQ(got.cmk_public_key_der, sent.cmk_public_key_der);
    EXPECT_EQ(got.cmk_enclave_signature, sent.cmk_enclave_signature);
    EXPECT_EQ(got.allow_decryption_to_host, sent.allow_decryption_to_host);
  }
  EXPECT_FALSE(opened->keys[0].allow_decryption_to_host);
  EXPECT_TRUE(opened->keys[1].allow_decryption_to_host);
}

TEST(KeyRelease, TamperedOrMisaddressedJweIsRefused) {
  auto enclave_key = crypto::PrivateKey::generate(crypto::KeyType::ec_p256);
  auto jwe = seal_key_release(release_of({released(1, "cmk1")}), enclave_key->public_key());
  ASSERT_TRUE(jwe.is_ok());
  // Every part of the compact JWE: header, (empty) key, IV, ciphertext, tag.
  for (std::size_t at : {std::size_t{5}, jwe->size() / 2, jwe->size() - 3}) {
    std::string tampered = *jwe;
    tampered[at] = tampered[at] == 'A' ? 'B' : 'A';
    EXPECT_FALSE(open_key_release(tampered, *enclave_key).is_ok()) << at;
  }
  auto other = crypto::PrivateKey::generate(crypto::KeyType::ec_p256);
  auto wrong = open_key_release(*jwe, *other);
  ASSERT_FALSE(wrong.is_ok());
  EXPECT_NE(wrong.status().message().find("key release"), std::string::npos);
  EXPECT_FALSE(open_key_release("", *enclave_key).is_ok());
  EXPECT_FALSE(open_key_release("a.b.c.d.e", *enclave_key).is_ok());
}

TEST(KeyRelease, KeysOfACmkThatIsNotEnclaveEnabledAreRefused) {
  auto enclave_key = crypto::PrivateKey::generate(crypto::KeyType::ec_p256);
  auto jwe = seal_key_release(release_of({released(1, "cmk1"), released(2, "plain-cmk", false)}),
                              enclave_key->public_key());
  ASSERT_TRUE(jwe.is_ok());
  auto refused = open_key_release(*jwe, *enclave_key);
  ASSERT_FALSE(refused.is_ok());
  EXPECT_EQ(refused.status().code(), ErrorCode::permission_denied);
  EXPECT_NE(refused.status().message().find("cek2"), std::string::npos) << refused.status().message();
  EXPECT_NE(refused.status().message().find("plain-cmk"), std::string::npos);
  EXPECT_NE(refused.status().message().find("not enclave-enabled"), std::string::npos);

  // Signed by another key than the CMK the document names.
  auto impostor = crypto::PrivateKey::generate(crypto::KeyType::rsa, 2048);
  KeyRelease forged = release_of({released(3, "cmk1", true, *impostor)});
  EXPECT_EQ(verify_key_release(forged).code(), ErrorCode::permission_denied);
  // A signature over another key path.
  KeyRelease moved = release_of({released(4, "cmk1")});
  moved.keys[0].cmk_key_path = "cmk2";
  EXPECT_EQ(verify_key_release(moved).code(), ErrorCode::permission_denied);
  // A public key that is not one.
  KeyRelease garbage = release_of({released(5, "cmk1")});
  garbage.keys[0].cmk_public_key_der = Bytes{1, 2, 3};
  EXPECT_EQ(verify_key_release(garbage).code(), ErrorCode::permission_denied);
  EXPECT_TRUE(verify_key_release(release_of({released(6, "cmk1")})).is_ok());
}

TEST(KeyRelease, DocumentRoundTripsAndIsStrict) {
  const KeyRelease release = release_of({released(1, "cmk1")});
  const std::string text = document_text(release);
  auto parsed = parse_key_release_document(text);
  ASSERT_TRUE(parsed.is_ok()) << parsed.status().to_string();
  EXPECT_EQ(parsed->keys.at(0).cek_id, 1u);
  EXPECT_FALSE(parsed->keys.at(0).allow_decryption_to_host) << "absent: not allowed";
  EXPECT_EQ(text.find("allow_decryption_to_host"), std::string::npos) << "written only when true";

  const json valid = json::parse(text);
  auto refused = [](const json& document) { return !parse_key_release_document(document.dump()).is_ok(); };
  auto edited = [&](auto&& edit) {
    json copy = valid;
    edit(copy);
    return copy;
  };
  // allow_decryption_to_host: optional, a boolean, in a key (not its cmk, not the document).
  auto allowed = [](const json& document) -> std::optional<bool> {
    auto parsed = parse_key_release_document(document.dump());
    if (!parsed.is_ok()) return std::nullopt;
    return parsed->keys.at(0).allow_decryption_to_host;
  };
  EXPECT_EQ(allowed(edited([](json& d) { d["keys"][0]["allow_decryption_to_host"] = true; })), true);
  EXPECT_EQ(allowed(edited([](json& d) { d["keys"][0]["allow_decryption_to_host"] = false; })), false);
  EXPECT_TRUE(refused(edited([](json& d) { d["keys"][0]["allow_decryption_to_host"] = "true"; })));
  EXPECT_TRUE(refused(edited([](json& d) { d["keys"][0]["allow_decryption_to_host"] = 1; })));
  EXPECT_TRUE(refused(edited([](json& d) { d["keys"][0]["allow_decryption_to_host"] = nullptr; })));
  EXPECT_TRUE(refused(edited([](json& d) { d["keys"][0]["cmk"]["allow_decryption_to_host"] = true; })));
  EXPECT_TRUE(refused(edited([](json& d) { d["allow_decryption_to_host"] = true; })));
  EXPECT_TRUE(refused(edited([](json& d) { d["keys"][0]["allow_decryption"] = true; })));
  KeyRelease allowing = release;
  allowing.keys[0].allow_decryption_to_host = true;
  const std::string allowing_text = document_text(allowing);
  EXPECT_NE(allowing_text.find("\"allow_decryption_to_host\":true"), std::string::npos) << allowing_text;
  EXPECT_TRUE(parse_key_release_document(allowing_text)->keys.at(0).allow_decryption_to_host);

  EXPECT_TRUE(refused(json::array()));
  EXPECT_TRUE(refused(json("text")));
  EXPECT_TRUE(refused(edited([](json& d) { d.erase("database"); })));
  EXPECT_TRUE(refused(edited([](json& d) { d["database"] = "not hex"; })));
  EXPECT_TRUE(refused(edited([](json& d) { d["database"] = ""; })));
  EXPECT_TRUE(refused(edited([](json& d) { d["database"] = std::string(kMaxDatabaseIdSize + 2, 'a'); })));
  EXPECT_TRUE(refused(edited([](json& d) { d["extra"] = 1; })));
  EXPECT_TRUE(refused(edited([](json& d) { d["keys"] = json::array(); })));
  EXPECT_TRUE(refused(edited([](json& d) { d["keys"] = json::object(); })));
  EXPECT_TRUE(refused(edited([](json& d) { d["keys"][0]["cek_id"] = 0; })));
  EXPECT_TRUE(refused(edited([](json& d) { d["keys"][0]["cek_id"] = -1; })));
  EXPECT_TRUE(refused(edited([](json& d) { d["keys"][0]["cek_id"] = 4294967296ull; })));
  EXPECT_TRUE(refused(edited([](json& d) { d["keys"][0]["cek_id"] = 1.5; })));
  EXPECT_TRUE(refused(edited([](json& d) { d["keys"][0]["cek_id"] = "1"; })));
  EXPECT_TRUE(refused(edited([](json& d) { d["keys"][0]["cek_name"] = ""; })));
  EXPECT_TRUE(refused(edited([](json& d) { d["keys"][0]["cek_name"] = 5; })));
  EXPECT_TRUE(refused(edited([](json& d) { d["keys"][0]["key"] = to_base64url(Bytes(31, 1)); })));
  EXPECT_TRUE(refused(edited([](json& d) { d["keys"][0]["key"] = to_base64url(Bytes(33, 1)); })));
  EXPECT_TRUE(refused(edited([](json& d) { d["keys"][0]["key"] = "!!!"; })));
  EXPECT_TRUE(refused(edited([](json& d) { d["keys"][0]["secret"] = "x"; })));
  EXPECT_TRUE(refused(edited([](json& d) { d["keys"][0]["cmk"].erase("enclave_signature"); })));
  EXPECT_TRUE(refused(edited([](json& d) { d["keys"][0]["cmk"]["public_key"] = ""; })));
  EXPECT_TRUE(refused(edited([](json& d) { d["keys"][0]["cmk"]["key_path"] = std::string(600, 'k'); })));
  EXPECT_TRUE(refused(edited([](json& d) { d["keys"][0]["cmk"] = "cmk1"; })));
  EXPECT_TRUE(refused(edited([](json& d) { d["keys"].push_back(d["keys"][0]); })));  // cek_id twice
  EXPECT_TRUE(refused(edited([](json& d) {
    json one = d["keys"][0];
    d["keys"] = json::array();
    for (std::uint32_t id = 1; id <= kMaxReleasedKeys + 1; ++id) {
      one["cek_id"] = id;
      d["keys"].push_back(one);
    }
  })));
  // Text no serializer makes: a repeated member, deep nesting, not JSON.
  std::string repeated = text;
  repeated.insert(1, "\"database\":\"00\",");
  EXPECT_FALSE(parse_key_release_document(repeated).is_ok());
  EXPECT_FALSE(parse_key_release_document(std::string(10000, '[') + std::string(10000, ']')).is_ok());
  EXPECT_FALSE(parse_key_release_document("{\"database\":").is_ok());
  EXPECT_FALSE(parse_key_release_document("").is_ok());
}

TEST(KeyRelease, SealingChecksTheReleaseFirst) {
  auto enclave_key = crypto::PrivateKey::generate(crypto::KeyType::ec_p256);
  KeyRelease short_key = release_of({released(1, "cmk1")});
  short_key.keys[0].key = SecretBytes(Bytes(16, 1));
  EXPECT_FALSE(seal_key_release(short_key, enclave_key->public_key()).is_ok());
  KeyRelease not_utf8 = release_of({released(1, "cmk1")});
  not_utf8.keys[0].cek_name = "\xff";
  EXPECT_FALSE(seal_key_release(not_utf8, enclave_key->public_key()).is_ok());
  EXPECT_FALSE(seal_key_release(release_of({}), enclave_key->public_key()).is_ok());
}

}  // namespace
}  // namespace cloister::sql
