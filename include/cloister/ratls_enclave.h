// Attested TLS inside an enclave: TLS 1.3 sessions over memory buffers. The
// host owns the sockets and moves ciphertext through ecalls (ratls_calls.h);
// the enclave makes no system calls for it and the host never sees plaintext.
//
//   CLOISTER_ENCLAVE(server) {
//     static cloister::ratls::EnclaveTlsSessions tls({.common_name = "my service"});
//     tls.serve(enclave, [](cloister::ratls::TlsSession& session) -> cloister::Status {
//       ... session.inbox() holds the plaintext received so far ...
//       return session.write(reply);   // and session.close() when done
//     });
//   }
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "cloister/enclave.h"
#include "cloister/ratls_calls.h"

namespace cloister::ratls {

struct ServerOptions {
  std::string common_name = "Cloister attested TLS";
  // A new key, certificate and evidence after this long, so that evidence a
  // client sees is never older (clients may check Expectations::max_age_seconds).
  std::chrono::seconds refresh_after{3600};
  std::size_t max_sessions = 256;
  // Plaintext a session may hold unconsumed in its inbox.
  std::size_t max_inbox = 1 << 20;
};

// One TLS session as the application sees it.
class TlsSession {
 public:
  ~TlsSession();
  TlsSession(const TlsSession&) = delete;
  TlsSession& operator=(const TlsSession&) = delete;

  [[nodiscard]] std::uint64_t id() const { return id_; }
  // Plaintext received and not yet consumed; the application erases what it used.
  Bytes& inbox() { return inbox_; }
  // Encrypts `data` for the client.
  Status write(ByteView data);
  // Sends close_notify; the host closes the connection after the next reply.
  void close();
  [[nodiscard]] bool closing() const { return closing_; }

 private:
  friend class EnclaveTlsSessions;
  struct Tls;
  TlsSession(std::uint64_t id, std::unique_ptr<Tls> tls);
  std::uint64_t id_;
  std::unique_ptr<Tls> tls_;
  Bytes inbox_;
  bool closing_ = false;
  std::mutex mutex_;  // one exchange at a time per session
};

// Called after new plaintext arrived on a session (inbox() not empty).
using TlsApplication = std::function<Status(TlsSession& session)>;

class EnclaveTlsSessions {
 public:
  explicit EnclaveTlsSessions(ServerOptions options = {});
  ~EnclaveTlsSessions();
  EnclaveTlsSessions(const EnclaveTlsSessions&) = delete;
  EnclaveTlsSessions& operator=(const EnclaveTlsSessions&) = delete;

  // Registers TlsOpen, TlsExchange and TlsClose handlers on `enclave` that
  // run `application`. Call from CLOISTER_ENCLAVE; `this` must live as long.
  void serve(enclave::Handlers& enclave, TlsApplication application);

  // The same operations, for an enclave that routes the bytes itself.
  void set_application(TlsApplication application) { application_ = std::move(application); }
  Result<std::uint64_t> open();
  // Feeds ciphertext, advances the handshake, decrypts what arrived and
  // runs the application; returns the ciphertext to send.
  Result<TlsExchange::Reply> exchange(std::uint64_t session, ByteView records, bool peer_closed);
  void close(std::uint64_t session);

  // The current certificate (DER), issuing one if there is none yet.
  Result<Bytes> certificate_der();

 private:
  struct Identity;
  Result<std::shared_ptr<const Identity>> identity();

  ServerOptions options_;
  TlsApplication application_;
  std::mutex mutex_;
  std::shared_ptr<const Identity> identity_;
  std::map<std::uint64_t, std::shared_ptr<TlsSession>> sessions_;
  std::uint64_t next_session_ = 1;
};

}  // namespace cloister::ratls
