// Delivery end to end with the real binaries: nothing lost, nothing doubled.
// Collector down at send time; collector SIGKILLed mid-ingest and restarted;
// agent killed during its send, and between the collector's store and the
// agent's ack; spool full; the `run` loop retrying until the collector is
// back and stopping cleanly on SIGTERM.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <filesystem>
#include <regex>
#include <thread>

#include "common/text.h"
#include "tests/agent_collector_harness.h"

namespace mamori::agent_collector {
namespace {

using ::testing::HasSubstr;

constexpr int kExitQueued = 3;

class AgentCollectorDeliveryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    config_ = dir_.path() + "/agent.conf";
    WriteConfig("");
    state_ = dir_.path() + "/agent";
    collector_ = std::make_unique<Collector>(dir_.path() + "/collector");
    collector_->Start();
    ProcessResult r =
        Agent({"enroll", "--server", collector_->address(), "--token",
               collector_->Token(), "--ca", collector_->ca_path(), "--state",
               state_, "--root", FixtureRoot("e2e-good"), "--config", config_});
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
    port_ = collector_->port();
  }

  void WriteConfig(const std::string& text) {
    FILE* f = fopen(config_.c_str(), "w");
    ASSERT_NE(f, nullptr);
    fputs(text.c_str(), f);
    fclose(f);
  }

  std::vector<std::string> OnceArgs() const {
    return {"once",     "--state", state_, "--root", FixtureRoot("e2e-good"),
            "--config", config_};
  }
  ProcessResult Once() { return Agent(OnceArgs()); }
  // `once` as a full command line, for a BackgroundProcess.
  std::vector<std::string> OnceArgv() const {
    std::vector<std::string> argv = {MAMORI_AGENT_BIN};
    for (const std::string& a : OnceArgs()) argv.push_back(a);
    return argv;
  }

  int64_t CopiesOf(const std::string& report_id) const {
    return collector_->Scalar(
        "SELECT count(*) FROM reports WHERE report_id = '" + report_id + "'");
  }
  int64_t Reports() const {
    return collector_->Scalar("SELECT count(*) FROM reports");
  }

  // Waits until `predicate` holds (polling), up to `timeout_s`.
  template <typename P>
  bool WaitUntil(P predicate, int timeout_s = 60) {
    for (int i = 0; i < timeout_s * 20; ++i) {
      if (predicate()) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return predicate();
  }

  TempDir dir_;
  std::string config_;
  std::string state_;
  std::unique_ptr<Collector> collector_;
  int port_ = 0;
};

TEST_F(AgentCollectorDeliveryTest, CollectorDownIsQueuedAndDeliveredLater) {
  ASSERT_EQ(collector_->Stop(SIGTERM), 0) << collector_->log();
  ProcessResult first = Once();
  EXPECT_EQ(first.exit_code, kExitQueued) << first.out << first.err;
  EXPECT_THAT(first.out, HasSubstr("queued"));
  ProcessResult second = Once();
  EXPECT_EQ(second.exit_code, kExitQueued) << second.out << second.err;
  const std::vector<std::string> queued = SpoolIds(state_);
  ASSERT_EQ(queued.size(), 2u);
  EXPECT_NE(queued[0], queued[1]);

  collector_->Start(port_);
  ProcessResult third = Once();
  ASSERT_EQ(third.exit_code, 0) << third.out << third.err;
  EXPECT_THAT(third.out, HasSubstr("sent 3 report(s)"));
  EXPECT_EQ(SpoolCount(state_), 0);
  for (const std::string& id : queued) EXPECT_EQ(CopiesOf(id), 1) << id;
  EXPECT_EQ(Reports(), 3);
  EXPECT_EQ(collector_->Hosts()[0]["reports_stored"], 3);
}

TEST_F(AgentCollectorDeliveryTest,
       CollectorKilledMidIngestStoresOnceAfterRetry) {
  // A backlog of reports streams in one after another; the collector is
  // SIGKILLed while that stream is being stored. Each store waits 400 ms (a
  // slow disk), so the kill lands mid-stream however fast this machine is.
  ASSERT_EQ(collector_->Stop(SIGTERM), 0);
  constexpr int kBacklog = 6;
  for (int i = 0; i < kBacklog; ++i) ASSERT_EQ(Once().exit_code, kExitQueued);
  const std::vector<std::string> ids = SpoolIds(state_);
  ASSERT_EQ(ids.size(), static_cast<size_t>(kBacklog));
  collector_->Start(port_, {"--store-delay-ms", "400"});
  BackgroundProcess agent(OnceArgv(), dir_.path() + "/once.log");
  ASSERT_TRUE(WaitUntil([this] { return Reports() >= 3; }));
  EXPECT_EQ(collector_->Stop(SIGKILL), -SIGKILL);
  EXPECT_EQ(agent.Wait(120), kExitQueued)
      << ReadFile(dir_.path() + "/once.log").value_or("");
  EXPECT_LT(Reports(), kBacklog + 1);

  collector_->Start(port_);
  ProcessResult retry = Once();
  ASSERT_EQ(retry.exit_code, 0) << retry.out << retry.err;
  for (const std::string& id : ids) EXPECT_EQ(CopiesOf(id), 1) << id;
  EXPECT_EQ(Reports(), kBacklog + 2);
  EXPECT_EQ(collector_->Hosts()[0]["reports_stored"], kBacklog + 2);
  EXPECT_EQ(SpoolCount(state_), 0);
  // No partial host state: each family is held once for the host.
  EXPECT_EQ(
      collector_->Scalar("SELECT count(*) FROM host_facts"),
      collector_->Scalar("SELECT count(DISTINCT family) FROM host_facts"));
  EXPECT_GT(collector_->Scalar("SELECT count(*) FROM host_facts"), 5);
}

TEST_F(AgentCollectorDeliveryTest, AgentKilledDuringSendLosesNothing) {
  // The collector is frozen, so the agent is stuck inside its send when it
  // is killed; the report must still be in its spool and go out once.
  collector_->Pause();
  BackgroundProcess agent(OnceArgv(), dir_.path() + "/once.log");
  ASSERT_TRUE(WaitUntil([this] { return SpoolCount(state_) == 1; }));
  const std::string id = SpoolIds(state_)[0];
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  agent.Signal(SIGKILL);
  EXPECT_EQ(agent.Wait(30), -SIGKILL);
  collector_->Resume();
  ASSERT_EQ(SpoolIds(state_), std::vector<std::string>{id});
  ProcessResult retry = Once();
  ASSERT_EQ(retry.exit_code, 0) << retry.out << retry.err;
  EXPECT_EQ(CopiesOf(id), 1);
  EXPECT_EQ(Reports(), 2);
  EXPECT_EQ(SpoolCount(state_), 0);
}

TEST_F(AgentCollectorDeliveryTest, AckLostAfterStoreIsNotStoredTwice) {
  // The exact crash window: the collector stored the report but the agent
  // died before committing the ack. The agent's only state is its spool, so
  // restoring the spool from before the send reproduces it deterministically.
  ASSERT_EQ(collector_->Stop(SIGTERM), 0);
  ASSERT_EQ(Once().exit_code, kExitQueued);
  const std::string id = SpoolIds(state_)[0];
  const std::string backup = dir_.path() + "/spool-before-ack.db";
  std::filesystem::copy_file(state_ + "/spool.db", backup);
  collector_->Start(port_);
  ASSERT_EQ(Once().exit_code, 0);
  ASSERT_EQ(CopiesOf(id), 1);
  std::filesystem::copy_file(backup, state_ + "/spool.db",
                             std::filesystem::copy_options::overwrite_existing);
  ASSERT_EQ(SpoolIds(state_)[0], id);

  ProcessResult again = Once();
  ASSERT_EQ(again.exit_code, 0) << again.out << again.err;
  EXPECT_EQ(CopiesOf(id), 1);
  EXPECT_EQ(Reports(), 3);  // id, the report sent with it, and this one
  EXPECT_EQ(SpoolCount(state_), 0);
  EXPECT_THAT(again.err, HasSubstr("already stored"));
}

TEST_F(AgentCollectorDeliveryTest, FullSpoolDropsOldestAndTheCollectorCounts) {
  // Learn the size of one report of this fixture, then allow two and a half.
  ProcessResult probe = Once();
  ASSERT_EQ(probe.exit_code, 0) << probe.out << probe.err;
  std::smatch m;
  ASSERT_TRUE(
      std::regex_search(probe.err, m, std::regex("queued \\((\\d+) bytes\\)")))
      << probe.err;
  const int64_t size = ParseInt64(m[1].str()).value_or(0);
  ASSERT_GT(size, 500);
  WriteConfig("spool:\n  max_size: " +
              std::to_string(std::max<int64_t>(1024, size * 5 / 2)) + "\n");

  ASSERT_EQ(collector_->Stop(SIGTERM), 0);
  std::vector<std::string> ids;
  for (int i = 0; i < 4; ++i) {
    ProcessResult r = Once();
    ASSERT_EQ(r.exit_code, kExitQueued) << r.out << r.err;
  }
  ids = SpoolIds(state_);
  ASSERT_EQ(ids.size(), 2u);  // the two newest of four

  collector_->Start(port_);
  ProcessResult r = Once();  // a fifth: pushes out one more
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(CopiesOf(ids[0]), 0);  // dropped to make room for the fifth
  EXPECT_EQ(CopiesOf(ids[1]), 1);
  EXPECT_EQ(Reports(), 3);  // probe + the last two
  nlohmann::json hosts = collector_->Hosts();
  ASSERT_EQ(hosts.size(), 1u);
  EXPECT_EQ(hosts[0]["dropped_reports"], 3) << hosts.dump(2);
  EXPECT_EQ(SpoolCount(state_), 0);

  // Counted once: later reports carry no drops.
  ASSERT_EQ(Once().exit_code, 0);
  EXPECT_EQ(collector_->Hosts()[0]["dropped_reports"], 3);
}

TEST_F(AgentCollectorDeliveryTest, RunLoopRetriesUntilTheCollectorIsBack) {
  ASSERT_EQ(collector_->Stop(SIGTERM), 0);
  const std::string log = dir_.path() + "/run.log";
  BackgroundProcess run(
      {MAMORI_AGENT_BIN, "run", "--state", state_, "--root",
       FixtureRoot("e2e-good"), "--config", config_, "--interval", "1h"},
      log);
  // Past gRPC's own retries: the loop has given up once and backs off.
  ASSERT_TRUE(WaitUntil([&log] {
    return ReadFile(log).value_or("").find("still queued") != std::string::npos;
  })) << ReadFile(log).value_or("");
  EXPECT_EQ(SpoolCount(state_), 1);
  collector_->Start(port_);
  EXPECT_TRUE(WaitUntil([this] { return Reports() == 1; }, 120))
      << ReadFile(log).value_or("");
  EXPECT_TRUE(WaitUntil([this] { return SpoolCount(state_) == 0; }));
  run.Signal(SIGTERM);
  EXPECT_EQ(run.Wait(60), 0) << ReadFile(log).value_or("");
  EXPECT_EQ(Reports(), 1);
}

TEST_F(AgentCollectorDeliveryTest,
       RunLoopCollectsOnItsIntervalAndStopsOnSigterm) {
  BackgroundProcess run(
      {MAMORI_AGENT_BIN, "run", "--state", state_, "--root",
       FixtureRoot("e2e-good"), "--config", config_, "--interval", "1s"},
      dir_.path() + "/run.log");
  EXPECT_TRUE(WaitUntil([this] { return Reports() >= 3; }, 120))
      << ReadFile(dir_.path() + "/run.log").value_or("");
  run.Signal(SIGTERM);
  EXPECT_EQ(run.Wait(60), 0) << ReadFile(dir_.path() + "/run.log").value_or("");
  // Every report the loop collected is either stored once or still queued.
  const int64_t stored = Reports();
  EXPECT_EQ(collector_->Scalar("SELECT count(DISTINCT report_id) FROM reports"),
            stored);
}

TEST_F(AgentCollectorDeliveryTest, RunWithMaxCyclesExitsOnceDelivered) {
  ProcessResult r =
      Agent({"run", "--state", state_, "--root", FixtureRoot("e2e-good"),
             "--config", config_, "--interval", "1s", "--max-cycles", "2"});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(Reports(), 2);
}

}  // namespace
}  // namespace mamori::agent_collector
