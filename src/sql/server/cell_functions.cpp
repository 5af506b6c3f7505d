#include "sql/server/cell_functions.h"

#include <sqlite3.h>

#include "common/encoding.h"
#include "sql/cell_cipher.h"
#include "sql/query/statement_analysis.h"

namespace cloister::sql {

Result<Bytes> decode_stored_cell(std::string_view text) {
  auto cell = from_base64(text);
  if (!cell.is_ok() || cell->size() < kCellMinSize || (*cell)[0] != kCellVersion) {
    return Status(ErrorCode::decode_error, "a value in an encrypted column is not an Always Encrypted cell");
  }
  return cell;
}

namespace {

std::string_view text_of(int size, const void* data) {
  return {static_cast<const char*>(data), static_cast<std::size_t>(size)};
}

}  // namespace

int collate_cells(void* user, int size_a, const void* a, int size_b, const void* b) {
  auto* context = static_cast<CellFunctions::CollationContext*>(user);
  CellFunctions* owner = context->owner;
  if (owner->failure_) return 0;  // already interrupted; SQLite unwinds
  const std::string_view text_a = text_of(size_a, a);
  const std::string_view text_b = text_of(size_b, b);
  if (auto known = owner->memo_.compare(text_a, text_b)) return *known;
  auto cell_a = decode_stored_cell(text_a);
  auto cell_b = decode_stored_cell(text_b);
  if (!cell_a.is_ok() || !cell_b.is_ok()) {
    owner->fail((cell_a.is_ok() ? cell_b : cell_a).status(), text_a, text_b);
    return 0;
  }
  ++owner->enclave_calls_;
  auto result = owner->enclave_->compare(context->cek_id, context->type, *cell_a, *cell_b);
  if (!result.is_ok()) {
    owner->fail(result.status(), text_a, text_b);
    return 0;
  }
  return *result;
}

void like_cells(sqlite3_context* sqlite_context, int argc, sqlite3_value** argv) {
  auto* owner = static_cast<CellFunctions*>(sqlite3_user_data(sqlite_context));
  if (argc != 4) {
    sqlite3_result_error(sqlite_context, "cloister_like takes a cell, a pattern cell, a key id and a type",
                         -1);
    return;
  }
  if (sqlite3_value_type(argv[0]) == SQLITE_NULL || sqlite3_value_type(argv[1]) == SQLITE_NULL) {
    sqlite3_result_null(sqlite_context);
    return;
  }
  const auto text = [](sqlite3_value* value) {
    return std::string_view(reinterpret_cast<const char*>(sqlite3_value_text(value)),
                            static_cast<std::size_t>(sqlite3_value_bytes(value)));
  };
  const std::string_view value_text = text(argv[0]);
  const std::string_view pattern_text = text(argv[1]);
  if (auto known = owner->memo_.like(value_text, pattern_text)) {
    sqlite3_result_int(sqlite_context, *known ? 1 : 0);
    return;
  }
  auto value = decode_stored_cell(value_text);
  auto pattern = decode_stored_cell(pattern_text);
  auto type = sql_type_from_name(text(argv[3]));
  if (!value.is_ok() || !pattern.is_ok() || !type.is_ok()) {
    const Status& status = !value.is_ok()     ? value.status()
                           : !pattern.is_ok() ? pattern.status()
                                              : type.status();
    owner->fail(status, value_text, pattern_text);
    sqlite3_result_error(sqlite_context, status.message().c_str(), -1);
    return;
  }
  ++owner->enclave_calls_;
  auto matches = owner->enclave_->like(static_cast<std::uint32_t>(sqlite3_value_int64(argv[2])), *type,
                                       *value, *pattern);
  if (!matches.is_ok()) {
    owner->fail(matches.status(), value_text, pattern_text);
    sqlite3_result_error(sqlite_context, matches.status().message().c_str(), -1);
    return;
  }
  sqlite3_result_int(sqlite_context, *matches ? 1 : 0);
}

CellFunctions::CellFunctions(sqlite3* db, EnclaveHost* enclave) : db_(db), enclave_(enclave) {}

Status CellFunctions::register_collation(std::uint32_t cek_id, SqlType type) {
  if (registered_.contains({cek_id, type})) return Status::ok();
  auto context = std::make_unique<CollationContext>(CollationContext{this, cek_id, type});
  const std::string name = collation_name(cek_id, type);
  if (sqlite3_create_collation_v2(db_, name.c_str(), SQLITE_UTF8, context.get(), collate_cells, nullptr) !=
      SQLITE_OK) {
    return Status(ErrorCode::internal, "registering collation " + name + ": " + sqlite3_errmsg(db_));
  }
  contexts_.push_back(std::move(context));
  registered_.insert({cek_id, type});
  return Status::ok();
}

Status CellFunctions::register_like() {
  if (like_registered_) return Status::ok();
  // Not SQLITE_DETERMINISTIC: the answer depends on keys the enclave holds.
  if (sqlite3_create_function_v2(db_, "cloister_like", 4, SQLITE_UTF8, this, like_cells, nullptr, nullptr,
                                 nullptr) != SQLITE_OK) {
    return Status(ErrorCode::internal, std::string("registering cloister_like: ") + sqlite3_errmsg(db_));
  }
  like_registered_ = true;
  return Status::ok();
}

std::optional<Status> CellFunctions::take_failure() {
  std::optional<Status> failure = std::move(failure_);
  failure_.reset();
  return failure;
}

void CellFunctions::fail(Status status, std::string_view cell_a, std::string_view cell_b) {
  if (failure_) return;
  // The enclave names the operand whose tag failed ("operand b"); keep it to find the row.
  failed_cell_ = std::string(status.message().find("operand b") != std::string::npos ? cell_b : cell_a);
  failure_ = std::move(status);
  sqlite3_interrupt(db_);
}

}  // namespace cloister::sql
