// EnclaveTlsSessions and the Verifier in one process: the "enclave" is a
// context whose evidence an in-process development platform signs, and the
// client's records travel through exchange() exactly as the host bridge
// moves them.
#include <gtest/gtest.h>

#include "cloister/ratls_enclave.h"
#include "enclave/context.h"
#include "ratls/ssl_util.h"
#include "ratls/test/test_platform.h"
#include "ratls/tls_warm_up.h"

namespace cloister::ratls {
namespace {

class PlatformContext final : public enclave::EnclaveContext {
 public:
  explicit PlatformContext(const platform::PlatformIdentity& platform) : platform_(platform) {}
  [[nodiscard]] const EnclaveIdentity& identity() const override { return identity_; }
  [[nodiscard]] Backend backend() const override { return Backend::process; }
  [[nodiscard]] const Bytes& platform_ca_der() const override { return platform_.operator_ca_der(); }
  [[nodiscard]] bool development_platform() const override { return true; }
  Result<Bytes> ocall(std::uint32_t, ByteView) override { return Status(ErrorCode::unknown_call, "none"); }
  Result<Bytes> evidence(const std::array<std::uint8_t, 64>& report_data) override {
    return platform_.sign_report(Backend::process, Isolation::process, identity_, report_data);
  }
  Result<SecretBytes> seal_key(SealPolicy, std::uint16_t, ByteView) override {
    return Status(ErrorCode::permission_denied, "no keys");
  }

 private:
  const platform::PlatformIdentity& platform_;
  EnclaveIdentity identity_ = test::test_identity();
};

// Echoes each line back in upper case; "bye" closes the session.
Status shout(TlsSession& session) {
  Bytes& inbox = session.inbox();
  auto end = std::find(inbox.begin(), inbox.end(), '\n');
  while (end != inbox.end()) {
    std::string line(inbox.begin(), end);
    inbox.erase(inbox.begin(), end + 1);
    if (line == "bye") {
      session.close();
      return Status::ok();
    }
    for (char& c : line) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    CLOISTER_RETURN_IF_ERROR(session.write(to_bytes(line + "\n")));
    end = std::find(inbox.begin(), inbox.end(), '\n');
  }
  return Status::ok();
}

class HandshakeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(warm_up_tls().is_ok());
    auto created = platform::PlatformIdentity::create_development();
    ASSERT_TRUE(created.is_ok());
    platform_ = std::make_unique<platform::PlatformIdentity>(std::move(created).value());
    context_ = std::make_unique<PlatformContext>(*platform_);
    sessions_.set_application(shout);
  }

  // A client SSL over memory BIOs, verifying with `verifier`.
  internal::SslPtr client(const Verifier& verifier) {
    ctx_ = internal::tls13_context(TLS_client_method());
    EXPECT_TRUE(verifier.install(ctx_.get()).is_ok());
    internal::SslPtr ssl(SSL_new(ctx_.get()));
    SSL_set_bio(ssl.get(), BIO_new(BIO_s_mem()), BIO_new(BIO_s_mem()));
    SSL_set_connect_state(ssl.get());
    return ssl;
  }

  // Moves the client's pending records through exchange(); feeds the reply back.
  bool round_trip(SSL* ssl, std::uint64_t session, bool* closed = nullptr) {
    BIO* out = SSL_get_wbio(ssl);
    Bytes records(BIO_ctrl_pending(out));
    if (!records.empty()) BIO_read(out, records.data(), static_cast<int>(records.size()));
    enclave::ContextScope scope(context_.get());
    auto reply = sessions_.exchange(session, records, false);
    if (!reply.is_ok()) return false;
    if (!reply->records.empty()) {
      BIO_write(SSL_get_rbio(ssl), reply->records.data(), static_cast<int>(reply->records.size()));
    }
    if (closed != nullptr) *closed = reply->closed;
    return true;
  }

  std::uint64_t open() {
    enclave::ContextScope scope(context_.get());
    auto session = sessions_.open();
    EXPECT_TRUE(session.is_ok()) << session.status().to_string();
    return *session;
  }

  // Runs the handshake; true when the client finished it.
  bool handshake(SSL* ssl, std::uint64_t session) {
    for (int round = 0; round < 6 && !SSL_is_init_finished(ssl); ++round) {
      SSL_do_handshake(ssl);
      if (!round_trip(ssl, session)) return false;
    }
    return SSL_do_handshake(ssl) == 1;
  }

  std::unique_ptr<platform::PlatformIdentity> platform_;
  std::unique_ptr<PlatformContext> context_;
  EnclaveTlsSessions sessions_;
  internal::SslCtxPtr ctx_;
};

TEST_F(HandshakeTest, VerifiedClientTalksToTheSessionAndSeesItClose) {
  Expectations expect = test::development_ok();
  expect.measurement = test::test_identity().measurement;
  Verifier verifier({platform_->operator_ca_der()}, expect);
  auto ssl = client(verifier);
  const std::uint64_t session = open();
  ASSERT_TRUE(handshake(ssl.get(), session));
  auto peer = Verifier::outcome(ssl.get());
  ASSERT_TRUE(peer.is_ok()) << peer.status().to_string();
  EXPECT_EQ(peer->evidence.report.identity.product_id, 7);
  EXPECT_EQ(SSL_version(ssl.get()), TLS1_3_VERSION);

  const std::string request = "hello\nenclave\n";
  ASSERT_GT(SSL_write(ssl.get(), request.data(), static_cast<int>(request.size())), 0);
  ASSERT_TRUE(round_trip(ssl.get(), session));
  char buffer[64];
  std::string answer;  // one TLS record per line written
  for (int got = 0; answer.size() < 14 && (got = SSL_read(ssl.get(), buffer, sizeof buffer)) > 0;) {
    answer.append(buffer, static_cast<std::size_t>(got));
  }
  EXPECT_EQ(answer, "HELLO\nENCLAVE\n");

  ASSERT_GT(SSL_write(ssl.get(), "bye\n", 4), 0);
  bool closed = false;
  ASSERT_TRUE(round_trip(ssl.get(), session, &closed));
  EXPECT_TRUE(closed);
  EXPECT_EQ(SSL_read(ssl.get(), buffer, sizeof buffer), 0);
  EXPECT_EQ(SSL_get_error(ssl.get(), 0), SSL_ERROR_ZERO_RETURN);
  // The session is gone once closed.
  enclave::ContextScope scope(context_.get());
  EXPECT_EQ(sessions_.exchange(session, {}, false).status().code(), ErrorCode::not_found);
}

TEST_F(HandshakeTest, RefusalFailsTheHandshakeWithTheReason) {
  Expectations expect = test::development_ok();
  expect.signer = SignerId{};  // not the enclave's signer
  Verifier verifier({platform_->operator_ca_der()}, expect);
  auto ssl = client(verifier);
  EXPECT_FALSE(handshake(ssl.get(), open()));
  auto peer = Verifier::outcome(ssl.get());
  ASSERT_FALSE(peer.is_ok());
  EXPECT_NE(peer.status().message().find("signer mismatch"), std::string::npos) << peer.status().message();
}

TEST_F(HandshakeTest, GarbageFromTheClientEndsOnlyThatSession) {
  const std::uint64_t bad = open();
  enclave::ContextScope scope(context_.get());
  auto reply = sessions_.exchange(bad, to_bytes("GET / HTTP/1.1\r\n\r\n"), false);
  ASSERT_TRUE(reply.is_ok());
  EXPECT_TRUE(reply->closed);
  EXPECT_FALSE(sessions_.exchange(bad, {}, false).is_ok());
  EXPECT_TRUE(sessions_.open().is_ok());
}

TEST_F(HandshakeTest, SessionsAreBounded) {
  enclave::ContextScope scope(context_.get());
  EnclaveTlsSessions few({.max_sessions = 2});
  EXPECT_TRUE(few.open().is_ok());
  EXPECT_TRUE(few.open().is_ok());
  auto third = few.open();
  ASSERT_FALSE(third.is_ok());
  EXPECT_EQ(third.status().code(), ErrorCode::enclave_busy);
}

}  // namespace
}  // namespace cloister::ratls
