// SQLite's lexical grammar, as the statement analysis needs it: identifiers
// (bare, "quoted", [bracketed], `backticked`), string literals ('' escapes,
// N'..'), blob literals X'..', SQL Server 0x.. hex literals, numbers,
// parameters (? ?NNN :name @name $name), operators and punctuation.
// Whitespace and comments (-- and /* */) separate tokens and are dropped;
// each token keeps its offset so the statement can be rewritten in place.
#pragma once

#include <cstddef>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "cloister/result.h"

namespace cloister::sql::query {

enum class TokenKind {
  identifier,  // bare or quoted; `value` is the unquoted name
  string,      // '..' or N'..'; `value` is the unescaped text
  blob,        // X'..'; `value` is the hex digits
  hex,         // 0x..; `value` is the hex digits (may be empty)
  number,
  parameter,  // `text` is the whole parameter ("?", "?3", ":x", "@x", "$x")
  op,         // operators and punctuation: ( ) , ; . = == <> != < <= > >= + - * / % || & | ~ << >> ->  ->>
  end,        // one at the end of every token list
};

struct Token {
  TokenKind kind = TokenKind::end;
  std::string_view text;  // the token's source text
  std::string value;      // identifier name / string contents / hex digits
  std::size_t offset = 0;
  bool quoted = false;    // identifier written quoted: never a keyword
  bool national = false;  // N'..'
};

// The tokens of `sql`, ending with one TokenKind::end token. Unterminated
// strings, identifiers, comments, and characters SQLite does not accept are
// invalid_argument.
Result<std::vector<Token>> tokenize(std::string_view sql);

// ASCII case-insensitive equality, as SQLite compares names and keywords.
bool iequals(std::string_view a, std::string_view b);
std::string lowercase(std::string_view s);

// True if `t` is the bare (unquoted) keyword `kw` (given in upper case).
bool is_kw(const Token& t, std::string_view kw);
// True if `t` is one of the bare keywords `words`.
bool is_any_kw(const Token& t, std::initializer_list<const char*> words);
// True if `t` is the operator or punctuation `op`.
bool is_op(const Token& t, std::string_view op);

// Words SQLite never takes as a bare name: they always mean their keyword.
bool is_reserved_word(std::string_view word);
// Any SQL keyword the analysis gives meaning to (reserved or not).
bool is_keyword(std::string_view word);

}  // namespace cloister::sql::query
