#include "collector/store/endpoint_search.h"

#include <gtest/gtest.h>

namespace mamori::store {
namespace {

TEST(EndpointSearch, CountsCodePointsAndChoosesTheIndexFromThree) {
  EXPECT_EQ(Utf8Length(""), 0u);
  EXPECT_EQ(Utf8Length("pc"), 2u);
  EXPECT_EQ(Utf8Length("会計"), 2u);  // six bytes, two characters
  EXPECT_EQ(Utf8Length("\xff\xfe"), 2u);
  EXPECT_FALSE(UsesSearchIndex("pc"));
  EXPECT_FALSE(UsesSearchIndex("会計"));
  EXPECT_TRUE(UsesSearchIndex("pc-"));
  EXPECT_TRUE(UsesSearchIndex("会計課"));
  EXPECT_FALSE(UsesSearchIndex(std::string("pc\0-9", 5)));
}

TEST(EndpointSearch, QuotesFts5AndEscapesLike) {
  EXPECT_EQ(Fts5Phrase("pc-99"), "\"pc-99\"");
  EXPECT_EQ(Fts5Phrase("a\"b"), "\"a\"\"b\"");
  EXPECT_EQ(Fts5Phrase("x* NEAR(a b) os:y ^z"), "\"x* NEAR(a b) os:y ^z\"");
  EXPECT_EQ(LikeContaining("pc"), "%pc%");
  EXPECT_EQ(LikeContaining("50%_a\\b"), "%50\\%\\_a\\\\b%");
}

}  // namespace
}  // namespace mamori::store
