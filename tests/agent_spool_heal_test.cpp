// The agent's spool heals (issue #13.8), end to end with the real binaries
// and a real collector over TLS: a report the collector refuses for good
// (here: larger than its message size limit) is discarded and counted as
// dropped instead of blocking the queue; a damaged spool.db is moved aside
// and `run` goes on with a new one, the loss counted.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>

#include "agent/spool/spool.h"
#include "common/clock.h"
#include "common/text.h"
#include "mamori/v1/facts.pb.h"
#include "tests/agent_collector_harness.h"

namespace mamori::agent_collector {
namespace {

using ::testing::HasSubstr;

constexpr int kExitFailed = 4;

class AgentSpoolHealTest : public ::testing::Test {
 protected:
  void SetUp() override {
    state_ = dir_.path() + "/agent";
    config_ = dir_.path() + "/agent.conf";
    FILE* f = fopen(config_.c_str(), "w");
    ASSERT_NE(f, nullptr);
    fclose(f);
    collector_ = std::make_unique<Collector>(dir_.path() + "/collector");
    collector_->Start();  // --max-message-mib defaults to 32
    ProcessResult r =
        Agent({"enroll", "--server", collector_->address(), "--token",
               collector_->Token(), "--ca", collector_->ca_path(), "--state",
               state_, "--root", FixtureRoot("e2e-good"), "--config", config_});
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  }

  std::vector<std::string> Args(const std::string& command) const {
    return {command,    "--state", state_, "--root", FixtureRoot("e2e-good"),
            "--config", config_};
  }
  int64_t Reports() const {
    return collector_->Scalar("SELECT count(*) FROM reports");
  }

  TempDir dir_;
  std::string state_;
  std::string config_;
  std::unique_ptr<Collector> collector_;
};

TEST_F(AgentSpoolHealTest, ReportOverTheCollectorsLimitIsDroppedNotRetried) {
  // An earlier collection of 40 MiB waits in the spool (its limit is 50 MiB;
  // the collector takes 32).
  {
    mamori::v1::EndpointFacts facts;
    facts.set_agent_version("0.1.0");
    for (int i = 0; i < 40; ++i) {
      mamori::v1::Package* p = facts.mutable_packages()->add_packages();
      p->set_name("big-" + std::to_string(i));
      p->set_version(std::string(1 << 20, '1'));
    }
    SystemClock clock;
    auto spool = agent::Spool::Open(state_ + "/spool.db", {}, clock);
    ASSERT_TRUE(spool.ok()) << spool.status().ToString();
    ASSERT_TRUE(
        (*spool)->Enqueue("big-report", facts.SerializeAsString()).ok());
  }

  ProcessResult r = Agent(Args("once"));
  // The refusal is reported, and the new, small report went through.
  EXPECT_EQ(r.exit_code, kExitFailed) << r.out << r.err;
  EXPECT_THAT(r.err, HasSubstr("refused 1 report(s) for good"));
  EXPECT_THAT(r.err, HasSubstr("larger than max"));
  EXPECT_THAT(r.err, HasSubstr("1 other report(s) delivered"));
  EXPECT_EQ(Reports(), 1);
  EXPECT_EQ(collector_->Scalar(
                "SELECT count(*) FROM reports WHERE report_id = 'big-report'"),
            0);
  EXPECT_EQ(SpoolCount(state_), 0);
  nlohmann::json hosts = collector_->Hosts();
  ASSERT_EQ(hosts.size(), 1u);
  EXPECT_EQ(hosts[0]["dropped_reports"], 1) << hosts.dump(2);

  // Nothing is left to block the next run.
  ProcessResult next = Agent(Args("once"));
  EXPECT_EQ(next.exit_code, 0) << next.out << next.err;
  EXPECT_EQ(Reports(), 2);
  EXPECT_EQ(collector_->Hosts()[0]["dropped_reports"], 1);
}

TEST_F(AgentSpoolHealTest, GarbageSpoolIsMovedAsideAndRunContinues) {
  {
    FILE* f = fopen((state_ + "/spool.db").c_str(), "w");
    ASSERT_NE(f, nullptr);
    const std::string garbage(8192, '\x5a');
    fwrite(garbage.data(), 1, garbage.size(), f);
    fclose(f);
  }
  std::vector<std::string> args = Args("run");
  for (const char* a : {"--interval", "1s", "--max-cycles", "1"}) {
    args.emplace_back(a);
  }
  ProcessResult r = Agent(args);
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_THAT(r.err, HasSubstr("was damaged"));
  EXPECT_EQ(Reports(), 1);
  EXPECT_EQ(collector_->Hosts()[0]["dropped_reports"], 1);
  int moved = 0;
  for (const auto& entry : std::filesystem::directory_iterator(state_)) {
    const std::string name = entry.path().filename().string();
    if (StartsWith(name, "spool.db.corrupt-")) {
      ++moved;
      EXPECT_EQ(std::filesystem::file_size(entry.path()), 8192u);
    }
  }
  EXPECT_EQ(moved, 1);
}

}  // namespace
}  // namespace mamori::agent_collector
