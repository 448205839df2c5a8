#include "collector/register/model.h"

#include <gtest/gtest.h>

namespace mamori::asset_register {
namespace {

TEST(ImportanceTest, AllOnesIsOne) {
  EXPECT_EQ(ComputeImportance(1, 1, 1, false, false, false), 1);
}

TEST(ImportanceTest, AnyTwoIsTwo) {
  EXPECT_EQ(ComputeImportance(2, 1, 1, false, false, false), 2);
  EXPECT_EQ(ComputeImportance(1, 2, 1, false, false, false), 2);
  EXPECT_EQ(ComputeImportance(1, 1, 2, false, false, false), 2);
  EXPECT_EQ(ComputeImportance(2, 2, 2, false, false, false), 2);
}

TEST(ImportanceTest, AnyThreeIsThree) {
  EXPECT_EQ(ComputeImportance(3, 1, 1, false, false, false), 3);
  EXPECT_EQ(ComputeImportance(1, 3, 1, false, false, false), 3);
  EXPECT_EQ(ComputeImportance(1, 1, 3, false, false, false), 3);
  EXPECT_EQ(ComputeImportance(2, 3, 2, false, false, false), 3);
}

TEST(ImportanceTest, AnyPersonalFlagWithAllOnesIsThree) {
  EXPECT_EQ(ComputeImportance(1, 1, 1, true, false, false), 3);
  EXPECT_EQ(ComputeImportance(1, 1, 1, false, true, false), 3);
  EXPECT_EQ(ComputeImportance(1, 1, 1, false, false, true), 3);
  EXPECT_EQ(ComputeImportance(2, 2, 1, true, false, false), 3);
}

TEST(ImportanceTest, EveryCombinationMatchesTheRule) {
  for (int c = 1; c <= 3; ++c) {
    for (int i = 1; i <= 3; ++i) {
      for (int a = 1; a <= 3; ++a) {
        for (int flags = 0; flags < 8; ++flags) {
          const bool p = flags & 1, s = flags & 2, m = flags & 4;
          int want = 1;
          if (c == 2 || i == 2 || a == 2) want = 2;
          if (c == 3 || i == 3 || a == 3 || p || s || m) want = 3;
          EXPECT_EQ(ComputeImportance(c, i, a, p, s, m), want)
              << c << i << a << flags;
        }
      }
    }
  }
}

TEST(ImportanceTest, OutOfRangeInputsAreClampedNotTrusted) {
  EXPECT_EQ(ComputeImportance(0, 0, 0, false, false, false), 1);
  EXPECT_EQ(ComputeImportance(9, 1, 1, false, false, false), 3);
}

TEST(ImportanceTest, AssetDerivesImportance) {
  InformationAsset asset;
  EXPECT_EQ(asset.importance(), 1);
  asset.integrity = 2;
  EXPECT_EQ(asset.importance(), 2);
  asset.my_number = true;
  EXPECT_EQ(asset.importance(), 3);
}

TEST(MediumTest, ParsesCodesAndBothLanguages) {
  for (Medium m : AllMedia()) {
    EXPECT_EQ(ParseMedium(MediumCode(m)), m);
    EXPECT_EQ(ParseMedium(MediumLabel(m, true)), m);
    EXPECT_EQ(ParseMedium(MediumLabel(m, false)), m);
  }
  EXPECT_EQ(ParseMedium("  Office pc "), Medium::kOfficePc);
  EXPECT_EQ(ParseMedium("クラウド"), Medium::kExternalServer);
  EXPECT_EQ(ParseMedium("floppy"), std::nullopt);
  EXPECT_EQ(ParseMedium(""), std::nullopt);
  EXPECT_EQ(AllMedia().size(), 6u);
}

TEST(DateTest, ValidatesCalendarDates) {
  EXPECT_TRUE(IsIsoDate("2026-11-23"));
  EXPECT_TRUE(IsIsoDate("2024-02-29"));
  EXPECT_FALSE(IsIsoDate("2023-02-29"));
  EXPECT_FALSE(IsIsoDate("2026-13-01"));
  EXPECT_FALSE(IsIsoDate("2026/11/23"));
  EXPECT_FALSE(IsIsoDate("20261123"));
  EXPECT_EQ(IsoDateFromUnix(0), "1970-01-01");
  EXPECT_EQ(IsoDateFromUnix(1795392000), "2026-11-23");
  EXPECT_EQ(IsoDateTimeFromUnix(1795392000 + 3661), "2026-11-23 01:01:01 UTC");
  EXPECT_EQ(IsoDateTimeFromUnix(0), "");
}

}  // namespace
}  // namespace mamori::asset_register
