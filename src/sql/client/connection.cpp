#include <algorithm>
#include <cctype>
#include <chrono>
#include <fstream>
#include <iterator>

#include "common/encoding.h"
#include "crypto/rng.h"
#include "sql/client/session.h"
#include "sql/key_release.h"
#include "sql/utf16.h"

namespace cloister::sql {
namespace {

using client::JsonReply;
using nlohmann::json;

constexpr const char* kApi = "/sql/v1";

std::string strip_prefix(std::string_view name) {
  if (!name.empty() && (name[0] == '@' || name[0] == ':' || name[0] == '$')) name.remove_prefix(1);
  return std::string(name);
}

}  // namespace

bool is_connection_lost(const Status& status) {
  return status.code() == ErrorCode::io_error;
}

Status server_error(const JsonReply& reply, std::string_view what) {
  ErrorCode code = ErrorCode::internal;
  switch (reply.status) {
    case 400:
      code = ErrorCode::invalid_argument;
      break;
    case 403:
      code = ErrorCode::permission_denied;
      break;
    case 404:
      code = ErrorCode::not_found;
      break;
    case 409:
      code = ErrorCode::conflict;
      break;
    default:
      break;
  }
  const std::string server_code = reply.error_code();
  return Status(code, std::string(what) + ": the server answered " +
                          (server_code.empty() ? "HTTP " + std::to_string(reply.status) : server_code) +
                          ": " + reply.error_message());
}

std::string first_keyword(std::string_view sql) {
  std::size_t i = 0;
  while (i < sql.size()) {
    if (std::isspace(static_cast<unsigned char>(sql[i]))) {
      ++i;
    } else if (sql.substr(i, 2) == "--") {
      i = sql.find('\n', i);
      if (i == std::string_view::npos) return "";
    } else if (sql.substr(i, 2) == "/*") {
      i = sql.find("*/", i + 2);
      if (i == std::string_view::npos) return "";
      i += 2;
    } else {
      break;
    }
  }
  std::string word;
  while (i < sql.size() && std::isalpha(static_cast<unsigned char>(sql[i])))
    word.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(sql[i++]))));
  return word;
}

Result<std::vector<SqlValue>> bind_named(const client::Description& description,
                                         const std::vector<NamedParam>& named) {
  int max_index = 0;
  for (const auto& parameter : description.parameters) max_index = std::max(max_index, parameter.index);
  std::vector<SqlValue> values(static_cast<std::size_t>(max_index), SqlNull{});
  std::vector<bool> used(named.size(), false);
  for (const auto& parameter : description.parameters) {
    const std::string wanted = strip_prefix(parameter.name);
    auto found = std::find_if(named.begin(), named.end(), [&](const NamedParam& p) {
      return p.first == parameter.name || (!wanted.empty() && strip_prefix(p.first) == wanted);
    });
    if (found == named.end()) {
      return Status(ErrorCode::invalid_argument,
                    "no value for parameter " +
                        (parameter.name.empty() ? "?" + std::to_string(parameter.index) : parameter.name));
    }
    used[static_cast<std::size_t>(found - named.begin())] = true;
    values[static_cast<std::size_t>(parameter.index - 1)] = found->second;
  }
  for (std::size_t i = 0; i < named.size(); ++i) {
    if (!used[i])
      return Status(ErrorCode::invalid_argument, "the statement has no parameter " + named[i].first);
  }
  return values;
}

Status check_forced_encryption(const client::Description* description,
                               const std::vector<std::string>& force_encryption) {
  for (const std::string& forced : force_encryption) {
    if (description == nullptr) {
      return Status(ErrorCode::invalid_argument, "parameter " + forced +
                                                     " is forced to be encrypted, but column encryption is "
                                                     "off for this connection: turn it on");
    }
    const client::DescribedParameter* parameter = nullptr;
    for (const auto& candidate : description->parameters) {
      const bool by_position = forced == "?" + std::to_string(candidate.index);
      const bool by_name = !candidate.name.empty() &&
                           (forced == candidate.name || strip_prefix(forced) == strip_prefix(candidate.name));
      if (by_position || by_name) parameter = &candidate;
    }
    if (parameter == nullptr)
      return Status(
          ErrorCode::invalid_argument,
          "parameter " + forced + " is forced to be encrypted, but the statement has no such parameter");
    if (!parameter->encryption) {
      return Status(ErrorCode::invalid_argument,
                    "parameter " + forced +
                        " is forced to be encrypted, but the server expects it in plaintext (it meets no "
                        "encrypted column there): nothing was sent. Check the statement and the column's "
                        "encryption; if they are right, the server is misconfigured or not to be trusted");
    }
  }
  return Status::ok();
}

Connection::Impl::~Impl() {
  if (transport_ && !session_.empty())
    (void)transport_->call("DELETE", std::string(kApi) + "/sessions/" + session_, {});
}

Status Connection::Impl::connect() {
  if (options_.port == 0) return Status(ErrorCode::invalid_argument, "no server port (--server HOST:PORT)");
  if (options_.server_cert_file.empty()) {
    return Status(
        ErrorCode::invalid_argument,
        "no server certificate to pin (--server-cert PEM, the certificate `cloister sql serve` wrote)");
  }
  std::ifstream in(options_.server_cert_file, std::ios::binary);
  if (!in)
    return Status(ErrorCode::not_found, "cannot read the server certificate " + options_.server_cert_file);
  std::string pem((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  CLOISTER_ASSIGN_OR_RETURN(transport_, client::PinnedTransport::create(options_.host, options_.port, pem,
                                                                        options_.timeout_seconds));
  if (options_.column_encryption) {
    // A policy that cannot be built only matters once a statement needs the
    // enclave: deterministic columns work without one.
    auto verifier = client::EnclaveVerifier::create(options_.attestation);
    if (verifier.is_ok()) {
      verifier_.emplace(std::move(verifier).value());
    } else {
      verifier_error_ = verifier.status();
    }
  }
  return open_session();
}

Status Connection::Impl::open_session() {
  session_.clear();
  auto reply = transport_->call("POST", std::string(kApi) + "/sessions", json::object());
  if (!reply.is_ok()) return reply.status();
  if (!reply->ok()) return server_error(*reply, "opening a session");
  const json& body = reply->body;
  if (!body.contains("session") || !body["session"].is_string() || !body.contains("database") ||
      !body["database"].is_string())
    return Status(ErrorCode::decode_error, "the server's session answer lacks session or database");
  std::string database = body["database"].get<std::string>();
  if (database != database_) {  // another database: nothing learnt about the old one applies
    descriptions_.clear();
    encrypted_parameters_.clear();
    encrypted_columns_.clear();
    keys_.clear();
    forget_enclave();
    database_ = std::move(database);
  }
  session_ = body["session"].get<std::string>();
  in_transaction_ = false;
  return Status::ok();
}

Result<JsonReply> Connection::Impl::call(const std::string& method, const std::string& path,
                                         const json& body) {
  return transport_->call(method, std::string(kApi) + path, body);
}

Result<const client::Description*> Connection::Impl::describe(std::string_view sql) {
  if (auto found = descriptions_.find(sql); found != descriptions_.end()) return &found->second;
  CLOISTER_ASSIGN_OR_RETURN(JsonReply reply,
                            call("POST", "/describe", {{"session", session_}, {"sql", sql}}));
  if (!reply.ok()) return server_error(reply, "describing the statement");
  CLOISTER_ASSIGN_OR_RETURN(client::Description description, client::parse_description(reply.body));
  CLOISTER_RETURN_IF_ERROR(check_no_downgrade(sql, description));
  keys_.learn(description.ceks);
  auto [it, inserted] = descriptions_.emplace(std::string(sql), std::move(description));
  return &it->second;
}

Status Connection::Impl::check_no_downgrade(std::string_view sql, const client::Description& description) {
  auto seen = encrypted_parameters_.find(sql);
  for (const auto& parameter : description.parameters) {
    const std::string column = ascii_lower(parameter.table + "." + parameter.column);
    const bool was_encrypted =
        (seen != encrypted_parameters_.end() && seen->second.contains(parameter.index)) ||
        (!parameter.table.empty() && encrypted_columns_.contains(column));
    if (was_encrypted && !parameter.encryption) {
      const std::string label = parameter.name.empty() ? "parameter ?" + std::to_string(parameter.index)
                                                       : "parameter " + parameter.name;
      return Status(
          ErrorCode::verification_failed,
          "the server now describes " + label +
              " as plaintext, but this connection has seen it meet an encrypted column: nothing was "
              "sent. If the column was decrypted on purpose, open a new connection; otherwise the "
              "server is misconfigured or not to be trusted");
    }
  }
  for (const auto& parameter : description.parameters) {
    if (!parameter.encryption) continue;
    encrypted_parameters_[std::string(sql)].insert(parameter.index);
    if (!parameter.table.empty())
      encrypted_columns_.insert(ascii_lower(parameter.table + "." + parameter.column));
  }
  return Status::ok();
}

Result<json> Connection::Impl::encode_params(const client::Description* description,
                                             const std::vector<SqlValue>& values) {
  json out = json::array();
  for (std::size_t i = 0; i < values.size(); ++i) {
    const client::DescribedParameter* parameter = nullptr;
    if (description != nullptr) {
      for (const auto& p : description->parameters) {
        if (p.index == static_cast<int>(i + 1)) parameter = &p;
      }
    }
    if (parameter == nullptr || !parameter->encryption || std::holds_alternative<SqlNull>(values[i])) {
      out.push_back(client::value_to_json(values[i]));
      continue;
    }
    const auto& encryption = *parameter->encryption;
    const std::string label =
        parameter->name.empty() ? "parameter " + std::to_string(i + 1) : parameter->name;
    auto plaintext = serialize_plaintext(encryption.sql_type, values[i]);
    if (!plaintext.is_ok()) {
      return plaintext.status().with_context(label + " meets encrypted column " + parameter->table + "." +
                                             parameter->column + " (" +
                                             std::string(to_string(encryption.sql_type)) + ")");
    }
    auto key = keys_.cell_key(encryption.cek_id);
    if (!key.is_ok()) return key.status().with_context("encrypting " + label);
    CLOISTER_ASSIGN_OR_RETURN(Bytes cell, (*key)->encrypt(*plaintext, encryption.type));
    out.push_back(client::cell_to_json(cell));
  }
  return out;
}

Result<ResultSet> Connection::Impl::decode(const client::ExecuteReply& reply) {
  ResultSet result;
  result.changes = reply.changes;
  result.last_insert_rowid = reply.last_insert_rowid;
  for (const auto& column : reply.columns) {
    result.columns.push_back({column.name, column.table, column.column, column.encryption.has_value()});
  }
  result.rows.reserve(reply.rows.size());
  for (std::size_t r = 0; r < reply.rows.size(); ++r) {
    std::vector<SqlValue> row;
    row.reserve(reply.rows[r].size());
    for (std::size_t c = 0; c < reply.rows[r].size(); ++c) {
      const client::WireValue& value = reply.rows[r][c];
      const auto& encryption = reply.columns[c].encryption;
      if (!value.cell) {
        row.push_back(value.value);
        continue;
      }
      if (!encryption || !options_.column_encryption) {  // ciphertext as bytes
        row.push_back(*value.cell);
        continue;
      }
      const std::string where = "row " + std::to_string(r + 1) + ", column " + reply.columns[c].name;
      auto key = keys_.cell_key(encryption->cek_id);
      if (!key.is_ok()) return key.status().with_context("decrypting " + where);
      auto plaintext = (*key)->decrypt(*value.cell);
      if (!plaintext.is_ok()) {
        return Status(ErrorCode::verification_failed,
                      where + ": the encrypted cell does not decrypt (" + plaintext.status().message() +
                          "): it was tampered with or written under another key");
      }
      auto decoded = deserialize_plaintext(encryption->sql_type, *plaintext);
      if (!decoded.is_ok()) return decoded.status().with_context(where);
      row.push_back(std::move(decoded).value());
    }
    result.rows.push_back(std::move(row));
  }
  return result;
}

void Connection::Impl::track_transaction(std::string_view sql) {
  const std::string keyword = first_keyword(sql);
  if (keyword == "BEGIN" || keyword == "SAVEPOINT") {
    in_transaction_ = true;
  } else if (keyword == "COMMIT" || keyword == "END") {
    in_transaction_ = false;
  } else if (keyword == "ROLLBACK") {
    std::string rest(sql);
    std::transform(rest.begin(), rest.end(), rest.begin(), [](unsigned char c) { return std::toupper(c); });
    if (rest.find(" TO ") == std::string::npos) in_transaction_ = false;
  } else if (keyword == "CREATE" || keyword == "ALTER" || keyword == "DROP") {
    descriptions_.clear();  // encryption of columns may have changed, by this connection's own hand
    encrypted_parameters_.clear();
    encrypted_columns_.clear();
  }
}

Result<ResultSet> Connection::Impl::attempt(const Statement& statement) {
  const std::string_view sql = statement.sql;
  const client::Description* description = nullptr;
  if (options_.column_encryption || statement.named != nullptr) {
    CLOISTER_ASSIGN_OR_RETURN(description, describe(sql));
  }
  const client::Description* encrypting = options_.column_encryption ? description : nullptr;
  if (statement.options != nullptr)
    CLOISTER_RETURN_IF_ERROR(check_forced_encryption(encrypting, statement.options->force_encryption));
  std::vector<std::vector<SqlValue>> bound;
  if (statement.named != nullptr) {
    for (const auto& named : *statement.named) {
      CLOISTER_ASSIGN_OR_RETURN(std::vector<SqlValue> values, bind_named(*description, named));
      bound.push_back(std::move(values));
    }
  }
  static const std::vector<std::vector<SqlValue>> kNoLists;
  const auto& lists = statement.named != nullptr        ? bound
                      : statement.positional != nullptr ? *statement.positional
                                                        : kNoLists;
  json request = {{"session", session_}, {"sql", sql}};
  if (statement.batch) {
    json rows = json::array();
    for (const auto& list : lists) {
      CLOISTER_ASSIGN_OR_RETURN(json encoded, encode_params(encrypting, list));
      rows.push_back(std::move(encoded));
    }
    request["batch"] = std::move(rows);
  } else {
    CLOISTER_ASSIGN_OR_RETURN(
        request["params"],
        encode_params(encrypting, lists.empty() ? std::vector<SqlValue>{} : lists.front()));
  }
  if (encrypting != nullptr && !encrypting->enclave_ceks.empty())
    CLOISTER_RETURN_IF_ERROR(ensure_enclave(encrypting->enclave_ceks));

  WireTrace* trace = statement.options != nullptr ? statement.options->trace : nullptr;
  if (trace != nullptr) {
    *trace = WireTrace{std::string(sql), request.value("params", json::array()).dump(), "[]", "[]"};
    if (statement.batch) trace->params_json = request["batch"].dump();
  }
  CLOISTER_ASSIGN_OR_RETURN(JsonReply reply, call("POST", "/execute", request));
  if (reply.status == 409 && reply.error_code() == "EnclaveKeyMissing" && encrypting != nullptr) {
    // The enclave restarted (a new instance) or lost keys: attest it again,
    // release the keys again, and retry once.
    client::MissingKeys missing = client::parse_missing_keys(reply.body);
    std::vector<std::uint32_t> needed = encrypting->enclave_ceks;
    for (auto id : missing.cek_ids) {
      if (std::find(needed.begin(), needed.end(), id) == needed.end()) needed.push_back(id);
    }
    forget_enclave();
    CLOISTER_RETURN_IF_ERROR(ensure_enclave(needed));
    CLOISTER_ASSIGN_OR_RETURN(reply, call("POST", "/execute", request));
  }
  if (!reply.ok()) {
    // The columns' encryption may have changed since the statement was
    // described (another client altered them): describe it afresh next time.
    if (auto described = descriptions_.find(sql); reply.status == 400 && described != descriptions_.end())
      descriptions_.erase(described);
    return server_error(reply, "executing the statement");
  }
  track_transaction(sql);
  if (trace != nullptr && reply.body.is_object()) {
    trace->columns_json = reply.body.value("columns", json::array()).dump();
    trace->rows_json = reply.body.value("rows", json::array()).dump();
  }
  CLOISTER_ASSIGN_OR_RETURN(client::ExecuteReply parsed, client::parse_execute_reply(reply.body));
  return decode(parsed);
}

Result<ResultSet> Connection::Impl::run(const Statement& statement) {
  auto result = attempt(statement);
  if (result.is_ok()) return result;
  const bool lost = is_connection_lost(result.status());
  // 404 also answers unknown keys or objects: only "no such session" means
  // the server forgot this session (idle timeout or restart).
  const bool session_gone = result.status().code() == ErrorCode::not_found &&
                            result.status().message().find("no such session") != std::string::npos;
  if (!lost && !session_gone) return result;
  if (in_transaction_) {
    in_transaction_ = false;
    return Status(result.status().code(),
                  result.status().message() +
                      "; the session was lost while a transaction was open: its uncommitted changes are gone "
                      "(SQLite rolled them back); run the transaction again");
  }
  // The server restarted or dropped an idle session: a new session, and the
  // statement once more (nothing was committed half-way: it was not in a
  // transaction, and a statement is atomic).
  if (Status reopened = open_session(); !reopened.is_ok())
    return reopened.with_context("reconnecting after: " + result.status().message());
  return attempt(statement);
}

Result<Connection> Connection::open(ConnectionOptions options) {
  auto impl = std::make_unique<Impl>(std::move(options));
  CLOISTER_RETURN_IF_ERROR(impl->connect());
  return Connection(std::move(impl));
}

Connection::Connection(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Connection::Connection(Connection&&) noexcept = default;
Connection& Connection::operator=(Connection&&) noexcept = default;
Connection::~Connection() = default;

Result<ResultSet> Connection::execute(std::string_view sql, const std::vector<SqlValue>& params,
                                      const ExecuteOptions& options) {
  const std::vector<std::vector<SqlValue>> lists{params};
  return impl_->run(
      {.sql = sql, .positional = &lists, .named = nullptr, .batch = false, .options = &options});
}

Result<ResultSet> Connection::execute(std::string_view sql, const std::vector<NamedParam>& params,
                                      const ExecuteOptions& options) {
  const std::vector<std::vector<NamedParam>> lists{params};
  return impl_->run(
      {.sql = sql, .positional = nullptr, .named = &lists, .batch = false, .options = &options});
}

Result<ResultSet> Connection::execute_batch(std::string_view sql,
                                            const std::vector<std::vector<SqlValue>>& rows,
                                            const ExecuteOptions& options) {
  return impl_->run({.sql = sql, .positional = &rows, .named = nullptr, .batch = true, .options = &options});
}

Result<ResultSet> Connection::execute_batch(std::string_view sql,
                                            const std::vector<std::vector<NamedParam>>& rows,
                                            const ExecuteOptions& options) {
  return impl_->run({.sql = sql, .positional = nullptr, .named = &rows, .batch = true, .options = &options});
}

bool Connection::in_transaction() const {
  return impl_->in_transaction();
}

Result<EnclaveAttestation> Connection::verify_enclave() {
  return impl_->verify_enclave();
}

std::optional<EnclaveAttestation> Connection::attestation() const {
  return impl_->attestation();
}

std::string Connection::enclave_instance() const {
  return impl_->enclave_instance();
}

}  // namespace cloister::sql
