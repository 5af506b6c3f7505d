#include "dcap/collateral_span.h"

#include <string>

#include "dcap/collateral_fields.h"

namespace cloister::dcap {

namespace {

bool is_space(char c) {
  return c == ' ' || c == '\n' || c == '\r' || c == '\t';
}

// A bounds-checked cursor over the text; every read checks `at_end` first.
class Scanner {
 public:
  explicit Scanner(std::string_view text) : text_(text) {}

  [[nodiscard]] bool at_end() const { return pos_ >= text_.size(); }
  [[nodiscard]] char peek() const { return text_[pos_]; }
  [[nodiscard]] std::size_t pos() const { return pos_; }
  void skip_space() {
    while (!at_end() && is_space(peek())) ++pos_;
  }
  bool consume(char c) {
    if (at_end() || peek() != c) return false;
    ++pos_;
    return true;
  }

  // At a '"': moves past the closing quote. Escapes are skipped as two
  // characters, which covers \" and \\ (the \uXXXX digits are plain text).
  bool skip_string() {
    if (!consume('"')) return false;
    while (!at_end()) {
      char c = text_[pos_++];
      if (c == '"') return true;
      if (c == '\\') {
        if (at_end()) return false;
        ++pos_;
      } else if (static_cast<unsigned char>(c) < 0x20) {
        return false;  // control characters must be escaped in JSON strings
      }
    }
    return false;
  }

  // Moves past one value of any type. Containers are skipped by counting
  // brackets iteratively (no recursion), strings with skip_string.
  bool skip_value() {
    if (at_end()) return false;
    char first = peek();
    if (first == '"') return skip_string();
    if (first == '{' || first == '[') {
      std::string open;  // the stack of unclosed brackets
      while (!at_end()) {
        char c = peek();
        if (c == '"') {
          if (!skip_string()) return false;
          continue;
        }
        ++pos_;
        if (c == '{' || c == '[') {
          open.push_back(c);
        } else if (c == '}' || c == ']') {
          if (open.empty() || open.back() != (c == '}' ? '{' : '[')) return false;
          open.pop_back();
          if (open.empty()) return true;
        }
      }
      return false;
    }
    // A number, true, false or null: up to the next structural character.
    std::size_t start = pos_;
    while (!at_end() && !is_space(peek()) && peek() != ',' && peek() != '}' && peek() != ']') ++pos_;
    return pos_ > start;
  }

  [[nodiscard]] std::string_view slice(std::size_t from, std::size_t to) const {
    return text_.substr(from, to - from);
  }

 private:
  std::string_view text_;
  std::size_t pos_ = 0;
};

}  // namespace

Result<std::string_view> find_member_span(std::string_view json, std::string_view key) {
  const std::string what = "\"" + std::string(key) + "\"";
  Scanner scan(json);
  scan.skip_space();
  if (!scan.consume('{')) return error(ErrorCode::decode_error, "expected a JSON object holding " + what);
  std::string_view found;
  bool have = false;
  scan.skip_space();
  if (!scan.consume('}')) {
    while (true) {
      scan.skip_space();
      std::size_t key_start = scan.pos();
      if (!scan.skip_string()) return error(ErrorCode::decode_error, "malformed member name in JSON object");
      std::string_view name = scan.slice(key_start + 1, scan.pos() - 1);
      scan.skip_space();
      if (!scan.consume(':')) return error(ErrorCode::decode_error, "expected ':' after a member name");
      scan.skip_space();
      std::size_t value_start = scan.pos();
      bool is_target = name == key;
      if (is_target && (scan.at_end() || scan.peek() != '{'))
        return error(ErrorCode::decode_error, what + " is not a JSON object");
      if (!scan.skip_value())
        return error(ErrorCode::decode_error, "malformed value of member \"" + std::string(name) + "\"");
      if (is_target) {
        if (have) return error(ErrorCode::decode_error, what + " appears twice");
        found = scan.slice(value_start, scan.pos());
        have = true;
      }
      scan.skip_space();
      if (scan.consume('}')) break;
      if (!scan.consume(',')) return error(ErrorCode::decode_error, "expected ',' or '}' in JSON object");
    }
  }
  scan.skip_space();
  if (!scan.at_end()) return error(ErrorCode::decode_error, "trailing bytes after the JSON object");
  if (!have) return error(ErrorCode::decode_error, "no member " + what);
  return found;
}

Status check_json_depth(std::string_view json, std::size_t max_depth) {
  std::size_t depth = 0;
  bool in_string = false;
  for (std::size_t i = 0; i < json.size(); ++i) {
    char c = json[i];
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      if (++depth > max_depth)
        return error(ErrorCode::decode_error, "JSON nested deeper than " + std::to_string(max_depth));
    } else if ((c == '}' || c == ']') && depth > 0) {
      --depth;
    }
  }
  return Status::ok();
}

Result<SignedCollateral> parse_signed_response(std::string_view text, std::string_view key) {
  const std::string what = "PCS response";
  // Parsing the whole text first rejects anything the span scanner would
  // tolerate (bad numbers, bad escapes, invalid UTF-8).
  CLOISTER_ASSIGN_OR_RETURN(nlohmann::json parsed, fields::parse_object(text, what));
  CLOISTER_ASSIGN_OR_RETURN(std::string_view body, find_member_span(text, key));
  CLOISTER_ASSIGN_OR_RETURN(Bytes signature, fields::hex(parsed, "", "signature", 64));
  return SignedCollateral{std::string(body), std::move(signature)};
}

}  // namespace cloister::dcap
