// The clean-room service's state, in one SQLite file in its data directory:
// the contract it serves, the parties' signatures on it, their uploads (the
// files themselves are in upload_files.h), training runs and the models
// they sealed to each recipient, and the hash-chained audit log every party
// can read (kbs/audit_log.h, with the party in its "key" column). Nothing
// here is a row of anyone's data or a key that opens one.
#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "cloister/bytes.h"
#include "cloister/result.h"
#include "kbs/audit_log.h"
#include "sqlite/database.h"

namespace cloister::cleanroom {

struct StoredUpload {
  std::string party;
  std::string sha256;  // hex, of the encrypted file
  std::int64_t bytes = 0;
  std::int64_t rows = 0;  // as its header claims
  std::int64_t time = 0;
};

struct TrainingRun {
  std::int64_t id = 0;
  std::string state;  // running, done, failed, interrupted
  std::int64_t started = 0;
  std::int64_t finished = 0;
  std::int64_t rows = 0;
  double seconds = 0;
  std::string detail;  // why it failed
};

class CollaborationStore {
 public:
  // Opens DIR/state.db. The first contract given is the one this directory
  // serves for good: another one is refused (conflict). Runs left
  // "running" by a killed service become "interrupted" (and are audited).
  static Result<std::unique_ptr<CollaborationStore>> open(const std::string& path, ByteView contract);

  [[nodiscard]] const Bytes& contract() const { return contract_; }

  Status audit(const std::string& action, const std::string& party, const std::string& outcome,
               const std::string& detail);
  Result<std::vector<kbs::AuditRecord>> audit_records();

  Status save_signature(const std::string& party, ByteView signature);
  Result<std::vector<std::string>> signed_parties();
  Status forget_party(const std::string& party);  // signature, upload and sealed release (withdrawal)

  // A party's key release as the enclave sealed it (opaque here: only the
  // same enclave build on the same platform opens it), kept for restarts.
  Status save_sealed_release(const std::string& party, ByteView sealed);
  Status forget_sealed_release(const std::string& party);
  Result<std::vector<std::pair<std::string, Bytes>>> sealed_releases();

  Status save_upload(const StoredUpload& upload);
  Result<std::optional<StoredUpload>> upload(const std::string& party);

  Result<std::int64_t> start_run();
  Status finish_run(const TrainingRun& run, const std::vector<std::pair<std::string, std::string>>& models);
  Result<std::optional<TrainingRun>> last_run();
  // The sealed model of the latest finished run for `party`.
  Result<std::optional<std::pair<std::int64_t, std::string>>> model(const std::string& party);

 private:
  CollaborationStore(sqlite::Database db, Bytes contract)
      : db_(std::move(db)), contract_(std::move(contract)) {}

  std::mutex mutex_;
  sqlite::Database db_;
  Bytes contract_;
};

}  // namespace cloister::cleanroom
