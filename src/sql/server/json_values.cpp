#include "sql/server/json_values.h"

#include <sqlite3.h>

#include "common/encoding.h"
#include "sql/server/cell_functions.h"

namespace cloister::sql {

namespace {

constexpr std::size_t kMaxValueBytes = 1 << 20;

Status bind_result(sqlite3_stmt* statement, int rc, int index) {
  if (rc == SQLITE_OK) return Status::ok();
  if (rc == SQLITE_RANGE) {
    return Status(ErrorCode::invalid_argument, "the statement has no parameter " + std::to_string(index));
  }
  return Status(ErrorCode::internal, std::string("binding parameter ") + std::to_string(index) + ": " +
                                         sqlite3_errmsg(sqlite3_db_handle(statement)));
}

}  // namespace

Result<BoundKind> bind_json_value(sqlite3_stmt* statement, int index, const nlohmann::json& value) {
  const std::string where = "parameter " + std::to_string(index);
  if (value.is_null()) {
    CLOISTER_RETURN_IF_ERROR(bind_result(statement, sqlite3_bind_null(statement, index), index));
    return BoundKind::null;
  }
  if (!value.is_object() || value.size() != 1) {
    return Status(
        ErrorCode::invalid_argument,
        where + ": a value is null or one of {\"int\"}, {\"real\"}, {\"text\"}, {\"blob\"}, {\"cell\"}");
  }
  const auto member = value.begin();
  const std::string& kind = member.key();
  const nlohmann::json& content = member.value();
  if (kind == "int" && content.is_number_integer()) {
    CLOISTER_RETURN_IF_ERROR(
        bind_result(statement, sqlite3_bind_int64(statement, index, content.get<std::int64_t>()), index));
    return BoundKind::plain;
  }
  if (kind == "real" && content.is_number()) {
    CLOISTER_RETURN_IF_ERROR(
        bind_result(statement, sqlite3_bind_double(statement, index, content.get<double>()), index));
    return BoundKind::plain;
  }
  if ((kind == "text" || kind == "blob" || kind == "cell") && content.is_string()) {
    const auto& text = content.get_ref<const std::string&>();
    if (text.size() > kMaxValueBytes) return Status(ErrorCode::out_of_range, where + " is larger than 1 MiB");
    if (kind == "text") {
      CLOISTER_RETURN_IF_ERROR(bind_result(
          statement,
          sqlite3_bind_text64(statement, index, text.data(), text.size(), SQLITE_TRANSIENT, SQLITE_UTF8),
          index));
      return BoundKind::plain;
    }
    if (kind == "cell") {
      // Stored exactly as sent (base64 text) once it is known to be a cell.
      CLOISTER_RETURN_IF_ERROR(decode_stored_cell(text).status().with_context(where));
      CLOISTER_RETURN_IF_ERROR(bind_result(
          statement,
          sqlite3_bind_text64(statement, index, text.data(), text.size(), SQLITE_TRANSIENT, SQLITE_UTF8),
          index));
      return BoundKind::cell;
    }
    auto bytes = from_base64(text);
    if (!bytes.is_ok()) return Status(ErrorCode::invalid_argument, where + ": blob is not base64");
    CLOISTER_RETURN_IF_ERROR(bind_result(
        statement, sqlite3_bind_blob64(statement, index, bytes->data(), bytes->size(), SQLITE_TRANSIENT),
        index));
    return BoundKind::plain;
  }
  return Status(ErrorCode::invalid_argument,
                where + ": unknown value kind \"" + kind + "\" or wrong JSON type");
}

nlohmann::json column_json_value(sqlite3_stmt* statement, int column, bool encrypted) {
  switch (sqlite3_column_type(statement, column)) {
    case SQLITE_NULL:
      return nullptr;
    case SQLITE_INTEGER:
      return {{"int", sqlite3_column_int64(statement, column)}};
    case SQLITE_FLOAT:
      return {{"real", sqlite3_column_double(statement, column)}};
    case SQLITE_BLOB: {
      const auto* data = static_cast<const std::uint8_t*>(sqlite3_column_blob(statement, column));
      const auto size = static_cast<std::size_t>(sqlite3_column_bytes(statement, column));
      return {{"blob", to_base64(ByteView(data, size))}};
    }
    default: {
      const auto* data = reinterpret_cast<const char*>(sqlite3_column_text(statement, column));
      const auto size = static_cast<std::size_t>(sqlite3_column_bytes(statement, column));
      return {{encrypted ? "cell" : "text", std::string(data, size)}};
    }
  }
}

}  // namespace cloister::sql
