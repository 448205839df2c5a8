#include "collector/policy/check_dialect.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <vector>

#include "collector/sql/sql_tokens.h"

namespace mamori::policy {

namespace {

using sql::Token;
using sql::TokenKind;

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

// The violation (line > 0) of a token that is not portable at the lexical
// level: unclosed text, quoted names, blobs, and the parameter, cast and
// operator forms one backend lacks.
DialectViolation LexicalViolation(const Token& t) {
  const char first = t.text.empty() ? ' ' : t.text.front();
  switch (t.kind) {
    case TokenKind::kUnclosed:
      if (first == '/') {
        return Violation(t.line, "/*", "a comment that is never closed",
                         "閉じられていないコメント");
      }
      if (first == '\'') {
        return Violation(t.line, "'", "a text literal that is never closed",
                         "閉じられていない文字列リテラル");
      }
      if (first == 'x' || first == 'X') break;  // an unclosed blob: below
      [[fallthrough]];
    case TokenKind::kQuotedName:
      if (first == '"') {
        return Violation(
            t.line, "\"",
            "double quotes: SQLite reads \"text\" as a string when "
            "no column has that name; write text in single quotes, "
            "names without quotes",
            "二重引用符: SQLite は同名の列がないと \"…\" を文字列と"
            "みなします。文字列は単一引用符で、名前は引用符なしで"
            "書いてください");
      }
      return Violation(t.line, std::string(1, first),
                       "SQLite's quoting of names; write names without quotes",
                       "SQLite 独自の名前の引用です。名前は引用符なしで書いて"
                       "ください");
    case TokenKind::kBlob:
      break;
    case TokenKind::kSymbol:
      if (t.text == "?" || t.text == "$" || t.text == "@" || t.text == "#" ||
          t.text == "::") {
        return Violation(
            t.line, std::string(t.text),
            "a parameter or cast form one backend lacks; use named "
            "parameters (:name) and CAST(x AS type)",
            "一方のバックエンドにない引数・型変換の書き方です。名前付き"
            "引数（:name）と CAST(x AS 型) を使ってください");
      }
      if (t.text == "->" || t.text == "->>") {
        return Violation(
            t.line, std::string(t.text),
            "SQLite's JSON operator; use a view column",
            "SQLite の JSON 演算子です。ビューの列を使ってください");
      }
      if (t.text == "==") {
        return Violation(t.line, "==", "SQLite's '=='; write '='",
                         "SQLite 独自の '==' です。'=' と書いてください");
      }
      return {};
    default:
      return {};
  }
  // A blob literal, closed or not.
  return Violation(t.line, "X'", "a blob literal (SQLite only)",
                   "BLOB リテラル（SQLite 独自）");
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
  const std::vector<Token> tokens = sql::Tokenize(query);
  for (const Token& t : tokens) {
    if (DialectViolation v = LexicalViolation(t); v.line > 0) return v;
  }
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
