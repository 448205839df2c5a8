#include "collector/store/ingest_plan.h"

#include <gtest/gtest.h>

namespace mamori::store {
namespace {

constexpr int64_t kAt = 1'800'000'000;

FamilyUpdate Full(const std::string& family, const std::string& sha,
                  std::optional<int64_t> collected_at = kAt) {
  FamilyUpdate f;
  f.family = family;
  f.state = "STATUS_OK";
  f.collected_at = collected_at;
  f.sha256 = sha;
  return f;
}

ReportInput Report() {
  ReportInput r;
  r.collected_at = kAt;
  r.families = {Full("system", "s2"), Full("firewall", "f1")};
  r.unchanged = {{"packages", "p1"}};
  return r;
}

TEST(IngestPlanner, UnknownUnchangedPartIsMissingAndNothingElseIsPlanned) {
  const ReportInput r = Report();
  IngestPlanner planner(r);
  planner.AddStored("packages", "p0", 30);  // other digest than the report's
  planner.AddStored("system", "s1", 10);
  IngestPlan plan = planner.Finish(std::nullopt);
  EXPECT_EQ(plan.missing_parts, std::vector<std::string>{"packages"});
  EXPECT_TRUE(plan.touches.empty());
  EXPECT_FALSE(plan.stamp_host);

  IngestPlanner never_stored(r);
  EXPECT_EQ(never_stored.Finish(std::nullopt).missing_parts,
            std::vector<std::string>{"packages"});
}

TEST(IngestPlanner, ChangedFamiliesAreWrittenUnchangedOnesTouched) {
  ReportInput r = Report();
  r.families.push_back(Full("wifi", "w1", kAt - 5));  // own collected_at
  IngestPlanner planner(r);
  planner.AddStored("system", "s1", 10);    // changed → write
  planner.AddStored("firewall", "f1", 20);  // unchanged
  planner.AddStored("packages", "p1", 30);  // unchanged part
  planner.AddStored("wifi", "w1", 40);      // unchanged, older time
  planner.AddStored("disks", "d1", 50);     // not named by the report
  IngestPlan plan = planner.Finish(std::nullopt);
  EXPECT_TRUE(plan.missing_parts.empty());
  EXPECT_EQ(plan.unchanged_family_ref, (std::vector<int64_t>{0, 20, 40}));
  // "disks" is not named: the report cannot vouch for every family.
  EXPECT_FALSE(plan.stamp_host);
  EXPECT_EQ(plan.touches, (std::vector<IngestPlan::Touch>{
                              {30, kAt}, {20, kAt}, {40, kAt - 5}}));
}

TEST(IngestPlanner, ACompleteReportVouchesForTheHost) {
  ReportInput r = Report();
  r.families.push_back(Full("wifi", "w1", kAt - 5));
  IngestPlanner planner(r);
  planner.AddStored("system", "s2", 10);
  planner.AddStored("firewall", "f1", 20);
  planner.AddStored("packages", "p1", 30);
  planner.AddStored("wifi", "w1", 40);
  IngestPlan plan = planner.Finish(kAt - 60);
  EXPECT_TRUE(plan.stamp_host);
  // Only the family with a collected_at of its own is touched.
  EXPECT_EQ(plan.touches, (std::vector<IngestPlan::Touch>{{40, kAt - 5}}));

  // An older report than the last complete one does not vouch.
  IngestPlan late = planner.Finish(kAt + 60);
  EXPECT_FALSE(late.stamp_host);
  EXPECT_EQ(late.touches.size(), 4u);
}

TEST(IngestPlanner, ARowNamedTwiceIsTouchedOnce) {
  ReportInput r;
  r.collected_at = kAt;
  r.families = {Full("system", "s1")};
  r.unchanged = {{"system", "s1"}};
  IngestPlanner planner(r);
  planner.AddStored("system", "s1", 10);
  planner.AddStored("extra", "x", 11);
  IngestPlan plan = planner.Finish(std::nullopt);
  EXPECT_EQ(plan.touches, (std::vector<IngestPlan::Touch>{{10, kAt}}));
}

}  // namespace
}  // namespace mamori::store
