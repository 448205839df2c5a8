#include "collector/report/followup.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "collector/store/sqlite/sqlite_report_store.h"
#include "collector/store/sqlite/sqlite_store.h"

namespace mamori::report {
namespace {

namespace fs = std::filesystem;

store::ImprovementItem Item(int64_t id, std::string key, std::string kind,
                            std::string status, bool in_plan = true) {
  store::ImprovementItem i;
  i.id = id;
  i.key = std::move(key);
  i.kind = std::move(kind);
  i.status = std::move(status);
  i.in_plan = in_plan;
  return i;
}

TEST(FollowupTest, EndpointItemsCloseAndReopenRuleItemsDoNot) {
  const std::vector<store::ImprovementItem> items = {
      Item(1, "fix_endpoints:wifi:wifi_secure", "fix_endpoints", "open"),
      Item(2, "write_rule:wifi", "write_rule", "in_progress"),
      Item(3, "fix_endpoints:antivirus:antivirus_active", "fix_endpoints",
           "done", false),
  };
  // wifi is fixed (gone from the plan), antivirus fails again, the rule item
  // left the plan, a new item appears.
  const std::vector<PlanKey> plan = {
      {"fix_endpoints:antivirus:antivirus_active", "antivirus",
       "fix_endpoints"},
      {"spread_rule:email", "email", "spread_rule"}};
  const auto d = DecideItemChanges(items, plan);
  ASSERT_EQ(d.size(), 4u);
  EXPECT_EQ(d[0].item_id, 1);
  ASSERT_EQ(d[0].changes.size(), 2u);
  EXPECT_EQ(d[0].changes[0].field, "in_plan");
  EXPECT_EQ(d[0].changes[1].field, "status");
  EXPECT_EQ(d[0].changes[1].value, "done");
  EXPECT_EQ(d[1].item_id, 2);  // only leaves the plan; status kept
  ASSERT_EQ(d[1].changes.size(), 1u);
  EXPECT_EQ(d[1].changes[0].field, "in_plan");
  EXPECT_EQ(d[2].item_id, 3);  // reopened
  EXPECT_EQ(d[2].changes.back().value, "open");
  EXPECT_EQ(d[3].item_id, 0);
  EXPECT_EQ(d[3].add.key, "spread_rule:email");
  // Nothing to do the second time.
  EXPECT_TRUE(
      DecideItemChanges({Item(5, "spread_rule:email", "spread_rule", "open")},
                        {plan[1]})
          .empty());
}

// Against a real SQLite file migrated by the collector's store.
TEST(FollowupTest, SyncThroughSqliteWithAudit) {
  const fs::path dir = fs::temp_directory_path() /
                       ("mamori-followup-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  const std::string db = (dir / "collector.db").string();
  FakeClock clock(FromUnixSeconds(1795132800));
  {
    auto s = store::SqliteStore::Open(db, clock);
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    ASSERT_TRUE((*s)->CreateOrg({"acme", "", std::nullopt, ""}).ok());
    ASSERT_TRUE((*s)->CreateOrg({"other", "", std::nullopt, ""}).ok());
  }
  auto rs = store::OpenSqliteReportStore(db);
  ASSERT_TRUE(rs.ok()) << rs.status().ToString();
  grading::Improvement wifi;
  wifi.kind = grading::Improvement::Kind::kFixEndpoints;
  wifi.rule = "wifi";
  wifi.check_id = "wifi_secure";
  auto t1 = SyncImprovementItems(**rs, 1, {wifi}, 100);
  ASSERT_TRUE(t1.ok()) << t1.status().ToString();
  ASSERT_EQ(t1->size(), 1u);
  EXPECT_EQ((*t1)[0].status, "open");
  const int64_t id = (*t1)[0].id;
  // An admin takes it.
  ASSERT_TRUE((*rs)
                  ->UpdateImprovementItem(1, id,
                                          {{"status", "in_progress"},
                                           {"owner", "山田"},
                                           {"due", "2026-12-31"}},
                                          "admin", 200)
                  .ok());
  // Another organisation cannot touch it.
  EXPECT_EQ(
      (*rs)->UpdateImprovementItem(2, id, {{"status", "done"}}, "x", 1).code(),
      StatusCode::kNotFound);
  EXPECT_EQ((*rs)
                ->UpdateImprovementItem(1, id, {{"status", "closed"}}, "x", 1)
                .code(),
            StatusCode::kInvalidArgument);
  // The evidence passes: closed by itself.
  auto t2 = SyncImprovementItems(**rs, 1, {}, 300);
  ASSERT_TRUE(t2.ok());
  EXPECT_EQ((*t2)[0].status, "done");
  EXPECT_EQ((*t2)[0].owner, "山田");
  // Fails again: reopened.
  auto t3 = SyncImprovementItems(**rs, 1, {wifi}, 400);
  ASSERT_TRUE(t3.ok());
  EXPECT_EQ((*t3)[0].status, "open");
  auto history = (*rs)->ImprovementItemHistory(1, id);
  ASSERT_TRUE(history.ok());
  std::vector<std::string> expected = {"200 admin status open→in_progress",
                                       "200 admin owner →山田",
                                       "200 admin due →2026-12-31",
                                       "300 evidence in_plan 1→0",
                                       "300 evidence status in_progress→done",
                                       "400 evidence in_plan 0→1",
                                       "400 evidence status done→open"};
  EXPECT_EQ(*history, expected);
  EXPECT_TRUE((*rs)->ImprovementItems(2)->empty());
  fs::remove_all(dir);
}

// Another process syncing the same plan between this sync's read and its
// add: the item it added is taken, not an error.
class RacingStore final : public store::ReportStore {
 public:
  RacingStore(store::ReportStore& inner, store::ReportStore& other)
      : inner_(inner), other_(other) {}
  Result<std::vector<store::ImprovementItem>> ImprovementItems(
      int64_t org_id) override {
    if (!raced_) {
      raced_ = true;
      auto added =
          other_.AddImprovementItem(org_id, "fix_endpoints:wifi:wifi_secure",
                                    "wifi", "fix_endpoints", 50);
      EXPECT_TRUE(added.ok()) << added.status().ToString();
      return std::vector<store::ImprovementItem>{};  // read before the add
    }
    return inner_.ImprovementItems(org_id);
  }
  Status ForEachHostFacts(
      int64_t org_id,
      const std::function<Status(const store::HostFacts&)>& fn) override {
    return inner_.ForEachHostFacts(org_id, fn);
  }
  Result<std::vector<store::AnswerRow>> CurrentAnswers(
      int64_t org_id) override {
    return inner_.CurrentAnswers(org_id);
  }
  Result<int64_t> AddImprovementItem(int64_t org_id, const std::string& key,
                                     const std::string& rule,
                                     const std::string& kind,
                                     int64_t now) override {
    return inner_.AddImprovementItem(org_id, key, rule, kind, now);
  }
  Status UpdateImprovementItem(int64_t org_id, int64_t id,
                               const std::vector<store::ItemChange>& changes,
                               const std::string& actor, int64_t now) override {
    return inner_.UpdateImprovementItem(org_id, id, changes, actor, now);
  }
  Status SetReportSchedule(const store::ReportSchedule& s,
                           const std::string& actor, int64_t now) override {
    return inner_.SetReportSchedule(s, actor, now);
  }
  Result<std::optional<store::ReportSchedule>> ReportScheduleOf(
      int64_t org_id) override {
    return inner_.ReportScheduleOf(org_id);
  }
  Status DeleteReportSchedule(int64_t org_id) override {
    return inner_.DeleteReportSchedule(org_id);
  }
  Result<std::vector<store::ReportSchedule>> ClaimDueReportSchedules(
      int64_t now, std::string_view owner, int64_t lease_seconds) override {
    return inner_.ClaimDueReportSchedules(now, owner, lease_seconds);
  }
  Status RecordReportRun(int64_t org_id, const store::ReportRun& run,
                         int64_t next_due) override {
    return inner_.RecordReportRun(org_id, run, next_due);
  }
  Result<std::vector<store::ReportRun>> ReportRuns(int64_t org_id) override {
    return inner_.ReportRuns(org_id);
  }
  Result<std::vector<std::string>> ImprovementItemHistory(int64_t org_id,
                                                          int64_t id) override {
    return inner_.ImprovementItemHistory(org_id, id);
  }

 private:
  store::ReportStore& inner_;
  store::ReportStore& other_;
  bool raced_ = false;
};

TEST(FollowupTest, ConcurrentSyncOfTheSamePlanIsNotAnError) {
  const fs::path dir = fs::temp_directory_path() /
                       ("mamori-followup-race-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  const std::string db = (dir / "collector.db").string();
  FakeClock clock(FromUnixSeconds(1795132800));
  {
    auto s = store::SqliteStore::Open(db, clock);
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    ASSERT_TRUE((*s)->CreateOrg({"acme", "", std::nullopt, ""}).ok());
  }
  auto mine = store::OpenSqliteReportStore(db);
  auto theirs = store::OpenSqliteReportStore(db);
  ASSERT_TRUE(mine.ok() && theirs.ok());
  RacingStore racing(**mine, **theirs);
  grading::Improvement wifi;
  wifi.kind = grading::Improvement::Kind::kFixEndpoints;
  wifi.rule = "wifi";
  wifi.check_id = "wifi_secure";
  auto synced = SyncImprovementItems(racing, 1, {wifi}, 100);
  ASSERT_TRUE(synced.ok()) << synced.status().ToString();
  ASSERT_EQ(synced->size(), 1u);
  EXPECT_EQ((*synced)[0].key, "fix_endpoints:wifi:wifi_secure");
  EXPECT_EQ((*synced)[0].status, "open");
  fs::remove_all(dir);
}

}  // namespace
}  // namespace mamori::report
