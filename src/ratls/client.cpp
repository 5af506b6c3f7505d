// connect(): a blocking TCP socket and a TLS 1.3 client whose handshake
// verifies the server with a Verifier.
#include <arpa/inet.h>
#include <netdb.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "cloister/ratls.h"
#include "common/unique_fd.h"
#include "ratls/ssl_util.h"

namespace cloister::ratls {

struct Connection::State {
  UniqueFd socket;
  internal::SslCtxPtr ctx;
  internal::SslPtr ssl;
  PeerIdentity peer;
  ~State() {
    if (ssl != nullptr) SSL_shutdown(ssl.get());  // best effort close_notify
    ERR_clear_error();
  }
};

namespace {

Result<UniqueFd> dial(const std::string& host, std::uint16_t port, int timeout_ms) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  const int rc = ::getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &found);
  if (rc != 0) return Status(ErrorCode::not_found, "cannot resolve " + host + ": " + ::gai_strerror(rc));
  std::unique_ptr<addrinfo, decltype(&::freeaddrinfo)> list(found, ::freeaddrinfo);
  std::string last_error = "no address";
  for (addrinfo* address = found; address != nullptr; address = address->ai_next) {
    UniqueFd fd(::socket(address->ai_family, address->ai_socktype | SOCK_CLOEXEC, address->ai_protocol));
    if (!fd.valid()) continue;
    timeval timeout{timeout_ms / 1000, (timeout_ms % 1000) * 1000};
    ::setsockopt(fd.get(), SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    ::setsockopt(fd.get(), SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
    if (::connect(fd.get(), address->ai_addr, address->ai_addrlen) == 0) return fd;
    last_error = std::strerror(errno);
  }
  return Status(ErrorCode::io_error,
                "cannot connect to " + host + ":" + std::to_string(port) + ": " + last_error);
}

bool is_ip_literal(const std::string& host) {
  in6_addr address{};
  return ::inet_pton(AF_INET, host.c_str(), &address) == 1 ||
         ::inet_pton(AF_INET6, host.c_str(), &address) == 1;
}

}  // namespace

Result<Connection> connect(const std::string& host, std::uint16_t port, const Verifier& verifier,
                           int timeout_ms) {
  auto state = std::make_unique<Connection::State>();
  CLOISTER_ASSIGN_OR_RETURN(state->socket, dial(host, port, timeout_ms));
  state->ctx = internal::tls13_context(TLS_client_method());
  if (state->ctx == nullptr) return Status(ErrorCode::crypto_error, internal::take_ssl_error("SSL_CTX_new"));
  CLOISTER_RETURN_IF_ERROR(verifier.install(state->ctx.get()));
  state->ssl.reset(SSL_new(state->ctx.get()));
  if (state->ssl == nullptr || SSL_set_fd(state->ssl.get(), state->socket.get()) != 1) {
    return Status(ErrorCode::crypto_error, internal::take_ssl_error("SSL_new"));
  }
  // Server name indication is for names only (RFC 6066 section 3).
  if (!is_ip_literal(host)) SSL_set_tlsext_host_name(state->ssl.get(), host.c_str());
  const int rc = SSL_connect(state->ssl.get());
  const Result<PeerIdentity>* verdict = internal::handshake_outcome(state->ssl.get());
  if (rc != 1) {
    // A refusal by the verifier is the reason; otherwise TLS or the network failed.
    if (verdict != nullptr && !verdict->is_ok()) {
      ERR_clear_error();
      return verdict->status();
    }
    return Status(ErrorCode::io_error, internal::take_ssl_error("TLS handshake with " + host + ":" +
                                                                std::to_string(port) + " failed"));
  }
  auto outcome = Verifier::outcome(state->ssl.get());
  if (!outcome.is_ok()) return outcome.status();  // not expected: the callback runs before success
  state->peer = std::move(outcome).value();
  return Connection(std::move(state));
}

Connection::Connection(std::unique_ptr<State> state) : state_(std::move(state)) {}
Connection::Connection(Connection&&) noexcept = default;
Connection& Connection::operator=(Connection&&) noexcept = default;
Connection::~Connection() = default;

const PeerIdentity& Connection::peer() const {
  return state_->peer;
}

Status Connection::write(ByteView data) {
  while (!data.empty()) {
    const int chunk = static_cast<int>(std::min<std::size_t>(data.size(), 1 << 20));
    const int written = SSL_write(state_->ssl.get(), data.data(), chunk);
    if (written <= 0) return Status(ErrorCode::io_error, internal::take_ssl_error("TLS write failed"));
    data = data.subspan(static_cast<std::size_t>(written));
  }
  return Status::ok();
}

Result<Bytes> Connection::read(std::size_t max) {
  Bytes buffer(std::max<std::size_t>(max, 1));
  const int got = SSL_read(state_->ssl.get(), buffer.data(),
                           static_cast<int>(std::min<std::size_t>(buffer.size(), 1 << 20)));
  if (got > 0) {
    buffer.resize(static_cast<std::size_t>(got));
    return buffer;
  }
  if (SSL_get_error(state_->ssl.get(), got) == SSL_ERROR_ZERO_RETURN) return Bytes{};  // close_notify
  return Status(ErrorCode::io_error, internal::take_ssl_error("TLS read failed"));
}

Result<Bytes> Connection::read_all(std::size_t limit) {
  Bytes all;
  for (;;) {
    CLOISTER_ASSIGN_OR_RETURN(Bytes chunk, read());
    if (chunk.empty()) return all;
    if (all.size() + chunk.size() > limit) {
      return Status(ErrorCode::out_of_range, "the server sent more than " + std::to_string(limit) + " bytes");
    }
    all.insert(all.end(), chunk.begin(), chunk.end());
  }
}

}  // namespace cloister::ratls
