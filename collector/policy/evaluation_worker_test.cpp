#include "collector/policy/evaluation_worker.h"

#include <gtest/gtest.h>

#include <map>
#include <mutex>
#include <thread>

namespace mamori::policy {
namespace {

using std::chrono::milliseconds;

class Recorder {
 public:
  Status Evaluate(int64_t org_id) {
    std::lock_guard<std::mutex> lock(mu_);
    ++calls_[org_id];
    if (org_id == 13) return InternalError("broken view");
    return Status::Ok();
  }
  int Calls(int64_t org_id) {
    std::lock_guard<std::mutex> lock(mu_);
    return calls_[org_id];
  }

 private:
  std::mutex mu_;
  std::map<int64_t, int> calls_;
};

TEST(EvaluationWorkerTest, BurstOfChangesIsEvaluatedOnceAfterTheDebounce) {
  FakeClock clock(FromUnixSeconds(1'800'000'000));
  Recorder recorder;
  EvaluationWorker worker([&](int64_t id) { return recorder.Evaluate(id); },
                          clock, milliseconds(2000), milliseconds(5));
  worker.Start();
  for (int i = 0; i < 50; ++i) worker.MarkDirty(7);
  // Still inside the debounce window: nothing may run however long we wait
  // in real time, because the fake clock has not moved.
  std::this_thread::sleep_for(milliseconds(50));
  EXPECT_EQ(recorder.Calls(7), 0);
  clock.Advance(milliseconds(2000));
  for (int i = 0; i < 400 && recorder.Calls(7) == 0; ++i) {
    std::this_thread::sleep_for(milliseconds(5));
  }
  EXPECT_EQ(recorder.Calls(7), 1);
  worker.Stop();
  EXPECT_EQ(recorder.Calls(7), 1);
  EXPECT_EQ(worker.evaluations(), 1);
}

TEST(EvaluationWorkerTest, StopEvaluatesWhatIsPendingAndCountsFailures) {
  FakeClock clock(FromUnixSeconds(1'800'000'000));
  Recorder recorder;
  EvaluationWorker worker([&](int64_t id) { return recorder.Evaluate(id); },
                          clock, milliseconds(60'000), milliseconds(5));
  worker.Start();
  worker.MarkDirty(1);
  worker.MarkDirty(13);
  worker.Stop();  // the debounce has not passed, yet nothing is dropped
  EXPECT_EQ(recorder.Calls(1), 1);
  EXPECT_EQ(recorder.Calls(13), 1);
  EXPECT_EQ(worker.evaluations(), 2);
  EXPECT_EQ(worker.failures(), 1);
}

}  // namespace
}  // namespace mamori::policy

namespace mamori::policy {
namespace {

// The check time limit grows with the organisation past its base size
// (issue #17: a 100,000-host organisation's checks ran into 4 s).
TEST(ScaledCheckTimeLimitTest, GrowsInProportionPastTheBaseHostsUpToACap) {
  const milliseconds base(4000);
  EXPECT_EQ(ScaledCheckTimeLimit(base, 10'000, 0), base);
  EXPECT_EQ(ScaledCheckTimeLimit(base, 10'000, 300), base);
  EXPECT_EQ(ScaledCheckTimeLimit(base, 10'000, 10'000), base);
  EXPECT_EQ(ScaledCheckTimeLimit(base, 10'000, 15'000), milliseconds(6000));
  EXPECT_EQ(ScaledCheckTimeLimit(base, 10'000, 100'000), milliseconds(40'000));
  EXPECT_EQ(ScaledCheckTimeLimit(base, 10'000, 10'000'000), kMaxCheckTimeLimit);
  // serve's default base: 1,000 hosts.
  EXPECT_EQ(ScaledCheckTimeLimit(base, 1'000, 10'000), milliseconds(40'000));
  EXPECT_EQ(ScaledCheckTimeLimit(base, 1'000, 100'000), kMaxCheckTimeLimit);
  // No base size: the limit stays; a base above the cap is never cut.
  EXPECT_EQ(ScaledCheckTimeLimit(base, 0, 100'000), base);
  EXPECT_EQ(ScaledCheckTimeLimit(milliseconds(600'000), 10, 100'000),
            milliseconds(600'000));
}

}  // namespace
}  // namespace mamori::policy
