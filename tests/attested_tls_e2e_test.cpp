// End to end: the attested TLS sample enclave behind a HostTlsBridge, reached
// by ratls::connect; refusals for the wrong identity, an untrusted platform,
// and a host that relays the enclave's evidence under its own key.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <openssl/ssl.h>
#include <sys/socket.h>

#include <thread>

#include "cloister/ratls.h"
#include "cloister/ratls_host.h"
#include "crypto/x509.h"
#include "platform/platform_identity.h"
#include "ratls/ssl_util.h"

namespace cloister::ratls {
namespace {

Expectations development_ok() {
  Expectations expect;
  expect.allow_development_platform = true;
  return expect;
}

std::string get(Connection& connection, const std::string& path) {
  EXPECT_TRUE(connection.write(to_bytes("GET " + path + " HTTP/1.1\r\nHost: x\r\n\r\n")).is_ok());
  auto body = connection.read_all();
  EXPECT_TRUE(body.is_ok()) << body.status().to_string();
  return body.is_ok() ? to_string(*body) : "";
}

class AttestedTlsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto enclave = Enclave::create(ATTESTED_TLS_IMAGE, {});
    ASSERT_TRUE(enclave.is_ok()) << enclave.status().to_string();
    enclave_ = new Enclave(std::move(enclave).value());
    auto bridge = HostTlsBridge::start(*enclave_);
    ASSERT_TRUE(bridge.is_ok()) << bridge.status().to_string();
    bridge_ = std::move(bridge).value().release();
  }
  static void TearDownTestSuite() {
    delete bridge_;
    delete enclave_;
  }
  static Verifier verifier(Expectations expect = development_ok()) {
    return Verifier({enclave_->platform_ca_der()}, std::move(expect));
  }
  static Enclave* enclave_;
  static HostTlsBridge* bridge_;
};
Enclave* AttestedTlsTest::enclave_ = nullptr;
HostTlsBridge* AttestedTlsTest::bridge_ = nullptr;

TEST_F(AttestedTlsTest, VerifiedClientGetsTheAnswerFromInsideTheEnclave) {
  Expectations expect = development_ok();
  expect.measurement = enclave_->identity().measurement;
  expect.signer = enclave_->identity().signer;
  expect.product_id = 3;
  expect.max_age_seconds = 3600;
  const Verifier check = verifier(expect);
  auto connection = connect("127.0.0.1", bridge_->port(), check);
  ASSERT_TRUE(connection.is_ok()) << connection.status().to_string();
  EXPECT_EQ(connection->peer().evidence.report.identity.measurement, enclave_->identity().measurement);
  EXPECT_EQ(connection->peer().evidence.report.isolation, Isolation::process);
  const std::string answer = get(*connection, "/hello");
  EXPECT_NE(answer.find("HTTP/1.1 200 OK"), std::string::npos) << answer;
  EXPECT_NE(answer.find("hello from inside an enclave"), std::string::npos) << answer;

  auto other = connect("localhost", bridge_->port(), check);
  ASSERT_TRUE(other.is_ok()) << other.status().to_string();
  EXPECT_NE(get(*other, "/nothing").find("404"), std::string::npos);
}

TEST_F(AttestedTlsTest, ManyClientsAtOnce) {
  const Verifier check = verifier();
  std::vector<std::thread> clients;
  std::atomic<int> answered{0};
  for (int i = 0; i < 8; ++i) {
    clients.emplace_back([&] {
      auto connection = connect("127.0.0.1", bridge_->port(), check);
      if (connection.is_ok() && get(*connection, "/hello").find("200 OK") != std::string::npos) ++answered;
    });
  }
  for (auto& client : clients) client.join();
  EXPECT_EQ(answered.load(), 8);
}

TEST_F(AttestedTlsTest, WrongIdentityOrPlatformFailsTheHandshake) {
  Expectations wrong_signer = development_ok();
  wrong_signer.signer = SignerId{};
  auto refused = connect("127.0.0.1", bridge_->port(), verifier(wrong_signer));
  ASSERT_FALSE(refused.is_ok());
  EXPECT_NE(refused.status().message().find("signer mismatch"), std::string::npos)
      << refused.status().message();

  Expectations wrong_measurement = development_ok();
  wrong_measurement.measurement = Measurement{};
  refused = connect("127.0.0.1", bridge_->port(), verifier(wrong_measurement));
  ASSERT_FALSE(refused.is_ok());
  EXPECT_NE(refused.status().message().find("measurement mismatch"), std::string::npos);

  auto elsewhere = platform::PlatformIdentity::create_development();
  refused = connect("127.0.0.1", bridge_->port(), Verifier({elsewhere->operator_ca_der()}, development_ok()));
  ASSERT_FALSE(refused.is_ok());
  EXPECT_NE(refused.status().message().find("trusted root"), std::string::npos) << refused.status().message();

  refused = connect("127.0.0.1", bridge_->port(), verifier(Expectations{}));  // defaults: no dev platform
  ASSERT_FALSE(refused.is_ok());
  EXPECT_NE(refused.status().message().find("development platform"), std::string::npos);

  // The enclave is still serving after the refusals.
  EXPECT_TRUE(connect("127.0.0.1", bridge_->port(), verifier()).is_ok());
}

// The enclave's certificate, fetched without verification (as anyone can).
Bytes fetch_certificate(std::uint16_t port) {
  internal::SslCtxPtr ctx = internal::tls13_context(TLS_client_method());
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  EXPECT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
  internal::SslPtr ssl(SSL_new(ctx.get()));
  SSL_set_fd(ssl.get(), fd);
  EXPECT_EQ(SSL_connect(ssl.get()), 1);
  X509* peer = SSL_get1_peer_certificate(ssl.get());
  unsigned char* der = nullptr;
  const int size = i2d_X509(peer, &der);
  Bytes out(der, der + size);
  OPENSSL_free(der);
  X509_free(peer);
  SSL_shutdown(ssl.get());
  ::close(fd);
  return out;
}

TEST_F(AttestedTlsTest, AHostRelayingTheEvidenceUnderItsOwnKeyIsRefused) {
  // The host copies the enclave's evidence into a certificate for a key it holds.
  auto stolen = crypto::Certificate::from_der(fetch_certificate(bridge_->port()));
  ASSERT_TRUE(stolen.is_ok());
  auto extension = stolen->extension(kEvidenceExtensionOid);
  ASSERT_TRUE(extension.has_value());
  auto key = crypto::PrivateKey::generate(crypto::KeyType::ec_p256);
  crypto::CertificateRequest request;
  request.subject_common_name = "Cloister attested TLS sample";
  request.extensions.emplace_back(kEvidenceExtensionOid, *extension);
  auto forged = crypto::issue_certificate(request, key->public_key(), *key, nullptr);
  ASSERT_TRUE(forged.is_ok());

  internal::SslCtxPtr server_ctx = internal::tls13_context(TLS_server_method());
  ASSERT_EQ(SSL_CTX_use_certificate(server_ctx.get(), forged->get()), 1);
  ASSERT_EQ(SSL_CTX_use_PrivateKey(server_ctx.get(), key->get()), 1);
  int listener = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(listener, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
  ASSERT_EQ(::listen(listener, 1), 0);
  socklen_t size = sizeof address;
  ::getsockname(listener, reinterpret_cast<sockaddr*>(&address), &size);
  std::thread server([&] {
    int client = ::accept(listener, nullptr, nullptr);
    internal::SslPtr ssl(SSL_new(server_ctx.get()));
    SSL_set_fd(ssl.get(), client);
    SSL_accept(ssl.get());  // fails: the client refuses the certificate
    ::close(client);
  });
  auto refused = connect("127.0.0.1", ntohs(address.sin_port), verifier());
  server.join();
  ::close(listener);
  ASSERT_FALSE(refused.is_ok());
  EXPECT_NE(refused.status().message().find("does not bind the certificate's key"), std::string::npos)
      << refused.status().message();
}

}  // namespace
}  // namespace cloister::ratls
