// OcallTable, and Enclave::create's failures and sim backend, without any
// prebuilt enclave image: the sim image is signed here from the image
// module's tiny test ELF, and its code is the CLOISTER_ENCLAVE below.
#include <gtest/gtest.h>

#include <fstream>
#include <stdexcept>
#include <string>

#include "cloister/enclave.h"
#include "cloister/host.h"
#include "common/test/temp_dir.h"
#include "crypto/keys.h"
#include "host/backend.h"
#include "image/signed_image.h"

namespace cloister {
namespace {

struct Add {
  static constexpr std::uint32_t id = 1;
  std::uint64_t a = 0;
  std::uint64_t b = 0;
  CLOISTER_FIELDS(a, b)
  struct Reply {
    std::uint64_t sum = 0;
    CLOISTER_FIELDS(sum)
  };
};

// An ecall whose handler asks the host (ocall Lookup) and returns its answer.
struct AskHost {
  static constexpr std::uint32_t id = 2;
  std::string key;
  CLOISTER_FIELDS(key)
  struct Reply {
    std::string value;
    CLOISTER_FIELDS(value)
  };
};

struct Lookup {
  static constexpr std::uint32_t id = 100;
  std::string key;
  CLOISTER_FIELDS(key)
  struct Reply {
    std::string value;
    CLOISTER_FIELDS(value)
  };
};

Result<Bytes> echo(ByteView request) {
  return Bytes(request.begin(), request.end());
}

TEST(OcallTableTest, DispatchesToTheHandlerForTheId) {
  OcallTable table;
  table.add(1, echo);
  table.add(2, [](ByteView) -> Result<Bytes> { return to_bytes("two"); });
  auto one = table.dispatch(1, to_bytes("payload"));
  ASSERT_TRUE(one.is_ok());
  EXPECT_EQ(to_string(*one), "payload");
  auto two = table.dispatch(2, {});
  ASSERT_TRUE(two.is_ok());
  EXPECT_EQ(to_string(*two), "two");
}

TEST(OcallTableTest, LaterAddReplaces) {
  OcallTable table;
  table.add(1, echo);
  table.add(1, [](ByteView) -> Result<Bytes> { return to_bytes("replaced"); });
  auto reply = table.dispatch(1, to_bytes("x"));
  ASSERT_TRUE(reply.is_ok());
  EXPECT_EQ(to_string(*reply), "replaced");
}

TEST(OcallTableTest, UnknownIdIsUnknownCall) {
  OcallTable table;
  table.add(1, echo);
  auto reply = table.dispatch(77, {});
  ASSERT_FALSE(reply.is_ok());
  EXPECT_EQ(reply.status().code(), ErrorCode::unknown_call);
  EXPECT_NE(reply.status().message().find("77"), std::string::npos) << reply.status().message();
}

TEST(OcallTableTest, ErrorStatusPassesThrough) {
  OcallTable table;
  table.add(1, [](ByteView) -> Result<Bytes> { return Status(ErrorCode::not_found, "no such key"); });
  auto reply = table.dispatch(1, {});
  ASSERT_FALSE(reply.is_ok());
  EXPECT_EQ(reply.status().code(), ErrorCode::not_found);
  EXPECT_EQ(reply.status().message(), "no such key");
}

TEST(OcallTableTest, ThrowingHandlerBecomesInternalError) {
  OcallTable table;
  table.add(1, [](ByteView) -> Result<Bytes> { throw std::runtime_error("host handler exploded"); });
  auto reply = table.dispatch(1, {});
  ASSERT_FALSE(reply.is_ok());
  EXPECT_EQ(reply.status().code(), ErrorCode::internal);
  EXPECT_NE(reply.status().message().find("host handler exploded"), std::string::npos);
}

TEST(OcallTableTest, NonStandardExceptionBecomesInternalError) {
  // Escaping here would leave a process-backend slot claimed and its enclave
  // thread waiting for an ocall reply that never comes.
  OcallTable table;
  table.add(1, [](ByteView) -> Result<Bytes> { throw 42; });
  auto reply = table.dispatch(1, {});
  ASSERT_FALSE(reply.is_ok());
  EXPECT_EQ(reply.status().code(), ErrorCode::internal);
}

TEST(EnclaveCreateTest, MissingImageProcessBackend) {
  EnclaveOptions options;
  options.backend = Backend::process;
  auto enclave = Enclave::create("/nonexistent/cloister/enclave.signed", options);
  ASSERT_FALSE(enclave.is_ok());
  EXPECT_EQ(enclave.status().code(), ErrorCode::not_found);
  EXPECT_NE(enclave.status().message().find("cannot open enclave image"), std::string::npos)
      << enclave.status().message();
  EXPECT_NE(enclave.status().message().find("/nonexistent/cloister/enclave.signed"), std::string::npos);
}

TEST(EnclaveCreateTest, MissingImageSimBackend) {
  EnclaveOptions options;
  options.backend = Backend::sim;
  auto enclave = Enclave::create("/nonexistent/cloister/enclave.signed", options);
  ASSERT_FALSE(enclave.is_ok());
  EXPECT_EQ(enclave.status().code(), ErrorCode::not_found);
  EXPECT_NE(enclave.status().message().find("cannot open enclave image"), std::string::npos)
      << enclave.status().message();
}

// A signed image of the tiny test ELF: the sim backend checks the signature
// and takes identity and config from it, then runs linked-in code.
class SimEnclaveTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(dir_.path().empty());
    auto elf = image::read_file(CLOISTER_TEST_STATIC_ELF, std::size_t{64} << 20, "test ELF");
    ASSERT_TRUE(elf.is_ok()) << elf.status().to_string();
    auto key = crypto::PrivateKey::generate(crypto::KeyType::ec_p256);
    ASSERT_TRUE(key.is_ok()) << key.status().to_string();
    EnclaveConfig config;
    config.max_threads = 2;
    config.product_id = 9;
    auto signed_image = image::sign_image(*elf, config, *key);
    ASSERT_TRUE(signed_image.is_ok()) << signed_image.status().to_string();
    path_ = dir_.sub("sim.signed");
    std::ofstream out(path_, std::ios::binary);
    out.write(reinterpret_cast<const char*>(signed_image->data()),
              static_cast<std::streamsize>(signed_image->size()));
  }

  cloister::testing::TempDir dir_;
  std::string path_;
};

TEST_F(SimEnclaveTest, NotAnImageIsRefused) {
  const std::string path = dir_.sub("garbage.signed");
  std::ofstream(path) << "definitely not a signed enclave image";
  EnclaveOptions options;
  options.backend = Backend::sim;
  auto enclave = Enclave::create(path, options);
  ASSERT_FALSE(enclave.is_ok());
  EXPECT_FALSE(enclave.status().message().empty());
}

TEST_F(SimEnclaveTest, UnknownSimEntryIsNotFound) {
  EnclaveOptions options;
  options.backend = Backend::sim;
  options.sim_entry = "no_such_entry";
  auto enclave = Enclave::create(path_, options);
  ASSERT_FALSE(enclave.is_ok());
  EXPECT_EQ(enclave.status().code(), ErrorCode::not_found);
  EXPECT_NE(enclave.status().message().find("no_such_entry"), std::string::npos)
      << enclave.status().message();
}

TEST_F(SimEnclaveTest, CallsAndOcallsRoundTrip) {
  EnclaveOptions options;
  options.backend = Backend::sim;
  auto enclave = Enclave::create(path_, options);
  ASSERT_TRUE(enclave.is_ok()) << enclave.status().to_string();
  EXPECT_EQ(enclave->backend(), Backend::sim);
  EXPECT_TRUE(enclave->identity().debug) << "a sim enclave must never pass for a production one";
  EXPECT_EQ(enclave->config().product_id, 9);
  EXPECT_TRUE(enclave->development_platform());

  auto sum = enclave->call(Add{.a = 40, .b = 2});
  ASSERT_TRUE(sum.is_ok()) << sum.status().to_string();
  EXPECT_EQ(sum->sum, 42u);

  // No ocall handler yet: the enclave sees unknown_call and passes it back.
  auto unanswered = enclave->call(AskHost{.key = "colour"});
  ASSERT_FALSE(unanswered.is_ok());
  EXPECT_EQ(unanswered.status().code(), ErrorCode::unknown_call);

  enclave->on_ocall<Lookup>([](const Lookup& request) -> Result<Lookup::Reply> {
    if (request.key == "throw") throw std::runtime_error("lookup failed hard");
    return Lookup::Reply{.value = "value of " + request.key};
  });
  auto answered = enclave->call(AskHost{.key = "colour"});
  ASSERT_TRUE(answered.is_ok()) << answered.status().to_string();
  EXPECT_EQ(answered->value, "value of colour");

  auto thrown = enclave->call(AskHost{.key = "throw"});
  ASSERT_FALSE(thrown.is_ok());
  EXPECT_EQ(thrown.status().code(), ErrorCode::internal);
  EXPECT_NE(thrown.status().message().find("lookup failed hard"), std::string::npos)
      << thrown.status().message();

  auto unknown = enclave->call_raw(999, {});
  ASSERT_FALSE(unknown.is_ok());
  EXPECT_EQ(unknown.status().code(), ErrorCode::unknown_call);
}

}  // namespace
}  // namespace cloister

CLOISTER_ENCLAVE(ocall_table_test_enclave) {
  using cloister::Add;
  using cloister::AskHost;
  using cloister::Lookup;
  using cloister::Result;
  enclave.on<Add>(
      [](const Add& request) -> Result<Add::Reply> { return Add::Reply{.sum = request.a + request.b}; });
  enclave.on<AskHost>([](const AskHost& request) -> Result<AskHost::Reply> {
    auto reply = cloister::enclave::ocall(Lookup{.key = request.key});
    if (!reply.is_ok()) return reply.status();
    return AskHost::Reply{.value = reply->value};
  });
}
