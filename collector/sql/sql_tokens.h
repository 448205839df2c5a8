#pragma once

// The one lexer of check SQL, shared by the policy layer's dialect check
// (collector/policy/check_dialect.h) and the SQLite sandbox's reading of the
// names a query spells (store/sqlite/check_queries.cpp). It splits text the
// way SQL does: string literals, quoted names and `--` / `/* */` comments are
// units, so a keyword inside a literal or comment is never a token.
//
// It never fails: text a backend would refuse (an unclosed literal or
// comment, `?`/`$`/`@`/`#` parameters, `::`, `==`, `->`) becomes a token of
// its own for the caller to judge. Below both users: it includes nothing of
// the store or the policy layer.
//
// Thread safety: pure functions.

#include <string>
#include <string_view>
#include <vector>

namespace mamori::sql {

enum class TokenKind {
  kWord,        // name or keyword: letters, digits, '_', bytes >= 0x80
  kQuotedName,  // "x", `x` or [x] (text as written, quotes included)
  kString,      // 'text' ('' inside), as written
  kBlob,        // X'ab01', as written
  kNumber,      // 12, 1.5, .5, 0x1F, 1e3
  kParameter,   // :name
  kSymbol,      // operator or punctuation: ( ) , . || <> <= == -> ->> :: ? $
  kUnclosed,    // a literal, quoted name or comment never closed: the rest
};

struct Token {
  TokenKind kind;
  std::string_view text;  // a view into the tokenized text
  int line;               // 1-based line where the token starts
};

// The tokens of `sql`; white space and closed comments are dropped.
std::vector<Token> Tokenize(std::string_view sql);

// The name a kQuotedName token stands for: the quotes removed and a doubled
// quote inside ("a""b") made one. Other tokens: their text.
std::string Unquoted(const Token& token);

}  // namespace mamori::sql
