#include "collector/sql/sql_tokens.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace mamori::sql {
namespace {

// "kind:text" per token, for compact expectations.
std::vector<std::string> Spelled(std::string_view sql) {
  std::vector<std::string> out;
  for (const Token& t : Tokenize(sql)) {
    const char* kind = "";
    switch (t.kind) {
      case TokenKind::kWord:
        kind = "w";
        break;
      case TokenKind::kQuotedName:
        kind = "q";
        break;
      case TokenKind::kString:
        kind = "s";
        break;
      case TokenKind::kBlob:
        kind = "b";
        break;
      case TokenKind::kNumber:
        kind = "n";
        break;
      case TokenKind::kParameter:
        kind = "p";
        break;
      case TokenKind::kSymbol:
        kind = "y";
        break;
      case TokenKind::kUnclosed:
        kind = "u";
        break;
    }
    out.push_back(std::string(kind) + ":" + std::string(t.text));
  }
  return out;
}

using V = std::vector<std::string>;

TEST(SqlTokens, WordsNumbersParametersSymbols) {
  EXPECT_EQ(Spelled("SELECT h.host_id, 1.5 FROM v_hosts h WHERE h.org_id = "
                    ":org_id AND x <> .5"),
            (V{"w:SELECT", "w:h", "y:.", "w:host_id", "y:,", "n:1.5", "w:FROM",
               "w:v_hosts", "w:h", "w:WHERE", "w:h", "y:.", "w:org_id",
               "y:=", "p::org_id", "w:AND", "w:x", "y:<>", "n:.5"}));
}

TEST(SqlTokens, LiteralsAndCommentsAreUnits) {
  // A keyword or name inside a literal or comment is never a token.
  EXPECT_EQ(Spelled("a -- hosts\n'it''s hosts' /* sqlite_master */ b"),
            (V{"w:a", "s:'it''s hosts'", "w:b"}));
  EXPECT_EQ(Spelled("x'00ff' max'a'"), (V{"b:x'00ff'", "w:max", "s:'a'"}));
}

TEST(SqlTokens, QuotedNamesAndUnquoting) {
  const std::vector<Token> t = Tokenize("\"ho\"\"sts\" `a``b` [c\"d]");
  ASSERT_EQ(t.size(), 3u);
  for (const Token& k : t) EXPECT_EQ(k.kind, TokenKind::kQuotedName);
  EXPECT_EQ(Unquoted(t[0]), "ho\"sts");
  EXPECT_EQ(Unquoted(t[1]), "a`b");
  EXPECT_EQ(Unquoted(t[2]), "c\"d");
}

TEST(SqlTokens, OperatorsLongestFirst) {
  EXPECT_EQ(Spelled("a->>'$.x' b->c d==e f||g h::int ? $x @y #"),
            (V{"w:a",   "y:->>", "s:'$.x'", "w:b",  "y:->", "w:c", "w:d",
               "y:==",  "w:e",   "w:f",     "y:||", "w:g",  "w:h", "y:::",
               "w:int", "y:?",   "y:$",     "w:x",  "y:@",  "w:y", "y:#"}));
}

TEST(SqlTokens, UnclosedTextIsOneTokenToTheEnd) {
  EXPECT_EQ(Spelled("a 'b\nc"), (V{"w:a", "u:'b\nc"}));
  EXPECT_EQ(Spelled("a /* b"), (V{"w:a", "u:/* b"}));
  EXPECT_EQ(Spelled("a \"b"), (V{"w:a", "u:\"b"}));
  EXPECT_EQ(Spelled("[b"), (V{"u:[b"}));
  EXPECT_EQ(Spelled("X'ab"), (V{"u:X'ab"}));
}

TEST(SqlTokens, LinesCountNewlinesInsideSkippedText) {
  const std::vector<Token> t =
      Tokenize("a\n/* one\ntwo */ b\n'x\ny' c -- d\ne");
  ASSERT_EQ(t.size(), 5u);
  EXPECT_EQ(t[0].line, 1);
  EXPECT_EQ(t[1].line, 3);  // b
  EXPECT_EQ(t[2].line, 4);  // 'x\ny'
  EXPECT_EQ(t[3].line, 5);  // c
  EXPECT_EQ(t[4].line, 6);  // e
}

TEST(SqlTokens, HostileBytesStayInWordsAndNeverCrash) {
  // Bytes >= 0x80 (also invalid UTF-8) are name characters, as in SQLite.
  EXPECT_EQ(Spelled("\xff\xfe h\xc3\xa9 \x01"),
            (V{"w:\xff\xfe", "w:h\xc3\xa9", "y:\x01"}));
  EXPECT_TRUE(Tokenize("").empty());
  EXPECT_EQ(Spelled(std::string_view("a\0b", 3)),
            (V{"w:a", std::string("y:\0", 3), "w:b"}));
}

}  // namespace
}  // namespace mamori::sql
