#include "common/version.h"

#include <gtest/gtest.h>

namespace mamori {
namespace {

TEST(CompareVersionsTest, NumericRunsCompareAsNumbers) {
  EXPECT_EQ(CompareVersions("7.10.0", "7.9.5"), 1);
  EXPECT_EQ(CompareVersions("7.2", "7.2.0.1"), -1);
  EXPECT_EQ(CompareVersions("24.005.20320", "24.5.20320"), 0);
  EXPECT_EQ(CompareVersions("15.49.4", "15.49.4"), 0);
  EXPECT_EQ(CompareVersions("99999999999999999999.1", "1.1"), 1);
}

TEST(CompareVersionsTest, EpochComesFirst) {
  EXPECT_EQ(CompareVersions("1:1.0", "2.0"), 1);
  EXPECT_EQ(CompareVersions("120.0", "1:100.0"), -1);
}

TEST(CompareVersionsTest, LettersAfterTheNumbersAreOlder) {
  EXPECT_EQ(CompareVersions("2.0rc1", "2.0"), -1);
  EXPECT_EQ(CompareVersions("2.0", "2.0beta"), 1);
  EXPECT_EQ(CompareVersions("2.0a", "2.0B"), -1);
  EXPECT_EQ(CompareVersions("2.0.1", "2.0b"), 1);
}

TEST(CompareVersionsTest, SeparatorsAndEmptyText) {
  EXPECT_EQ(CompareVersions("1-2", "1.2"), 0);
  EXPECT_EQ(CompareVersions("", "0"), -1);
  EXPECT_EQ(CompareVersions("", ""), 0);
  EXPECT_EQ(CompareVersions("\xff\xfe", "1"), -1);
}

}  // namespace
}  // namespace mamori
