#include "collector/web/http.h"

#include <gtest/gtest.h>

namespace mamori::web {
namespace {

TEST(PercentDecode, DecodesAndRejectsBrokenEscapes) {
  EXPECT_EQ(PercentDecode("a%20b+c", true), "a b c");
  EXPECT_EQ(PercentDecode("a+b", false), "a+b");
  EXPECT_EQ(PercentDecode("%E5%AE%88", false), "守");
  EXPECT_FALSE(PercentDecode("%", false).has_value());
  EXPECT_FALSE(PercentDecode("%4", false).has_value());
  EXPECT_FALSE(PercentDecode("%zz", false).has_value());
}

TEST(ParseQuery, SplitsPairsAndKeepsTheLastValue) {
  auto q = ParseQuery("q=%3Cscript%3E&sort=os&sort=hostname&empty=&flag");
  ASSERT_TRUE(q.has_value());
  EXPECT_EQ((*q)["q"], "<script>");
  EXPECT_EQ((*q)["sort"], "hostname");
  EXPECT_EQ((*q)["empty"], "");
  EXPECT_EQ(q->count("flag"), 1u);
  EXPECT_FALSE(ParseQuery("a=%G0").has_value());
}

TEST(CookieValue, FindsTheNamedCookieOnly) {
  EXPECT_EQ(CookieValue("a=1; __Host-mamori_session=abc; b=2",
                        "__Host-mamori_session"),
            "abc");
  EXPECT_EQ(CookieValue("x__Host-mamori_session=evil", "__Host-mamori_session"),
            "");
  EXPECT_EQ(CookieValue("", "a"), "");
}

TEST(PickLanguage, ChoosesBySupportedQuality) {
  EXPECT_EQ(PickLanguage("ja-JP,ja;q=0.9,en;q=0.8"), "ja");
  EXPECT_EQ(PickLanguage("en-US,en;q=0.9,ja;q=0.8"), "en");
  EXPECT_EQ(PickLanguage("fr-FR, ja;q=0.5"), "ja");
  EXPECT_EQ(PickLanguage("fr-FR"), "en");
  EXPECT_EQ(PickLanguage(""), "en");
  EXPECT_EQ(PickLanguage("en;q=0.1, JA;q=0.7"), "ja");
}

TEST(IsCleanUtf8, RefusesControlsAndBrokenSequences) {
  EXPECT_TRUE(IsCleanUtf8("ホスト-01 \t\n"));
  EXPECT_FALSE(IsCleanUtf8(std::string("a\0b", 3)));
  EXPECT_FALSE(IsCleanUtf8("\x1b[31mred"));
  EXPECT_FALSE(IsCleanUtf8("\xff\xfe"));
  EXPECT_FALSE(IsCleanUtf8("\xc0\xaf"));      // overlong '/'
  EXPECT_FALSE(IsCleanUtf8("\xed\xa0\x80"));  // surrogate
  EXPECT_FALSE(IsCleanUtf8("\xe3\x81"));      // truncated
  EXPECT_FALSE(IsCleanUtf8("\xc2\x9b"));      // C1 control (CSI)
  EXPECT_EQ(CodePoints("守りab"), 4u);
}

}  // namespace
}  // namespace mamori::web
