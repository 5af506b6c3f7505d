#include "cleanroom/service/collaboration_store.h"

#include <sqlite3.h>

#include <ctime>

namespace cloister::cleanroom {

namespace {

constexpr std::string_view kSchema = R"sql(
CREATE TABLE IF NOT EXISTS collaboration(id INTEGER PRIMARY KEY CHECK (id = 1), contract BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS signatures(party TEXT PRIMARY KEY, signature BLOB NOT NULL, time INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS uploads(party TEXT PRIMARY KEY, sha256 TEXT NOT NULL, bytes INTEGER NOT NULL,
  rows INTEGER NOT NULL, time INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS runs(id INTEGER PRIMARY KEY, state TEXT NOT NULL, started INTEGER NOT NULL,
  finished INTEGER NOT NULL DEFAULT 0, rows INTEGER NOT NULL DEFAULT 0, seconds REAL NOT NULL DEFAULT 0,
  detail TEXT NOT NULL DEFAULT '');
CREATE TABLE IF NOT EXISTS sealed_releases(party TEXT PRIMARY KEY, sealed BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS models(run INTEGER NOT NULL REFERENCES runs(id), party TEXT NOT NULL,
  jwe TEXT NOT NULL, PRIMARY KEY (run, party));
)sql";

std::int64_t now() {
  return static_cast<std::int64_t>(std::time(nullptr));
}

TrainingRun read_run(const sqlite::Statement& row) {
  TrainingRun run;
  run.id = row.integer(0);
  run.state = row.text(1);
  run.started = row.integer(2);
  run.finished = row.integer(3);
  run.rows = row.integer(4);
  run.seconds = sqlite3_column_double(row.get(), 5);
  run.detail = row.text(6);
  return run;
}

}  // namespace

Result<std::unique_ptr<CollaborationStore>> CollaborationStore::open(const std::string& path,
                                                                     ByteView contract) {
  CLOISTER_ASSIGN_OR_RETURN(sqlite::Database db, sqlite::Database::open(path));
  CLOISTER_RETURN_IF_ERROR(db.exec(kSchema));
  CLOISTER_RETURN_IF_ERROR(kbs::audit::create_schema(db));
  CLOISTER_ASSIGN_OR_RETURN(auto existing, db.prepare("SELECT contract FROM collaboration WHERE id = 1"));
  CLOISTER_ASSIGN_OR_RETURN(bool has_contract, existing.step());
  Bytes stored;
  if (has_contract) {
    stored = existing.blob(0);
    if (!contract.empty() && Bytes(contract.begin(), contract.end()) != stored)
      return Status(ErrorCode::conflict,
                    path + " serves another contract: give a new --data-dir for a new one");
  } else {
    if (contract.empty())
      return Status(ErrorCode::invalid_argument, path + " serves no contract yet: give it with --contract");
    CLOISTER_ASSIGN_OR_RETURN(auto insert,
                              db.prepare("INSERT INTO collaboration(id, contract) VALUES(1, ?)"));
    insert.bind(1, contract);
    CLOISTER_RETURN_IF_ERROR(insert.run());
    stored.assign(contract.begin(), contract.end());
  }
  std::unique_ptr<CollaborationStore> store(new CollaborationStore(std::move(db), std::move(stored)));
  CLOISTER_ASSIGN_OR_RETURN(auto running, store->db_.prepare("SELECT id FROM runs WHERE state = 'running'"));
  std::vector<std::int64_t> interrupted;
  while (true) {
    CLOISTER_ASSIGN_OR_RETURN(bool row, running.step());
    if (!row) break;
    interrupted.push_back(running.integer(0));
  }
  for (std::int64_t id : interrupted) {
    CLOISTER_ASSIGN_OR_RETURN(
        auto mark, store->db_.prepare("UPDATE runs SET state = 'interrupted', finished = ?, detail = "
                                      "'the service stopped while it trained' WHERE id = ?"));
    mark.bind(1, now()).bind(2, id);
    CLOISTER_RETURN_IF_ERROR(mark.run());
    CLOISTER_RETURN_IF_ERROR(store->audit(
        "training-interrupted", "", "error",
        "run " + std::to_string(id) + " did not finish: the service stopped; no model was kept"));
  }
  return store;
}

Status CollaborationStore::audit(const std::string& action, const std::string& party,
                                 const std::string& outcome, const std::string& detail) {
  std::lock_guard lock(mutex_);
  return kbs::audit::append(db_, {.action = action, .key = party, .outcome = outcome, .reason = detail},
                            now());
}

Result<std::vector<kbs::AuditRecord>> CollaborationStore::audit_records() {
  std::lock_guard lock(mutex_);
  return kbs::audit::list(db_, 100'000, "");
}

Status CollaborationStore::save_signature(const std::string& party, ByteView signature) {
  std::lock_guard lock(mutex_);
  CLOISTER_ASSIGN_OR_RETURN(
      auto insert, db_.prepare("INSERT OR REPLACE INTO signatures(party, signature, time) VALUES(?,?,?)"));
  insert.bind(1, party).bind(2, signature).bind(3, now());
  return insert.run();
}

Result<std::vector<std::string>> CollaborationStore::signed_parties() {
  std::lock_guard lock(mutex_);
  CLOISTER_ASSIGN_OR_RETURN(auto select, db_.prepare("SELECT party FROM signatures ORDER BY party"));
  std::vector<std::string> parties;
  while (true) {
    CLOISTER_ASSIGN_OR_RETURN(bool row, select.step());
    if (!row) break;
    parties.push_back(select.text(0));
  }
  return parties;
}

Status CollaborationStore::forget_party(const std::string& party) {
  std::lock_guard lock(mutex_);
  CLOISTER_ASSIGN_OR_RETURN(auto transaction, sqlite::Transaction::begin(db_));
  for (const char* sql : {"DELETE FROM signatures WHERE party = ?", "DELETE FROM uploads WHERE party = ?",
                          "DELETE FROM sealed_releases WHERE party = ?"}) {
    CLOISTER_ASSIGN_OR_RETURN(auto remove, db_.prepare(sql));
    remove.bind(1, party);
    CLOISTER_RETURN_IF_ERROR(remove.run());
  }
  return transaction.commit();
}

Status CollaborationStore::save_sealed_release(const std::string& party, ByteView sealed) {
  std::lock_guard lock(mutex_);
  CLOISTER_ASSIGN_OR_RETURN(auto insert,
                            db_.prepare("INSERT OR REPLACE INTO sealed_releases(party, sealed) VALUES(?,?)"));
  insert.bind(1, party).bind(2, sealed);
  return insert.run();
}

Status CollaborationStore::forget_sealed_release(const std::string& party) {
  std::lock_guard lock(mutex_);
  CLOISTER_ASSIGN_OR_RETURN(auto remove, db_.prepare("DELETE FROM sealed_releases WHERE party = ?"));
  remove.bind(1, party);
  return remove.run();
}

Result<std::vector<std::pair<std::string, Bytes>>> CollaborationStore::sealed_releases() {
  std::lock_guard lock(mutex_);
  CLOISTER_ASSIGN_OR_RETURN(auto select,
                            db_.prepare("SELECT party, sealed FROM sealed_releases ORDER BY party"));
  std::vector<std::pair<std::string, Bytes>> out;
  while (true) {
    CLOISTER_ASSIGN_OR_RETURN(bool row, select.step());
    if (!row) break;
    out.emplace_back(select.text(0), select.blob(1));
  }
  return out;
}

Status CollaborationStore::save_upload(const StoredUpload& upload) {
  std::lock_guard lock(mutex_);
  CLOISTER_ASSIGN_OR_RETURN(
      auto insert,
      db_.prepare("INSERT OR REPLACE INTO uploads(party, sha256, bytes, rows, time) VALUES(?,?,?,?,?)"));
  insert.bind(1, upload.party).bind(2, upload.sha256).bind(3, upload.bytes).bind(4, upload.rows);
  insert.bind(5, upload.time);
  return insert.run();
}

Result<std::optional<StoredUpload>> CollaborationStore::upload(const std::string& party) {
  std::lock_guard lock(mutex_);
  CLOISTER_ASSIGN_OR_RETURN(
      auto select, db_.prepare("SELECT party, sha256, bytes, rows, time FROM uploads WHERE party = ?"));
  select.bind(1, party);
  CLOISTER_ASSIGN_OR_RETURN(bool row, select.step());
  if (!row) return std::optional<StoredUpload>();
  return std::optional<StoredUpload>(StoredUpload{.party = select.text(0),
                                                  .sha256 = select.text(1),
                                                  .bytes = select.integer(2),
                                                  .rows = select.integer(3),
                                                  .time = select.integer(4)});
}

Result<std::int64_t> CollaborationStore::start_run() {
  std::lock_guard lock(mutex_);
  CLOISTER_ASSIGN_OR_RETURN(auto insert,
                            db_.prepare("INSERT INTO runs(state, started) VALUES('running', ?)"));
  insert.bind(1, now());
  CLOISTER_RETURN_IF_ERROR(insert.run());
  return static_cast<std::int64_t>(sqlite3_last_insert_rowid(db_.get()));
}

Status CollaborationStore::finish_run(const TrainingRun& run,
                                      const std::vector<std::pair<std::string, std::string>>& models) {
  std::lock_guard lock(mutex_);
  // The models and the run's state commit together: a run is "done" only
  // with every recipient's model stored.
  CLOISTER_ASSIGN_OR_RETURN(auto transaction, sqlite::Transaction::begin(db_));
  for (const auto& [party, jwe] : models) {
    CLOISTER_ASSIGN_OR_RETURN(auto insert, db_.prepare("INSERT INTO models(run, party, jwe) VALUES(?,?,?)"));
    insert.bind(1, run.id).bind(2, party).bind(3, jwe);
    CLOISTER_RETURN_IF_ERROR(insert.run());
  }
  CLOISTER_ASSIGN_OR_RETURN(
      auto update,
      db_.prepare("UPDATE runs SET state = ?, finished = ?, rows = ?, seconds = ?, detail = ? WHERE id = ?"));
  update.bind(1, run.state).bind(2, now()).bind(3, run.rows);
  sqlite3_bind_double(update.get(), 4, run.seconds);
  update.bind(5, run.detail).bind(6, run.id);
  CLOISTER_RETURN_IF_ERROR(update.run());
  return transaction.commit();
}

Result<std::optional<TrainingRun>> CollaborationStore::last_run() {
  std::lock_guard lock(mutex_);
  CLOISTER_ASSIGN_OR_RETURN(
      auto select,
      db_.prepare(
          "SELECT id, state, started, finished, rows, seconds, detail FROM runs ORDER BY id DESC LIMIT 1"));
  CLOISTER_ASSIGN_OR_RETURN(bool row, select.step());
  if (!row) return std::optional<TrainingRun>();
  return std::optional<TrainingRun>(read_run(select));
}

Result<std::optional<std::pair<std::int64_t, std::string>>> CollaborationStore::model(
    const std::string& party) {
  std::lock_guard lock(mutex_);
  CLOISTER_ASSIGN_OR_RETURN(auto select, db_.prepare("SELECT models.run, models.jwe FROM models JOIN runs ON "
                                                     "runs.id = models.run WHERE runs.state = 'done' AND "
                                                     "models.party = ? ORDER BY models.run DESC LIMIT 1"));
  select.bind(1, party);
  CLOISTER_ASSIGN_OR_RETURN(bool row, select.step());
  using Model = std::pair<std::int64_t, std::string>;
  if (!row) return std::optional<Model>();
  return std::optional<Model>(Model{select.integer(0), select.text(1)});
}

}  // namespace cloister::cleanroom
