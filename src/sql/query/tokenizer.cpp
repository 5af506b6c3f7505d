#include "sql/query/tokenizer.h"

#include <algorithm>
#include <array>

namespace cloister::sql::query {
namespace {

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}
bool is_digit(char c) {
  return c >= '0' && c <= '9';
}
bool is_hex_digit(char c) {
  return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}
// SQLite takes every byte >= 0x80 as part of an identifier.
bool is_id_start(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
         static_cast<unsigned char>(c) >= 0x80;
}
bool is_id_char(char c) {
  return is_id_start(c) || is_digit(c) || c == '$';
}
char upper(char c) {
  return (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c;
}

Status syntax_error(std::size_t offset, std::string what) {
  return error(ErrorCode::invalid_argument, "syntax error at offset " + std::to_string(offset) + ": " + what);
}

class Lexer {
 public:
  explicit Lexer(std::string_view sql) : s_(sql) {}

  Result<std::vector<Token>> run() {
    std::vector<Token> out;
    while (true) {
      CLOISTER_RETURN_IF_ERROR(skip_space_and_comments());
      if (pos_ >= s_.size()) break;
      auto token = next();
      if (!token.is_ok()) return token.status();
      out.push_back(std::move(token).value());
    }
    Token end;
    end.kind = TokenKind::end;
    end.offset = s_.size();
    end.text = s_.substr(s_.size());
    out.push_back(std::move(end));
    return out;
  }

 private:
  Status skip_space_and_comments() {
    while (pos_ < s_.size()) {
      if (is_space(s_[pos_])) {
        ++pos_;
      } else if (s_.substr(pos_, 2) == "--") {
        while (pos_ < s_.size() && s_[pos_] != '\n') ++pos_;
      } else if (s_.substr(pos_, 2) == "/*") {
        const std::size_t close = s_.find("*/", pos_ + 2);
        // SQLite accepts a comment left open at the end of the input.
        pos_ = close == std::string_view::npos ? s_.size() : close + 2;
      } else {
        break;
      }
    }
    return Status::ok();
  }

  Token make(TokenKind kind, std::size_t start, std::string value = {}) {
    Token t;
    t.kind = kind;
    t.offset = start;
    t.text = s_.substr(start, pos_ - start);
    t.value = std::move(value);
    return t;
  }

  // A quoted run closed by `close`, where a doubled `close` stands for one.
  Result<std::string> quoted(char close, bool doubling) {
    const std::size_t start = pos_;
    ++pos_;
    std::string value;
    while (pos_ < s_.size()) {
      const char c = s_[pos_++];
      if (c != close) {
        value.push_back(c);
        continue;
      }
      if (doubling && pos_ < s_.size() && s_[pos_] == close) {
        value.push_back(close);
        ++pos_;
        continue;
      }
      return value;
    }
    return syntax_error(start, std::string("unterminated quoted text starting with ") + s_[start]);
  }

  Result<Token> next() {
    const std::size_t start = pos_;
    const char c = s_[pos_];
    const char c1 = pos_ + 1 < s_.size() ? s_[pos_ + 1] : '\0';
    if (c == '\'') {
      CLOISTER_ASSIGN_OR_RETURN(std::string v, quoted('\'', true));
      return make(TokenKind::string, start, std::move(v));
    }
    if ((c == 'N' || c == 'n') && c1 == '\'') {
      ++pos_;
      CLOISTER_ASSIGN_OR_RETURN(std::string v, quoted('\'', true));
      Token t = make(TokenKind::string, start, std::move(v));
      t.national = true;
      return t;
    }
    if ((c == 'X' || c == 'x') && c1 == '\'') {
      ++pos_;
      CLOISTER_ASSIGN_OR_RETURN(std::string v, quoted('\'', false));
      if (v.size() % 2 != 0 || !std::all_of(v.begin(), v.end(), is_hex_digit))
        return syntax_error(start, "malformed blob literal");
      return make(TokenKind::blob, start, std::move(v));
    }
    if (c == '"' || c == '`' || c == '[') {
      std::string v;
      if (c == '[') {
        CLOISTER_ASSIGN_OR_RETURN(v, quoted(']', false));
      } else {
        CLOISTER_ASSIGN_OR_RETURN(v, quoted(c, true));
      }
      Token t = make(TokenKind::identifier, start, std::move(v));
      t.quoted = true;
      return t;
    }
    if (c == '0' && (c1 == 'x' || c1 == 'X')) {
      pos_ += 2;
      while (pos_ < s_.size() && is_hex_digit(s_[pos_])) ++pos_;
      if (pos_ < s_.size() && is_id_char(s_[pos_])) return syntax_error(start, "malformed hex literal");
      return make(TokenKind::hex, start, std::string(s_.substr(start + 2, pos_ - start - 2)));
    }
    if (is_digit(c) || (c == '.' && is_digit(c1))) return number(start);
    if (is_id_start(c)) {
      while (pos_ < s_.size() && is_id_char(s_[pos_])) ++pos_;
      return make(TokenKind::identifier, start, std::string(s_.substr(start, pos_ - start)));
    }
    if (c == '?') {
      ++pos_;
      while (pos_ < s_.size() && is_digit(s_[pos_])) ++pos_;
      return make(TokenKind::parameter, start);
    }
    if (c == ':' || c == '@' || c == '$') return named_parameter(start);
    return op(start);
  }

  Result<Token> number(std::size_t start) {
    auto digits = [&] {
      while (pos_ < s_.size() && (is_digit(s_[pos_]) || s_[pos_] == '_')) ++pos_;
    };
    digits();
    if (pos_ < s_.size() && s_[pos_] == '.') {
      ++pos_;
      digits();
    }
    if (pos_ < s_.size() && (s_[pos_] == 'e' || s_[pos_] == 'E')) {
      const std::size_t save = pos_++;
      if (pos_ < s_.size() && (s_[pos_] == '+' || s_[pos_] == '-')) ++pos_;
      if (pos_ < s_.size() && is_digit(s_[pos_])) {
        digits();
      } else {
        pos_ = save;
      }
    }
    if (pos_ < s_.size() && is_id_char(s_[pos_])) return syntax_error(start, "malformed number");
    return make(TokenKind::number, start);
  }

  // :name @name $name; $ names may contain "::" and end with a "(...)" suffix (Tcl style).
  Result<Token> named_parameter(std::size_t start) {
    const char prefix = s_[pos_++];
    const std::size_t name_start = pos_;
    while (pos_ < s_.size()) {
      if (is_id_char(s_[pos_])) {
        ++pos_;
      } else if (prefix == '$' && s_.substr(pos_, 2) == "::") {
        pos_ += 2;
      } else if (prefix == '$' && s_[pos_] == '(') {
        const std::size_t close = s_.find(')', pos_);
        if (close == std::string_view::npos) return syntax_error(start, "unterminated parameter name");
        pos_ = close + 1;
        break;
      } else {
        break;
      }
    }
    if (pos_ == name_start)
      return syntax_error(start, std::string("a parameter name must follow '") + prefix + "'");
    return make(TokenKind::parameter, start);
  }

  Result<Token> op(std::size_t start) {
    static constexpr std::array<std::string_view, 10> kTwoOrMore = {
        "->>", "==", "<>", "!=", "<=", ">=", "||", "<<", ">>", "->"};
    for (std::string_view o : kTwoOrMore) {
      if (s_.substr(pos_, o.size()) == o) {
        pos_ += o.size();
        return make(TokenKind::op, start);
      }
    }
    static constexpr std::string_view kSingle = "(),;.=<>+-*/%&|~";
    if (kSingle.find(s_[pos_]) == std::string_view::npos) {
      const auto byte = static_cast<unsigned char>(s_[pos_]);
      return syntax_error(start, "unexpected character 0x" + std::string(1, "0123456789abcdef"[byte >> 4]) +
                                     std::string(1, "0123456789abcdef"[byte & 15]));
    }
    ++pos_;
    return make(TokenKind::op, start);
  }

  std::string_view s_;
  std::size_t pos_ = 0;
};

constexpr std::string_view kReserved[] = {
    "ADD",      "ALL",     "ALTER",  "AND",        "AS",     "AUTOINCREMENT", "BETWEEN",    "CASE",
    "CHECK",    "COLLATE", "COMMIT", "CONSTRAINT", "CREATE", "DEFAULT",       "DEFERRABLE", "DELETE",
    "DISTINCT", "DROP",    "ELSE",   "ESCAPE",     "EXCEPT", "EXISTS",        "FILTER",     "FOREIGN",
    "FROM",     "GROUP",   "HAVING", "IN",         "INDEX",  "INDEXED",       "INSERT",     "INTERSECT",
    "INTO",     "IS",      "ISNULL", "JOIN",       "LIMIT",  "NOT",           "NOTHING",    "NOTNULL",
    "NULL",     "ON",      "OR",     "ORDER",      "OVER",   "PRIMARY",       "REFERENCES", "RETURNING",
    "SELECT",   "SET",     "TABLE",  "THEN",       "TO",     "TRANSACTION",   "UNION",      "UNIQUE",
    "UPDATE",   "USING",   "VALUES", "WHEN",       "WHERE",  "WINDOW"};

constexpr std::string_view kOtherKeywords[] = {"ASC",
                                               "DESC",
                                               "LIKE",
                                               "GLOB",
                                               "REGEXP",
                                               "MATCH",
                                               "CAST",
                                               "END",
                                               "FIRST",
                                               "LAST",
                                               "NULLS",
                                               "KEY",
                                               "LEFT",
                                               "RIGHT",
                                               "FULL",
                                               "INNER",
                                               "OUTER",
                                               "CROSS",
                                               "NATURAL",
                                               "WITH",
                                               "RECURSIVE",
                                               "REPLACE",
                                               "OR",
                                               "ABORT",
                                               "FAIL",
                                               "IGNORE",
                                               "ROLLBACK",
                                               "CONFLICT",
                                               "DO",
                                               "TEMP",
                                               "TEMPORARY",
                                               "IF",
                                               "VIEW",
                                               "TRIGGER",
                                               "BEGIN",
                                               "END",
                                               "SAVEPOINT",
                                               "RELEASE",
                                               "PRAGMA",
                                               "EXPLAIN",
                                               "OFFSET",
                                               "PARTITION",
                                               "ROWS",
                                               "RANGE",
                                               "GROUPS",
                                               "CURRENT_DATE",
                                               "CURRENT_TIME",
                                               "TRUE",
                                               "FALSE",
                                               "MATERIALIZED",
                                               "RAISE",
                                               "COLUMN",
                                               "RENAME",
                                               "GENERATED",
                                               "ALWAYS",
                                               "WITHOUT",
                                               "ROWID",
                                               "STRICT",
                                               "CURRENT_TIMESTAMP",
                                               "INDEXED"};

template <std::size_t N>
bool in_list(const std::string_view (&list)[N], std::string_view word) {
  return std::any_of(std::begin(list), std::end(list), [&](std::string_view k) { return iequals(k, word); });
}

}  // namespace

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (upper(a[i]) != upper(b[i])) return false;
  }
  return true;
}

std::string lowercase(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

bool is_kw(const Token& t, std::string_view kw) {
  return t.kind == TokenKind::identifier && !t.quoted && iequals(t.text, kw);
}

bool is_any_kw(const Token& t, std::initializer_list<const char*> words) {
  for (const char* w : words) {
    if (is_kw(t, w)) return true;
  }
  return false;
}

bool is_op(const Token& t, std::string_view op) {
  return t.kind == TokenKind::op && t.text == op;
}

bool is_reserved_word(std::string_view word) {
  return in_list(kReserved, word);
}

bool is_keyword(std::string_view word) {
  return in_list(kReserved, word) || in_list(kOtherKeywords, word);
}

Result<std::vector<Token>> tokenize(std::string_view sql) {
  return Lexer(sql).run();
}

}  // namespace cloister::sql::query
