#include "kbs/release_policy.h"

#include <cctype>
#include <charconv>

namespace cloister::kbs {

namespace {

// The grammar spells keywords "anyof"/"allof" while every example uses
// "anyOf"/"allOf"; like Key Vault, keywords match without regard to case.
bool keyword_is(std::string_view member, std::string_view keyword) {
  if (member.size() != keyword.size()) return false;
  for (std::size_t i = 0; i < member.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(member[i])) !=
        std::tolower(static_cast<unsigned char>(keyword[i])))
      return false;
  }
  return true;
}

struct OperatorName {
  const char* name;
  ClaimOperator op;
};
constexpr OperatorName kOperators[] = {
    {"equals", ClaimOperator::equals},   {"notEquals", ClaimOperator::not_equals},
    {"less", ClaimOperator::less},       {"lessOrEquals", ClaimOperator::less_or_equals},
    {"greater", ClaimOperator::greater}, {"greaterOrEquals", ClaimOperator::greater_or_equals},
    {"exists", ClaimOperator::exists}};

const char* operator_name(ClaimOperator op) {
  for (const auto& entry : kOperators)
    if (entry.op == op) return entry.name;
  return "?";
}

Status invalid(const std::string& where, const std::string& what) {
  return {ErrorCode::invalid_argument,
          "release policy" + (where.empty() ? std::string() : " at " + where) + ": " + what};
}

class Parser {
 public:
  Result<Condition> condition(const nlohmann::json& node, const std::string& where, std::size_t depth) {
    if (depth > kMaxPolicyDepth)
      return invalid(where, "nested deeper than " + std::to_string(kMaxPolicyDepth));
    if (++count_ > kMaxPolicyConditions)
      return invalid(where, "more than " + std::to_string(kMaxPolicyConditions) + " conditions");
    if (!node.is_object()) return invalid(where, "a condition must be a JSON object");
    if (node.size() == 1) {
      const auto only = node.begin();
      if (keyword_is(only.key(), "allOf") || keyword_is(only.key(), "anyOf")) {
        return group(keyword_is(only.key(), "allOf"), only.value(), where + "." + only.key(), depth);
      }
    }
    if (!node.contains("claim")) {
      return invalid(where,
                     "a condition is {\"claim\": NAME, \"equals\": VALUE} or {\"allOf\"|\"anyOf\": [...]}");
    }
    Condition out;
    bool have_operator = false;
    for (const auto& [key, value] : node.items()) {
      if (key == "claim") {
        if (!value.is_string() || value.get_ref<const std::string&>().empty())
          return invalid(where, "\"claim\" must be a non-empty string");
        out.claim = value.get<std::string>();
        continue;
      }
      bool known = false;
      for (const auto& entry : kOperators) {
        if (!keyword_is(key, entry.name)) continue;
        if (have_operator) return invalid(where, "a claim condition takes exactly one operator");
        known = have_operator = true;
        out.op = entry.op;
        out.value = value;
      }
      if (!known) {
        return invalid(where, "unknown member \"" + key +
                                  "\"; operators are equals, notEquals, less, lessOrEquals, greater, "
                                  "greaterOrEquals, exists");
      }
    }
    if (!have_operator)
      return invalid(where, "claim \"" + out.claim + "\" has no operator (e.g. \"equals\")");
    CLOISTER_RETURN_IF_ERROR(check_value(out, where));
    return out;
  }

  Result<Condition> group(bool all_of, const nlohmann::json& list, const std::string& where,
                          std::size_t depth) {
    if (!list.is_array() || list.empty()) return invalid(where, "must be a non-empty array of conditions");
    Condition out;
    out.kind = all_of ? Condition::Kind::all_of : Condition::Kind::any_of;
    for (std::size_t i = 0; i < list.size(); ++i) {
      CLOISTER_ASSIGN_OR_RETURN(Condition child,
                                condition(list[i], where + "[" + std::to_string(i) + "]", depth + 1));
      out.children.push_back(std::move(child));
    }
    return out;
  }

 private:
  static Status check_value(const Condition& c, const std::string& where) {
    const std::string what = "claim \"" + c.claim + "\" " + operator_name(c.op);
    switch (c.op) {
      case ClaimOperator::equals:
      case ClaimOperator::not_equals:
        if (!c.value.is_string() && !c.value.is_boolean() && !c.value.is_number())
          return invalid(where, what + " takes a string, number or boolean");
        return Status::ok();
      case ClaimOperator::exists:
        if (!c.value.is_boolean()) return invalid(where, what + " takes true or false");
        return Status::ok();
      default:
        if (!c.value.is_number()) return invalid(where, what + " takes a number");
        return Status::ok();
    }
  }

  std::size_t count_ = 0;
};

int compare_numbers(const nlohmann::json& a, const nlohmann::json& b) {
  if (a.is_number_integer() && b.is_number_integer()) {
    // Signed/unsigned mix: compare as long double only when needed.
    if (a.is_number_unsigned() == b.is_number_unsigned()) {
      if (a.is_number_unsigned()) {
        auto x = a.get<std::uint64_t>(), y = b.get<std::uint64_t>();
        return x < y ? -1 : (x > y ? 1 : 0);
      }
      auto x = a.get<std::int64_t>(), y = b.get<std::int64_t>();
      return x < y ? -1 : (x > y ? 1 : 0);
    }
  }
  const auto x = a.get<long double>(), y = b.get<long double>();
  return x < y ? -1 : (x > y ? 1 : 0);
}

// Values of different JSON types never compare equal: "false" is not false.
bool json_equals(const nlohmann::json& claim, const nlohmann::json& expected) {
  if (claim.is_number() && expected.is_number()) return compare_numbers(claim, expected) == 0;
  if (claim.type() != expected.type()) return false;
  return claim == expected;
}

std::string describe(const nlohmann::json* value) {
  if (value == nullptr) return "absent";
  std::string text = value->dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  if (text.size() > 80) text = text.substr(0, 77) + "...";
  return text;
}

// Returns OK or the reason the condition failed.
Status holds(const Condition& c, const nlohmann::json& claims) {
  if (c.kind != Condition::Kind::claim) {
    Status first_failure;
    for (const auto& child : c.children) {
      Status status = holds(child, claims);
      if (c.kind == Condition::Kind::any_of && status.is_ok()) return Status::ok();
      if (c.kind == Condition::Kind::all_of && !status.is_ok()) return status;
      if (first_failure.is_ok()) first_failure = status;
    }
    if (c.kind == Condition::Kind::all_of) return Status::ok();
    return {ErrorCode::verification_failed,
            "no condition of an anyOf holds (first: " + first_failure.message() + ")"};
  }
  const nlohmann::json* actual = find_claim(claims, c.claim);
  bool ok = false;
  switch (c.op) {
    case ClaimOperator::exists:
      ok = (actual != nullptr) == c.value.get<bool>();
      break;
    case ClaimOperator::equals:
      ok = actual != nullptr && json_equals(*actual, c.value);
      break;
    case ClaimOperator::not_equals:
      // An absent claim fails every condition but exists:false (the grammar
      // says a condition on a missing claim is not met).
      ok = actual != nullptr && !json_equals(*actual, c.value);
      break;
    default: {
      if (actual == nullptr || !actual->is_number()) break;
      const int order = compare_numbers(*actual, c.value);
      ok = (c.op == ClaimOperator::less && order < 0) ||
           (c.op == ClaimOperator::less_or_equals && order <= 0) ||
           (c.op == ClaimOperator::greater && order > 0) ||
           (c.op == ClaimOperator::greater_or_equals && order >= 0);
    }
  }
  if (ok) return Status::ok();
  return {ErrorCode::verification_failed, "claim " + c.claim + " is " + describe(actual) +
                                              ", policy requires " + operator_name(c.op) + " " +
                                              describe(&c.value)};
}

std::string_view trim_slash(std::string_view s) {
  if (!s.empty() && s.back() == '/') s.remove_suffix(1);
  return s;
}

}  // namespace

bool same_authority(std::string_view a, std::string_view b) {
  return !a.empty() && trim_slash(a) == trim_slash(b);
}

const nlohmann::json* find_claim(const nlohmann::json& claims, std::string_view name) {
  if (!claims.is_object()) return nullptr;
  if (auto it = claims.find(std::string(name)); it != claims.end()) return &*it;
  const nlohmann::json* node = &claims;
  while (!name.empty()) {
    const std::size_t dot = name.find('.');
    const std::string_view segment = name.substr(0, dot);
    name = dot == std::string_view::npos ? std::string_view() : name.substr(dot + 1);
    if (node->is_object()) {
      auto it = node->find(std::string(segment));
      if (it == node->end()) return nullptr;
      node = &*it;
    } else if (node->is_array()) {
      std::size_t index = 0;
      auto [end, ec] = std::from_chars(segment.data(), segment.data() + segment.size(), index);
      if (ec != std::errc() || end != segment.data() + segment.size() || index >= node->size())
        return nullptr;
      node = &(*node)[index];
    } else {
      return nullptr;
    }
  }
  return node;
}

Result<ReleasePolicy> ReleasePolicy::parse(const nlohmann::json& policy) {
  if (!policy.is_object()) return invalid("", "must be a JSON object");
  ReleasePolicy out;
  out.json_ = policy;
  bool have_version = false;
  const nlohmann::json* authorities = nullptr;
  std::string list_name;
  for (const auto& [key, value] : policy.items()) {
    if (key == "version") {
      if (value != "1.0.0") return invalid("version", "only version \"1.0.0\" of the grammar is supported");
      have_version = true;
    } else if (keyword_is(key, "anyOf") || keyword_is(key, "allOf")) {
      if (authorities != nullptr)
        return invalid("", "give one list of authorities (anyOf or allOf), not both");
      authorities = &value;
      list_name = key;
      out.all_of_ = keyword_is(key, "allOf");
    } else {
      return invalid("", "unknown member \"" + key + "\"; a policy has \"version\" and \"anyOf\"");
    }
  }
  if (!have_version) return invalid("", "missing \"version\": \"1.0.0\"");
  if (authorities == nullptr)
    return invalid("", "missing \"anyOf\": [ {\"authority\": ..., \"allOf\": [...]} ]");
  if (!authorities->is_array() || authorities->empty())
    return invalid(list_name, "must be a non-empty array of authorities");
  Parser parser;
  for (std::size_t i = 0; i < authorities->size(); ++i) {
    const std::string where = list_name + "[" + std::to_string(i) + "]";
    const nlohmann::json& node = (*authorities)[i];
    if (!node.is_object()) return invalid(where, "an authority must be a JSON object");
    AuthorityRule rule;
    bool have_conditions = false;
    for (const auto& [key, value] : node.items()) {
      if (key == "authority") {
        if (!value.is_string()) return invalid(where, "\"authority\" must be a string (the issuer URL)");
        rule.authority = value.get<std::string>();
        if (rule.authority.rfind("https://", 0) != 0 && rule.authority.rfind("http://", 0) != 0)
          return invalid(where, "\"authority\" must be an http(s) URL, the iss of the attestation tokens");
      } else if (keyword_is(key, "allOf") || keyword_is(key, "anyOf")) {
        if (have_conditions) return invalid(where, "an authority takes one allOf or anyOf, not both");
        have_conditions = true;
        CLOISTER_ASSIGN_OR_RETURN(
            rule.condition,
            parser.group(keyword_is(key, "allOf"), value, std::string(where).append(".").append(key), 1));
      } else {
        return invalid(
            where, "unknown member \"" + key + "\"; an authority has \"authority\" and \"allOf\"/\"anyOf\"");
      }
    }
    if (rule.authority.empty()) return invalid(where, "missing \"authority\"");
    if (!have_conditions) return invalid(where, "missing \"allOf\" or \"anyOf\" conditions");
    out.rules_.push_back(std::move(rule));
  }
  return out;
}

Result<ReleasePolicy> ReleasePolicy::parse_text(std::string_view text) {
  auto json = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded()) return invalid("", "not valid JSON");
  return parse(json);
}

bool ReleasePolicy::names_authority(std::string_view issuer) const {
  for (const auto& rule : rules_)
    if (same_authority(rule.authority, issuer)) return true;
  return false;
}

Status ReleasePolicy::evaluate(std::string_view issuer, const nlohmann::json& claims) const {
  if (!names_authority(issuer)) {
    return {ErrorCode::verification_failed,
            "issuer " + std::string(issuer) + " is not an authority of the key's policy"};
  }
  Status first_failure;
  for (const auto& rule : rules_) {
    // A token has one issuer, so a rule for another authority cannot hold.
    Status status = same_authority(rule.authority, issuer)
                        ? holds(rule.condition, claims)
                        : Status(ErrorCode::verification_failed,
                                 "authority " + rule.authority + " did not issue the token");
    if (!all_of_ && status.is_ok()) return Status::ok();
    if (all_of_ && !status.is_ok()) return status.with_context("release policy not satisfied");
    if (first_failure.is_ok() && same_authority(rule.authority, issuer)) first_failure = status;
  }
  if (all_of_) return Status::ok();
  return first_failure.with_context("release policy not satisfied");
}

}  // namespace cloister::kbs
