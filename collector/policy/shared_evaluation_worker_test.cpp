// SharedEvaluationWorker (issue #17): two workers stand for two collectors,
// each with its own re-grade queue session on one real PostgreSQL database
// and a shared fake clock, so the debounce and the lease are exact while
// the workers' threads poll for real. Skipped without MAMORI_TEST_PG_URL
// (scripts/test.sh runs it under scripts/pg-cluster.sh).
#include "collector/policy/shared_evaluation_worker.h"

#include <gtest/gtest.h>

#include <map>
#include <mutex>
#include <thread>

#include "collector/store/open_store.h"
#include "collector/store/testing/test_database.h"

namespace mamori::policy {
namespace {

using std::chrono::milliseconds;
using store::testing::Backend;
using store::testing::TestDatabase;

constexpr milliseconds kPoll{10};

class PostgresSharedEvaluationWorkerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!store::testing::PostgresClusterUrl()) {
      GTEST_SKIP() << "MAMORI_TEST_PG_URL not set (scripts/pg-cluster.sh run)";
    }
    Result<std::unique_ptr<TestDatabase>> db =
        TestDatabase::Create(Backend::kPostgres);
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    db_ = std::move(db).value();
    Result<std::unique_ptr<store::Store>> opened =
        store::OpenStore(db_->url(), clock_);
    ASSERT_TRUE(opened.ok()) << opened.status().ToString();
    for (const char* name : {"acme", "globex"}) {
      Result<store::Organization> org =
          (*opened)->CreateOrg({name, "", std::nullopt, ""});
      ASSERT_TRUE(org.ok()) << org.status().ToString();
      orgs_.push_back(org->id);
    }
  }

  // A collector's worker; its evaluations are counted per organisation in
  // graded_ (under mu_), and fail while fail_ names the organisation.
  std::unique_ptr<SharedEvaluationWorker> Worker(const std::string& owner) {
    Result<std::unique_ptr<store::RegradeQueue>> queue =
        store::OpenRegradeQueue(db_->url());
    EXPECT_TRUE(queue.ok()) << queue.status().ToString();
    if (!queue.ok()) return nullptr;
    auto evaluate = [this, owner](int64_t org_id) {
      std::lock_guard<std::mutex> lock(mu_);
      if (fail_ == org_id) {
        fail_ = 0;  // once
        return InternalError("grading failed");
      }
      ++graded_[org_id];
      by_[owner].push_back(org_id);
      return Status::Ok();
    };
    return std::make_unique<SharedEvaluationWorker>(
        evaluate, std::move(queue).value(), owner, clock_, timing_, kPoll);
  }

  int64_t Queued() {
    Result<int64_t> n = db_->Scalar("SELECT count(*) FROM regrade_queue");
    EXPECT_TRUE(n.ok()) << n.status().ToString();
    return n.ok() ? *n : -1;
  }

  // Waits (real time, at most 10 s) until `done` holds; returns whether it
  // did.
  template <typename Done>
  bool WaitFor(Done done) {
    for (int i = 0; i < 1000; ++i) {
      if (done()) return true;
      std::this_thread::sleep_for(milliseconds(10));
    }
    return done();
  }

  int64_t Graded(int64_t org_id) {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = graded_.find(org_id);
    return it == graded_.end() ? 0 : it->second;
  }

  FakeClock clock_{FromUnixSeconds(1'800'000'000)};
  store::RegradeTiming timing_;  // debounce 2 s, max delay 60 s, lease 300 s
  std::unique_ptr<TestDatabase> db_;
  std::vector<int64_t> orgs_;
  std::mutex mu_;
  std::map<int64_t, int64_t> graded_;
  std::map<std::string, std::vector<int64_t>> by_;
  int64_t fail_ = 0;
};

TEST_F(PostgresSharedEvaluationWorkerTest,
       ABurstOnTwoCollectorsIsGradedOnceAfterIt) {
  auto one = Worker("one");
  auto two = Worker("two");
  ASSERT_TRUE(one && two);
  one->Start();
  two->Start();
  // A burst: both collectors store reports of acme, two also of globex.
  for (int i = 0; i < 20; ++i) {
    one->MarkDirty(orgs_[0]);
    two->MarkDirty(orgs_[0]);
  }
  two->MarkDirty(orgs_[1]);
  // The marks reach the shared queue within a poll or two...
  ASSERT_TRUE(WaitFor([&] { return Queued() == 2; })) << Queued();
  // ...and nothing is graded while the burst is younger than the debounce,
  // however many polls pass.
  std::this_thread::sleep_for(milliseconds(200));
  EXPECT_EQ(Graded(orgs_[0]) + Graded(orgs_[1]), 0);
  clock_.Advance(timing_.debounce);
  ASSERT_TRUE(WaitFor([&] { return Queued() == 0; })) << Queued();
  // Polls go on; nothing is graded twice.
  std::this_thread::sleep_for(milliseconds(200));
  one->Stop();
  two->Stop();
  EXPECT_EQ(Graded(orgs_[0]), 1);
  EXPECT_EQ(Graded(orgs_[1]), 1);
  EXPECT_EQ(one->evaluations() + two->evaluations(), 2);
  EXPECT_EQ(one->failures() + two->failures(), 0);
}

TEST_F(PostgresSharedEvaluationWorkerTest,
       AFailedGradingIsRetriedWhenItsLeaseEnds) {
  auto one = Worker("one");
  auto two = Worker("two");
  ASSERT_TRUE(one && two);
  {
    std::lock_guard<std::mutex> lock(mu_);
    fail_ = orgs_[0];
  }
  one->Start();
  one->MarkDirty(orgs_[0]);
  ASSERT_TRUE(WaitFor([&] { return Queued() == 1; }));
  clock_.Advance(timing_.debounce);
  ASSERT_TRUE(WaitFor([&] { return one->failures() == 1; }));
  // The failed claim stays leased to "one": neither worker retries it
  // before the lease ends.
  two->Start();
  std::this_thread::sleep_for(milliseconds(200));
  EXPECT_EQ(Graded(orgs_[0]), 0);
  EXPECT_EQ(Queued(), 1);
  clock_.Advance(timing_.lease);
  ASSERT_TRUE(WaitFor([&] { return Queued() == 0; })) << Queued();
  one->Stop();
  two->Stop();
  EXPECT_EQ(Graded(orgs_[0]), 1);
  EXPECT_EQ(one->evaluations() + two->evaluations(), 2);  // failed + retried
}

TEST_F(PostgresSharedEvaluationWorkerTest,
       StopGradesPendingMarksWithoutTheDebounce) {
  auto one = Worker("one");
  ASSERT_TRUE(one);
  one->Start();
  one->MarkDirty(orgs_[1]);
  // The clock never moves: only the stop's own pass can grade it.
  one->Stop();
  EXPECT_EQ(Graded(orgs_[1]), 1);
  EXPECT_EQ(Graded(orgs_[0]), 0);
  EXPECT_EQ(Queued(), 0);
  EXPECT_EQ(one->evaluations(), 1);
}

}  // namespace
}  // namespace mamori::policy
