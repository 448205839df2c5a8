// The re-grade queue shared by collectors on one PostgreSQL database (issue
// #17): two queues on two sessions stand for two collectors. Skipped
// without MAMORI_TEST_PG_URL (scripts/test.sh runs it under
// scripts/pg-cluster.sh).
#include <gtest/gtest.h>

#include <map>
#include <mutex>
#include <thread>

#include "collector/store/open_store.h"
#include "collector/store/regrade_queue.h"
#include "collector/store/testing/test_database.h"

namespace mamori::store {
namespace {

using std::chrono::milliseconds;
using testing::Backend;
using testing::TestDatabase;

const TimePoint kStart = FromUnixSeconds(1'800'000'000);

class PostgresRegradeQueueTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!testing::PostgresClusterUrl()) {
      GTEST_SKIP() << "MAMORI_TEST_PG_URL not set (scripts/pg-cluster.sh run)";
    }
    Result<std::unique_ptr<TestDatabase>> db =
        TestDatabase::Create(Backend::kPostgres);
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    db_ = std::move(db).value();
    FakeClock clock(kStart);
    Result<std::unique_ptr<Store>> store = OpenStore(db_->url(), clock);
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    for (int i = 0; i < kOrgs; ++i) {
      ASSERT_TRUE(
          (*store)
              ->CreateOrg({"org-" + std::to_string(i), "", std::nullopt, ""})
              .ok());
    }
    first_org_ = Scalar("SELECT min(id) FROM organizations");
    one_ = Open();
    two_ = Open();
  }

  // A collector's queue, as serve opens it.
  std::unique_ptr<RegradeQueue> Open() {
    Result<std::unique_ptr<RegradeQueue>> q = OpenRegradeQueue(db_->url());
    EXPECT_TRUE(q.ok()) << q.status().ToString();
    return q.ok() ? std::move(q).value() : nullptr;
  }

  int64_t Scalar(const std::string& sql) {
    Result<int64_t> v = db_->Scalar(sql);
    EXPECT_TRUE(v.ok()) << v.status().ToString();
    return v.ok() ? *v : -1;
  }

  static std::vector<RegradeClaim> Claim(RegradeQueue& q, const char* owner,
                                         TimePoint now, int limit = 10,
                                         RegradeTiming timing = {}) {
    Result<std::vector<RegradeClaim>> claims =
        q.ClaimDue(owner, now, timing, limit);
    EXPECT_TRUE(claims.ok()) << claims.status().ToString();
    return claims.ok() ? *claims : std::vector<RegradeClaim>{};
  }

  static constexpr int kOrgs = 40;
  std::unique_ptr<TestDatabase> db_;
  int64_t first_org_ = 0;
  std::unique_ptr<RegradeQueue> one_;
  std::unique_ptr<RegradeQueue> two_;
};

TEST_F(PostgresRegradeQueueTest, ABurstOverTwoCollectorsIsGradedOnce) {
  // 100 batches of one organisation, alternating between the collectors.
  for (int i = 0; i < 100; ++i) {
    RegradeQueue& q = i % 2 == 0 ? *one_ : *two_;
    ASSERT_TRUE(q.MarkDirty(first_org_, kStart + milliseconds(10 * i)).ok());
  }
  const TimePoint last = kStart + milliseconds(990);
  // Not quiet for the debounce (2 s) yet.
  EXPECT_TRUE(Claim(*one_, "one", last + milliseconds(1999)).empty());
  EXPECT_TRUE(Claim(*two_, "two", last + milliseconds(1999)).empty());

  // Both collectors poll at once; one of them gets it.
  std::vector<RegradeClaim> got_one;
  std::vector<RegradeClaim> got_two;
  std::thread a(
      [&] { got_one = Claim(*one_, "one", last + milliseconds(2000)); });
  std::thread b(
      [&] { got_two = Claim(*two_, "two", last + milliseconds(2000)); });
  a.join();
  b.join();
  ASSERT_EQ(got_one.size() + got_two.size(), 1u);
  const bool one_won = !got_one.empty();
  const RegradeClaim claim = one_won ? got_one[0] : got_two[0];
  EXPECT_EQ(claim.org_id, first_org_);
  EXPECT_EQ(claim.generation, 100);
  // The loser keeps finding nothing while the lease runs.
  RegradeQueue& loser = one_won ? *two_ : *one_;
  EXPECT_TRUE(
      Claim(loser, one_won ? "two" : "one", last + milliseconds(9000)).empty());
  RegradeQueue& winner = one_won ? *one_ : *two_;
  Result<bool> done = winner.Complete(claim, one_won ? "one" : "two");
  ASSERT_TRUE(done.ok()) << done.status().ToString();
  EXPECT_TRUE(*done);
  EXPECT_EQ(Scalar("SELECT count(*) FROM regrade_queue"), 0);
  EXPECT_TRUE(Claim(loser, "x", last + milliseconds(60'000)).empty());
}

TEST_F(PostgresRegradeQueueTest, ChangesWhileGradingAreGradedInTheirTurn) {
  ASSERT_TRUE(one_->MarkDirty(first_org_, kStart).ok());
  std::vector<RegradeClaim> claims =
      Claim(*one_, "one", kStart + milliseconds(2000));
  ASSERT_EQ(claims.size(), 1u);
  // Collector two stores a report of the organisation during the re-grade.
  ASSERT_TRUE(two_->MarkDirty(first_org_, kStart + milliseconds(2500)).ok());
  Result<bool> done = one_->Complete(claims[0], "one");
  ASSERT_TRUE(done.ok()) << done.status().ToString();
  EXPECT_FALSE(*done);
  EXPECT_EQ(Scalar("SELECT count(*) FROM regrade_queue WHERE lease_owner IS "
                   "NULL"),
            1);
  // Due again after its own debounce, for either collector.
  EXPECT_TRUE(Claim(*two_, "two", kStart + milliseconds(4499)).empty());
  claims = Claim(*two_, "two", kStart + milliseconds(4500));
  ASSERT_EQ(claims.size(), 1u);
  EXPECT_EQ(claims[0].generation, 2);
  done = two_->Complete(claims[0], "two");
  ASSERT_TRUE(done.ok());
  EXPECT_TRUE(*done);
}

TEST_F(PostgresRegradeQueueTest, ADeadCollectorsLeasePassesOn) {
  RegradeTiming timing;
  timing.lease = milliseconds(5000);
  ASSERT_TRUE(one_->MarkDirty(first_org_, kStart).ok());
  std::vector<RegradeClaim> claims =
      Claim(*one_, "one", kStart + milliseconds(2000), 10, timing);
  ASSERT_EQ(claims.size(), 1u);
  // Collector one dies while grading (no Complete).
  EXPECT_TRUE(
      Claim(*two_, "two", kStart + milliseconds(6999), 10, timing).empty());
  std::vector<RegradeClaim> taken =
      Claim(*two_, "two", kStart + milliseconds(7000), 10, timing);
  ASSERT_EQ(taken.size(), 1u);
  // A late Complete from the old owner removes nothing.
  Result<bool> late = one_->Complete(claims[0], "one");
  ASSERT_TRUE(late.ok());
  EXPECT_FALSE(*late);
  EXPECT_EQ(Scalar("SELECT count(*) FROM regrade_queue WHERE lease_owner = "
                   "'two'"),
            1);
  Result<bool> done = two_->Complete(taken[0], "two");
  ASSERT_TRUE(done.ok());
  EXPECT_TRUE(*done);
}

TEST_F(PostgresRegradeQueueTest, ASteadyTrickleIsGradedAfterTheMaxDelay) {
  // A change every second never leaves a 2 s quiet interval.
  std::vector<RegradeClaim> claims;
  int seconds = 0;
  for (; seconds <= 70 && claims.empty(); ++seconds) {
    const TimePoint now = kStart + std::chrono::seconds(seconds);
    ASSERT_TRUE(one_->MarkDirty(first_org_, now).ok());
    claims = Claim(*two_, "two", now);
  }
  ASSERT_EQ(claims.size(), 1u);
  EXPECT_EQ(seconds - 1, 60);  // the default max_delay
}

TEST(RegradeQueueOnSqliteTest, IsRefusedWithTheReason) {
  Result<std::unique_ptr<RegradeQueue>> q =
      OpenRegradeQueue(SqliteUrl("/tmp/none.db"));
  ASSERT_FALSE(q.ok());
  EXPECT_EQ(q.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(q.status().message().find("PostgreSQL"), std::string::npos);
}

TEST_F(PostgresRegradeQueueTest, ConcurrentPollersClaimEachOrganisationOnce) {
  for (int i = 0; i < kOrgs; ++i) {
    ASSERT_TRUE(one_->MarkDirty(first_org_ + i, kStart).ok());
  }
  std::mutex mu;
  std::map<int64_t, int> graded;
  auto poll = [&](RegradeQueue& q, const char* owner) {
    for (;;) {
      std::vector<RegradeClaim> claims =
          Claim(q, owner, kStart + milliseconds(3000), 1);
      if (claims.empty()) return;
      {
        std::lock_guard<std::mutex> lock(mu);
        ++graded[claims[0].org_id];
      }
      Result<bool> done = q.Complete(claims[0], owner);
      EXPECT_TRUE(done.ok() && *done);
    }
  };
  std::thread a([&] { poll(*one_, "one"); });
  std::thread b([&] { poll(*two_, "two"); });
  a.join();
  b.join();
  EXPECT_EQ(graded.size(), static_cast<size_t>(kOrgs));
  for (const auto& [org, times] : graded) {
    EXPECT_EQ(times, 1) << "organisation " << org;
  }
  EXPECT_EQ(Scalar("SELECT count(*) FROM regrade_queue"), 0);
}

}  // namespace
}  // namespace mamori::store
