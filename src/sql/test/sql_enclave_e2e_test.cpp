// End to end: the real signed SQL enclave, launched with the process backend.
// A client checks the enclave's runtime evidence, seals column keys to the
// instance key it binds, and the host then has cells compared, matched and
// transformed without ever holding a key.
#include <gtest/gtest.h>

#include <array>
#include <atomic>
#include <chrono>
#include <iostream>
#include <nlohmann/json.hpp>
#include <random>
#include <thread>

#include "cloister/host.h"
#include "crypto/rng.h"
#include "crypto/sha.h"
#include "jose/jose.h"
#include "sql/cell_cipher.h"
#include "sql/cmk_metadata.h"
#include "sql/enclave_calls.h"
#include "sql/key_release.h"
#include "sql/sql_value.h"

namespace cloister::sql {
namespace {

constexpr std::string_view kProvider = "CLOISTER_KEY_FILE";

Enclave launch(CallMode mode = CallMode::sleeping) {
  EnclaveOptions options;
  options.backend = Backend::process;
  options.call_mode = mode;
  auto enclave = Enclave::create(SQL_ENCLAVE_IMAGE, options);
  EXPECT_TRUE(enclave.is_ok()) << enclave.status().to_string();
  return std::move(enclave).value();
}

const crypto::PrivateKey& cmk() {
  static const crypto::PrivateKey key =
      std::move(crypto::PrivateKey::generate(crypto::KeyType::rsa, 2048)).value();
  return key;
}

// What a client driver does: verify the evidence binds the runtime data, and
// take the enclave's instance key from it.
crypto::PublicKey attested_enclave_key(Enclave& enclave) {
  const Bytes nonce = *crypto::random_bytes(16);
  auto runtime = enclave.runtime_evidence(nonce);
  EXPECT_TRUE(runtime.is_ok()) << runtime.status().to_string();
  const auto digest = crypto::sha256(runtime->runtime_data);
  Expectations expect;
  expect.allow_development_platform = true;
  expect.measurement = enclave.identity().measurement;
  expect.report_data_prefix = Bytes(digest.begin(), digest.end());
  expect.report_data_prefix->resize(64, 0);
  auto verified = verify_evidence(runtime->evidence, {enclave.platform_ca_der()}, expect);
  EXPECT_TRUE(verified.is_ok()) << verified.status().to_string();
  EXPECT_FALSE(verified->report.identity.debug);
  EXPECT_EQ(verified->report.identity.product_id, 5);
  const auto document = nlohmann::json::parse(runtime->runtime_data.begin(), runtime->runtime_data.end());
  auto key = jose::key_from_jwk(document.at("keys").at(0));
  EXPECT_TRUE(key.is_ok()) << key.status().to_string();
  return std::move(key).value();
}

ReleasedKey released(std::uint32_t id, const Bytes& cek, const std::string& key_path,
                     bool enclave_enabled = true, bool allow_decryption_to_host = false) {
  ReleasedKey key;
  key.cek_id = id;
  key.cek_name = "cek" + std::to_string(id);
  key.key = SecretBytes(ByteView(cek));
  key.cmk_provider = std::string(kProvider);
  key.cmk_key_path = key_path;
  key.cmk_public_key_der = *cmk().public_key().to_der();
  key.cmk_enclave_signature = *sign_cmk_metadata(cmk(), kProvider, key_path, enclave_enabled);
  key.allow_decryption_to_host = allow_decryption_to_host;
  return key;
}

std::string sealed(const crypto::PublicKey& enclave_key, std::vector<ReleasedKey> keys) {
  KeyRelease release;
  release.database_id = "0123456789abcdef";
  release.keys = std::move(keys);
  auto jwe = seal_key_release(release, enclave_key);
  EXPECT_TRUE(jwe.is_ok()) << jwe.status().to_string();
  return *jwe;
}

Bytes cell(const CellKey& key, SqlType type, const SqlValue& value,
           EncryptionType encryption = EncryptionType::randomized) {
  auto plaintext = serialize_plaintext(type, value);
  EXPECT_TRUE(plaintext.is_ok()) << plaintext.status().to_string();
  auto encrypted = key.encrypt(plaintext->view(), encryption);
  EXPECT_TRUE(encrypted.is_ok());
  return *encrypted;
}

class SqlEnclave : public ::testing::Test {
 protected:
  void SetUp() override {
    cek1_ = *crypto::random_bytes(32);
    cek2_ = *crypto::random_bytes(32);
    key1_ = std::make_unique<CellKey>(*CellKey::create(cek1_));
    key2_ = std::make_unique<CellKey>(*CellKey::create(cek2_));
  }

  void install(Enclave& enclave) {
    const crypto::PublicKey enclave_key = attested_enclave_key(enclave);
    auto reply = enclave.call(
        InstallKeys{.jwe = sealed(enclave_key, {released(1, cek1_, "cmk1"), released(2, cek2_, "cmk1")})});
    ASSERT_TRUE(reply.is_ok()) << reply.status().to_string();
    EXPECT_EQ(reply->installed, (std::vector<std::uint32_t>{1, 2}));
  }

  Result<int> compare(Enclave& enclave, SqlType type, const Bytes& a, const Bytes& b, std::uint32_t cek = 1) {
    auto reply = enclave.call(
        CompareCells{.cek_id = cek, .sql_type = static_cast<std::uint8_t>(type), .a = a, .b = b});
    if (!reply.is_ok()) return reply.status();
    return reply->result;
  }

  Bytes cek1_;
  Bytes cek2_;
  std::unique_ptr<CellKey> key1_;
  std::unique_ptr<CellKey> key2_;
};

TEST_F(SqlEnclave, HoldsNoKeysUntilAClientReleasesThem) {
  Enclave enclave = launch();
  auto status = enclave.call(KeyStatus{});
  ASSERT_TRUE(status.is_ok()) << status.status().to_string();
  EXPECT_TRUE(status->cek_ids.empty());
  EXPECT_EQ(status->instance_id.size(), 16u);

  const Bytes a = cell(*key1_, SqlType::int32, std::int64_t{5});
  auto refused = compare(enclave, SqlType::int32, a, a);
  ASSERT_FALSE(refused.is_ok());
  EXPECT_EQ(refused.status().code(), ErrorCode::failed_precondition);
  EXPECT_NE(refused.status().message().find("no key for CEK 1"), std::string::npos)
      << refused.status().message();

  install(enclave);
  auto after = enclave.call(KeyStatus{});
  EXPECT_EQ(after->cek_ids, (std::vector<std::uint32_t>{1, 2}));
  EXPECT_EQ(after->instance_id, status->instance_id) << "same launch, same id";

  Enclave other = launch();
  EXPECT_NE(other.call(KeyStatus{})->instance_id, status->instance_id) << "each launch has its own id";
}

TEST_F(SqlEnclave, ComparesMatchesAndTransformsCells) {
  Enclave enclave = launch();
  install(enclave);

  // Numbers compare numerically, though their little-endian bytes would not.
  const Bytes five = cell(*key1_, SqlType::int32, std::int64_t{5});
  const Bytes five_again = cell(*key1_, SqlType::int32, std::int64_t{5});
  const Bytes big = cell(*key1_, SqlType::int32, std::int64_t{256});
  const Bytes negative = cell(*key1_, SqlType::int32, std::int64_t{-3});
  EXPECT_EQ(*compare(enclave, SqlType::int32, five, big), -1);
  EXPECT_EQ(*compare(enclave, SqlType::int32, big, five), 1);
  EXPECT_EQ(*compare(enclave, SqlType::int32, five, five_again), 0);
  EXPECT_EQ(*compare(enclave, SqlType::int32, negative, five), -1);
  const Bytes salary_lo = cell(*key2_, SqlType::float64, 50000.0);
  const Bytes salary_hi = cell(*key2_, SqlType::float64, 120000.5);
  EXPECT_EQ(*compare(enclave, SqlType::float64, salary_hi, salary_lo, 2), 1);
  const Bytes name_a = cell(*key1_, SqlType::nvarchar, std::string("Z\xc3\xa9"));
  const Bytes name_b = cell(*key1_, SqlType::nvarchar, std::string("Zz"));
  EXPECT_EQ(*compare(enclave, SqlType::nvarchar, name_a, name_b), 1);
  // A cell under another key than the one named does not verify.
  auto foreign = compare(enclave, SqlType::float64, salary_lo, salary_hi, 1);
  EXPECT_EQ(foreign.status().code(), ErrorCode::verification_failed);

  // LIKE.
  const Bytes ssn = cell(*key1_, SqlType::varchar, std::string("123-45-6789"));
  auto like = [&](const std::string& pattern, SqlType type = SqlType::varchar) -> Result<bool> {
    auto reply = enclave.call(LikeCells{.cek_id = 1,
                                        .sql_type = static_cast<std::uint8_t>(type),
                                        .value = ssn,
                                        .pattern = cell(*key1_, SqlType::varchar, pattern)});
    if (!reply.is_ok()) return reply.status();
    return reply->matches;
  };
  EXPECT_TRUE(*like("%-45-%"));
  EXPECT_TRUE(*like("___-__-6789"));
  EXPECT_FALSE(*like("%-46-%"));
  EXPECT_EQ(like("%", SqlType::int32).status().code(), ErrorCode::invalid_argument);

  // Encrypt in place, re-encrypt under another key, decrypt.
  const SecretBytes plain_salary = *serialize_plaintext(SqlType::float64, 75000.0);
  auto encrypted =
      enclave.call(TransformCell{.from_cek_id = 0,
                                 .to_cek_id = 2,
                                 .to_encryption = 1,
                                 .sql_type = static_cast<std::uint8_t>(SqlType::float64),
                                 .value = Bytes(plain_salary.view().begin(), plain_salary.view().end())});
  ASSERT_TRUE(encrypted.is_ok()) << encrypted.status().to_string();
  EXPECT_EQ(cloister::to_string(key2_->decrypt(encrypted->value)->view()),
            cloister::to_string(plain_salary.view()));
  auto deterministic = enclave.call(TransformCell{.from_cek_id = 2,
                                                  .to_cek_id = 1,
                                                  .to_encryption = 0,
                                                  .sql_type = static_cast<std::uint8_t>(SqlType::float64),
                                                  .value = encrypted->value});
  ASSERT_TRUE(deterministic.is_ok()) << deterministic.status().to_string();
  EXPECT_EQ(deterministic->value, *key1_->encrypt(plain_salary.view(), EncryptionType::deterministic));
  // Decryption to the host only with a key released for it.
  const TransformCell to_plaintext{.from_cek_id = 1,
                                   .to_cek_id = 0,
                                   .sql_type = static_cast<std::uint8_t>(SqlType::float64),
                                   .value = deterministic->value};
  auto refused = enclave.call(to_plaintext);
  ASSERT_FALSE(refused.is_ok());
  EXPECT_EQ(refused.status().code(), ErrorCode::permission_denied);
  EXPECT_NE(refused.status().message().find("allow_decryption_to_host"), std::string::npos)
      << refused.status().message();
  auto reinstalled = enclave.call(
      InstallKeys{.jwe = sealed(attested_enclave_key(enclave), {released(1, cek1_, "cmk1", true, true)})});
  ASSERT_TRUE(reinstalled.is_ok()) << reinstalled.status().to_string();
  auto decrypted = enclave.call(to_plaintext);
  ASSERT_TRUE(decrypted.is_ok()) << decrypted.status().to_string();
  // Key 2 still was not released for it.
  EXPECT_EQ(enclave
                .call(TransformCell{.from_cek_id = 2,
                                    .to_cek_id = 0,
                                    .sql_type = static_cast<std::uint8_t>(SqlType::float64),
                                    .value = encrypted->value})
                .status()
                .code(),
            ErrorCode::permission_denied);
  // Nor is a key released again without it.
  ASSERT_TRUE(
      enclave.call(InstallKeys{.jwe = sealed(attested_enclave_key(enclave), {released(1, cek1_, "cmk1")})})
          .is_ok());
  EXPECT_EQ(enclave.call(to_plaintext).status().code(), ErrorCode::permission_denied);
  EXPECT_EQ(cloister::to_string(decrypted->value), cloister::to_string(plain_salary.view()));
  // A value that is not of the column's type is not encrypted.
  auto wrong_type = enclave.call(TransformCell{.from_cek_id = 0,
                                               .to_cek_id = 1,
                                               .sql_type = static_cast<std::uint8_t>(SqlType::int32),
                                               .value = Bytes{1, 2, 3}});
  EXPECT_EQ(wrong_type.status().code(), ErrorCode::decode_error);
  auto unknown_type = compare(enclave, static_cast<SqlType>(42), five, big);
  EXPECT_EQ(unknown_type.status().code(), ErrorCode::invalid_argument);
}

TEST_F(SqlEnclave, TamperedCellsAreReportedAndTheEnclaveKeepsServing) {
  Enclave enclave = launch();
  install(enclave);
  const Bytes good = cell(*key1_, SqlType::int64, std::int64_t{42});
  ASSERT_EQ(*compare(enclave, SqlType::int64, good, good), 0);  // now cached
  for (std::size_t at : {std::size_t{1}, std::size_t{40}, good.size() - 1}) {
    Bytes tampered = good;
    tampered[at] ^= 0x80;
    auto as_b = compare(enclave, SqlType::int64, good, tampered);
    ASSERT_FALSE(as_b.is_ok()) << at;
    EXPECT_EQ(as_b.status().code(), ErrorCode::verification_failed) << at;
    EXPECT_NE(as_b.status().message().find("cell b"), std::string::npos) << as_b.status().message();
    auto as_a = compare(enclave, SqlType::int64, tampered, good);
    EXPECT_EQ(as_a.status().code(), ErrorCode::verification_failed) << at;
    EXPECT_NE(as_a.status().message().find("cell a"), std::string::npos) << as_a.status().message();
  }
  Bytes truncated(good.begin(), good.begin() + 40);
  EXPECT_EQ(compare(enclave, SqlType::int64, truncated, good).status().code(), ErrorCode::decode_error);
  EXPECT_EQ(*compare(enclave, SqlType::int64, good, good), 0);
}

TEST_F(SqlEnclave, RefusesKeysOfACmkThatIsNotEnclaveEnabled) {
  Enclave enclave = launch();
  const crypto::PublicKey enclave_key = attested_enclave_key(enclave);
  auto refused = enclave.call(InstallKeys{
      .jwe = sealed(enclave_key, {released(1, cek1_, "cmk1"), released(3, cek2_, "plain-cmk", false)})});
  ASSERT_FALSE(refused.is_ok());
  EXPECT_EQ(refused.status().code(), ErrorCode::permission_denied);
  EXPECT_NE(refused.status().message().find("cek3"), std::string::npos) << refused.status().message();
  EXPECT_TRUE(enclave.call(KeyStatus{})->cek_ids.empty()) << "nothing of a refused release is installed";

  // Keys sealed to another enclave's instance key do not open here.
  Enclave other = launch();
  auto misaddressed =
      enclave.call(InstallKeys{.jwe = sealed(attested_enclave_key(other), {released(1, cek1_, "cmk1")})});
  EXPECT_FALSE(misaddressed.is_ok());
  EXPECT_TRUE(enclave.call(KeyStatus{})->cek_ids.empty());
}

// Random SSN-like strings, some with non-ASCII characters.
std::string random_text(std::mt19937& random) {
  static const char* const kPieces[] = {"1", "2", "3", "-", "a", "Z", "\xc3\xa9", "\xe2\x82\xac", "45"};
  std::string text;
  const std::size_t length = random() % 12;
  for (std::size_t i = 0; i < length; ++i) text += kPieces[random() % std::size(kPieces)];
  return text;
}

TEST_F(SqlEnclave, BatchedCallsAgreeWithOneCallPerCell) {
  Enclave enclave = launch();
  install(enclave);
  std::mt19937 random(11);
  constexpr std::size_t kCells = 300;

  // Comparisons, for each type, against three bounds one of which equals some cells.
  for (SqlType type :
       {SqlType::int32, SqlType::int64, SqlType::float64, SqlType::varchar, SqlType::nvarchar}) {
    auto value = [&]() -> SqlValue {
      switch (type) {
        case SqlType::int32:
        case SqlType::int64:
          return static_cast<std::int64_t>(random() % 200) - 100;
        case SqlType::float64:
          return static_cast<double>(random() % 200) / 4 - 25;
        default:
          return random_text(random);
      }
    };
    CompareCellsBatch batch{.cek_id = 1, .sql_type = static_cast<std::uint8_t>(type)};
    for (int j = 0; j < 3; ++j) batch.bounds.push_back(cell(*key1_, type, value()));
    for (std::size_t i = 0; i < kCells; ++i) batch.cells.push_back(cell(*key1_, type, value()));
    batch.cells.push_back(batch.bounds[1]);  // the very cell a bound is
    auto reply = enclave.call(batch);
    ASSERT_TRUE(reply.is_ok()) << reply.status().to_string();
    ASSERT_EQ(reply->signs.size(), batch.cells.size() * 3);
    int equal = 0;
    for (std::size_t i = 0; i < batch.cells.size(); ++i) {
      for (std::size_t j = 0; j < 3; ++j) {
        auto one =
            compare(enclave, type, Bytes(batch.cells[i].begin(), batch.cells[i].end()), batch.bounds[j]);
        ASSERT_TRUE(one.is_ok()) << one.status().to_string();
        ASSERT_EQ(reply->signs[i * 3 + j], *one) << to_string(type) << " cell " << i << " bound " << j;
        equal += *one == 0 ? 1 : 0;
      }
    }
    EXPECT_GT(equal, 0) << to_string(type);
  }

  // LIKE, against patterns with wildcards, on both string types.
  for (SqlType type : {SqlType::varchar, SqlType::nvarchar}) {
    std::vector<Bytes> cells;
    for (std::size_t i = 0; i < kCells; ++i) cells.push_back(cell(*key1_, type, random_text(random)));
    for (const std::string pattern : {"%1%", "_-%", "%\xc3\xa9_", "%", "", "1%3", "%\xe2\x82\xac%a%"}) {
      LikeCellsBatch batch{.cek_id = 1,
                           .sql_type = static_cast<std::uint8_t>(type),
                           .pattern = cell(*key1_, type, pattern),
                           .cells = wire::ByteStrings(cells)};
      auto reply = enclave.call(batch);
      ASSERT_TRUE(reply.is_ok()) << reply.status().to_string();
      ASSERT_EQ(reply->matches.size(), cells.size());
      int matched = 0;
      for (std::size_t i = 0; i < cells.size(); ++i) {
        auto one = enclave.call(LikeCells{.cek_id = 1,
                                          .sql_type = static_cast<std::uint8_t>(type),
                                          .value = cells[i],
                                          .pattern = batch.pattern});
        ASSERT_TRUE(one.is_ok()) << one.status().to_string();
        ASSERT_EQ(reply->matches[i], one->matches ? 1 : 0) << pattern << " cell " << i;
        matched += one->matches ? 1 : 0;
      }
      if (pattern == "%") {
        EXPECT_EQ(matched, static_cast<int>(kCells));
      }
    }
  }
}

TEST_F(SqlEnclave, BatchReportsBadCellsAndRefusesBadBoundsAndLimits) {
  Enclave enclave = launch();
  install(enclave);
  CompareCellsBatch batch{.cek_id = 1, .sql_type = static_cast<std::uint8_t>(SqlType::int32)};
  batch.bounds = {cell(*key1_, SqlType::int32, std::int64_t{100}),
                  cell(*key1_, SqlType::int32, std::int64_t{200})};
  std::vector<Bytes> cells;
  cells.reserve(300);
  for (int i = 0; i < 300; ++i) cells.push_back(cell(*key1_, SqlType::int32, std::int64_t{i}));
  cells[150][40] ^= 0x01;                                      // tampered
  cells[151] = Bytes{};                                        // NULL
  cells[152] = cell(*key2_, SqlType::int32, std::int64_t{5});  // another key's
  cells[153].resize(40);                                       // truncated
  cells[154] = cell(*key1_, SqlType::int64, std::int64_t{5});  // not an int
  batch.cells = wire::ByteStrings(cells);
  auto reply = enclave.call(batch);
  ASSERT_TRUE(reply.is_ok()) << reply.status().to_string();
  ASSERT_EQ(reply->signs.size(), 600u);
  for (int i = 0; i < 300; ++i) {
    const auto at = static_cast<std::size_t>(i) * 2;
    if (i >= 150 && i <= 154) {
      EXPECT_EQ(reply->signs[at], kBatchCellFailed) << i;
      EXPECT_EQ(reply->signs[at + 1], kBatchCellFailed) << i;
    } else {
      EXPECT_EQ(reply->signs[at], i < 100 ? -1 : (i == 100 ? 0 : 1)) << i;
      EXPECT_EQ(reply->signs[at + 1], i < 200 ? -1 : (i == 200 ? 0 : 1)) << i;
    }
  }
  // The same for LIKE: a bad cell is no match, and said so.
  LikeCellsBatch like{.cek_id = 1,
                      .sql_type = static_cast<std::uint8_t>(SqlType::varchar),
                      .pattern = cell(*key1_, SqlType::varchar, std::string("%5%"))};
  std::vector<Bytes> like_cells;
  like_cells.reserve(20);
  for (int i = 0; i < 20; ++i) like_cells.push_back(cell(*key1_, SqlType::varchar, std::to_string(i)));
  like_cells[10][60] ^= 0x01;
  like_cells[11] = Bytes{};
  like.cells = wire::ByteStrings(like_cells);
  auto matched = enclave.call(like);
  ASSERT_TRUE(matched.is_ok()) << matched.status().to_string();
  for (int i = 0; i < 20; ++i) {
    const std::int8_t expected =
        i == 10 || i == 11 ? kBatchCellFailed : (std::to_string(i).find('5') != std::string::npos ? 1 : 0);
    EXPECT_EQ(matched->matches[static_cast<std::size_t>(i)], expected) << i;
  }

  // A bad bound or pattern fails the whole call, naming it.
  CompareCellsBatch bad_bound = batch;
  bad_bound.bounds[1][45] ^= 0x01;
  auto refused = enclave.call(bad_bound);
  ASSERT_FALSE(refused.is_ok());
  EXPECT_EQ(refused.status().code(), ErrorCode::verification_failed);
  EXPECT_NE(refused.status().message().find("bound 1"), std::string::npos) << refused.status().message();
  LikeCellsBatch bad_pattern = like;
  bad_pattern.pattern[45] ^= 0x01;
  auto pattern_refused = enclave.call(bad_pattern);
  EXPECT_EQ(pattern_refused.status().code(), ErrorCode::verification_failed);
  EXPECT_NE(pattern_refused.status().message().find("pattern"), std::string::npos)
      << pattern_refused.status().message();
  LikeCellsBatch not_text = like;
  not_text.sql_type = static_cast<std::uint8_t>(SqlType::int32);
  EXPECT_EQ(enclave.call(not_text).status().code(), ErrorCode::invalid_argument);
  CompareCellsBatch wrong_type_bound = batch;
  wrong_type_bound.bounds[0] = cell(*key1_, SqlType::int64, std::int64_t{1});
  EXPECT_FALSE(enclave.call(wrong_type_bound).is_ok());

  // A key the enclave does not hold.
  CompareCellsBatch no_key = batch;
  no_key.cek_id = 9;
  auto key_refused = enclave.call(no_key);
  EXPECT_EQ(key_refused.status().code(), ErrorCode::failed_precondition);
  EXPECT_NE(key_refused.status().message().find("no key for CEK 9"), std::string::npos)
      << key_refused.status().message();
  LikeCellsBatch like_no_key = like;
  like_no_key.cek_id = 9;
  EXPECT_EQ(enclave.call(like_no_key).status().code(), ErrorCode::failed_precondition);

  // Limits: at most 16 bounds (and at least one), at most kMaxBatchCells cells.
  CompareCellsBatch many_bounds = batch;
  many_bounds.bounds.assign(17, batch.bounds[0]);
  EXPECT_EQ(enclave.call(many_bounds).status().code(), ErrorCode::invalid_argument);
  many_bounds.bounds.assign(16, batch.bounds[0]);
  EXPECT_TRUE(enclave.call(many_bounds).is_ok());
  CompareCellsBatch no_bounds = batch;
  no_bounds.bounds.clear();
  EXPECT_EQ(enclave.call(no_bounds).status().code(), ErrorCode::invalid_argument);
  CompareCellsBatch too_many = batch;
  too_many.cells = wire::ByteStrings(std::vector<Bytes>(kMaxBatchCells + 1));
  EXPECT_EQ(enclave.call(too_many).status().code(), ErrorCode::invalid_argument);
  LikeCellsBatch like_too_many = like;
  like_too_many.cells = too_many.cells;
  EXPECT_EQ(enclave.call(like_too_many).status().code(), ErrorCode::invalid_argument);
  too_many.cells = wire::ByteStrings(std::vector<Bytes>(kMaxBatchCells));
  auto at_limit = enclave.call(too_many);
  ASSERT_TRUE(at_limit.is_ok()) << at_limit.status().to_string();
  EXPECT_EQ(at_limit->signs.size(), kMaxBatchCells * 2);
}

// Prints what a cell costs in a 10,000-cell batch, beside one ecall per cell.
TEST_F(SqlEnclave, CostPerCellBatched) {
  Enclave enclave = launch();
  install(enclave);
  constexpr int kCells = 10000;
  std::mt19937 random(3);
  std::vector<Bytes> numbers;
  std::vector<Bytes> ssns;
  for (int i = 0; i < kCells; ++i) {
    numbers.push_back(cell(*key1_, SqlType::int32, std::int64_t{i}));
    char ssn[16];
    std::snprintf(ssn, sizeof ssn, "%03u-%02u-%04u", static_cast<unsigned>(random() % 1000),
                  static_cast<unsigned>(random() % 100), static_cast<unsigned>(random() % 10000));
    ssns.push_back(cell(*key1_, SqlType::varchar, std::string(ssn)));
  }
  auto ns_per_cell = [&](auto&& run) {
    const auto start = std::chrono::steady_clock::now();
    run();
    return std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - start).count() /
           kCells;
  };
  const Bytes lo = cell(*key1_, SqlType::int32, std::int64_t{kCells / 4});
  const Bytes hi = cell(*key1_, SqlType::int32, std::int64_t{kCells / 2});
  // Batches first: they never cache the cells, so the per-call pass after
  // them decrypts too (a cell is cached from its second offer on).
  const CompareCellsBatch range{.cek_id = 1,
                                .sql_type = static_cast<std::uint8_t>(SqlType::int32),
                                .bounds = {lo, hi},
                                .cells = wire::ByteStrings(numbers)};
  const double batched = ns_per_cell([&] {
    auto reply = enclave.call(range);
    ASSERT_TRUE(reply.is_ok()) << reply.status().to_string();
    int inside = 0;
    for (int i = 0; i < kCells; ++i) {
      const auto at = static_cast<std::size_t>(i) * 2;
      inside += reply->signs[at] >= 0 && reply->signs[at + 1] <= 0 ? 1 : 0;
    }
    EXPECT_EQ(inside, kCells / 4 + 1);
  });
  const LikeCellsBatch like{.cek_id = 1,
                            .sql_type = static_cast<std::uint8_t>(SqlType::varchar),
                            .pattern = cell(*key1_, SqlType::varchar, std::string("%-45-%")),
                            .cells = wire::ByteStrings(ssns)};
  const double like_batched = ns_per_cell([&] { ASSERT_TRUE(enclave.call(like).is_ok()); });
  const double per_call = ns_per_cell([&] {
    for (const Bytes& c : numbers) ASSERT_TRUE(compare(enclave, SqlType::int32, c, lo).is_ok());
  });
  const double like_per_call = ns_per_cell([&] {
    for (const Bytes& c : ssns) {
      ASSERT_TRUE(enclave
                      .call(LikeCells{.cek_id = 1,
                                      .sql_type = static_cast<std::uint8_t>(SqlType::varchar),
                                      .value = c,
                                      .pattern = like.pattern})
                      .is_ok());
    }
  });
  std::cout << "10,000-cell batches: CompareCellsBatch (2 bounds) " << batched << " ns/cell, LikeCellsBatch "
            << like_batched << " ns/cell; one call per cell: CompareCells " << per_call
            << " ns/cell, LikeCells " << like_per_call << " ns/cell\n";
}

// Prints what one CompareCells ecall costs, cached and not; and checks that
// eight host threads can compare at once.
TEST_F(SqlEnclave, CostPerComparison) {
  for (CallMode mode : {CallMode::sleeping, CallMode::switchless}) {
    Enclave enclave = launch(mode);
    install(enclave);
    constexpr int kCells = 20000;
    std::vector<Bytes> cells;
    cells.reserve(kCells);
    for (int i = 0; i < kCells; ++i) cells.push_back(cell(*key1_, SqlType::int32, std::int64_t{i}));
    const Bytes bound = cell(*key1_, SqlType::int32, std::int64_t{kCells / 2});
    auto run = [&] {
      const auto start = std::chrono::steady_clock::now();
      int below = 0;
      for (const Bytes& c : cells) below += *compare(enclave, SqlType::int32, c, bound) < 0 ? 1 : 0;
      EXPECT_EQ(below, kCells / 2);
      return std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - start).count() /
             kCells;
    };
    const double first = run();   // each row cell decrypted once
    const double second = run();  // decrypted again, and now admitted to the cache
    const double third = run();   // all cached
    std::printf(
        "%s: CompareCells %.2f us per ecall decrypting, %.2f us decrypting and caching, %.2f us cached\n",
        mode == CallMode::sleeping ? "sleeping" : "switchless", first, second, third);

    std::atomic<int> wrong{0};
    std::vector<std::thread> threads;
    threads.reserve(8);
    for (int t = 0; t < 8; ++t) {
      threads.emplace_back([&, t] {
        for (int i = t; i < kCells; i += 8) {
          auto result = compare(enclave, SqlType::int32, cells[static_cast<std::size_t>(i)], bound);
          if (!result.is_ok() || *result != (i < kCells / 2 ? -1 : (i == kCells / 2 ? 0 : 1))) ++wrong;
        }
      });
    }
    for (auto& thread : threads) thread.join();
    EXPECT_EQ(wrong.load(), 0);
  }
}

}  // namespace
}  // namespace cloister::sql
