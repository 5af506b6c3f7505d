// The attestation policy per attestation type, in MAA's policy language,
// kept in <data dir>/policies/<type>.policy. Updates are serialised by a
// mutex and land atomically; each one is appended to the policy-change log
// (time, type, action, old hash, new hash; never who or with what credential).
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "cloister/result.h"
#include "policy/policy_parser.h"

namespace cloister::attestd {

// Denies debug enclaves, the sim backend (no isolation) and development
// platforms; permits everything else.
extern const char* const kDefaultPolicy;

// The default policy per attestation type: Cloister's above; for hardware
// evidence, deny debug enclaves and VMs and revoked TCBs, permit the rest.
const char* default_policy(const std::string& type);

struct PolicySnapshot {
  std::string text;
  std::string hash;  // x-ms-policy-hash
  policy::Policy parsed;
  bool is_default = false;
};

class PolicyStore {
 public:
  // Loads <dir>/<type>.policy or the default policy; `change_log` is the log file.
  static Result<std::unique_ptr<PolicyStore>> open(const std::string& dir, std::string type,
                                                   std::string change_log);

  [[nodiscard]] std::shared_ptr<const PolicySnapshot> current() const;

  // Replaces the policy. invalid_argument "line L, column C: ..." for a
  // syntax error; conflict when `if_match` names another hash than the current one.
  Result<std::shared_ptr<const PolicySnapshot>> set(const std::string& text,
                                                    const std::optional<std::string>& if_match);
  // Back to the default policy.
  Result<std::shared_ptr<const PolicySnapshot>> reset(const std::optional<std::string>& if_match);

 private:
  PolicyStore(std::string path, std::string type, std::string change_log)
      : path_(std::move(path)),
        type_(std::move(type)),
        change_log_(std::move(change_log)),
        default_text_(default_policy(type_)) {}
  Result<std::shared_ptr<const PolicySnapshot>> replace(const std::string& text, bool is_default,
                                                        const std::optional<std::string>& if_match,
                                                        const char* action);

  const std::string path_;
  const std::string type_;
  const std::string change_log_;
  const std::string default_text_;
  std::mutex write_mutex_;            // one update at a time, file and memory together
  mutable std::mutex current_mutex_;  // guards the pointer only, so reads never wait for disk
  std::shared_ptr<const PolicySnapshot> current_;
};

// Parses into a snapshot (hash included).
Result<std::shared_ptr<const PolicySnapshot>> make_snapshot(const std::string& text, bool is_default);

}  // namespace cloister::attestd
