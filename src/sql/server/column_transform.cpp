// ALTER TABLE t ALTER COLUMN c ... [ENCRYPTED WITH (...)]: encrypts,
// re-encrypts or decrypts an existing column in place, every value passing
// through the enclave. SQLite cannot change a column's collation, so the
// column is rebuilt: a new column is added, filled through the enclave, the
// old one dropped and the new one renamed — in one savepoint.
#include <sqlite3.h>

#include "common/encoding.h"
#include "sql/server/session.h"
#include "sql/server/statement_guard.h"
#include "sqlite/database.h"

namespace cloister::sql {

namespace {

struct TransformContext {
  EnclaveHost* enclave;
  TransformCell request;  // the value is filled per row
  bool from_plaintext;
  bool to_plaintext;
  std::optional<Status> failure;
};

SqlValue sqlite_to_value(sqlite3_value* value) {
  switch (sqlite3_value_type(value)) {
    case SQLITE_INTEGER:
      return static_cast<std::int64_t>(sqlite3_value_int64(value));
    case SQLITE_FLOAT:
      return sqlite3_value_double(value);
    case SQLITE_BLOB: {
      const auto* data = static_cast<const std::uint8_t*>(sqlite3_value_blob(value));
      return Bytes(data, data + sqlite3_value_bytes(value));
    }
    default:
      return std::string(reinterpret_cast<const char*>(sqlite3_value_text(value)),
                         static_cast<std::size_t>(sqlite3_value_bytes(value)));
  }
}

void transform_value(sqlite3_context* sqlite_context, int, sqlite3_value** argv) {
  auto* context = static_cast<TransformContext*>(sqlite3_user_data(sqlite_context));
  if (sqlite3_value_type(argv[0]) == SQLITE_NULL) {
    sqlite3_result_null(sqlite_context);
    return;
  }
  auto fail = [&](const Status& status) {
    if (!context->failure) context->failure = status;
    sqlite3_result_error(sqlite_context, status.message().c_str(), -1);
  };
  const auto type = static_cast<SqlType>(context->request.sql_type);
  TransformCell request = context->request;
  if (context->from_plaintext) {
    auto plaintext = serialize_plaintext(type, sqlite_to_value(argv[0]));
    if (!plaintext.is_ok()) return fail(plaintext.status());
    const ByteView view = plaintext->view();
    request.value.assign(view.begin(), view.end());
  } else {
    const std::string_view text(reinterpret_cast<const char*>(sqlite3_value_text(argv[0])),
                                static_cast<std::size_t>(sqlite3_value_bytes(argv[0])));
    auto cell = decode_stored_cell(text);
    if (!cell.is_ok()) return fail(cell.status());
    request.value = std::move(*cell);
  }
  auto reply = context->enclave->transform(request);
  secure_wipe(request.value.data(), request.value.size());
  if (!reply.is_ok()) return fail(reply.status());
  if (!context->to_plaintext) {
    const std::string text = to_base64(*reply);
    sqlite3_result_text64(sqlite_context, text.data(), text.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
    return;
  }
  auto value = deserialize_plaintext(type, *reply);
  if (!value.is_ok()) return fail(value.status());
  std::visit(
      [&](const auto& v) {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, SqlNull>) {
          sqlite3_result_null(sqlite_context);
        } else if constexpr (std::is_same_v<T, std::int64_t>) {
          sqlite3_result_int64(sqlite_context, v);
        } else if constexpr (std::is_same_v<T, double>) {
          sqlite3_result_double(sqlite_context, v);
        } else if constexpr (std::is_same_v<T, std::string>) {
          sqlite3_result_text64(sqlite_context, v.data(), v.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
        } else {
          sqlite3_result_blob64(sqlite_context, v.data(), v.size(), SQLITE_TRANSIENT);
        }
      },
      *value);
}

const char* plaintext_declaration(SqlType type) {
  switch (type) {
    case SqlType::int32:
    case SqlType::int64:
      return "INTEGER";
    case SqlType::float64:
      return "REAL";
    case SqlType::varbinary:
      return "BLOB";
    default:
      return "TEXT";
  }
}

}  // namespace

Result<nlohmann::json> Session::alter_column(Prepared& prepared) {
  const AlterColumnEncryption& alter = *prepared.analysis.alter;
  const std::optional<ColumnEncryption> current = prepared.catalog->column(alter.table, alter.column);
  if (!current && !alter.to) {
    return Status(ErrorCode::invalid_argument,
                  alter.table + "." + alter.column + " is not encrypted: nothing to decrypt");
  }
  if (sqlite3_get_autocommit(db_) == 0) {
    return Status(ErrorCode::invalid_argument,
                  "ALTER COLUMN encryption runs in its own transaction: COMMIT first");
  }
  for (const auto* encryption : {current ? &*current : nullptr, alter.to ? &*alter.to : nullptr}) {
    if (encryption == nullptr) continue;
    CLOISTER_ASSIGN_OR_RETURN(auto status, enclave_->key_status());
    bool held = false;
    for (auto id : status.cek_ids) held = held || id == encryption->cek_id;
    if (!held) {
      error_code_ = kEnclaveKeyMissing;
      return Status(ErrorCode::conflict, "changing the encryption of " + alter.table + "." + alter.column +
                                             " needs " + encryption->cek_name +
                                             " in the enclave: attest it and release the key");
    }
  }

  TransformContext context{enclave_, {}, !current.has_value(), !alter.to.has_value(), std::nullopt};
  context.request.from_cek_id = current ? current->cek_id : 0;
  context.request.to_cek_id = alter.to ? alter.to->cek_id : 0;
  context.request.to_encryption =
      alter.to && alter.to->encryption == EncryptionType::deterministic ? std::uint8_t{0} : std::uint8_t{1};
  context.request.sql_type = static_cast<std::uint8_t>(current ? current->sql_type : alter.sql_type);
  if (sqlite3_create_function_v2(db_, "cloister_transform", 1, SQLITE_UTF8, &context, transform_value,
                                 nullptr, nullptr, nullptr) != SQLITE_OK) {
    return Status(ErrorCode::internal, "registering cloister_transform");
  }

  std::string declaration = "TEXT";
  if (!alter.to) {
    declaration = plaintext_declaration(current->sql_type);
  } else if (alter.to->encryption == EncryptionType::randomized && alter.to->enclave_enabled) {
    CLOISTER_RETURN_IF_ERROR(functions_.register_collation(alter.to->cek_id, alter.to->sql_type));
    declaration += " COLLATE " + collation_name(alter.to->cek_id, alter.to->sql_type);
  }
  const std::string table = quote_identifier(alter.table);
  const std::string column = quote_identifier(alter.column);
  const std::string scratch = quote_identifier("cloister_new_" + alter.column);
  sqlite3_set_authorizer(db_, nullptr, nullptr);
  Status status = sqlite::exec(db_, "SAVEPOINT cloister_alter", "database");
  for (const std::string& step :
       {"ALTER TABLE " + table + " ADD COLUMN " + scratch + " " + declaration,
        "UPDATE " + table + " SET " + scratch + " = cloister_transform(" + column + ")",
        "ALTER TABLE " + table + " DROP COLUMN " + column,
        "ALTER TABLE " + table + " RENAME COLUMN " + scratch + " TO " + column}) {
    if (!status.is_ok()) break;
    status = sqlite::exec(db_, step, "changing the column's encryption");
  }
  if (status.is_ok()) status = set_column(db_, alter.table, alter.column, alter.to);
  if (context.failure) status = *context.failure;
  if (status.is_ok()) {
    status = sqlite::exec(db_, "RELEASE cloister_alter", "database");
  } else {
    (void)sqlite::exec(db_, "ROLLBACK TO cloister_alter; RELEASE cloister_alter", "database");
  }
  sqlite3_set_authorizer(db_, guard_client_statement, nullptr);
  sqlite3_create_function_v2(db_, "cloister_transform", 1, SQLITE_UTF8, nullptr, nullptr, nullptr, nullptr,
                             nullptr);
  CLOISTER_RETURN_IF_ERROR(status);
  return nlohmann::json{{"columns", nlohmann::json::array()},
                        {"rows", nlohmann::json::array()},
                        {"changes", 0},
                        {"last_insert_rowid", 0}};
}

}  // namespace cloister::sql
