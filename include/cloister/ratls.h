// Attested TLS: a TLS server inside an enclave presents a self-signed
// certificate that carries the enclave's evidence, and the evidence binds the
// certificate's key. A client that checks both knows which enclave holds the
// other end of the connection. The format is in docs/attested-tls.md.
//
// This header is the part every side shares and the client: the certificate
// extension, the Verifier (inside the TLS handshake) and connect(). The
// enclave's TLS server is in cloister/ratls_enclave.h, the host's socket
// bridge in cloister/ratls_host.h.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "cloister/bytes.h"
#include "cloister/evidence.h"
#include "cloister/result.h"

using SSL = struct ssl_st;
using SSL_CTX = struct ssl_ctx_st;

namespace cloister::ratls {

// TCG DICE "tagged evidence" (tcg-dice-conceptual-message-wrapper).
inline constexpr char kEvidenceExtensionOid[] = "2.23.133.5.4.9";
// The CBOR tag that names Cloister evidence (format version 1) inside it.
inline constexpr std::uint64_t kCloisterEvidenceCborTag = 0x434C4556;  // "CLEV"; not IANA-registered
inline constexpr std::size_t kMaxEvidenceSize = 64 * 1024;

// The extension's content (the extnValue octets): CBOR tag
// kCloisterEvidenceCborTag wrapping a byte string holding the evidence.
Bytes encode_evidence_extension(ByteView evidence);
// The inverse; strict: the one tag, a definite-length byte string in its
// shortest encoding, nothing after it, at most kMaxEvidenceSize bytes.
Result<Bytes> decode_evidence_extension(ByteView content);

// The report data an attested certificate's evidence carries:
// SHA-256(SubjectPublicKeyInfo DER of the certificate key) || 32 zero bytes.
std::array<std::uint8_t, 64> report_data_for_key(ByteView spki_der);

// What the verifier found about the server at the other end.
struct PeerIdentity {
  VerifiedEvidence evidence;  // the verified claims
  Bytes certificate_der;      // the certificate the server presented
  Bytes spki_sha256;          // SHA-256 of its key, the value bound in the report data
};

// Checks an attested certificate: the evidence extension parses, the evidence
// verifies against the trusted platform CAs and the expectations, and its
// report data binds this certificate's key. Used inside the TLS handshake
// (install/connect), where TLS itself proves the server holds that key.
class Verifier {
 public:
  // trusted_roots_der: operator CAs (DER). Expectations as for verify_evidence;
  // report_data_prefix must be unset: the verifier sets it to the key binding.
  Verifier(std::vector<Bytes> trusted_roots_der, Expectations expectations);

  [[nodiscard]] Result<PeerIdentity> verify_certificate(ByteView certificate_der) const;

  // Makes every connection of `ctx` verify the server's certificate with this
  // verifier during the handshake (TLS 1.3 only, server certificate
  // required); a refused certificate fails the handshake with a
  // bad_certificate alert. The verifier must outlive `ctx`.
  Status install(SSL_CTX* ctx) const;
  // After a handshake on an SSL of such a context: the identity, or why the
  // server was refused.
  static Result<PeerIdentity> outcome(const SSL* ssl);

 private:
  std::vector<Bytes> roots_;
  Expectations expectations_;
};

// A TLS connection to an attested server (blocking socket, RAII).
class Connection {
 public:
  Connection(Connection&&) noexcept;
  Connection& operator=(Connection&&) noexcept;
  ~Connection();

  [[nodiscard]] const PeerIdentity& peer() const;
  Status write(ByteView data);
  // Up to `max` bytes; empty at the end of the stream.
  Result<Bytes> read(std::size_t max = 16384);
  // Everything until the server closes (at most `limit` bytes).
  Result<Bytes> read_all(std::size_t limit = 1 << 20);

 private:
  struct State;
  explicit Connection(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
  friend Result<Connection> connect(const std::string&, std::uint16_t, const Verifier&, int);
};

// Connects over TCP, runs a TLS 1.3 handshake that verifies the server with
// `verifier`, and returns the connection and the server's verified identity.
// A refusal says why ("attested TLS: measurement mismatch: ...").
Result<Connection> connect(const std::string& host, std::uint16_t port, const Verifier& verifier,
                           int timeout_ms = 10000);

}  // namespace cloister::ratls
