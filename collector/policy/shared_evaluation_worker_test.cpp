// SharedEvaluationWorker (issue #17): two workers stand for two collectors,
// each with its own re-grade queue sessions on one real PostgreSQL database
// and a shared fake clock, so the debounce and the lease are exact while
// the workers' threads poll for real. The slow passes are real: the
// built-in checks run by a GradingService, their queries waiting in
// PostgreSQL on a table lock the test holds for as long as it needs; the
// crashed collector is a child process killed with SIGKILL. Skipped without
// MAMORI_TEST_PG_URL (scripts/test.sh runs it under scripts/pg-cluster.sh).
#include "collector/policy/shared_evaluation_worker.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <map>
#include <mutex>
#include <thread>

#include "collector/policy/grading_service.h"
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
  // graded_ (under mu_), and fail while fail_ names the organisation. With
  // `grader`, each evaluation is that service's real re-grade.
  std::unique_ptr<SharedEvaluationWorker> Worker(
      const std::string& owner, GradingService* grader = nullptr) {
    Result<std::unique_ptr<store::RegradeQueue>> queue =
        store::OpenRegradeQueue(db_->url());
    EXPECT_TRUE(queue.ok()) << queue.status().ToString();
    Result<std::unique_ptr<store::RegradeQueue>> heartbeat =
        store::OpenRegradeQueue(db_->url());
    EXPECT_TRUE(heartbeat.ok()) << heartbeat.status().ToString();
    if (!queue.ok() || !heartbeat.ok()) return nullptr;
    auto evaluate = [this, owner, grader](
                        int64_t org_id,
                        const SharedEvaluationWorker::GoOn& go_on) {
      if (grader != nullptr) {
        MAMORI_RETURN_IF_ERROR(grader->EvaluateOrgId(org_id, go_on));
      }
      std::lock_guard<std::mutex> lock(mu_);
      if (fail_ == org_id) {
        fail_ = 0;  // once
        return InternalError("grading failed");
      }
      ++graded_[org_id];
      by_[owner].push_back(org_id);
      return Status::Ok();
    };
    std::function<void()> interrupt;
    if (grader != nullptr) interrupt = [grader] { grader->InterruptCheck(); };
    return std::make_unique<SharedEvaluationWorker>(
        evaluate, std::move(queue).value(), std::move(heartbeat).value(), owner,
        clock_, timing_, kPoll, interrupt);
  }

  // A grading service on the test database whose checks may wait on a
  // lock far longer than a real run takes.
  std::unique_ptr<GradingService> Grader() {
    GradingService::Options options;
    options.database_path = db_->url();
    options.check_time_limit = std::chrono::seconds(120);
    Result<std::unique_ptr<GradingService>> grader =
        GradingService::Open(options, clock_);
    EXPECT_TRUE(grader.ok()) << grader.status().ToString();
    return grader.ok() ? std::move(grader).value() : nullptr;
  }

  // Locks the hosts' package links on a session of the test's own: the
  // check queries that read them (the software checks) wait in PostgreSQL
  // until UnlockFacts; the hosts' list and the other checks do not.
  void LockFacts() {
    Result<std::unique_ptr<store::testing::TestDatabase::Session>> session =
        db_->OpenSession();
    ASSERT_TRUE(session.ok()) << session.status().ToString();
    lock_ = std::move(session).value();
    ASSERT_TRUE(
        lock_->Exec("BEGIN; LOCK TABLE host_packages IN ACCESS EXCLUSIVE MODE")
            .ok());
  }
  void UnlockFacts() { ASSERT_TRUE(lock_->Exec("COMMIT").ok()); }
  // Sessions of this database waiting on a lock (a check query on ours).
  int64_t WaitingOnLock() {
    Result<int64_t> n = db_->Scalar(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = "
        "current_database() AND wait_event_type = 'Lock'");
    EXPECT_TRUE(n.ok()) << n.status().ToString();
    return n.ok() ? *n : -1;
  }
  std::string LeaseOwner(int64_t org_id) {
    Result<std::string> owner = db_->ScalarText(
        "SELECT coalesce(lease_owner, '') FROM regrade_queue "
        "WHERE org_id = " +
        std::to_string(org_id));
    return owner.ok() ? *owner : "(no entry)";
  }
  int64_t Snapshots(int64_t org_id) {
    Result<int64_t> n =
        db_->Scalar("SELECT count(*) FROM grade_history WHERE org_id = " +
                    std::to_string(org_id));
    EXPECT_TRUE(n.ok()) << n.status().ToString();
    return n.ok() ? *n : -1;
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
  std::unique_ptr<store::testing::TestDatabase::Session> lock_;
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
       StopHandsPendingMarksToTheQueueWithoutGrading) {
  auto one = Worker("one");
  auto two = Worker("two");
  ASSERT_TRUE(one && two);
  one->Start();
  one->MarkDirty(orgs_[1]);
  // The clock never moves: only a stop that graded could grade it.
  one->Stop();
  EXPECT_EQ(Graded(orgs_[1]), 0);
  EXPECT_EQ(one->evaluations(), 0);
  // Pending in the queue, leased to nobody...
  EXPECT_EQ(Queued(), 1);
  EXPECT_EQ(LeaseOwner(orgs_[1]), "");
  // ...so another collector grades it once its debounce has passed.
  two->Start();
  clock_.Advance(timing_.debounce);
  ASSERT_TRUE(WaitFor([&] { return Queued() == 0; })) << Queued();
  two->Stop();
  EXPECT_EQ(Graded(orgs_[1]), 1);
  EXPECT_EQ(by_["two"], std::vector<int64_t>{orgs_[1]});
}

TEST_F(PostgresSharedEvaluationWorkerTest,
       APassLongerThanTheLeaseKeepsItAndIsGradedOnce) {
  std::unique_ptr<GradingService> grader_one = Grader();
  std::unique_ptr<GradingService> grader_two = Grader();
  ASSERT_TRUE(grader_one && grader_two);
  auto one = Worker("one", grader_one.get());
  auto two = Worker("two", grader_two.get());
  ASSERT_TRUE(one && two);
  LockFacts();
  one->Start();
  one->MarkDirty(orgs_[0]);
  ASSERT_TRUE(WaitFor([&] { return Queued() == 1; }));
  clock_.Advance(timing_.debounce);
  // "one" has claimed acme and its pass waits in a check query.
  ASSERT_TRUE(WaitFor(
      [&] { return LeaseOwner(orgs_[0]) == "one" && WaitingOnLock() > 0; }));
  two->Start();
  // 1.8 leases pass while the check waits; after each 0.6 the heartbeat
  // renews the lease from the new time, so it never runs out and "two",
  // polling throughout, never claims acme.
  for (int step = 0; step < 3; ++step) {
    const int64_t renewals = one->renewals();
    clock_.Advance(timing_.lease * 6 / 10);
    ASSERT_TRUE(WaitFor([&] { return one->renewals() > renewals; }))
        << "step " << step;
    EXPECT_EQ(LeaseOwner(orgs_[0]), "one") << "step " << step;
  }
  EXPECT_EQ(two->evaluations() + two->interrupted(), 0);
  UnlockFacts();
  ASSERT_TRUE(WaitFor([&] { return Queued() == 0; })) << Queued();
  one->Stop();
  two->Stop();
  EXPECT_EQ(Graded(orgs_[0]), 1);
  EXPECT_EQ(by_["one"], std::vector<int64_t>{orgs_[0]});
  EXPECT_TRUE(by_["two"].empty());
  EXPECT_EQ(one->failures(), 0);
  EXPECT_EQ(Snapshots(orgs_[0]), 1);
}

TEST_F(PostgresSharedEvaluationWorkerTest,
       StopInterruptsAPassInProgressAndHandsItBack) {
  std::unique_ptr<GradingService> grader_one = Grader();
  std::unique_ptr<GradingService> grader_two = Grader();
  ASSERT_TRUE(grader_one && grader_two);
  auto one = Worker("one", grader_one.get());
  auto two = Worker("two", grader_two.get());
  ASSERT_TRUE(one && two);
  LockFacts();
  one->Start();
  one->MarkDirty(orgs_[0]);
  ASSERT_TRUE(WaitFor([&] { return Queued() == 1; }));
  clock_.Advance(timing_.debounce);
  ASSERT_TRUE(WaitFor(
      [&] { return LeaseOwner(orgs_[0]) == "one" && WaitingOnLock() > 0; }));
  // The stop comes while a check waits: its query is interrupted and the
  // pass stops there, without waiting for the lock or running the other
  // checks.
  one->Stop();
  UnlockFacts();
  EXPECT_EQ(one->interrupted(), 1);
  EXPECT_EQ(one->released(), 1);
  EXPECT_EQ(one->evaluations(), 0);
  EXPECT_EQ(Graded(orgs_[0]), 0);
  EXPECT_EQ(Snapshots(orgs_[0]), 0);
  // Pending and free: the next collector grades it whole, at its first
  // poll (the changes are older than the debounce).
  EXPECT_EQ(Queued(), 1);
  EXPECT_EQ(LeaseOwner(orgs_[0]), "");
  two->Start();
  ASSERT_TRUE(WaitFor([&] { return Queued() == 0; })) << Queued();
  two->Stop();
  EXPECT_EQ(by_["two"], std::vector<int64_t>{orgs_[0]});
  EXPECT_EQ(Snapshots(orgs_[0]), 1);
}

TEST_F(PostgresSharedEvaluationWorkerTest,
       ACrashedCollectorsLeaseExpiresAndIsTakenOver) {
  {
    Result<std::unique_ptr<store::RegradeQueue>> queue =
        store::OpenRegradeQueue(db_->url());
    ASSERT_TRUE(queue.ok()) << queue.status().ToString();
    ASSERT_TRUE((*queue)->MarkDirty(orgs_[0], clock_.Now()).ok());
  }
  clock_.Advance(timing_.debounce);
  const TimePoint claimed = clock_.Now();
  // The collector that crashes: a child process with its own sessions
  // claims acme and grades it with the real checks, one of which waits on
  // the lock until the child is killed. No thread runs in this process at
  // the fork; the child starts grading once the lock is taken.
  int ready[2];
  int go[2];
  ASSERT_EQ(pipe(ready), 0);
  ASSERT_EQ(pipe(go), 0);
  const pid_t child = fork();
  ASSERT_NE(child, -1);
  if (child == 0) {
    std::unique_ptr<GradingService> grader = Grader();
    auto crashing = grader ? Worker("crashing", grader.get()) : nullptr;
    char byte = crashing ? 'y' : 'n';
    if (write(ready[1], &byte, 1) != 1 || !crashing) _exit(1);
    if (read(go[0], &byte, 1) != 1) _exit(1);
    crashing->Start();
    for (;;) pause();
  }
  // No ASSERT until the child is killed: an early return would leave it.
  char byte = 0;
  const bool child_ready = read(ready[0], &byte, 1) == 1 && byte == 'y';
  LockFacts();
  const bool claimed_by_child =
      child_ready && write(go[1], &byte, 1) == 1 && WaitFor([&] {
        return LeaseOwner(orgs_[0]) == "crashing" && WaitingOnLock() > 0;
      });
  kill(child, SIGKILL);
  int wstatus = 0;
  waitpid(child, &wstatus, 0);
  for (int fd : {ready[0], ready[1], go[0], go[1]}) close(fd);
  ASSERT_TRUE(claimed_by_child);
  ASSERT_TRUE(WIFSIGNALED(wstatus));
  UnlockFacts();

  std::unique_ptr<GradingService> grader_two = Grader();
  ASSERT_TRUE(grader_two);
  auto two = Worker("two", grader_two.get());
  ASSERT_TRUE(two);
  two->Start();
  // Until the dead collector's lease ends, acme stays with it...
  clock_.Advance(timing_.lease - (clock_.Now() - claimed) -
                 std::chrono::milliseconds(1));
  std::this_thread::sleep_for(milliseconds(200));
  EXPECT_EQ(LeaseOwner(orgs_[0]), "crashing");
  EXPECT_EQ(two->evaluations(), 0);
  // ...then "two" takes it over and grades it.
  clock_.Advance(milliseconds(1));
  ASSERT_TRUE(WaitFor([&] { return Queued() == 0; })) << Queued();
  two->Stop();
  EXPECT_EQ(by_["two"], std::vector<int64_t>{orgs_[0]});
  EXPECT_EQ(Snapshots(orgs_[0]), 1);
}

}  // namespace
}  // namespace mamori::policy
