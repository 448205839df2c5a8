// The ReportStore port's contract over every backend (issue #17): the same
// cases on SQLite and PostgreSQL (skipped without MAMORI_TEST_PG_URL;
// scripts/test.sh runs them under scripts/pg-cluster.sh).
#include "collector/store/report_store.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <thread>

#include "collector/pki/crypto.h"
#include "collector/store/open_store.h"
#include "collector/store/testing/test_database.h"

namespace mamori::store {
namespace {

using testing::Backend;
using testing::TestDatabase;

class ReportStoreTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    ASSERT_TRUE(pki::InitCrypto().ok());
    if (GetParam() == Backend::kPostgres && !testing::PostgresClusterUrl()) {
      GTEST_SKIP() << "MAMORI_TEST_PG_URL not set (scripts/pg-cluster.sh run)";
    }
    Result<std::unique_ptr<TestDatabase>> db = TestDatabase::Create(GetParam());
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    db_ = std::move(db).value();
    auto store = OpenStore(db_->url(), clock_);
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(store).value();
    acme_ = store_->CreateOrg({"acme", "", std::nullopt, ""})->id;
    globex_ = store_->CreateOrg({"globex", "", std::nullopt, ""})->id;
    auto reports = OpenReportStore(db_->url());
    ASSERT_TRUE(reports.ok()) << reports.status().ToString();
    reports_ = std::move(reports).value();
  }

  int64_t Enroll(const std::string& org, const std::string& hostname) {
    auto token = store_->CreateToken({org, std::nullopt, std::nullopt});
    EXPECT_TRUE(token.ok());
    EnrollInput in;
    in.token = token->token;
    in.identity = {
        hostname, "m-" + hostname, "u-" + hostname, "s-" + hostname, {}};
    in.os_name = "Debian GNU/Linux";
    in.node_key_hash = pki::Sha256Hex("k");
    auto out = store_->Enroll(in);
    EXPECT_TRUE(out.ok()) << out.status().ToString();
    return out.ok() ? out->host_id : 0;
  }

  FakeClock clock_{FromUnixSeconds(1'800'000'000)};
  std::unique_ptr<TestDatabase> db_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<ReportStore> reports_;
  int64_t acme_ = 0, globex_ = 0;
};

TEST_P(ReportStoreTest, ImprovementItemsKeepTheirHistoryPerOrganisation) {
  auto id = reports_->AddImprovementItem(acme_, "check:antivirus:av.on",
                                         "antivirus", "check", 100);
  ASSERT_TRUE(id.ok()) << id.status().ToString();
  EXPECT_EQ(reports_
                ->AddImprovementItem(acme_, "check:antivirus:av.on",
                                     "antivirus", "check", 101)
                .status()
                .code(),
            StatusCode::kAlreadyExists);
  // The same key in another organisation is another item.
  ASSERT_TRUE(reports_
                  ->AddImprovementItem(globex_, "check:antivirus:av.on",
                                       "antivirus", "check", 100)
                  .ok());
  ASSERT_TRUE(reports_
                  ->UpdateImprovementItem(acme_, *id,
                                          {{"status", "in_progress"},
                                           {"owner", "=cmd|' /C calc'!A0"},
                                           {"due", "2027-01-31"},
                                           {"in_plan", "0"},
                                           {"status", "in_progress"}},
                                          "alice", 200)
                  .ok());
  auto items = reports_->ImprovementItems(acme_);
  ASSERT_TRUE(items.ok());
  ASSERT_EQ(items->size(), 1u);
  EXPECT_EQ(items->front().status, "in_progress");
  EXPECT_EQ(items->front().owner, "=cmd|' /C calc'!A0");
  EXPECT_EQ(items->front().due, "2027-01-31");
  EXPECT_FALSE(items->front().in_plan);
  EXPECT_EQ(items->front().updated_at, 200);
  // Four real changes, four audit rows (the repeated status is none).
  auto history = reports_->ImprovementItemHistory(acme_, *id);
  ASSERT_TRUE(history.ok());
  ASSERT_EQ(history->size(), 4u);
  EXPECT_EQ(history->front(), "200 alice status open→in_progress");
  // Refused changes leave everything as it was.
  EXPECT_EQ(
      reports_
          ->UpdateImprovementItem(
              acme_, *id, {{"owner", "bob"}, {"status", "maybe"}}, "alice", 300)
          .code(),
      StatusCode::kInvalidArgument);
  EXPECT_EQ(
      reports_
          ->UpdateImprovementItem(acme_, *id, {{"colour", "red"}}, "alice", 300)
          .code(),
      StatusCode::kInvalidArgument);
  EXPECT_EQ(reports_->ImprovementItems(acme_)->front().owner,
            "=cmd|' /C calc'!A0");
  // Another organisation's id is not found.
  EXPECT_EQ(
      reports_
          ->UpdateImprovementItem(globex_, *id, {{"owner", "eve"}}, "eve", 300)
          .code(),
      StatusCode::kNotFound);
  EXPECT_EQ(reports_->ImprovementItemHistory(globex_, *id)->size(), 0u);
}

TEST_P(ReportStoreTest, SchedulesComeDueAndRunsAreKept) {
  ReportSchedule s;
  s.org_id = acme_;
  s.interval_seconds = 86400;
  s.recipients = {"a@example.jp", "b@example.jp"};
  s.lang = "en";
  s.next_due = 1000;
  ASSERT_TRUE(reports_->SetReportSchedule(s, "op", 10).ok());
  s.org_id = globex_;
  s.next_due = 5000;
  ASSERT_TRUE(reports_->SetReportSchedule(s, "op", 10).ok());
  auto due = reports_->ClaimDueReportSchedules(2000, "one", 600);
  ASSERT_TRUE(due.ok()) << due.status().ToString();
  ASSERT_EQ(due->size(), 1u);
  EXPECT_EQ(due->front().org, "acme");
  EXPECT_EQ(due->front().recipients,
            (std::vector<std::string>{"a@example.jp", "b@example.jp"}));
  EXPECT_EQ(due->front().lang, "en");
  ASSERT_TRUE(reports_
                  ->RecordReportRun(acme_,
                                    {0, 1500, "/r/1.pdf", "aa", "sent", ""},
                                    1000 + 86400)
                  .ok());
  ASSERT_TRUE(reports_
                  ->RecordReportRun(
                      acme_, {0, 1600, "/r/2.pdf", "bb", "failed", "550 no"},
                      1000 + 2 * 86400)
                  .ok());
  EXPECT_EQ(reports_->ClaimDueReportSchedules(2000, "one", 600)->size(), 0u);
  auto runs = reports_->ReportRuns(acme_);
  ASSERT_TRUE(runs.ok());
  ASSERT_EQ(runs->size(), 2u);
  EXPECT_EQ(runs->front().path, "/r/2.pdf");  // newest first
  EXPECT_EQ(runs->front().mail_error, "550 no");
  EXPECT_EQ(reports_->ReportRuns(globex_)->size(), 0u);
  // A bad language is refused by the schema, not stored.
  s.lang = "fr";
  EXPECT_FALSE(reports_->SetReportSchedule(s, "op", 20).ok());
}

// Two collectors (two report stores on one database) polling the same due
// schedule: one gets it; the other gets it only once the first one's lease
// has run out (a collector killed while producing it), and nobody gets it
// again after its run is recorded, until it is due again.
TEST_P(ReportStoreTest, ADueReportIsClaimedOnceAndAKilledClaimPassesOn) {
  auto other = OpenReportStore(db_->url());
  ASSERT_TRUE(other.ok()) << other.status().ToString();
  ReportSchedule s;
  s.org_id = acme_;
  s.interval_seconds = 86400;
  s.next_due = 1000;
  ASSERT_TRUE(reports_->SetReportSchedule(s, "op", 10).ok());
  auto first = reports_->ClaimDueReportSchedules(2000, "one", 600);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  ASSERT_EQ(first->size(), 1u);
  EXPECT_EQ(first->front().org_id, acme_);
  // While "one" holds the lease, neither collector gets it again.
  EXPECT_EQ((*other)->ClaimDueReportSchedules(2000, "two", 600)->size(), 0u);
  EXPECT_EQ((*other)->ClaimDueReportSchedules(2599, "two", 600)->size(), 0u);
  EXPECT_EQ(reports_->ClaimDueReportSchedules(2599, "one", 600)->size(), 0u);
  // "one" died: its lease ends at 2600 and "two" produces the report.
  auto second = (*other)->ClaimDueReportSchedules(2600, "two", 600);
  ASSERT_TRUE(second.ok());
  ASSERT_EQ(second->size(), 1u);
  ASSERT_TRUE((*other)
                  ->RecordReportRun(acme_,
                                    {0, 2600, "/r/1.pdf", "aa", "none", ""},
                                    1000 + 86400)
                  .ok());
  // Recorded: nothing due for anyone until the next period, whose claim
  // the recorded run's release leaves free.
  EXPECT_EQ(reports_->ClaimDueReportSchedules(3300, "one", 600)->size(), 0u);
  EXPECT_EQ((*other)->ClaimDueReportSchedules(3300, "two", 600)->size(), 0u);
  EXPECT_EQ(reports_->ClaimDueReportSchedules(1000 + 86400, "one", 600)->size(),
            1u);
  EXPECT_EQ((*other)->ReportRuns(acme_)->size(), 1u);
}

// Several collectors claiming at the same instant, each on its own
// connection: every due report goes to exactly one of them.
TEST_P(ReportStoreTest, ConcurrentClaimersTakeEachDueReportOnce) {
  constexpr int kOrgs = 12;
  constexpr int kClaimers = 4;
  std::vector<int64_t> orgs;
  for (int i = 0; i < kOrgs; ++i) {
    Result<Organization> org =
        store_->CreateOrg({"org-" + std::to_string(i), "", std::nullopt, ""});
    ASSERT_TRUE(org.ok()) << org.status().ToString();
    ReportSchedule s;
    s.org_id = org->id;
    s.interval_seconds = 3600;
    s.next_due = 1000 + i;
    ASSERT_TRUE(reports_->SetReportSchedule(s, "op", 10).ok());
    orgs.push_back(org->id);
  }
  std::vector<std::unique_ptr<ReportStore>> claimers;
  for (int i = 0; i < kClaimers; ++i) {
    auto opened = OpenReportStore(db_->url());
    ASSERT_TRUE(opened.ok()) << opened.status().ToString();
    claimers.push_back(std::move(opened).value());
  }
  std::vector<std::vector<int64_t>> claimed(kClaimers);
  std::vector<Status> errors(kClaimers);
  std::vector<std::thread> threads;
  for (int i = 0; i < kClaimers; ++i) {
    threads.emplace_back([&, i] {
      // Each polls a few times, as collectors do, at the same "now".
      for (int round = 0; round < 3; ++round) {
        auto got = claimers[i]->ClaimDueReportSchedules(
            5000, "claimer-" + std::to_string(i), 600);
        if (!got.ok()) {
          errors[i] = got.status();
          return;
        }
        for (const ReportSchedule& s : *got) claimed[i].push_back(s.org_id);
      }
    });
  }
  for (std::thread& t : threads) t.join();
  std::vector<int64_t> all;
  for (int i = 0; i < kClaimers; ++i) {
    EXPECT_TRUE(errors[i].ok()) << errors[i].ToString();
    all.insert(all.end(), claimed[i].begin(), claimed[i].end());
  }
  std::sort(all.begin(), all.end());
  EXPECT_EQ(all, orgs);  // each once, none missing
}

TEST_P(ReportStoreTest, OneScheduleIsReadAndDeletedPerOrganisation) {
  EXPECT_FALSE(reports_->ReportScheduleOf(acme_)->has_value());
  ReportSchedule s;
  s.org_id = acme_;
  s.interval_seconds = 7 * 86400;
  s.recipients = {"a@example.jp", "b@example.jp"};
  s.lang = "ja";
  s.next_due = 1000;
  ASSERT_TRUE(reports_->SetReportSchedule(s, "op", 10).ok());
  auto read = reports_->ReportScheduleOf(acme_);
  ASSERT_TRUE(read.ok()) << read.status().ToString();
  ASSERT_TRUE(read->has_value());
  EXPECT_EQ((*read)->interval_seconds, 7 * 86400);
  EXPECT_EQ((*read)->recipients,
            (std::vector<std::string>{"a@example.jp", "b@example.jp"}));
  EXPECT_EQ((*read)->lang, "ja");
  EXPECT_EQ((*read)->next_due, 1000);
  // Another organisation has none and cannot delete acme's.
  EXPECT_FALSE(reports_->ReportScheduleOf(globex_)->has_value());
  EXPECT_EQ(reports_->DeleteReportSchedule(globex_).code(),
            StatusCode::kNotFound);
  ASSERT_TRUE(reports_->ReportScheduleOf(acme_)->has_value());
  ASSERT_TRUE(reports_->DeleteReportSchedule(acme_).ok());
  EXPECT_FALSE(reports_->ReportScheduleOf(acme_)->has_value());
  EXPECT_EQ(reports_->DeleteReportSchedule(acme_).code(),
            StatusCode::kNotFound);
}

TEST_P(ReportStoreTest, ForEachHostVisitsEveryHostOfTheOrganisationOnce) {
  // More hosts than one page of the PostgreSQL store (200).
  constexpr int kHosts = 205;
  for (int i = 0; i < kHosts; ++i) Enroll("acme", "pc-" + std::to_string(i));
  Enroll("globex", "secret");
  std::vector<int64_t> seen;
  Status s = reports_->ForEachHostFacts(acme_, [&](const HostFacts& host) {
    seen.push_back(host.host_id);
    EXPECT_EQ(host.hostname.rfind("pc-", 0), 0u) << host.hostname;
    return Status::Ok();
  });
  ASSERT_TRUE(s.ok()) << s.ToString();
  ASSERT_EQ(seen.size(), static_cast<size_t>(kHosts));
  EXPECT_TRUE(std::is_sorted(seen.begin(), seen.end()));
  // The first error of the callback stops the walk and is returned.
  int calls = 0;
  s = reports_->ForEachHostFacts(acme_, [&](const HostFacts&) {
    return ++calls == 3 ? AbortedError("enough") : Status::Ok();
  });
  EXPECT_EQ(s.code(), StatusCode::kAborted);
  EXPECT_EQ(calls, 3);
}

INSTANTIATE_TEST_SUITE_P(Backends, ReportStoreTest,
                         ::testing::Values(Backend::kSqlite,
                                           Backend::kPostgres),
                         [](const ::testing::TestParamInfo<Backend>& info) {
                           return testing::BackendName(info.param);
                         });

}  // namespace
}  // namespace mamori::store
