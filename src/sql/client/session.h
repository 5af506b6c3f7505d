// The state behind a Connection: the pinned transport and server session,
// statement descriptions, column keys, and the attested enclave session.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "cloister/sql_client.h"
#include "sql/client/attestation.h"
#include "sql/client/column_keys.h"
#include "sql/client/protocol.h"
#include "sql/client/transport.h"

namespace cloister::sql {

class Connection::Impl {
 public:
  explicit Impl(ConnectionOptions options) : options_(std::move(options)), keys_(options_.key_stores) {}
  ~Impl();

  // One statement, with its parameter lists given by position or by name:
  // one list (batch false) or many (batch true).
  struct Statement {
    std::string_view sql;
    const std::vector<std::vector<SqlValue>>* positional = nullptr;
    const std::vector<std::vector<NamedParam>>* named = nullptr;
    bool batch = false;
    const ExecuteOptions* options = nullptr;
  };

  Status connect();
  Result<ResultSet> run(const Statement& statement);

  [[nodiscard]] bool in_transaction() const { return in_transaction_; }
  [[nodiscard]] std::string enclave_instance() const {
    return attestation_ ? attestation_->instance : std::string();
  }
  [[nodiscard]] const std::optional<EnclaveAttestation>& attestation() const { return attestation_; }
  Result<EnclaveAttestation> verify_enclave();

 private:
  Status open_session();
  Result<client::JsonReply> call(const std::string& method, const std::string& path,
                                 const nlohmann::json& body);
  Result<const client::Description*> describe(std::string_view sql);
  Result<ResultSet> attempt(const Statement& statement);
  Result<nlohmann::json> encode_params(const client::Description* description,
                                       const std::vector<SqlValue>& values);
  Status ensure_enclave(const std::vector<std::uint32_t>& cek_ids);
  Status attest_enclave();
  Status release_keys(const std::vector<std::uint32_t>& cek_ids);
  Result<ResultSet> decode(const client::ExecuteReply& reply);
  void track_transaction(std::string_view sql);
  void forget_enclave();
  Status check_no_downgrade(std::string_view sql, const client::Description& description);

  ConnectionOptions options_;
  std::unique_ptr<client::PinnedTransport> transport_;
  std::string session_;
  std::string database_;
  std::optional<client::EnclaveVerifier> verifier_;
  Status verifier_error_;
  client::ColumnKeys keys_;
  std::map<std::string, client::Description, std::less<>> descriptions_;
  // What this connection has seen encrypted, kept when a description is
  // dropped, so a server that later describes the same parameter or column
  // as plaintext is caught before a value leaves in the clear (SqlClient
  // keeps such a cache too). Forgotten on this connection's own DDL.
  std::map<std::string, std::set<int>, std::less<>> encrypted_parameters_;  // SQL text -> indexes
  std::set<std::string> encrypted_columns_;                                 // "table.column", lower case
  std::optional<crypto::PublicKey> enclave_key_;
  std::optional<EnclaveAttestation> attestation_;
  std::set<std::uint32_t> released_;
  bool in_transaction_ = false;
};

// The transport failed (the server went away): reconnecting may help.
bool is_connection_lost(const Status& status);

// Status from a server error answer, with the server's code and message.
Status server_error(const client::JsonReply& reply, std::string_view what);

// The first keyword of a statement, upper-cased (comments and space skipped).
std::string first_keyword(std::string_view sql);

// Parameter values by SQLite index from named values, per the description.
Result<std::vector<SqlValue>> bind_named(const client::Description& description,
                                         const std::vector<NamedParam>& named);

// ok if every parameter `force_encryption` names ("@p", "p" or "?N") is one
// the description says meets an encrypted column, and column encryption is
// on; otherwise invalid_argument naming the parameter, before anything is sent.
Status check_forced_encryption(const client::Description* description,
                               const std::vector<std::string>& force_encryption);

}  // namespace cloister::sql
