#include "collector/sql/sql_tokens.h"

#include <algorithm>
#include <cctype>

namespace mamori::sql {

namespace {

bool IsWordStart(char c) {
  return std::isalpha(static_cast<unsigned char>(c)) != 0 || c == '_' ||
         static_cast<unsigned char>(c) >= 0x80;
}

bool IsWordChar(char c) {
  return IsWordStart(c) || std::isdigit(static_cast<unsigned char>(c)) != 0;
}

// The end (one past the closing quote) of the quoted text starting at
// sql[i], where a doubled `close` is one character inside (not for ']'), or
// npos when it is never closed.
size_t QuotedEnd(std::string_view sql, size_t i, char close) {
  size_t j = i + 1;
  for (;;) {
    j = sql.find(close, j);
    if (j == std::string_view::npos) return j;
    if (close != ']' && j + 1 < sql.size() && sql[j + 1] == close) {
      j += 2;
      continue;
    }
    return j + 1;
  }
}

}  // namespace

std::vector<Token> Tokenize(std::string_view sql) {
  std::vector<Token> tokens;
  int line = 1;
  size_t i = 0;
  const size_t n = sql.size();
  auto emit = [&](TokenKind kind, size_t end) {
    tokens.push_back({kind, sql.substr(i, end - i), line});
    line +=
        static_cast<int>(std::count(sql.begin() + i, sql.begin() + end, '\n'));
    i = end;
  };
  auto skip = [&](size_t end) {
    line +=
        static_cast<int>(std::count(sql.begin() + i, sql.begin() + end, '\n'));
    i = end;
  };
  while (i < n) {
    const char c = sql[i];
    if (std::isspace(static_cast<unsigned char>(c)) != 0) {
      skip(i + 1);
    } else if (c == '-' && i + 1 < n && sql[i + 1] == '-') {
      const size_t end = sql.find('\n', i);
      skip(end == std::string_view::npos ? n : end);
    } else if (c == '/' && i + 1 < n && sql[i + 1] == '*') {
      const size_t end = sql.find("*/", i + 2);
      if (end == std::string_view::npos) {
        emit(TokenKind::kUnclosed, n);
      } else {
        skip(end + 2);
      }
    } else if (c == '\'' || c == '"' || c == '`' || c == '[') {
      const size_t end = QuotedEnd(sql, i, c == '[' ? ']' : c);
      if (end == std::string_view::npos) {
        emit(TokenKind::kUnclosed, n);
      } else {
        emit(c == '\'' ? TokenKind::kString : TokenKind::kQuotedName, end);
      }
    } else if ((c == 'x' || c == 'X') && i + 1 < n && sql[i + 1] == '\'') {
      const size_t end = QuotedEnd(sql, i + 1, '\'');
      emit(end == std::string_view::npos ? TokenKind::kUnclosed
                                         : TokenKind::kBlob,
           end == std::string_view::npos ? n : end);
    } else if (c == ':' && i + 1 < n && IsWordStart(sql[i + 1])) {
      size_t j = i + 1;
      while (j < n && IsWordChar(sql[j])) ++j;
      emit(TokenKind::kParameter, j);
    } else if (IsWordStart(c)) {
      size_t j = i;
      while (j < n && IsWordChar(sql[j])) ++j;
      emit(TokenKind::kWord, j);
    } else if (std::isdigit(static_cast<unsigned char>(c)) != 0 ||
               (c == '.' && i + 1 < n &&
                std::isdigit(static_cast<unsigned char>(sql[i + 1])) != 0)) {
      size_t j = i;
      while (j < n && (IsWordChar(sql[j]) || sql[j] == '.')) ++j;
      emit(TokenKind::kNumber, j);
    } else {
      // Operators: the longest of the two- and three-character ones first.
      size_t len = 1;
      for (std::string_view op : {"->>", "->", "==", "||", "<>",
                                  "<=", ">=", "!=", "<<", ">>", "::"}) {
        if (sql.substr(i, op.size()) == op) {
          len = op.size();
          break;
        }
      }
      emit(TokenKind::kSymbol, i + len);
    }
  }
  return tokens;
}

std::string Unquoted(const Token& token) {
  if (token.kind != TokenKind::kQuotedName || token.text.size() < 2) {
    return std::string(token.text);
  }
  const char close = token.text.front() == '[' ? ']' : token.text.front();
  const std::string_view inner = token.text.substr(1, token.text.size() - 2);
  std::string out;
  for (size_t k = 0; k < inner.size(); ++k) {
    out += inner[k];
    if (close != ']' && inner[k] == close && k + 1 < inner.size() &&
        inner[k + 1] == close) {
      ++k;
    }
  }
  return out;
}

}  // namespace mamori::sql
