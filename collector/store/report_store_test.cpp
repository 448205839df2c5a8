// The ReportStore port's contract over every backend (issue #17): the same
// cases on SQLite and PostgreSQL (skipped without MAMORI_TEST_PG_URL;
// scripts/test.sh runs them under scripts/pg-cluster.sh).
#include "collector/store/report_store.h"

#include <gtest/gtest.h>

#include <algorithm>

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
  auto due = reports_->DueReportSchedules(2000);
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
  EXPECT_EQ(reports_->DueReportSchedules(2000)->size(), 0u);
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
