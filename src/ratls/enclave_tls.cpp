// TLS 1.3 sessions inside the enclave over memory BIOs: the host writes the
// client's records into one BIO and takes the server's from the other.
#include <openssl/x509.h>

#include <ctime>

#include "cloister/ratls.h"
#include "cloister/ratls_enclave.h"
#include "crypto/keys.h"
#include "crypto/x509.h"
#include "enclave/warm_up.h"
#include "ratls/ssl_util.h"
#include "ratls/tls_warm_up.h"

namespace cloister::ratls {

using internal::SslCtxPtr;
using internal::SslPtr;

namespace {

// TLS initialises lazily; do it before the syscall filter (enclave/warm_up.h).
const enclave::WarmUpRegistrar tls_warm_up(&warm_up_tls);

constexpr std::size_t kMaxRecordsPerExchange = 1 << 20;
constexpr std::size_t kReadChunk = 16 * 1024;

}  // namespace

struct TlsSession::Tls {
  SslPtr ssl;
  BIO* network_in = nullptr;   // owned by ssl: the client's records
  BIO* network_out = nullptr;  // owned by ssl: records for the client
};

struct EnclaveTlsSessions::Identity {
  SslCtxPtr ctx;
  Bytes certificate_der;
  std::time_t issued = 0;
};

TlsSession::TlsSession(std::uint64_t id, std::unique_ptr<Tls> tls) : id_(id), tls_(std::move(tls)) {}
TlsSession::~TlsSession() = default;

Status TlsSession::write(ByteView data) {
  if (closing_) return Status(ErrorCode::invalid_argument, "the TLS session is closing");
  if (!SSL_is_init_finished(tls_->ssl.get())) {
    return Status(ErrorCode::invalid_argument, "the TLS handshake has not finished");
  }
  while (!data.empty()) {
    // The output BIO is memory: it grows, so a write never has to wait.
    const int chunk = static_cast<int>(std::min<std::size_t>(data.size(), 1 << 30));
    const int written = SSL_write(tls_->ssl.get(), data.data(), chunk);
    if (written <= 0) {
      return Status(ErrorCode::crypto_error, internal::take_ssl_error("TLS write failed"));
    }
    data = data.subspan(static_cast<std::size_t>(written));
  }
  return Status::ok();
}

void TlsSession::close() {
  if (closing_) return;
  closing_ = true;
  // Queues close_notify; the client's reply to it is not awaited (RFC 8446 6.1).
  SSL_shutdown(tls_->ssl.get());
  ERR_clear_error();
}

EnclaveTlsSessions::EnclaveTlsSessions(ServerOptions options) : options_(std::move(options)) {}
EnclaveTlsSessions::~EnclaveTlsSessions() = default;

Result<std::shared_ptr<const EnclaveTlsSessions::Identity>> EnclaveTlsSessions::identity() {
  // Called with mutex_ held.
  const std::time_t now = std::time(nullptr);
  if (identity_ != nullptr && now - identity_->issued < options_.refresh_after.count()) return identity_;

  // A fresh key for TLS only: the instance key stays an encryption key.
  CLOISTER_ASSIGN_OR_RETURN(crypto::PrivateKey key, crypto::PrivateKey::generate(crypto::KeyType::ec_p256));
  CLOISTER_ASSIGN_OR_RETURN(Bytes spki, key.public_key().to_der());
  CLOISTER_ASSIGN_OR_RETURN(Bytes evidence, enclave::get_evidence(report_data_for_key(spki)));
  crypto::CertificateRequest request;
  request.subject_common_name = options_.common_name;
  // A little slack for a client whose clock is behind the enclave's.
  request.not_before = now - 300;
  request.validity_seconds = options_.refresh_after.count() + 24 * 3600;
  request.extensions.emplace_back(kEvidenceExtensionOid, encode_evidence_extension(evidence));
  CLOISTER_ASSIGN_OR_RETURN(crypto::Certificate certificate,
                            crypto::issue_certificate(request, key.public_key(), key, nullptr));

  auto identity = std::make_shared<Identity>();
  identity->ctx = internal::tls13_context(TLS_server_method());
  if (identity->ctx == nullptr || SSL_CTX_use_certificate(identity->ctx.get(), certificate.get()) != 1 ||
      SSL_CTX_use_PrivateKey(identity->ctx.get(), key.get()) != 1 ||
      SSL_CTX_check_private_key(identity->ctx.get()) != 1) {
    return Status(ErrorCode::crypto_error, internal::take_ssl_error("cannot set up the TLS server context"));
  }
  // No session tickets: every connection does a full handshake and so sees
  // the current certificate and evidence.
  SSL_CTX_set_num_tickets(identity->ctx.get(), 0);
  SSL_CTX_set_options(identity->ctx.get(), SSL_OP_NO_TICKET);
  CLOISTER_ASSIGN_OR_RETURN(identity->certificate_der, certificate.to_der());
  identity->issued = now;
  identity_ = std::move(identity);
  return identity_;
}

Result<Bytes> EnclaveTlsSessions::certificate_der() {
  std::lock_guard lock(mutex_);
  CLOISTER_ASSIGN_OR_RETURN(auto identity, this->identity());
  return identity->certificate_der;
}

Result<std::uint64_t> EnclaveTlsSessions::open() {
  std::lock_guard lock(mutex_);
  if (sessions_.size() >= options_.max_sessions) {
    return Status(ErrorCode::enclave_busy,
                  "too many TLS sessions (" + std::to_string(options_.max_sessions) + "); try again later");
  }
  CLOISTER_ASSIGN_OR_RETURN(auto identity, this->identity());
  auto tls = std::make_unique<TlsSession::Tls>();
  tls->ssl.reset(SSL_new(identity->ctx.get()));  // holds its own reference to the context
  tls->network_in = BIO_new(BIO_s_mem());
  tls->network_out = BIO_new(BIO_s_mem());
  if (tls->ssl == nullptr || tls->network_in == nullptr || tls->network_out == nullptr) {
    BIO_free(tls->network_in);
    BIO_free(tls->network_out);
    return Status(ErrorCode::crypto_error, internal::take_ssl_error("cannot create a TLS session"));
  }
  SSL_set_bio(tls->ssl.get(), tls->network_in, tls->network_out);
  SSL_set_accept_state(tls->ssl.get());
  const std::uint64_t id = next_session_++;
  sessions_.emplace(id, std::shared_ptr<TlsSession>(new TlsSession(id, std::move(tls))));
  return id;
}

void EnclaveTlsSessions::close(std::uint64_t session) {
  std::lock_guard lock(mutex_);
  sessions_.erase(session);
}

Result<TlsExchange::Reply> EnclaveTlsSessions::exchange(std::uint64_t id, ByteView records,
                                                        bool peer_closed) {
  if (records.size() > kMaxRecordsPerExchange) {
    return Status(ErrorCode::out_of_range, "more than 1 MiB of TLS records in one exchange");
  }
  std::shared_ptr<TlsSession> session;
  {
    std::lock_guard lock(mutex_);
    auto it = sessions_.find(id);
    if (it == sessions_.end()) return Status(ErrorCode::not_found, "no TLS session " + std::to_string(id));
    session = it->second;
  }
  std::lock_guard session_lock(session->mutex_);
  SSL* ssl = session->tls_->ssl.get();
  if (!records.empty() && BIO_write(session->tls_->network_in, records.data(),
                                    static_cast<int>(records.size())) != static_cast<int>(records.size())) {
    return Status(ErrorCode::crypto_error, "cannot buffer TLS records");
  }
  // An empty input BIO then reads as end of stream instead of "try again".
  if (peer_closed) BIO_set_mem_eof_return(session->tls_->network_in, 0);

  bool failed = false;
  if (!SSL_is_init_finished(ssl)) {
    const int rc = SSL_do_handshake(ssl);
    if (rc <= 0 && SSL_get_error(ssl, rc) != SSL_ERROR_WANT_READ) failed = true;
  }
  if (!failed && SSL_is_init_finished(ssl) && !session->closing_) {
    std::uint8_t buffer[kReadChunk];
    for (;;) {
      const int got = SSL_read(ssl, buffer, sizeof buffer);
      if (got > 0) {
        if (session->inbox_.size() + static_cast<std::size_t>(got) > options_.max_inbox) {
          failed = true;  // the application does not keep up; drop the client
          break;
        }
        session->inbox_.insert(session->inbox_.end(), buffer, buffer + got);
        continue;
      }
      const int error = SSL_get_error(ssl, got);
      if (error == SSL_ERROR_ZERO_RETURN)
        peer_closed = true;  // close_notify
      else if (error != SSL_ERROR_WANT_READ)
        failed = true;
      break;
    }
    if (!failed && !session->inbox_.empty() && application_) {
      failed = !application_(*session).is_ok();
    }
  }
  ERR_clear_error();
  if (failed || peer_closed) session->close();

  TlsExchange::Reply reply;
  const std::size_t pending = BIO_ctrl_pending(session->tls_->network_out);
  reply.records.resize(pending);
  if (pending > 0 && BIO_read(session->tls_->network_out, reply.records.data(), static_cast<int>(pending)) !=
                         static_cast<int>(pending)) {
    return Status(ErrorCode::crypto_error, "cannot take TLS records");
  }
  reply.closed = session->closing_;
  if (reply.closed) close(id);
  return reply;
}

void EnclaveTlsSessions::serve(enclave::Handlers& enclave, TlsApplication application) {
  set_application(std::move(application));
  enclave.on<TlsOpen>([this](const TlsOpen&) -> Result<TlsOpen::Reply> {
    CLOISTER_ASSIGN_OR_RETURN(std::uint64_t session, open());
    return TlsOpen::Reply{.session = session};
  });
  enclave.on<TlsExchange>([this](const TlsExchange& call) -> Result<TlsExchange::Reply> {
    return exchange(call.session, call.records, call.peer_closed);
  });
  enclave.on<TlsClose>([this](const TlsClose& call) -> Result<TlsClose::Reply> {
    close(call.session);
    return TlsClose::Reply{};
  });
}

}  // namespace cloister::ratls
