// The database administrator's view of one table, for the SQL console's
// second panel: the SQLite file opened read-only with no keys, each cell as
// the file stores it (encrypted cells are base64 ciphertext text).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "cloister/result.h"

namespace cloister::sql::console {

struct DbaSnapshot {
  std::string table;
  std::vector<std::string> columns;
  std::vector<std::string> encrypted_columns;  // from the catalog (cloister_column)
  std::vector<std::vector<std::string>> rows;  // the first `limit` rows by rowid
  std::int64_t row_count = 0;
};

Result<DbaSnapshot> read_dba_snapshot(const std::string& db_path, const std::string& table, int limit);

}  // namespace cloister::sql::console
