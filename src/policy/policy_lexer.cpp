#include "policy/policy_lexer.h"

#include <limits>

namespace cloister::policy {
namespace {

bool is_ident_start(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}
bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

char lower(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

class Lexer {
 public:
  explicit Lexer(std::string_view text) : text_(text) {}

  Result<std::vector<Token>> run() {
    std::vector<Token> tokens;
    while (true) {
      CLOISTER_RETURN_IF_ERROR(skip_space_and_comments());
      Token token;
      token.line = line_;
      token.column = column_;
      if (pos_ >= text_.size()) {
        tokens.push_back(token);
        return tokens;
      }
      const char c = text_[pos_];
      if (is_ident_start(c)) {
        while (pos_ < text_.size() && (is_ident_start(text_[pos_]) || is_digit(text_[pos_]))) {
          token.text.push_back(text_[pos_]);
          advance();
        }
        token.kind = Tok::ident;
      } else if (is_digit(c) || (c == '-' && pos_ + 1 < text_.size() && is_digit(text_[pos_ + 1]))) {
        CLOISTER_RETURN_IF_ERROR(lex_integer(token));
      } else if (c == '"') {
        CLOISTER_RETURN_IF_ERROR(lex_string(token));
      } else {
        CLOISTER_RETURN_IF_ERROR(lex_punct(token));
      }
      tokens.push_back(std::move(token));
    }
  }

 private:
  [[nodiscard]] char peek(std::size_t ahead = 0) const {
    return pos_ + ahead < text_.size() ? text_[pos_ + ahead] : '\0';
  }
  void advance() {
    if (text_[pos_] == '\n') {
      ++line_;
      column_ = 1;
    } else {
      ++column_;
    }
    ++pos_;
  }

  Status skip_space_and_comments() {
    while (pos_ < text_.size()) {
      const char c = text_[pos_];
      if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
        advance();
      } else if (c == '/' && peek(1) == '/') {
        while (pos_ < text_.size() && text_[pos_] != '\n') advance();
      } else if (c == '/' && peek(1) == '*') {
        const std::size_t line = line_;
        const std::size_t column = column_;
        advance();
        advance();
        while (true) {
          if (pos_ >= text_.size()) return syntax_error(line, column, "expected '*/' to close this comment");
          if (text_[pos_] == '*' && peek(1) == '/') {
            advance();
            advance();
            break;
          }
          advance();
        }
      } else {
        break;
      }
    }
    return Status::ok();
  }

  Status lex_integer(Token& token) {
    bool negative = false;
    if (text_[pos_] == '-') {
      negative = true;
      advance();
    }
    // Accumulate as a negative number so INT64_MIN is representable.
    std::int64_t value = 0;
    constexpr std::int64_t kMin = std::numeric_limits<std::int64_t>::min();
    while (pos_ < text_.size() && is_digit(text_[pos_])) {
      const int digit = text_[pos_] - '0';
      if (value < (kMin + digit) / 10) {
        return syntax_error(token.line, token.column, "expected an integer that fits in 64 bits");
      }
      value = value * 10 - digit;
      advance();
    }
    if (!negative) {
      if (value == kMin)
        return syntax_error(token.line, token.column, "expected an integer that fits in 64 bits");
      value = -value;
    }
    token.kind = Tok::integer;
    token.number = value;
    return Status::ok();
  }

  Status lex_string(Token& token) {
    advance();  // opening quote
    while (true) {
      if (pos_ >= text_.size() || text_[pos_] == '\n') {
        return syntax_error(token.line, token.column, "expected '\"' to close this string");
      }
      const char c = text_[pos_];
      if (c == '"') {
        advance();
        break;
      }
      if (c == '\\') {
        const char next = peek(1);
        if (next != '"' && next != '\\') {
          return syntax_error(line_, column_, "expected '\\\"' or '\\\\' escape in string");
        }
        advance();
        token.text.push_back(next);
        advance();
        continue;
      }
      token.text.push_back(c);
      advance();
    }
    token.kind = Tok::string;
    return Status::ok();
  }

  Status lex_punct(Token& token) {
    const char c = text_[pos_];
    const char n = peek(1);
    auto two = [&](Tok kind) {
      token.kind = kind;
      advance();
      advance();
    };
    auto one = [&](Tok kind) {
      token.kind = kind;
      advance();
    };
    switch (c) {
      case '=':
        if (n == '=') {
          two(Tok::eq);
        } else if (n == '>') {
          two(Tok::arrow);
        } else {
          one(Tok::assign);
        }
        return Status::ok();
      case '!':
        if (n == '=') {
          two(Tok::ne);
          return Status::ok();
        }
        break;
      case '<':
        if (n == '=') {
          two(Tok::le);
        } else {
          one(Tok::lt);
        }
        return Status::ok();
      case '>':
        if (n == '=') {
          two(Tok::ge);
        } else {
          one(Tok::gt);
        }
        return Status::ok();
      case '&':
        if (n == '&') {
          two(Tok::and_and);
          return Status::ok();
        }
        break;
      case '[':
        one(Tok::lbracket);
        return Status::ok();
      case ']':
        one(Tok::rbracket);
        return Status::ok();
      case '(':
        one(Tok::lparen);
        return Status::ok();
      case ')':
        one(Tok::rparen);
        return Status::ok();
      case '{':
        one(Tok::lbrace);
        return Status::ok();
      case '}':
        one(Tok::rbrace);
        return Status::ok();
      case ';':
        one(Tok::semicolon);
        return Status::ok();
      case ',':
        one(Tok::comma);
        return Status::ok();
      case ':':
        one(Tok::colon);
        return Status::ok();
      case '.':
        one(Tok::dot);
        return Status::ok();
      default:
        break;
    }
    return syntax_error(token.line, token.column, "expected a policy token, found an unexpected character");
  }

  std::string_view text_;
  std::size_t pos_ = 0;
  std::size_t line_ = 1;
  std::size_t column_ = 1;
};

}  // namespace

Status syntax_error(std::size_t line, std::size_t column, const std::string& what) {
  return error(ErrorCode::decode_error,
               "line " + std::to_string(line) + ", column " + std::to_string(column) + ": " + what);
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

Result<std::vector<Token>> tokenize(std::string_view text) {
  return Lexer(text).run();
}

}  // namespace cloister::policy
