#include "sql/server/statement_guard.h"

#include <sqlite3.h>
#include <strings.h>

#include <initializer_list>
#include <string_view>

#include "sql/server/catalog.h"

namespace cloister::sql {
namespace {

bool names_catalog(const char* name) {
  return name != nullptr && is_catalog_table(name);
}

bool one_of(const char* name, std::initializer_list<std::string_view> names) {
  const std::string_view given(name);
  for (std::string_view candidate : names) {
    if (candidate.size() == given.size() && strncasecmp(candidate.data(), name, given.size()) == 0)
      return true;
  }
  return false;
}

// Pragmas that only read the schema or the database's state. The first kind
// takes a table or index as its argument (as pragma_table_info(?) does, which
// the catalog itself uses); the second only reads its value, never sets it.
bool is_read_only_pragma(const char* name, const char* argument) {
  if (name == nullptr) return false;
  if (one_of(name, {"table_info", "table_xinfo", "table_list", "index_list", "index_info", "index_xinfo",
                    "foreign_key_list", "foreign_key_check", "integrity_check", "quick_check"}))
    return true;
  return argument == nullptr &&
         one_of(name, {"user_version", "schema_version", "page_count", "page_size", "freelist_count",
                       "data_version", "encoding", "collation_list"});
}

}  // namespace

int guard_client_statement(void*, int action, const char* first, const char* second, const char*,
                           const char*) {
  switch (action) {
    case SQLITE_ATTACH:
    case SQLITE_DETACH:
      return SQLITE_DENY;
    case SQLITE_PRAGMA:
      return is_read_only_pragma(first, second) ? SQLITE_OK : SQLITE_DENY;
    case SQLITE_FUNCTION:
      // (first is NULL; second is the function's name.)
      return second != nullptr && strcasecmp(second, "load_extension") == 0 ? SQLITE_DENY : SQLITE_OK;
    // The table is the first argument here...
    case SQLITE_INSERT:
    case SQLITE_UPDATE:
    case SQLITE_DELETE:
    case SQLITE_DROP_TABLE:
    case SQLITE_DROP_TEMP_TABLE:
    case SQLITE_CREATE_TABLE:
    case SQLITE_CREATE_TEMP_TABLE:
    case SQLITE_CREATE_VIEW:
    case SQLITE_CREATE_TEMP_VIEW:
    case SQLITE_DROP_VIEW:
    case SQLITE_DROP_TEMP_VIEW:
    case SQLITE_CREATE_VTABLE:
    case SQLITE_DROP_VTABLE:
      return names_catalog(first) ? SQLITE_DENY : SQLITE_OK;
    // ...and the second here (the first is the index, the trigger or the schema).
    case SQLITE_ALTER_TABLE:
    case SQLITE_CREATE_INDEX:
    case SQLITE_CREATE_TEMP_INDEX:
    case SQLITE_DROP_INDEX:
    case SQLITE_DROP_TEMP_INDEX:
    case SQLITE_CREATE_TRIGGER:
    case SQLITE_CREATE_TEMP_TRIGGER:
    case SQLITE_DROP_TRIGGER:
    case SQLITE_DROP_TEMP_TRIGGER:
      return names_catalog(first) || names_catalog(second) ? SQLITE_DENY : SQLITE_OK;
    default:
      return SQLITE_OK;
  }
}

}  // namespace cloister::sql
