#include "collector/report/trend.h"

#include <gtest/gtest.h>

#include "collector/report/followup.h"

namespace mamori::report {
namespace {

using std::chrono::hours;

const TimePoint kNow = FromUnixSeconds(1'800'000'000);

store::GradeSnapshot Snap(TimePoint at, std::string overall,
                          std::string rules) {
  return {at, "v", std::move(overall), std::move(rules)};
}

TEST(GradeTrendTest, OnePointPerChangeAndChangesPerRule) {
  // Newest first, as GradeHistory answers.
  const std::vector<store::GradeSnapshot> history = {
      Snap(kNow + hours(1), "A", R"({"wifi":"A"})"),  // after now: ignored
      Snap(kNow, "C", R"({"antivirus":"B","wifi":"C","email":"D"})"),
      Snap(kNow - hours(1), "C", R"({"antivirus":"B","wifi":"C","email":"D"})"),
      Snap(kNow - hours(2), "D", R"({"antivirus":"C","wifi":"C"})"),
      Snap(kNow - hours(3), "D", R"({"antivirus":"C","wifi":"C"})"),
      Snap(kNow - hours(4), "", "not json"),
  };
  const GradeTrend t = BuildGradeTrend(history, kNow, 24);
  ASSERT_EQ(t.points.size(), 3u);
  EXPECT_EQ(t.points[0].at, kNow - hours(4));
  EXPECT_EQ(t.points[0].grades[2], "");  // unreadable: unknown, not a grade
  EXPECT_EQ(t.points[1].at, kNow - hours(3));  // first of its run
  EXPECT_EQ(t.points[2].overall, "C");
  ASSERT_TRUE(t.current && t.previous);
  EXPECT_EQ(t.current->at, kNow);
  // The identical snapshot an hour earlier is skipped for the comparison.
  EXPECT_EQ(t.previous->at, kNow - hours(2));
  ASSERT_EQ(t.changes.size(), 2u);
  EXPECT_EQ(t.changes[0].subject, "overall");
  EXPECT_EQ(t.changes[0].from, "D");
  EXPECT_EQ(t.changes[0].to, "C");
  EXPECT_EQ(t.changes[1].subject, "antivirus");
  EXPECT_EQ(t.changes[1].from, "C");
  EXPECT_EQ(t.changes[1].to, "B");  // e-mail was ungraded: no change
  // The last points only.
  EXPECT_EQ(BuildGradeTrend(history, kNow, 2).points.size(), 2u);
}

TEST(GradeTrendTest, NothingToCompareWith) {
  EXPECT_TRUE(BuildGradeTrend({}, kNow, 24).points.empty());
  const GradeTrend one =
      BuildGradeTrend({Snap(kNow, "B", R"({"wifi":"B"})")}, kNow, 24);
  EXPECT_EQ(one.points.size(), 1u);
  EXPECT_TRUE(one.current.has_value());
  EXPECT_FALSE(one.previous.has_value());
  EXPECT_TRUE(one.changes.empty());
  // Only identical snapshots: compared with the newest earlier, no change.
  const GradeTrend same =
      BuildGradeTrend({Snap(kNow, "B", R"({"wifi":"B"})"),
                       Snap(kNow - hours(1), "B", R"({"wifi":"B"})")},
                      kNow, 24);
  ASSERT_TRUE(same.previous.has_value());
  EXPECT_EQ(same.previous->at, kNow - hours(1));
  EXPECT_TRUE(same.changes.empty());
}

TEST(ItemValidationTest, NamesTheField) {
  EXPECT_TRUE(IsCalendarDate("2028-02-29"));
  EXPECT_FALSE(IsCalendarDate("2027-02-29"));
  EXPECT_FALSE(IsCalendarDate("2030-04-31"));
  EXPECT_FALSE(IsCalendarDate("2030-13-01"));
  EXPECT_FALSE(IsCalendarDate("2030-1-01"));
  EXPECT_FALSE(IsCalendarDate("１２３４-01-01"));
  EXPECT_TRUE(ValidateItemChanges(
                  {{"status", "done"}, {"owner", "総務 山田"}, {"due", ""}})
                  .ok());
  auto field = [](std::vector<store::ItemChange> c) {
    Status s = ValidateItemChanges(c);
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
    return s.message().substr(0, s.message().find(':'));
  };
  EXPECT_EQ(field({{"status", "closed"}}), "status");
  EXPECT_EQ(field({{"due", "2030-02-30"}}), "due");
  EXPECT_EQ(field({{"owner", std::string(81, 'x')}}), "owner");
  EXPECT_EQ(field({{"owner", "a\x1b[31m"}}), "owner");
  EXPECT_EQ(field({{"owner", "\xc2\x9b"}}), "owner");  // C1 CSI
  EXPECT_EQ(field({{"owner", "\xff\xfe"}}), "owner");
  EXPECT_EQ(field({{"in_plan", "0"}}), "in_plan");
  EXPECT_EQ(ItemCheckId("fix_endpoints:wifi:wifi_secure"), "wifi_secure");
  EXPECT_EQ(ItemCheckId("write_rule:wifi"), "");
}

}  // namespace
}  // namespace mamori::report
