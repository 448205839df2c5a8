#include "collector/web/peers.h"

#include <gtest/gtest.h>

namespace mamori::web {
namespace {

TEST(Peers, SizeBands) {
  EXPECT_EQ(SizeBand(std::nullopt), "");
  EXPECT_EQ(SizeBand(0), "");
  EXPECT_EQ(SizeBand(20), "1-20");
  EXPECT_EQ(SizeBand(21), "21-50");
  EXPECT_EQ(SizeBand(300), "101-300");
  EXPECT_EQ(SizeBand(301), "301+");
}

TEST(Peers, GroupsOfFewerThanFiveAreNotShown) {
  std::vector<store::PeerSample> samples;
  for (const char* g : {"A", "B", "C", "D"}) samples.push_back({"E", 25, g});
  samples.push_back({"E", 10, "A"});  // other size band
  samples.push_back({"F", 25, "A"});  // other industry
  EXPECT_FALSE(PeerGroupOf(samples, "E", 30).has_value());
  samples.push_back({"E", 49, "B"});
  std::optional<PeerGroup> group = PeerGroupOf(samples, "E", 30);
  ASSERT_TRUE(group.has_value());
  EXPECT_EQ(group->count, 5);
  EXPECT_DOUBLE_EQ(group->average, 13.0 / 5);  // 4+3+2+1+3
  EXPECT_EQ(group->grade, "B");                // 2.6 ≥ 2.5
  EXPECT_FALSE(PeerGroupOf(samples, "", 30).has_value());
  EXPECT_FALSE(PeerGroupOf(samples, "E", std::nullopt).has_value());
}

TEST(Peers, BandEdgesUseTheOverallGradeThresholds) {
  std::vector<store::PeerSample> samples;
  for (const char* g : {"A", "A", "A", "B", "B", "A"})
    samples.push_back({"E", 5, g});
  // (4*4 + 3*2) / 6 = 3.67 → A
  EXPECT_EQ(PeerGroupOf(samples, "E", 5)->grade, "A");
  samples = {};
  for (const char* g : {"A", "B", "B", "A"}) samples.push_back({"E", 5, g});
  samples.push_back({"E", 5, "B"});
  samples.push_back({"E", 5, "A"});
  EXPECT_EQ(PeerGroupOf(samples, "E", 5)->grade, "A");  // 21/6 = 3.5
}

}  // namespace
}  // namespace mamori::web
