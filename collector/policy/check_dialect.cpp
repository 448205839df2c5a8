#include "collector/policy/check_dialect.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <vector>

namespace mamori::policy {

namespace {

enum class TokenKind { kWord, kString, kNumber, kParameter, kSymbol };

struct Token {
  TokenKind kind;
  std::string_view text;
  int line;
};

bool IsWordStart(char c) {
  return std::isalpha(static_cast<unsigned char>(c)) != 0 || c == '_' ||
         static_cast<unsigned char>(c) >= 0x80;
}
bool IsWordChar(char c) {
  return IsWordStart(c) || std::isdigit(static_cast<unsigned char>(c)) != 0;
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

DialectViolation Violation(int line, std::string construct, std::string en,
                           std::string ja) {
  return DialectViolation{line, std::move(construct), std::move(en),
                          std::move(ja)};
}

// Splits `sql` into tokens; comments and white space are dropped. Returns a
// violation (line > 0) for text that is not portable at the lexical level.
DialectViolation Tokenize(std::string_view sql, std::vector<Token>& tokens) {
  int line = 1;
  size_t i = 0;
  const size_t n = sql.size();
  auto advance_to = [&](size_t end) {
    line +=
        static_cast<int>(std::count(sql.begin() + i, sql.begin() + end, '\n'));
    i = end;
  };
  while (i < n) {
    const char c = sql[i];
    const int start_line = line;
    if (c == '\n' || std::isspace(static_cast<unsigned char>(c)) != 0) {
      advance_to(i + 1);
    } else if (c == '-' && i + 1 < n && sql[i + 1] == '-') {
      const size_t end = sql.find('\n', i);
      advance_to(end == std::string_view::npos ? n : end);
    } else if (c == '/' && i + 1 < n && sql[i + 1] == '*') {
      const size_t end = sql.find("*/", i + 2);
      if (end == std::string_view::npos) {
        return Violation(start_line, "/*", "a comment that is never closed",
                         "閉じられていないコメント");
      }
      advance_to(end + 2);
    } else if (c == '\'') {
      size_t j = i + 1;
      for (;;) {
        j = sql.find('\'', j);
        if (j == std::string_view::npos) {
          return Violation(start_line, "'",
                           "a text literal that is never closed",
                           "閉じられていない文字列リテラル");
        }
        if (j + 1 < n && sql[j + 1] == '\'') {
          j += 2;  // '' inside a literal
          continue;
        }
        break;
      }
      tokens.push_back(
          {TokenKind::kString, sql.substr(i, j + 1 - i), start_line});
      advance_to(j + 1);
    } else if (c == '"') {
      return Violation(start_line, "\"",
                       "double quotes: SQLite reads \"text\" as a string when "
                       "no column has that name; write text in single quotes, "
                       "names without quotes",
                       "二重引用符: SQLite は同名の列がないと \"…\" を文字列と"
                       "みなします。文字列は単一引用符で、名前は引用符なしで"
                       "書いてください");
    } else if (c == '`' || c == '[') {
      return Violation(start_line, std::string(1, c),
                       "SQLite's quoting of names; write names without quotes",
                       "SQLite 独自の名前の引用です。名前は引用符なしで書いて"
                       "ください");
    } else if (c == ':' && i + 1 < n && IsWordStart(sql[i + 1])) {
      size_t j = i + 1;
      while (j < n && IsWordChar(sql[j])) ++j;
      tokens.push_back(
          {TokenKind::kParameter, sql.substr(i, j - i), start_line});
      advance_to(j);
    } else if (c == '?' || c == '$' || c == '@' || c == '#' ||
               (c == ':' && i + 1 < n && sql[i + 1] == ':')) {
      const std::string construct = c == ':' ? "::" : std::string(1, c);
      return Violation(
          start_line, construct,
          "a parameter or cast form one backend lacks; use named "
          "parameters (:name) and CAST(x AS type)",
          "一方のバックエンドにない引数・型変換の書き方です。名前付き"
          "引数（:name）と CAST(x AS 型) を使ってください");
    } else if (IsWordStart(c)) {
      size_t j = i;
      while (j < n && IsWordChar(sql[j])) ++j;
      if ((j - i == 1) && (c == 'x' || c == 'X') && j < n && sql[j] == '\'') {
        return Violation(start_line, "X'", "a blob literal (SQLite only)",
                         "BLOB リテラル（SQLite 独自）");
      }
      tokens.push_back({TokenKind::kWord, sql.substr(i, j - i), start_line});
      advance_to(j);
    } else if (std::isdigit(static_cast<unsigned char>(c)) != 0 ||
               (c == '.' && i + 1 < n &&
                std::isdigit(static_cast<unsigned char>(sql[i + 1])) != 0)) {
      size_t j = i;
      while (j < n && (IsWordChar(sql[j]) || sql[j] == '.')) ++j;
      tokens.push_back({TokenKind::kNumber, sql.substr(i, j - i), start_line});
      advance_to(j);
    } else {
      // Operators: the longest of the two- and three-character ones first.
      size_t len = 1;
      for (std::string_view op :
           {"->>", "->", "==", "||", "<>", "<=", ">=", "!=", "<<", ">>"}) {
        if (sql.substr(i, op.size()) == op) {
          len = op.size();
          break;
        }
      }
      const std::string_view op = sql.substr(i, len);
      if (op == "->" || op == "->>") {
        return Violation(
            start_line, std::string(op),
            "SQLite's JSON operator; use a view column",
            "SQLite の JSON 演算子です。ビューの列を使ってください");
      }
      if (op == "==") {
        return Violation(start_line, "==", "SQLite's '=='; write '='",
                         "SQLite 独自の '==' です。'=' と書いてください");
      }
      tokens.push_back({TokenKind::kSymbol, op, start_line});
      advance_to(i + len);
    }
  }
  return {};
}

constexpr std::array<std::string_view, 9> kForbiddenKeywords = {
    "glob",   "regexp", "match",   "pragma", "attach",
    "detach", "isnull", "notnull", "indexed"};

constexpr std::array<std::string_view, 4> kForbiddenWords = {"rowid", "_rowid_",
                                                             "oid", "collate"};

constexpr std::array<std::string_view, 3> kWallClock = {
    "current_date", "current_time", "current_timestamp"};

// SQLite functions (and their PostgreSQL near-namesakes with other
// meanings) a check may not call.
constexpr std::array<std::string_view, 30> kForbiddenFunctions = {
    "date",      "time",       "datetime",     "strftime",       "julianday",
    "unixepoch", "timediff",   "group_concat", "printf",         "format",
    "iif",       "instr",      "ifnull",       "char",           "hex",
    "unhex",     "randomblob", "zeroblob",     "typeof",         "likelihood",
    "likely",    "unlikely",   "total",        "glob",           "like",
    "quote",     "soundex",    "unicode",      "load_extension", "changes"};

bool In(std::string_view word, auto const& list) {
  return std::find(list.begin(), list.end(), word) != list.end();
}

bool StartsWith(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

// The number of top-level arguments of the call whose "(" is tokens[open].
int ArgumentCount(const std::vector<Token>& tokens, size_t open) {
  int depth = 0;
  int commas = 0;
  bool empty = true;
  for (size_t k = open; k < tokens.size(); ++k) {
    const std::string_view t = tokens[k].text;
    if (tokens[k].kind == TokenKind::kSymbol && t == "(") {
      ++depth;
      if (depth > 1) empty = false;
      continue;
    }
    if (tokens[k].kind == TokenKind::kSymbol && t == ")") {
      if (--depth == 0) break;
      continue;
    }
    empty = false;
    if (depth == 1 && tokens[k].kind == TokenKind::kSymbol && t == ",")
      ++commas;
  }
  return empty ? 0 : commas + 1;
}

}  // namespace

DialectViolation CheckDialect(std::string_view query) {
  std::vector<Token> tokens;
  if (DialectViolation v = Tokenize(query, tokens); v.line > 0) return v;
  for (size_t k = 0; k < tokens.size(); ++k) {
    const Token& t = tokens[k];
    if (t.kind != TokenKind::kWord) continue;
    const std::string word = Lower(t.text);
    const bool call = k + 1 < tokens.size() &&
                      tokens[k + 1].kind == TokenKind::kSymbol &&
                      tokens[k + 1].text == "(";
    // A name after "." is a column or table name, never a function or
    // keyword (e.g. s.match).
    const bool qualified = k > 0 && tokens[k - 1].kind == TokenKind::kSymbol &&
                           tokens[k - 1].text == ".";
    if (qualified) continue;
    if (In(word, kForbiddenKeywords)) {
      return Violation(
          t.line, std::string(t.text),
          "SQLite-only keyword (or a statement a check may not run)",
          "SQLite 独自のキーワード（またはチェックで実行できない文）"
          "です");
    }
    if (In(word, kForbiddenWords)) {
      return Violation(t.line, std::string(t.text),
                       "SQLite-only name or clause (row ids and collations "
                       "differ between backends)",
                       "SQLite 独自の名前または句です（行 ID と照合順序は"
                       "バックエンドごとに違います）");
    }
    if (In(word, kWallClock)) {
      return Violation(t.line, std::string(t.text),
                       "the database's clock, whose type differs between "
                       "backends; use the parameter :now (Unix seconds)",
                       "データベースの時計はバックエンドごとに型が違います。"
                       "引数 :now（Unix 秒）を使ってください");
    }
    if (call && (In(word, kForbiddenFunctions) || StartsWith(word, "json") ||
                 StartsWith(word, "sqlite_") || StartsWith(word, "mamori_"))) {
      std::string hint_en = "a SQLite-only function";
      std::string hint_ja = "SQLite 独自の関数です";
      if (word == "group_concat") {
        hint_en += "; use string_agg(value, separator)";
        hint_ja += "。string_agg(値, 区切り) を使ってください";
      } else if (StartsWith(word, "json")) {
        hint_en += "; use a view column";
        hint_ja += "。ビューの列を使ってください";
      } else if (word == "date" || word == "datetime" || word == "strftime" ||
                 word == "julianday" || word == "unixepoch" || word == "time" ||
                 word == "timediff") {
        hint_en +=
            "; compare Unix seconds with :now, or use utc_date() / "
            "utc_datetime()";
        hint_ja +=
            "。Unix 秒を :now と比べるか、utc_date() / utc_datetime() "
            "を使ってください";
      } else if (word == "iif" || word == "ifnull") {
        hint_en += "; use CASE or COALESCE";
        hint_ja += "。CASE か COALESCE を使ってください";
      } else if (word == "instr") {
        hint_en += "; use version_major() or LIKE";
        hint_ja += "。version_major() か LIKE を使ってください";
      }
      return Violation(t.line, std::string(t.text) + "(", hint_en, hint_ja);
    }
    if (call && (word == "max" || word == "min") &&
        ArgumentCount(tokens, k + 1) > 1) {
      return Violation(t.line, std::string(t.text) + "(…, …)",
                       "SQLite's scalar form of max/min; use CASE",
                       "SQLite 独自の複数引数の max/min です。CASE を使って"
                       "ください");
    }
    if (word == "is") {
      size_t next = k + 1;
      std::string construct(t.text);
      if (next < tokens.size() && Lower(tokens[next].text) == "not") {
        construct += " " + std::string(tokens[next].text);
        ++next;
      }
      const std::string operand =
          next < tokens.size() ? Lower(tokens[next].text) : "";
      if (operand == "null" || operand == "distinct" || operand == "true" ||
          operand == "false") {
        continue;
      }
      construct +=
          next < tokens.size() ? " " + std::string(tokens[next].text) : "";
      return Violation(t.line, construct,
                       "SQLite's IS with a value; write IS [NOT] DISTINCT FROM "
                       "(or IS [NOT] NULL, TRUE, FALSE)",
                       "値との IS は SQLite 独自です。IS [NOT] DISTINCT FROM"
                       "（または IS [NOT] NULL、TRUE、FALSE）と書いてください");
    }
  }
  return {};
}

}  // namespace mamori::policy
