#include "kbs/audit_log.h"

#include <algorithm>

#include "common/encoding.h"
#include "crypto/sha.h"

namespace cloister::kbs {

namespace {

constexpr std::string_view kSchema = R"sql(
CREATE TABLE IF NOT EXISTS audit(
  seq INTEGER PRIMARY KEY,
  time INTEGER NOT NULL,
  action TEXT NOT NULL,
  key TEXT NOT NULL,
  version INTEGER NOT NULL,
  outcome TEXT NOT NULL,
  reason TEXT NOT NULL,
  token_iss TEXT NOT NULL,
  token_jti TEXT NOT NULL,
  mrenclave TEXT NOT NULL,
  mrsigner TEXT NOT NULL,
  hash BLOB NOT NULL);
CREATE TRIGGER IF NOT EXISTS audit_no_update BEFORE UPDATE ON audit
  BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER IF NOT EXISTS audit_no_delete BEFORE DELETE ON audit
  BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
)sql";

constexpr std::string_view kColumns =
    "seq, time, action, key, version, outcome, reason, token_iss, token_jti, mrenclave, mrsigner, hash";

AuditRecord read_record(const sqlite::Statement& row, Bytes* raw_hash) {
  AuditRecord record;
  record.seq = row.integer(0);
  record.time = row.integer(1);
  record.event.action = row.text(2);
  record.event.key = row.text(3);
  record.event.version = row.integer(4);
  record.event.outcome = row.text(5);
  record.event.reason = row.text(6);
  record.event.token_iss = row.text(7);
  record.event.token_jti = row.text(8);
  record.event.mrenclave = row.text(9);
  record.event.mrsigner = row.text(10);
  Bytes hash = row.blob(11);
  record.hash = to_hex(hash);
  if (raw_hash != nullptr) *raw_hash = std::move(hash);
  return record;
}

// Reasons may quote claim values from a token; keep rows bounded.
std::string bounded(const std::string& text) {
  return text.size() <= 512 ? text : text.substr(0, 509) + "...";
}

}  // namespace

nlohmann::json to_json(const AuditRecord& r) {
  nlohmann::json out = {{"seq", r.seq},
                        {"time", r.time},
                        {"action", r.event.action},
                        {"key", r.event.key},
                        {"version", r.event.version},
                        {"outcome", r.event.outcome},
                        {"reason", r.event.reason},
                        {"hash", r.hash}};
  if (!r.event.token_iss.empty()) out["token_iss"] = r.event.token_iss;
  if (!r.event.token_jti.empty()) out["token_jti"] = r.event.token_jti;
  if (!r.event.mrenclave.empty()) out["mrenclave"] = r.event.mrenclave;
  if (!r.event.mrsigner.empty()) out["mrsigner"] = r.event.mrsigner;
  return out;
}

namespace audit {

// The JSON array form is unambiguous (strings are quoted and escaped), so no
// two rows hash alike.
Bytes chain_hash(ByteView previous, std::int64_t seq, std::int64_t time, const AuditEvent& e) {
  const nlohmann::json row = {seq,      time,        e.action,    e.key,       e.version, e.outcome,
                              e.reason, e.token_iss, e.token_jti, e.mrenclave, e.mrsigner};
  const std::string text = row.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  crypto::Hasher hasher(crypto::HashAlgorithm::sha256);
  hasher.update(previous);
  hasher.update(as_bytes(text));
  return hasher.finish();
}

Result<Bytes> check_link(ByteView previous, std::int64_t expected_seq, const AuditRecord& record,
                         ByteView stored_hash) {
  if (record.seq != expected_seq) {
    return Status(ErrorCode::verification_failed, "audit log broken: row " + std::to_string(expected_seq) +
                                                      " is missing (next row is " +
                                                      std::to_string(record.seq) + ")");
  }
  Bytes hash = chain_hash(previous, record.seq, record.time, record.event);
  if (!std::equal(hash.begin(), hash.end(), stored_hash.begin(), stored_hash.end())) {
    return Status(ErrorCode::verification_failed, "audit log broken: row " + std::to_string(record.seq) +
                                                      " was altered (its hash does not match)");
  }
  return hash;
}

Status create_schema(sqlite::Database& db) {
  return db.exec(kSchema);
}

Status append(sqlite::Database& db, const AuditEvent& raw_event, std::int64_t now) {
  AuditEvent event = raw_event;
  event.reason = bounded(event.reason);
  event.token_iss = bounded(event.token_iss);
  event.token_jti = bounded(event.token_jti);
  event.mrenclave = bounded(event.mrenclave);
  event.mrsigner = bounded(event.mrsigner);
  CLOISTER_ASSIGN_OR_RETURN(auto last, db.prepare("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1"));
  CLOISTER_ASSIGN_OR_RETURN(bool has_last, last.step());
  const std::int64_t seq = has_last ? last.integer(0) + 1 : 1;
  const Bytes previous = has_last ? last.blob(1) : Bytes(32, 0);
  const Bytes hash = chain_hash(previous, seq, now, event);
  CLOISTER_ASSIGN_OR_RETURN(auto insert, db.prepare("INSERT INTO audit(" + std::string(kColumns) +
                                                    ") VALUES(?,?,?,?,?,?,?,?,?,?,?,?)"));
  insert.bind(1, seq).bind(2, now).bind(3, event.action).bind(4, event.key).bind(5, event.version);
  insert.bind(6, event.outcome).bind(7, event.reason).bind(8, event.token_iss).bind(9, event.token_jti);
  insert.bind(10, event.mrenclave).bind(11, event.mrsigner).bind(12, ByteView(hash));
  return insert.run();
}

Result<std::vector<AuditRecord>> list(sqlite::Database& db, std::size_t limit, const std::string& key) {
  std::string query = "SELECT " + std::string(kColumns) + " FROM audit";
  if (!key.empty()) query += " WHERE key = ?2";
  query += " ORDER BY seq DESC LIMIT ?1";
  CLOISTER_ASSIGN_OR_RETURN(auto select, db.prepare(query));
  select.bind(1, static_cast<std::int64_t>(limit));
  if (!key.empty()) select.bind(2, key);
  std::vector<AuditRecord> out;
  while (true) {
    CLOISTER_ASSIGN_OR_RETURN(bool row, select.step());
    if (!row) break;
    out.push_back(read_record(select, nullptr));
  }
  return std::vector<AuditRecord>(out.rbegin(), out.rend());
}

Result<VerifyResult> verify(sqlite::Database& db) {
  CLOISTER_ASSIGN_OR_RETURN(auto select,
                            db.prepare("SELECT " + std::string(kColumns) + " FROM audit ORDER BY seq"));
  VerifyResult result;
  Bytes previous(32, 0);
  while (true) {
    CLOISTER_ASSIGN_OR_RETURN(bool row, select.step());
    if (!row) break;
    Bytes stored;
    AuditRecord record = read_record(select, &stored);
    CLOISTER_ASSIGN_OR_RETURN(previous, check_link(previous, result.rows + 1, record, stored));
    ++result.rows;
  }
  result.head_hash = result.rows == 0 ? std::string() : to_hex(previous);
  return result;
}

}  // namespace audit
}  // namespace cloister::kbs
