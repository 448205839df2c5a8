// Host identity across re-installs and clones, end to end: a fixture tree
// enrolled as a host of its own, enrolled again after its state is wiped
// (a re-installed PC) re-attaches to the same host record; a cloned image
// (same machine id, different hardware) becomes a new host, flagged; a fresh
// OS install on the same hardware (new machine id, same DMI) re-attaches.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>

#include "common/text.h"
#include "tests/agent_collector_harness.h"

namespace mamori::agent_collector {
namespace {

using ::testing::HasSubstr;

class AgentCollectorIdentityTest : public ::testing::Test {
 protected:
  void SetUp() override {
    config_ = dir_.path() + "/agent.conf";
    FILE* f = fopen(config_.c_str(), "w");
    ASSERT_NE(f, nullptr);
    fclose(f);
    collector_ = std::make_unique<Collector>(dir_.path() + "/collector");
    collector_->Start();
  }

  ProcessResult EnrollFixture(const std::string& state,
                              const std::string& fixture) {
    return Agent({"enroll", "--server", collector_->address(), "--token",
                  collector_->Token(), "--ca", collector_->ca_path(), "--state",
                  state, "--root", FixtureRoot(fixture), "--config", config_});
  }
  ProcessResult OnceFixture(const std::string& state,
                            const std::string& fixture) {
    return Agent({"once", "--state", state, "--root", FixtureRoot(fixture),
                  "--config", config_});
  }

  std::string HostIdOf(const std::string& state) {
    return nlohmann::json::parse(
               ReadFile(state + "/identity.json").value_or("{}"))
        .value("host_id", "");
  }

  TempDir dir_;
  std::string config_;
  std::unique_ptr<Collector> collector_;
};

// The identity/original tree carries machine id, DMI UUID and serial: with
// its state wiped the agent is recognised by the identifiers that agree.
TEST_F(AgentCollectorIdentityTest, ReinstalledPcReattachesToItsHost) {
  const std::string state = dir_.path() + "/agent";
  ProcessResult first = EnrollFixture(state, "identity/original");
  ASSERT_EQ(first.exit_code, 0) << first.out << first.err;
  ASSERT_EQ(OnceFixture(state, "identity/original").exit_code, 0);
  const std::string host_id = HostIdOf(state);

  // Re-install: the agent's state is gone, the machine is the same.
  std::filesystem::remove_all(state);
  ProcessResult again = EnrollFixture(state, "identity/original");
  ASSERT_EQ(again.exit_code, 0) << again.out << again.err;
  EXPECT_THAT(again.out, HasSubstr("re-attached"));
  EXPECT_EQ(HostIdOf(state), host_id);
  ASSERT_EQ(OnceFixture(state, "identity/original").exit_code, 0);

  nlohmann::json hosts = collector_->Hosts();
  ASSERT_EQ(hosts.size(), 1u) << hosts.dump(2);
  EXPECT_EQ(hosts[0]["reports_stored"], 2);
  EXPECT_EQ(hosts[0]["clone"], false);
}

// Issue #13 point 2: the e2e-good tree has only a machine id. Wiped state
// plus that machine id is not enough to take the host over (anyone who
// read the id could); the agent that still holds its node key is
// recognised by proving it.
TEST_F(AgentCollectorIdentityTest, MachineIdAloneIsAPossibleDuplicate) {
  const std::string state = dir_.path() + "/agent";
  ASSERT_EQ(EnrollFixture(state, "e2e-good").exit_code, 0);
  const std::string host_id = HostIdOf(state);
  ProcessResult proven = EnrollFixture(state, "e2e-good");
  ASSERT_EQ(proven.exit_code, 0) << proven.out << proven.err;
  EXPECT_THAT(proven.out, HasSubstr("re-attached"));
  EXPECT_EQ(HostIdOf(state), host_id);

  const std::string other = dir_.path() + "/other";
  ProcessResult wiped = EnrollFixture(other, "e2e-good");
  ASSERT_EQ(wiped.exit_code, 0) << wiped.out << wiped.err;
  EXPECT_THAT(wiped.out, ::testing::Not(HasSubstr("re-attached")));
  EXPECT_THAT(wiped.out, HasSubstr("administrator to merge"));
  EXPECT_NE(HostIdOf(other), host_id);
  // The original host's agent still reports with its key.
  ASSERT_EQ(OnceFixture(state, "e2e-good").exit_code, 0);
  nlohmann::json hosts = collector_->Hosts();
  ASSERT_EQ(hosts.size(), 2u) << hosts.dump(2);
  EXPECT_EQ(hosts[0]["reports_stored"], 1);
}

TEST_F(AgentCollectorIdentityTest, AnotherFixtureTreeIsAnotherHost) {
  ASSERT_EQ(EnrollFixture(dir_.path() + "/good", "e2e-good").exit_code, 0);
  ProcessResult bad = EnrollFixture(dir_.path() + "/bad", "e2e-bad");
  ASSERT_EQ(bad.exit_code, 0) << bad.out << bad.err;
  EXPECT_THAT(bad.out, ::testing::Not(HasSubstr("re-attached")));
  ASSERT_EQ(OnceFixture(dir_.path() + "/good", "e2e-good").exit_code, 0);
  ASSERT_EQ(OnceFixture(dir_.path() + "/bad", "e2e-bad").exit_code, 0);
  nlohmann::json hosts = collector_->Hosts();
  ASSERT_EQ(hosts.size(), 2u) << hosts.dump(2);
  std::set<std::string> names;
  for (const auto& h : hosts) names.insert(h["hostname"].get<std::string>());
  EXPECT_EQ(names, (std::set<std::string>{"pc-good", "pc-bad"}));
}

// The identity fixture trees (tests/fixtures/linux/identity/README.md) carry
// their own SMBIOS/DMI copy, read by the agent under --root.
TEST_F(AgentCollectorIdentityTest, ClonedImageIsANewFlaggedHost) {
  // Same machine id, different DMI UUID and serial.
  const std::string orig = dir_.path() + "/orig";
  ProcessResult original = EnrollFixture(orig, "identity/original");
  ASSERT_EQ(original.exit_code, 0) << original.out << original.err;
  EXPECT_THAT(original.out, ::testing::Not(HasSubstr("cloned image")));
  const std::string clone_state = dir_.path() + "/clone";
  ProcessResult clone = EnrollFixture(clone_state, "identity/clone");
  ASSERT_EQ(clone.exit_code, 0) << clone.out << clone.err;
  EXPECT_THAT(clone.out, HasSubstr("suspects a cloned image"));
  EXPECT_THAT(clone.out, ::testing::Not(HasSubstr("re-attached")));
  EXPECT_NE(HostIdOf(clone_state), HostIdOf(orig));
  EXPECT_NE(HostIdOf(clone_state), "");

  nlohmann::json hosts = collector_->Hosts();
  ASSERT_EQ(hosts.size(), 2u) << hosts.dump(2);
  int flagged = 0;
  for (const auto& h : hosts) flagged += h["clone"].get<bool>() ? 1 : 0;
  EXPECT_EQ(flagged, 1);
}

TEST_F(AgentCollectorIdentityTest, ReinstallWithNewMachineIdOnSameHardware) {
  // A fresh OS install writes a new machine id; the DMI UUID and serial stay.
  const std::string before = dir_.path() + "/a";
  ProcessResult first = EnrollFixture(before, "identity/original");
  ASSERT_EQ(first.exit_code, 0) << first.out << first.err;
  const std::string after = dir_.path() + "/b";
  ProcessResult again = EnrollFixture(after, "identity/reinstalled");
  ASSERT_EQ(again.exit_code, 0) << again.out << again.err;
  EXPECT_THAT(again.out, HasSubstr("re-attached"));
  EXPECT_THAT(again.out, ::testing::Not(HasSubstr("cloned image")));
  EXPECT_EQ(HostIdOf(after), HostIdOf(before));
  EXPECT_NE(HostIdOf(after), "");
  EXPECT_EQ(collector_->Hosts().size(), 1u);
}

}  // namespace
}  // namespace mamori::agent_collector
