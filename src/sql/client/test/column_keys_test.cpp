#include "sql/client/column_keys.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>

#include "sql/client/protocol.h"
#include "sql/cmk_metadata.h"
#include "sql/encrypted_cek.h"
#include "sql/key_file_store.h"

namespace cloister::sql::client {
namespace {

// A key store with two CMKs, and column keys wrapped by them as the catalog
// would hold them.
class ColumnKeysTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    char pattern[] = "/tmp/cloister-sql-client-XXXXXX";
    ASSERT_NE(::mkdtemp(pattern), nullptr);
    root_ = new std::string(pattern);
    auto store = KeyFileStore::open(*root_ + "/cmks", true);
    ASSERT_TRUE(store.is_ok());
    ASSERT_TRUE(store->create_key("cmk1", 2048).is_ok());
    ASSERT_TRUE(store->create_key("other", 2048).is_ok());
  }
  static void TearDownTestSuite() {
    std::filesystem::remove_all(*root_);
    delete root_;
  }

  void SetUp() override {
    auto provider = KeyStoreProvider::key_file_store(*root_ + "/cmks");
    ASSERT_TRUE(provider.is_ok()) << provider.status().to_string();
    provider_ = *provider;
    auto store = KeyFileStore::open(*root_ + "/cmks", false);
    cmk_ = store->load("cmk1").value().clone();
    other_ = store->load("other").value().clone();
    cek_ = Bytes(32);
    for (std::size_t i = 0; i < cek_.size(); ++i) cek_[i] = static_cast<std::uint8_t>(i * 7 + 1);
  }

  CekInfo cek_info(const crypto::PrivateKey& wrapper, Bytes signature) const {
    CekValue value;
    value.cmk = "cmk1";
    value.provider = "CLOISTER_KEY_FILE";
    value.key_path = "cmk1";
    value.algorithm = "RSA_OAEP";
    value.encrypted_value = *wrap_cek(wrapper, "cmk1", cek_);
    value.enclave_signature = std::move(signature);
    return CekInfo{1, "cek1", {value}};
  }

  static std::string* root_;
  std::shared_ptr<KeyStoreProvider> provider_;
  crypto::PrivateKey cmk_;
  crypto::PrivateKey other_;
  Bytes cek_;
};
std::string* ColumnKeysTest::root_ = nullptr;

TEST_F(ColumnKeysTest, UnwrapsAndEncryptsCellsTheKeyDecrypts) {
  ColumnKeys keys({provider_});
  keys.learn({cek_info(cmk_, {})});
  auto key = keys.cell_key(1);
  ASSERT_TRUE(key.is_ok()) << key.status().to_string();
  auto reference = CellKey::create(cek_);
  ASSERT_TRUE(reference.is_ok());

  // A parameter as the driver sends it, and a result cell as it reads it.
  const Bytes plaintext = {0x40, 0xe2, 0x01, 0x00};  // INT 123456
  for (auto type : {EncryptionType::deterministic, EncryptionType::randomized}) {
    auto cell = (*key)->encrypt(plaintext, type);
    ASSERT_TRUE(cell.is_ok());
    auto wire = value_from_json(cell_to_json(*cell));
    ASSERT_TRUE(wire.is_ok());
    ASSERT_TRUE(wire->cell.has_value());
    auto decrypted = reference->decrypt(*wire->cell);
    ASSERT_TRUE(decrypted.is_ok());
    EXPECT_EQ(Bytes(decrypted->view().begin(), decrypted->view().end()), plaintext);
  }
  EXPECT_EQ(*(*key)->encrypt(plaintext, EncryptionType::deterministic),
            *reference->encrypt(plaintext, EncryptionType::deterministic));

  // A flipped bit is caught by the tag.
  Bytes tampered = *(*key)->encrypt(plaintext, EncryptionType::randomized);
  tampered.back() ^= 1;
  EXPECT_FALSE((*key)->decrypt(tampered).is_ok());
}

TEST_F(ColumnKeysTest, UnknownIdsAndMissingStoresAreClearErrors) {
  ColumnKeys keys({provider_});
  EXPECT_EQ(keys.cell_key(9).status().code(), ErrorCode::not_found);
  CekInfo info = cek_info(cmk_, {});
  info.values[0].provider = "AZURE_KEY_VAULT";
  keys.learn({info});
  auto missing = keys.cell_key(1);
  EXPECT_EQ(missing.status().code(), ErrorCode::not_found);
  EXPECT_NE(missing.status().message().find("AZURE_KEY_VAULT:cmk1"), std::string::npos);
  EXPECT_NE(missing.status().message().find("--cmk-store"), std::string::npos);
}

TEST_F(ColumnKeysTest, AValueWrappedByAnotherKeyIsRefused) {
  ColumnKeys keys({provider_});
  keys.learn({cek_info(other_, {})});  // names cmk1, wrapped and signed by another key
  auto key = keys.cell_key(1);
  EXPECT_EQ(key.status().code(), ErrorCode::permission_denied);
  EXPECT_NE(key.status().message().find("cek1"), std::string::npos);
}

TEST_F(ColumnKeysTest, RotatedValuesAreUnwrappedAgain) {
  ColumnKeys keys({provider_});
  keys.learn({cek_info(cmk_, {})});
  ASSERT_TRUE(keys.cell_key(1).is_ok());
  cek_[0] ^= 0xff;
  keys.learn({cek_info(cmk_, {})});
  auto key = keys.cell_key(1);
  ASSERT_TRUE(key.is_ok());
  auto reference = CellKey::create(cek_);
  auto cell = (*key)->encrypt(Bytes{1, 2, 3}, EncryptionType::randomized);
  EXPECT_TRUE(reference->decrypt(*cell).is_ok());
}

TEST_F(ColumnKeysTest, ReleasesOnlyKeysOfEnclaveEnabledCmks) {
  ColumnKeys keys({provider_});
  // Not enclave-enabled: no signature.
  keys.learn({cek_info(cmk_, {})});
  auto unsigned_release = keys.release_entry(1);
  EXPECT_EQ(unsigned_release.status().code(), ErrorCode::permission_denied);
  EXPECT_NE(unsigned_release.status().message().find("not enabled for enclave computations"),
            std::string::npos);

  // A signature saying "false", and one by another key: both refused.
  keys.learn({cek_info(cmk_, *sign_cmk_metadata(cmk_, kKeyFileProviderName, "cmk1", false))});
  EXPECT_EQ(keys.release_entry(1).status().code(), ErrorCode::permission_denied);
  keys.learn({cek_info(cmk_, *sign_cmk_metadata(other_, kKeyFileProviderName, "cmk1", true))});
  auto forged = keys.release_entry(1);
  EXPECT_EQ(forged.status().code(), ErrorCode::permission_denied);
  EXPECT_NE(forged.status().message().find("does not verify"), std::string::npos);

  // The real signature: the key, the CMK's public key and its signature.
  const Bytes signature = *sign_cmk_metadata(cmk_, kKeyFileProviderName, "cmk1", true);
  keys.learn({cek_info(cmk_, signature)});
  auto released = keys.release_entry(1);
  ASSERT_TRUE(released.is_ok()) << released.status().to_string();
  EXPECT_EQ(released->cek_id, 1u);
  EXPECT_EQ(released->cek_name, "cek1");
  EXPECT_EQ(Bytes(released->key.view().begin(), released->key.view().end()), cek_);
  EXPECT_EQ(released->cmk_key_path, "cmk1");
  EXPECT_EQ(released->cmk_provider, "CLOISTER_KEY_FILE");
  EXPECT_EQ(released->cmk_public_key_der, *cmk_.public_key().to_der());
  EXPECT_EQ(released->cmk_enclave_signature, signature);
  EXPECT_TRUE(verify_cmk_metadata(*crypto::PublicKey::from_der(released->cmk_public_key_der),
                                  kKeyFileProviderName, "cmk1", true, released->cmk_enclave_signature)
                  .is_ok());
}

TEST(Protocol, ParsesDescriptionsStrictly) {
  nlohmann::json described = nlohmann::json::parse(R"({
    "parameters":[{"index":1,"name":"@lo","column":{"table":"employees","column":"salary"},
                   "encryption":{"cek_id":1,"cek":"cek1","type":"randomized","sql_type":"int"}},
                  {"index":2,"name":"@name","column":null,"encryption":null}],
    "ceks":[{"id":1,"name":"cek1","values":[{"cmk":"cmk1","provider":"CLOISTER_KEY_FILE","key_path":"cmk1",
             "algorithm":"RSA_OAEP","encrypted_value":"AQID","enclave_signature":""}]}],
    "enclave_ceks":[1]})");
  auto description = parse_description(described);
  ASSERT_TRUE(description.is_ok()) << description.status().to_string();
  ASSERT_EQ(description->parameters.size(), 2u);
  EXPECT_EQ(description->parameters[0].table, "employees");
  ASSERT_TRUE(description->parameters[0].encryption.has_value());
  EXPECT_EQ(description->parameters[0].encryption->sql_type, SqlType::int32);
  EXPECT_EQ(description->parameters[0].encryption->type, EncryptionType::randomized);
  EXPECT_FALSE(description->parameters[1].encryption.has_value());
  EXPECT_EQ(description->ceks[0].values[0].encrypted_value, (Bytes{1, 2, 3}));
  EXPECT_TRUE(description->ceks[0].values[0].enclave_signature.empty());
  EXPECT_EQ(description->enclave_ceks, (std::vector<std::uint32_t>{1}));

  described["parameters"][0]["encryption"]["type"] = "rot13";
  EXPECT_EQ(parse_description(described).status().code(), ErrorCode::decode_error);
  described["parameters"][0]["encryption"]["type"] = "deterministic";
  described["parameters"][0]["encryption"]["sql_type"] = "money";
  EXPECT_EQ(parse_description(described).status().code(), ErrorCode::decode_error);
}

TEST(Protocol, Values) {
  EXPECT_EQ(value_to_json(SqlValue(std::int64_t{42})), nlohmann::json::parse(R"({"int":42})"));
  EXPECT_EQ(value_to_json(SqlValue(std::string("x"))), nlohmann::json::parse(R"({"text":"x"})"));
  EXPECT_EQ(value_to_json(SqlValue(Bytes{0xff})), nlohmann::json::parse(R"({"blob":"/w=="})"));
  EXPECT_TRUE(value_to_json(SqlValue(SqlNull{})).is_null());
  EXPECT_EQ(std::get<double>(value_from_json(nlohmann::json::parse(R"({"real":1.5})"))->value), 1.5);
  EXPECT_FALSE(value_from_json(nlohmann::json::parse(R"({"int":"1"})")).is_ok());
  EXPECT_FALSE(value_from_json(nlohmann::json::parse(R"({"cell":"%%"})")).is_ok());
  EXPECT_FALSE(value_from_json(nlohmann::json::parse(R"({"int":1,"text":"a"})")).is_ok());

  auto reply = parse_execute_reply(nlohmann::json::parse(R"({"columns":[{"name":"a","encryption":null}],
      "rows":[[{"int":1}],[null]],"changes":0,"last_insert_rowid":7})"));
  ASSERT_TRUE(reply.is_ok());
  EXPECT_EQ(reply->rows.size(), 2u);
  EXPECT_EQ(reply->last_insert_rowid, 7);
  EXPECT_FALSE(
      parse_execute_reply(nlohmann::json::parse(R"({"columns":[{"name":"a"}],"rows":[[1,2]]})")).is_ok());

  auto missing = parse_missing_keys(nlohmann::json::parse(
      R"({"error":{"code":"EnclaveKeyMissing","message":"m","instance":"ab","cek_ids":[1,3]}})"));
  EXPECT_EQ(missing.instance, "ab");
  EXPECT_EQ(missing.cek_ids, (std::vector<std::uint32_t>{1, 3}));
}

}  // namespace
}  // namespace cloister::sql::client
