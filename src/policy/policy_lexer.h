// Tokens of MAA's attestation policy language, with their line and column
// so every syntax error can say where it is.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "cloister/result.h"

namespace cloister::policy {

enum class Tok {
  end,
  ident,
  integer,
  string,
  assign,   // =
  eq,       // ==
  ne,       // !=
  lt,       // <
  le,       // <=
  gt,       // >
  ge,       // >=
  arrow,    // =>
  and_and,  // &&
  lbracket,
  rbracket,
  lparen,
  rparen,
  lbrace,
  rbrace,
  semicolon,
  comma,
  colon,
  dot,
};

struct Token {
  Tok kind = Tok::end;
  std::string text;  // identifier name or decoded string
  std::int64_t number = 0;
  std::size_t line = 1;
  std::size_t column = 1;
};

Status syntax_error(std::size_t line, std::size_t column, const std::string& what);
// ASCII case-insensitive comparison: MAA's keywords are not case-sensitive.
bool iequals(std::string_view a, std::string_view b);
// Splits policy text into tokens, ending with Tok::end.
Result<std::vector<Token>> tokenize(std::string_view text);

}  // namespace cloister::policy
