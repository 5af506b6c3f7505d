// Handlers::dispatch, the entry registry and the enclave services' behaviour
// outside a handler. Everything here runs in-process: no enclave image needed.
#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

#include "cloister/enclave.h"
#include "enclave/context.h"

namespace cloister::enclave {
namespace {

struct Greet {
  static constexpr std::uint32_t id = 7;
  std::string name;
  std::uint32_t times = 0;
  CLOISTER_FIELDS(name, times)
  struct Reply {
    std::string text;
    CLOISTER_FIELDS(text)
  };
};

struct Other {
  static constexpr std::uint32_t id = 8;
  std::uint64_t value = 0;
  CLOISTER_FIELDS(value)
  struct Reply {
    std::uint64_t value = 0;
    CLOISTER_FIELDS(value)
  };
};

Handlers greeting_handlers() {
  Handlers handlers;
  handlers.on<Greet>([](const Greet& request) -> Result<Greet::Reply> {
    std::string text;
    for (std::uint32_t i = 0; i < request.times; ++i) text += "hello, " + request.name + ";";
    return Greet::Reply{.text = text};
  });
  return handlers;
}

TEST(HandlersTest, TypedRoundTripThroughTheWireCodec) {
  Handlers handlers = greeting_handlers();
  EXPECT_FALSE(handlers.empty());
  auto reply = handlers.dispatch(Greet::id, wire::encode(Greet{.name = "world", .times = 2}));
  ASSERT_TRUE(reply.is_ok()) << reply.status().to_string();
  auto decoded = wire::decode<Greet::Reply>(*reply);
  ASSERT_TRUE(decoded.is_ok()) << decoded.status().to_string();
  EXPECT_EQ(decoded->text, "hello, world;hello, world;");
}

TEST(HandlersTest, EmptyUntilAHandlerIsAdded) {
  Handlers handlers;
  EXPECT_TRUE(handlers.empty());
  handlers.add(1, [](ByteView) -> Result<Bytes> { return Bytes{}; });
  EXPECT_FALSE(handlers.empty());
}

TEST(HandlersTest, UnknownIdIsUnknownCall) {
  Handlers handlers = greeting_handlers();
  auto reply = handlers.dispatch(Other::id, wire::encode(Other{.value = 1}));
  ASSERT_FALSE(reply.is_ok());
  EXPECT_EQ(reply.status().code(), ErrorCode::unknown_call);
  EXPECT_NE(reply.status().message().find(std::to_string(Other::id)), std::string::npos)
      << reply.status().message();
}

TEST(HandlersTest, UnknownIdOnEmptyHandlers) {
  Handlers handlers;
  auto reply = handlers.dispatch(0, {});
  ASSERT_FALSE(reply.is_ok());
  EXPECT_EQ(reply.status().code(), ErrorCode::unknown_call);
}

TEST(HandlersTest, MalformedRequestIsADecodeError) {
  Handlers handlers = greeting_handlers();
  bool called = false;
  handlers.on<Other>([&called](const Other&) -> Result<Other::Reply> {
    called = true;
    return Other::Reply{};
  });
  // Too short for the string length prefix; then a length that overruns; then trailing bytes.
  const Bytes truncated = {0x01, 0x02};
  const Bytes overrun = {0xFF, 0xFF, 0x00, 0x00, 'a'};
  Bytes trailing = wire::encode(Greet{.name = "x", .times = 1});
  trailing.push_back(0);
  for (const Bytes& bytes : {truncated, overrun, trailing}) {
    auto reply = handlers.dispatch(Greet::id, bytes);
    ASSERT_FALSE(reply.is_ok());
    EXPECT_EQ(reply.status().code(), ErrorCode::decode_error) << reply.status().to_string();
    EXPECT_NE(reply.status().message().find("malformed request"), std::string::npos)
        << reply.status().message();
  }
  auto reply = handlers.dispatch(Other::id, Bytes{1, 2, 3});
  ASSERT_FALSE(reply.is_ok());
  EXPECT_NE(reply.status().message().find("malformed request"), std::string::npos);
  EXPECT_FALSE(called) << "a handler must never see a request that did not decode";
}

TEST(HandlersTest, ThrowingHandlerBecomesInternalError) {
  Handlers handlers;
  handlers.on<Greet>(
      [](const Greet&) -> Result<Greet::Reply> { throw std::runtime_error("boom in handler"); });
  auto reply = handlers.dispatch(Greet::id, wire::encode(Greet{.name = "x"}));
  ASSERT_FALSE(reply.is_ok());
  EXPECT_EQ(reply.status().code(), ErrorCode::internal);
  EXPECT_NE(reply.status().message().find("boom in handler"), std::string::npos) << reply.status().message();
}

TEST(HandlersTest, NonStandardExceptionBecomesInternalError) {
  Handlers handlers;
  handlers.add(3, [](ByteView) -> Result<Bytes> { throw 42; });
  auto reply = handlers.dispatch(3, {});
  ASSERT_FALSE(reply.is_ok());
  EXPECT_EQ(reply.status().code(), ErrorCode::internal);
}

TEST(HandlersTest, ErrorStatusPassesThrough) {
  Handlers handlers;
  handlers.on<Greet>([](const Greet& request) -> Result<Greet::Reply> {
    return Status(ErrorCode::permission_denied, "no greetings for " + request.name);
  });
  auto reply = handlers.dispatch(Greet::id, wire::encode(Greet{.name = "mallory"}));
  ASSERT_FALSE(reply.is_ok());
  EXPECT_EQ(reply.status().code(), ErrorCode::permission_denied);
  EXPECT_EQ(reply.status().message(), "no greetings for mallory");
}

TEST(HandlersTest, RawHandlerSeesTheExactBytesAndLaterAddReplaces) {
  Handlers handlers;
  handlers.add(5, [](ByteView request) -> Result<Bytes> { return Bytes(request.begin(), request.end()); });
  const Bytes payload = {0, 1, 2, 0xFF};
  auto echoed = handlers.dispatch(5, payload);
  ASSERT_TRUE(echoed.is_ok());
  EXPECT_EQ(*echoed, payload);

  handlers.add(5, [](ByteView) -> Result<Bytes> { return to_bytes("replaced"); });
  auto replaced = handlers.dispatch(5, payload);
  ASSERT_TRUE(replaced.is_ok());
  EXPECT_EQ(to_string(*replaced), "replaced");
}

}  // namespace
}  // namespace cloister::enclave

// The one entry linked into this test binary; registered at static initialisation.
CLOISTER_ENCLAVE(handlers_test_enclave) {
  enclave.on<cloister::enclave::Greet>(
      [](const cloister::enclave::Greet& request) -> cloister::Result<cloister::enclave::Greet::Reply> {
        return cloister::enclave::Greet::Reply{.text = "entry greets " + request.name};
      });
}

namespace cloister::enclave {
namespace {

TEST(EntryRegistryTest, FindsTheEntryByName) {
  EntryFunction entry = find_entry("handlers_test_enclave");
  ASSERT_NE(entry, nullptr);
  Handlers handlers;
  entry(handlers);
  auto reply = handlers.dispatch(Greet::id, wire::encode(Greet{.name = "registry"}));
  ASSERT_TRUE(reply.is_ok()) << reply.status().to_string();
  auto decoded = wire::decode<Greet::Reply>(*reply);
  ASSERT_TRUE(decoded.is_ok());
  EXPECT_EQ(decoded->text, "entry greets registry");
}

TEST(EntryRegistryTest, UnknownNameIsNull) {
  EXPECT_EQ(find_entry("no_such_enclave"), nullptr);
  EXPECT_EQ(find_entry(""), nullptr);
}

TEST(EntryRegistryTest, SoleEntryIsTheOnlyOneLinkedIn) {
  std::string name;
  EntryFunction entry = sole_entry(&name);
  EXPECT_EQ(entry, find_entry("handlers_test_enclave"));
  EXPECT_EQ(name, "handlers_test_enclave");
  EXPECT_EQ(sole_entry(), entry);  // the name is optional
}

TEST(EntryRegistryTest, SoleEntryIsNullWhenThereAreSeveral) {
  // Registering under the same name replaces, so the count stays one...
  EntryRegistrar again("handlers_test_enclave", find_entry("handlers_test_enclave"));
  EXPECT_NE(sole_entry(), nullptr);
  // ...and a second name makes the choice ambiguous. The registry has no
  // removal, so this test must stay the last one to touch it.
  EntryRegistrar second("handlers_test_second", [](Handlers&) {});
  std::string name = "untouched";
  EXPECT_EQ(sole_entry(&name), nullptr);
  EXPECT_EQ(name, "untouched");
  EXPECT_NE(find_entry("handlers_test_second"), nullptr);
}

TEST(OutsideHandlerTest, ServicesFailClearlyWithoutAContext) {
  ASSERT_EQ(current_context(), nullptr);
  auto expect_outside = [](const Status& status) {
    EXPECT_EQ(status.code(), ErrorCode::invalid_argument);
    EXPECT_NE(status.message().find("outside an enclave handler"), std::string::npos) << status.message();
  };
  std::array<std::uint8_t, 64> report_data{};
  auto evidence = get_evidence(report_data);
  ASSERT_FALSE(evidence.is_ok());
  expect_outside(evidence.status());

  auto evidence_for = get_evidence_for(to_bytes("nonce"));
  ASSERT_FALSE(evidence_for.is_ok());
  expect_outside(evidence_for.status());

  auto sealed = seal(SealPolicy::unique, to_bytes("secret"));
  ASSERT_FALSE(sealed.is_ok());
  expect_outside(sealed.status());

  auto unsealed = unseal(to_bytes("not sealed"));
  ASSERT_FALSE(unsealed.is_ok());
  expect_outside(unsealed.status());

  auto raw = ocall_raw(1, {});
  ASSERT_FALSE(raw.is_ok());
  expect_outside(raw.status());

  auto typed = ocall(Greet{.name = "host"});
  ASSERT_FALSE(typed.is_ok());
  expect_outside(typed.status());
}

TEST(OutsideHandlerTest, AccessorsHaveSafeDefaults) {
  EXPECT_EQ(identity().measurement, Measurement{});
  EXPECT_EQ(backend(), Backend::sim);
  EXPECT_TRUE(platform_ca_der().empty());
  EXPECT_TRUE(development_platform());
}

// A context that records ocalls, to check that ContextScope routes services
// to the current thread's context and restores the previous one.
class FakeContext final : public EnclaveContext {
 public:
  explicit FakeContext(std::string tag) : tag_(std::move(tag)) { identity_.product_id = 42; }
  [[nodiscard]] const EnclaveIdentity& identity() const override { return identity_; }
  [[nodiscard]] Backend backend() const override { return Backend::process; }
  [[nodiscard]] const Bytes& platform_ca_der() const override { return ca_; }
  [[nodiscard]] bool development_platform() const override { return false; }
  Result<Bytes> ocall(std::uint32_t id, ByteView request) override {
    if (id != Greet::id) return Status(ErrorCode::unknown_call, "fake has no ocall " + std::to_string(id));
    auto greet = wire::decode<Greet>(request);
    if (!greet.is_ok()) return greet.status();
    return wire::encode(Greet::Reply{.text = tag_ + " got " + greet->name});
  }
  Result<Bytes> evidence(const std::array<std::uint8_t, 64>& report_data) override {
    return Bytes(report_data.begin(), report_data.end());
  }
  Result<SecretBytes> seal_key(SealPolicy, std::uint16_t, ByteView) override {
    return Status(ErrorCode::permission_denied, "fake has no keys");
  }

 private:
  std::string tag_;
  EnclaveIdentity identity_;
  Bytes ca_ = to_bytes("operator ca");  // not {1, 2, 3}: g++ 12 -O2 warns falsely (maybe-uninitialized)
};

TEST(ContextScopeTest, RoutesToTheInnermostContextAndRestores) {
  FakeContext outer("outer");
  FakeContext inner("inner");
  {
    ContextScope outer_scope(&outer);
    EXPECT_EQ(backend(), Backend::process);
    EXPECT_EQ(identity().product_id, 42);
    EXPECT_FALSE(development_platform());
    EXPECT_EQ(to_string(platform_ca_der()), "operator ca");
    {
      ContextScope inner_scope(&inner);
      auto reply = ocall(Greet{.name = "a"});
      ASSERT_TRUE(reply.is_ok()) << reply.status().to_string();
      EXPECT_EQ(reply->text, "inner got a");
    }
    auto reply = ocall(Greet{.name = "b"});
    ASSERT_TRUE(reply.is_ok());
    EXPECT_EQ(reply->text, "outer got b");

    auto unknown = ocall(Other{});
    ASSERT_FALSE(unknown.is_ok());
    EXPECT_EQ(unknown.status().code(), ErrorCode::unknown_call);

    // get_evidence_for binds SHA-256(data) in the first half, zeros in the second.
    auto evidence = get_evidence_for(to_bytes("abc"));
    ASSERT_TRUE(evidence.is_ok());
    ASSERT_EQ(evidence->size(), 64u);
    EXPECT_EQ((*evidence)[0], 0xba);  // SHA-256("abc") = ba7816bf...
    EXPECT_EQ((*evidence)[1], 0x78);
    EXPECT_EQ(Bytes(evidence->begin() + 32, evidence->end()), Bytes(32, 0));

    auto sealed = seal(SealPolicy::unique, to_bytes("x"));
    ASSERT_FALSE(sealed.is_ok());
    EXPECT_EQ(sealed.status().code(), ErrorCode::permission_denied);
  }
  EXPECT_EQ(current_context(), nullptr);
}

}  // namespace
}  // namespace cloister::enclave
