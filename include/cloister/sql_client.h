// The Cloister SQL client driver: Always Encrypted with secure enclaves, as
// SqlClient does it, against `cloister sql serve` (docs/sql-protocol.md).
//
//   cloister::sql::ConnectionOptions options;
//   options.host = "127.0.0.1"; options.port = 1433;
//   options.server_cert_file = "server.pem";            // pinned: nothing else is accepted
//   options.key_stores.push_back(*cloister::sql::KeyStoreProvider::key_file_store("cmks"));
//   options.attestation.platform_ca_files = {"ca.pem"};
//   options.attestation.signer = ...;                    // the enclave signer you trust
//   auto connection = cloister::sql::Connection::open(std::move(options));
//   auto rows = connection->execute("SELECT name, salary FROM employees WHERE salary BETWEEN @lo AND @hi",
//                                   {{"@lo", std::int64_t{50000}}, {"@hi", std::int64_t{90000}}});
//
// Parameters that meet an encrypted column are encrypted with the column's key
// before they leave the process; encrypted result cells are decrypted here.
// Column keys reach the server's enclave only after its attestation verified
// against the options (signer and/or measurement, not debug, trusted platform)
// and only for column master keys whose enclave-computations signature
// verifies. A Connection is not thread-safe: use one per thread. A server
// that goes away can raise SIGPIPE on the next write: ignore SIGPIPE in the
// application so the driver sees an error and reconnects.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "cloister/bytes.h"
#include "cloister/result.h"
#include "image/identity.h"
#include "sql/sql_value.h"

namespace cloister::sql {

// The Cloister key broker (`cloister kbs serve`) as a CMK store, the way
// SqlClient's AZURE_KEY_VAULT provider uses Key Vault: the CMK's private key
// stays in the broker, which unwraps column keys and signs on request.
struct KbsKeyStoreOptions {
  // The broker, http(s)://HOST[:PORT]; plain http only to a loopback host
  // (the credential and unwrapped column keys cross this connection).
  std::string url;
  // The administrator credential: the contents of the admin.credential file
  // in the broker's data directory.
  SecretBytes credential;
  // https: the CA certificate (PEM) the broker's certificate chains to;
  // empty: the system's CAs.
  std::string ca_file;
  int timeout_seconds = 30;
};

// Where column master keys live, as SqlColumnEncryptionKeyStoreProvider: the
// driver asks it to unwrap column keys and to check CMK metadata signatures.
// The local key file store is one; the Cloister key broker is another.
class KeyStoreProvider {
 public:
  virtual ~KeyStoreProvider() = default;
  // The provider name the catalog records, e.g. "CLOISTER_KEY_FILE".
  [[nodiscard]] virtual std::string name() const = 0;
  // Verifies and unwraps an encrypted CEK value (encrypted_cek.h) with the
  // CMK at `key_path`.
  virtual Result<SecretBytes> decrypt_column_key(std::string_view key_path, std::string_view algorithm,
                                                 ByteView encrypted_value) = 0;
  // ok only if `signature` is the CMK's signature over its metadata with
  // allow_enclave_computations (cmk_metadata.h).
  virtual Status verify_cmk_metadata(std::string_view key_path, bool allow_enclave_computations,
                                     ByteView signature) = 0;
  // The CMK's public key, SubjectPublicKeyInfo DER (the enclave checks the
  // metadata signature with it).
  virtual Result<Bytes> cmk_public_key_der(std::string_view key_path) = 0;

  // A KeyFileStore directory (provider CLOISTER_KEY_FILE).
  static Result<std::shared_ptr<KeyStoreProvider>> key_file_store(const std::string& directory);
  // The key broker (provider CLOISTER_KBS). Key paths are
  // "<url>/keys/<name>/<version>"; the key path comes from the database, so a
  // path under any other URL is refused before anything is sent.
  static Result<std::shared_ptr<KeyStoreProvider>> cloister_kbs(const KbsKeyStoreOptions& options);
};

enum class AttestationMode { evidence, attestd };

struct AttestationOptions {
  AttestationMode mode = AttestationMode::evidence;
  // What the enclave must be: at least one of them is required.
  std::optional<SignerId> signer;
  std::optional<Measurement> measurement;
  bool allow_debug = false;
  // Evidence from the in-process development platform (ephemeral keys): for
  // development only.
  bool allow_development_platform = false;
  // evidence mode: the operator CA certificates (PEM or DER files) the
  // platform's attestation key must chain to.
  std::vector<std::string> platform_ca_files;
  // attestd mode: the service URL, its token signing certificate (PEM), an
  // optional issuer to require and a CA (PEM) for an https URL.
  std::string attestd_url;
  std::string attestd_cert_file;
  std::string attestd_issuer;
  std::string attestd_tls_ca_file;
};

struct ConnectionOptions {
  std::string host = "127.0.0.1";
  std::uint16_t port = 0;
  // The server's TLS certificate (PEM): the handshake succeeds only if the
  // server presents exactly this certificate.
  std::string server_cert_file;
  // Off: parameters are sent as given and cells returned as their bytes.
  bool column_encryption = true;
  std::vector<std::shared_ptr<KeyStoreProvider>> key_stores;
  AttestationOptions attestation;
  // Lets the enclave hand plaintext to the server host for keys this
  // connection releases: needed only to decrypt a column in place (ALTER
  // TABLE ... ALTER COLUMN to plaintext). Off, a compromised host cannot ask
  // the enclave to decrypt cells.
  bool allow_decryption_to_host = false;
  int timeout_seconds = 60;
};

struct ResultColumn {
  std::string name;
  std::string table;   // origin table, empty for expressions
  std::string column;  // origin column
  bool encrypted = false;
};

struct ResultSet {
  std::vector<ResultColumn> columns;
  std::vector<std::vector<SqlValue>> rows;
  std::int64_t changes = 0;
  std::int64_t last_insert_rowid = 0;
};

// A named parameter: "@lo" (or "lo", matched with any of SQLite's @ : $ prefixes).
using NamedParam = std::pair<std::string, SqlValue>;

// What crossed the wire for one statement, as the server saw it: for consoles
// and diagnosis (what leaves the client is ciphertext wherever a parameter
// meets an encrypted column). JSON as docs/sql-protocol.md has it.
struct WireTrace {
  std::string sql;
  std::string params_json;   // the parameter list as sent ({"cell": base64} for encrypted ones)
  std::string columns_json;  // the result columns as described by the server
  std::string rows_json;     // the result rows as returned, before decryption
};

// The enclave this connection attested and released keys to.
struct EnclaveAttestation {
  std::string instance;          // the server's id of this enclave instance
  std::string signer;            // hex
  std::string measurement;       // hex
  std::string verified_by;       // "evidence, against the platform CA" or "attestd token from URL"
  std::int64_t verified_at = 0;  // Unix seconds
};

// What SqlClient sets on SqlCommand and SqlParameter, per statement.
struct ExecuteOptions {
  // SqlParameter.ForceColumnEncryption: these parameters ("@ssn", or "?2" by
  // position) must leave encrypted. If the server describes one as meeting no
  // encrypted column (misconfigured, or compromised and asking for the value
  // in plaintext), the statement fails before any value is sent.
  std::vector<std::string> force_encryption;
  // Not SqlClient's: when set, filled with what the statement sent and got
  // (the last attempt's, if the driver retried).
  WireTrace* trace = nullptr;
};

class Connection {
 public:
  // Connects, checks the pinned certificate and opens a session. Attestation
  // happens on the first statement that needs the enclave.
  static Result<Connection> open(ConnectionOptions options);

  Connection(Connection&&) noexcept;
  Connection& operator=(Connection&&) noexcept;
  ~Connection();  // closes the session; column keys are wiped

  // Positional parameters: params[i] binds parameter i+1.
  Result<ResultSet> execute(std::string_view sql, const std::vector<SqlValue>& params = {},
                            const ExecuteOptions& options = {});
  Result<ResultSet> execute(std::string_view sql, const std::vector<NamedParam>& params,
                            const ExecuteOptions& options = {});
  // The same statement for each parameter list, in one transaction unless one
  // is open (bulk insert).
  Result<ResultSet> execute_batch(std::string_view sql, const std::vector<std::vector<SqlValue>>& rows,
                                  const ExecuteOptions& options = {});
  Result<ResultSet> execute_batch(std::string_view sql, const std::vector<std::vector<NamedParam>>& rows,
                                  const ExecuteOptions& options = {});

  // Whether a statement this connection ran opened a transaction that has
  // not ended (then a lost connection is an error, never a silent retry).
  [[nodiscard]] bool in_transaction() const;
  // The attested enclave's instance id (hex), empty before the first attestation.
  [[nodiscard]] std::string enclave_instance() const;
  // Attests the server's enclave now, against the options' policy, if this
  // connection has not (otherwise the first statement that needs it does).
  // No column key is released by this call.
  Result<EnclaveAttestation> verify_enclave();
  // The attested enclave, or nullopt before the first attestation (and after
  // a restart, until the next statement that needs the enclave).
  [[nodiscard]] std::optional<EnclaveAttestation> attestation() const;

  class Impl;

 private:
  explicit Connection(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace cloister::sql
