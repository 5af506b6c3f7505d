#include "attestd/policy_store.h"

#include <spdlog/spdlog.h>

#include <chrono>
#include <nlohmann/json.hpp>

#include "attestd/files.h"
#include "platform/private_files.h"
#include "policy/policy_hash.h"

namespace cloister::attestd {

// Rule order does not matter for deny: any deny() that fires wins over every
// permit() (src/policy/policy_eval.cpp), so the catch-all permit may come last.
const char* const kDefaultPolicy = R"(version= 1.0;
authorizationrules
{
    c:[type=="x-ms-sgx-is-debuggable", value==true] => deny();
    c:[type=="x-cloister-isolation", value=="none"] => deny();
    c:[type=="x-cloister-development-platform", value==true] => deny();
    => permit();
};
issuancerules
{
};
)";

namespace {

const char* const kSgxDefaultPolicy = R"(version= 1.0;
authorizationrules
{
    c:[type=="x-ms-sgx-is-debuggable", value==true] => deny();
    c:[type=="attester_tcb_status", value=="Revoked"] => deny();
    => permit();
};
issuancerules
{
};
)";

const char* const kTdxDefaultPolicy = R"(version= 1.0;
authorizationrules
{
    c:[type=="tdx_td_attributes_debug", value==true] => deny();
    c:[type=="attester_tcb_status", value=="Revoked"] => deny();
    => permit();
};
issuancerules
{
};
)";

const char* const kSevSnpDefaultPolicy = R"(version= 1.0;
authorizationrules
{
    c:[type=="x-ms-sevsnpvm-is-debuggable", value==true] => deny();
    => permit();
};
issuancerules
{
};
)";

}  // namespace

const char* default_policy(const std::string& type) {
  if (type == "SgxEnclave" || type == "OpenEnclave") return kSgxDefaultPolicy;
  if (type == "TdxVm") return kTdxDefaultPolicy;
  if (type == "SevSnpVm") return kSevSnpDefaultPolicy;
  return kDefaultPolicy;
}

Result<std::shared_ptr<const PolicySnapshot>> make_snapshot(const std::string& text, bool is_default) {
  auto parsed = policy::parse_policy(text);
  if (!parsed)
    return Status(ErrorCode::invalid_argument, "policy syntax error: " + parsed.status().message());
  auto snapshot = std::make_shared<PolicySnapshot>();
  snapshot->text = text;
  snapshot->hash = policy::policy_hash(text);
  snapshot->parsed = std::move(parsed).value();
  snapshot->is_default = is_default;
  return std::shared_ptr<const PolicySnapshot>(std::move(snapshot));
}

Result<std::unique_ptr<PolicyStore>> PolicyStore::open(const std::string& dir, std::string type,
                                                       std::string change_log) {
  // The path first: arguments are evaluated in no fixed order, and the type is moved.
  std::string path = dir + "/" + type + ".policy";
  std::unique_ptr<PolicyStore> store(
      new PolicyStore(std::move(path), std::move(type), std::move(change_log)));
  if (platform::path_exists(store->path_)) {
    CLOISTER_ASSIGN_OR_RETURN(Bytes raw, platform::read_file(store->path_, policy::kMaxPolicyBytes));
    const std::string text = to_string(raw);
    auto snapshot = make_snapshot(text, text == store->default_text_);
    if (!snapshot) return snapshot.status().with_context(store->path_);
    store->current_ = std::move(snapshot).value();
  } else {
    CLOISTER_ASSIGN_OR_RETURN(store->current_, make_snapshot(store->default_text_, true));
  }
  return store;
}

std::shared_ptr<const PolicySnapshot> PolicyStore::current() const {
  std::lock_guard lock(current_mutex_);
  return current_;
}

Result<std::shared_ptr<const PolicySnapshot>> PolicyStore::set(const std::string& text,
                                                               const std::optional<std::string>& if_match) {
  return replace(text, false, if_match, "set");
}

Result<std::shared_ptr<const PolicySnapshot>> PolicyStore::reset(const std::optional<std::string>& if_match) {
  return replace(default_text_, true, if_match, "reset");
}

Result<std::shared_ptr<const PolicySnapshot>> PolicyStore::replace(const std::string& text, bool is_default,
                                                                   const std::optional<std::string>& if_match,
                                                                   const char* action) {
  if (text.size() > policy::kMaxPolicyBytes) {
    return Status(ErrorCode::out_of_range,
                  "a policy is at most " + std::to_string(policy::kMaxPolicyBytes) + " bytes");
  }
  CLOISTER_ASSIGN_OR_RETURN(auto snapshot, make_snapshot(text, is_default));
  std::lock_guard write_lock(write_mutex_);
  const std::string old_hash = current()->hash;
  if (if_match && *if_match != old_hash) {
    return Status(ErrorCode::conflict, "the policy changed since you read it (its hash is now " + old_hash +
                                           "); read it again and retry");
  }
  // The file first: if it cannot be written, memory keeps the old policy too.
  CLOISTER_RETURN_IF_ERROR(atomic_write_file(path_, as_bytes(text), 0600));
  const auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
  nlohmann::json entry = {{"time_ms", now},
                          {"type", type_},
                          {"action", action},
                          {"old_hash", old_hash},
                          {"new_hash", snapshot->hash}};
  Status logged = append_line(change_log_, entry.dump(), 0600);
  if (!logged)
    spdlog::error("attestd: policy {} changed but the change log was not written: {}", type_,
                  logged.message());
  {
    std::lock_guard lock(current_mutex_);
    current_ = snapshot;
  }
  spdlog::info("attestd: policy {} {}: {} -> {}", type_, action, old_hash, snapshot->hash);
  return snapshot;
}

}  // namespace cloister::attestd
