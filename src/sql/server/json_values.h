// Parameter and result values as the protocol carries them
// (docs/sql-protocol.md): null, {"int"}, {"real"}, {"text"}, {"blob"}, {"cell"}.
#pragma once

#include <nlohmann/json.hpp>

#include "cloister/result.h"

struct sqlite3_stmt;

namespace cloister::sql {

enum class BoundKind { null, plain, cell };

// Binds `value` to parameter `index`; says what kind of value it was so the
// caller can check it against the column the parameter meets.
Result<BoundKind> bind_json_value(sqlite3_stmt* statement, int index, const nlohmann::json& value);

// Column `column` of the current row; TEXT of an encrypted column becomes {"cell"}.
nlohmann::json column_json_value(sqlite3_stmt* statement, int column, bool encrypted);

}  // namespace cloister::sql
