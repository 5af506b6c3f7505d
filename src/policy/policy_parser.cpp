#include "policy/policy_parser.h"

#include <optional>
#include <utility>

#include "policy/policy_lexer.h"

namespace cloister::policy {
namespace {

enum class Section { configuration, authorization, issuance };

class Parser {
 public:
  explicit Parser(std::vector<Token> tokens) : tokens_(std::move(tokens)) {}

  Result<Policy> run() {
    Policy policy;
    CLOISTER_RETURN_IF_ERROR(parse_version(policy));
    bool seen[3] = {false, false, false};
    while (cur().kind != Tok::end) {
      const Token& name = cur();
      Section section;
      if (is_keyword(name, "configurationrules")) {
        section = Section::configuration;
      } else if (is_keyword(name, "authorizationrules")) {
        section = Section::authorization;
      } else if (is_keyword(name, "issuancerules")) {
        section = Section::issuance;
      } else {
        return fail(name, "expected 'authorizationrules', 'issuancerules' or 'configurationrules'");
      }
      if (section == Section::configuration && policy.major == 1 && policy.minor == 0) {
        return fail(
            name, "expected 'authorizationrules' or 'issuancerules' (configurationrules needs version 1.1)");
      }
      auto& seen_flag = seen[static_cast<int>(section)];
      if (seen_flag) return fail(name, "expected each section at most once");
      seen_flag = true;
      ++index_;
      CLOISTER_RETURN_IF_ERROR(expect(Tok::lbrace, "'{'"));
      std::vector<Rule>& rules = section == Section::configuration   ? policy.configuration_rules
                                 : section == Section::authorization ? policy.authorization_rules
                                                                     : policy.issuance_rules;
      while (cur().kind != Tok::rbrace) {
        if (cur().kind == Tok::end) return fail(cur(), "expected '}' to close the section");
        if (++rule_count_ > kMaxRules) {
          return error(ErrorCode::out_of_range, "line " + std::to_string(cur().line) + ", column " +
                                                    std::to_string(cur().column) + ": expected at most " +
                                                    std::to_string(kMaxRules) + " rules");
        }
        CLOISTER_ASSIGN_OR_RETURN(Rule rule, parse_rule(section));
        rules.push_back(std::move(rule));
      }
      ++index_;
      CLOISTER_RETURN_IF_ERROR(expect(Tok::semicolon, "';' after the section's '}'"));
    }
    return policy;
  }

 private:
  const Token& cur() const { return tokens_[index_]; }  // the last token is always Tok::end

  static bool is_keyword(const Token& token, std::string_view word) {
    return token.kind == Tok::ident && iequals(token.text, word);
  }

  static Status fail(const Token& at, const std::string& what) {
    return syntax_error(at.line, at.column, what);
  }

  Status expect(Tok kind, const std::string& what) {
    if (cur().kind != kind) return fail(cur(), "expected " + what);
    ++index_;
    return Status::ok();
  }

  Status expect_keyword(std::string_view word) {
    if (!is_keyword(cur(), word)) return fail(cur(), "expected '" + std::string(word) + "'");
    ++index_;
    return Status::ok();
  }

  Status parse_version(Policy& policy) {
    CLOISTER_RETURN_IF_ERROR(expect_keyword("version"));
    CLOISTER_RETURN_IF_ERROR(expect(Tok::assign, "'=' after 'version'"));
    const Token& major = cur();
    CLOISTER_RETURN_IF_ERROR(expect(Tok::integer, "a version number such as 1.0"));
    CLOISTER_RETURN_IF_ERROR(expect(Tok::dot, "'.' in the version number"));
    const Token& minor = cur();
    CLOISTER_RETURN_IF_ERROR(expect(Tok::integer, "a minor version number"));
    // MAA documents versions 1.0, 1.1 and 1.2 (policy-version-1-0/-1-1/-1-2).
    if (major.number != 1 || minor.number < 0 || minor.number > 2) {
      return fail(major, "expected version 1.0, 1.1 or 1.2");
    }
    policy.major = 1;
    policy.minor = static_cast<int>(minor.number);
    return expect(Tok::semicolon, "';' after the version");
  }

  Result<Rule> parse_rule(Section section) {
    Rule rule;
    rule.line = cur().line;
    if (cur().kind != Tok::arrow) {
      while (true) {
        if (rule.conditions.size() >= kMaxConditionsPerRule) {
          return fail(cur(),
                      "expected at most " + std::to_string(kMaxConditionsPerRule) + " conditions in a rule");
        }
        CLOISTER_ASSIGN_OR_RETURN(Condition condition, parse_condition(rule));
        rule.conditions.push_back(std::move(condition));
        if (cur().kind != Tok::and_and) break;
        ++index_;
      }
    }
    CLOISTER_RETURN_IF_ERROR(expect(Tok::arrow, "'=>' or '&&'"));
    CLOISTER_ASSIGN_OR_RETURN(rule.action, parse_action(rule, section));
    CLOISTER_RETURN_IF_ERROR(expect(Tok::semicolon, "';' after the action"));
    return rule;
  }

  Result<Condition> parse_condition(const Rule& rule) {
    Condition condition;
    if (cur().kind == Tok::ident) {
      const Token& name = cur();
      if (find_condition(rule, name.text).has_value())
        return fail(name, "expected a claim variable not used before");
      condition.name = name.text;
      ++index_;
      CLOISTER_RETURN_IF_ERROR(expect(Tok::colon, "':' after the claim variable"));
    }
    CLOISTER_RETURN_IF_ERROR(expect(Tok::lbracket, "'[' to start a condition"));
    while (true) {
      if (condition.properties.size() >= kMaxPropertiesPerCondition) {
        return fail(cur(), "expected at most " + std::to_string(kMaxPropertiesPerCondition) +
                               " property conditions in a condition");
      }
      CLOISTER_ASSIGN_OR_RETURN(PropertyCondition property, parse_property(rule));
      condition.properties.push_back(std::move(property));
      if (cur().kind == Tok::comma) {
        ++index_;
        continue;
      }
      CLOISTER_RETURN_IF_ERROR(expect(Tok::rbracket, "',' or ']'"));
      return condition;
    }
  }

  static std::optional<std::size_t> find_condition(const Rule& rule, const std::string& name) {
    for (std::size_t i = 0; i < rule.conditions.size(); ++i) {
      if (rule.conditions[i].name == name) return i;
    }
    return std::nullopt;
  }

  Result<Field> parse_field() {
    const Token& token = cur();
    if (is_keyword(token, "type")) {
      ++index_;
      return Field::type;
    }
    if (is_keyword(token, "value")) {
      ++index_;
      return Field::value;
    }
    if (is_keyword(token, "issuer")) {
      ++index_;
      return Field::issuer;
    }
    return fail(token, "expected 'type', 'value' or 'issuer'");
  }

  Result<PropertyCondition> parse_property(const Rule& rule) {
    PropertyCondition property;
    CLOISTER_ASSIGN_OR_RETURN(property.field, parse_field());
    const Token& op = cur();
    switch (op.kind) {
      case Tok::eq:
        property.op = Op::eq;
        break;
      case Tok::ne:
        property.op = Op::ne;
        break;
      case Tok::lt:
        property.op = Op::lt;
        break;
      case Tok::le:
        property.op = Op::le;
        break;
      case Tok::gt:
        property.op = Op::gt;
        break;
      case Tok::ge:
        property.op = Op::ge;
        break;
      default:
        return fail(op, "expected a comparison operator ==, !=, <, <=, > or >=");
    }
    ++index_;
    const Token& operand_token = cur();
    CLOISTER_ASSIGN_OR_RETURN(property.operand, parse_operand(rule));
    const bool ordering = property.op != Op::eq && property.op != Op::ne;
    if (!property.operand.is_reference) {
      const bool is_int = std::holds_alternative<std::int64_t>(property.operand.literal);
      const bool is_string = std::holds_alternative<std::string>(property.operand.literal);
      if (ordering && !is_int) return fail(operand_token, "expected an integer after an ordering operator");
      if (property.field != Field::value && !is_string) return fail(operand_token, "expected a string");
    }
    if (ordering && property.field != Field::value) {
      return fail(op, "expected == or != (type and issuer are strings)");
    }
    return property;
  }

  Result<Operand> parse_operand(const Rule& rule) {
    const Token& token = cur();
    Operand operand;
    switch (token.kind) {
      case Tok::string:
        operand.literal = token.text;
        ++index_;
        return operand;
      case Tok::integer:
        operand.literal = token.number;
        ++index_;
        return operand;
      case Tok::ident:
        break;
      default:
        return fail(token,
                    "expected a string, integer, true, false or a claim variable property like c.value");
    }
    if (is_keyword(token, "true") || is_keyword(token, "false")) {
      operand.literal = is_keyword(token, "true");
      ++index_;
      return operand;
    }
    const auto referenced = find_condition(rule, token.text);
    if (!referenced)
      return fail(token, "expected a claim variable named in an earlier condition of this rule");
    ++index_;
    CLOISTER_RETURN_IF_ERROR(expect(Tok::dot, "'.' after the claim variable"));
    operand.is_reference = true;
    operand.condition = *referenced;
    CLOISTER_ASSIGN_OR_RETURN(operand.field, parse_field());
    return operand;
  }

  Result<Action> parse_action(const Rule& rule, Section section) {
    const Token& verb = cur();
    Action action;
    if (is_keyword(verb, "permit")) {
      action.kind = ActionKind::permit;
    } else if (is_keyword(verb, "deny")) {
      action.kind = ActionKind::deny;
    } else if (is_keyword(verb, "add")) {
      action.kind = ActionKind::add;
    } else if (is_keyword(verb, "issue")) {
      action.kind = ActionKind::issue;
    } else if (is_keyword(verb, "issueproperty")) {
      action.kind = ActionKind::issueproperty;
    } else {
      return fail(verb, "expected an action: permit(), deny(), add(), issue() or issueproperty()");
    }
    // Which section allows which action: the action table in claim-rule-grammar;
    // issueproperty in configurationrules: the default SGX policy in policy-examples.
    const bool allowed = section == Section::authorization
                             ? (action.kind == ActionKind::permit || action.kind == ActionKind::deny ||
                                action.kind == ActionKind::add)
                         : section == Section::issuance
                             ? (action.kind == ActionKind::add || action.kind == ActionKind::issue ||
                                action.kind == ActionKind::issueproperty)
                             : action.kind == ActionKind::issueproperty;
    if (!allowed) {
      return fail(
          verb, section == Section::authorization ? "expected permit(), deny() or add() in authorizationrules"
                : section == Section::issuance ? "expected add(), issue() or issueproperty() in issuancerules"
                                               : "expected issueproperty() in configurationrules");
    }
    ++index_;
    CLOISTER_RETURN_IF_ERROR(expect(Tok::lparen, "'(' after the action"));
    if (action.kind == ActionKind::permit || action.kind == ActionKind::deny) {
      CLOISTER_RETURN_IF_ERROR(expect(Tok::rparen, "')': permit() and deny() take no arguments"));
      return action;
    }
    if (is_keyword(cur(), "claim")) {
      ++index_;
      CLOISTER_RETURN_IF_ERROR(expect(Tok::assign, "'=' after 'claim'"));
      const Token& name = cur();
      if (name.kind != Tok::ident) return fail(name, "expected a claim variable");
      const auto referenced = find_condition(rule, name.text);
      if (!referenced) return fail(name, "expected a claim variable named in this rule's conditions");
      ++index_;
      action.copies_claim = true;
      action.claim_condition = *referenced;
    } else {
      CLOISTER_RETURN_IF_ERROR(expect_keyword("type"));
      CLOISTER_RETURN_IF_ERROR(expect(Tok::assign, "'=' after 'type'"));
      const Token& type_token = cur();
      CLOISTER_ASSIGN_OR_RETURN(action.type, parse_operand(rule));
      if (!action.type.is_reference && !std::holds_alternative<std::string>(action.type.literal)) {
        return fail(type_token, "expected a string claim type");
      }
      CLOISTER_RETURN_IF_ERROR(expect(Tok::comma, "',' then 'value='"));
      CLOISTER_RETURN_IF_ERROR(expect_keyword("value"));
      CLOISTER_RETURN_IF_ERROR(expect(Tok::assign, "'=' after 'value'"));
      CLOISTER_ASSIGN_OR_RETURN(action.value, parse_operand(rule));
    }
    CLOISTER_RETURN_IF_ERROR(expect(Tok::rparen, "')' to close the action"));
    return action;
  }

  std::vector<Token> tokens_;
  std::size_t index_ = 0;
  std::size_t rule_count_ = 0;
};

}  // namespace

Result<Policy> parse_policy(std::string_view text) {
  if (text.size() > kMaxPolicyBytes) {
    return error(ErrorCode::out_of_range, "policy text is " + std::to_string(text.size()) +
                                              " bytes; expected at most " + std::to_string(kMaxPolicyBytes));
  }
  CLOISTER_ASSIGN_OR_RETURN(std::vector<Token> tokens, tokenize(text));
  return Parser(std::move(tokens)).run();
}

}  // namespace cloister::policy
