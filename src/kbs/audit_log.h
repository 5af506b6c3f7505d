// The append-only audit log: a table in the key store whose triggers abort
// any UPDATE or DELETE, and whose rows are hash-chained (each row's SHA-256
// covers the previous row's hash), so editing, deleting or reordering rows
// behind SQLite's back is detected by verify(). Rows never hold a token or
// key material: only who asked (issuer, jti, enclave identity) and what for.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "cloister/result.h"
#include "sqlite/database.h"

namespace cloister::kbs {

struct AuditEvent {
  std::string action;  // create, import, rotate, delete, set-policy, enable, disable, release
  std::string key;     // key name
  std::int64_t version = 0;
  std::string outcome;  // "ok", "denied", "error"
  std::string reason;
  std::string token_iss;
  std::string token_jti;
  std::string mrenclave;
  std::string mrsigner;
};

struct AuditRecord {
  std::int64_t seq = 0;
  std::int64_t time = 0;  // unix seconds
  AuditEvent event;
  std::string hash;  // hex
};

nlohmann::json to_json(const AuditRecord& record);

namespace audit {

// SHA-256(previous row's hash || canonical JSON of this row): what verify()
// recomputes, public so a reader of exported rows can check them itself.
Bytes chain_hash(ByteView previous, std::int64_t seq, std::int64_t time, const AuditEvent& event);
// One step of that check: `record` must be row `expected_seq` and hash, after
// `previous`, to `stored_hash`. Returns its hash (the next row's previous);
// verification_failed naming the row otherwise.
Result<Bytes> check_link(ByteView previous, std::int64_t expected_seq, const AuditRecord& record,
                         ByteView stored_hash);

Status create_schema(sqlite::Database& db);
// Appends inside the caller's transaction (so an admin change and its audit
// row commit together) or on its own.
Status append(sqlite::Database& db, const AuditEvent& event, std::int64_t now);
// The most recent `limit` records, oldest first; key filter when non-empty.
Result<std::vector<AuditRecord>> list(sqlite::Database& db, std::size_t limit, const std::string& key);

struct VerifyResult {
  std::int64_t rows = 0;
  std::string head_hash;  // hex of the last row's hash; record it to detect truncation later
};
// Recomputes the chain; names the first row that does not match.
Result<VerifyResult> verify(sqlite::Database& db);

}  // namespace audit
}  // namespace cloister::kbs
