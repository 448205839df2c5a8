// Host identity across re-installs and clones, end to end: a fixture tree
// enrolled as a host of its own, enrolled again after its state is wiped
// (a re-installed PC) re-attaches to the same host record; a cloned image
// (same machine id, different hardware) becomes a new host, flagged.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>

#include "agent/transport/enrollment.h"
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

  // Enrolls through the agent's own enrollment code with a hand-made
  // identity: fixture trees carry no SMBIOS data (it is read from the live
  // kernel only), so hardware differences are set here.
  Result<transport::EnrollOutcome> EnrollIdentity(
      const std::string& state, const std::string& machine_id,
      const std::string& smbios_uuid, const std::string& serial) {
    v1::EndpointFacts facts;
    facts.set_agent_version("0.1.0");
    facts.mutable_identity()->set_hostname("pc-" + serial);
    facts.mutable_identity()->set_machine_id(machine_id);
    facts.mutable_identity()->set_smbios_uuid(smbios_uuid);
    facts.mutable_identity()->set_serial(serial);
    facts.mutable_system()->set_os_name("Windows 11 Pro");
    transport::EnrollOptions opts;
    opts.server = collector_->address();
    opts.token = collector_->Token();
    opts.ca_file = collector_->ca_path();
    opts.state_dir = state;
    return transport::Enroll(opts, facts);
  }

  TempDir dir_;
  std::string config_;
  std::unique_ptr<Collector> collector_;
};

TEST_F(AgentCollectorIdentityTest, ReinstalledPcReattachesToItsHost) {
  const std::string state = dir_.path() + "/agent";
  ProcessResult first = EnrollFixture(state, "e2e-good");
  ASSERT_EQ(first.exit_code, 0) << first.out << first.err;
  ASSERT_EQ(OnceFixture(state, "e2e-good").exit_code, 0);
  const std::string host_id =
      nlohmann::json::parse(ReadFile(state + "/identity.json").value_or("{}"))
          .value("host_id", "");

  // Re-install: the agent's state is gone, the machine is the same.
  std::filesystem::remove_all(state);
  ProcessResult again = EnrollFixture(state, "e2e-good");
  ASSERT_EQ(again.exit_code, 0) << again.out << again.err;
  EXPECT_THAT(again.out, HasSubstr("re-attached"));
  EXPECT_EQ(
      nlohmann::json::parse(ReadFile(state + "/identity.json").value_or("{}"))
          .value("host_id", ""),
      host_id);
  ASSERT_EQ(OnceFixture(state, "e2e-good").exit_code, 0);

  nlohmann::json hosts = collector_->Hosts();
  ASSERT_EQ(hosts.size(), 1u) << hosts.dump(2);
  EXPECT_EQ(hosts[0]["reports_stored"], 2);
  EXPECT_EQ(hosts[0]["clone"], false);
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

TEST_F(AgentCollectorIdentityTest, ClonedImageIsANewFlaggedHost) {
  const std::string machine = "aaaaaaaaaaaaaaaabbbbbbbbbbbbbbbb";
  auto original = EnrollIdentity(dir_.path() + "/orig", machine,
                                 "4c4c4544-0000-1111-2222-333333333333", "SN1");
  ASSERT_TRUE(original.ok()) << original.status().ToString();
  EXPECT_FALSE(original->clone_suspected);
  auto clone = EnrollIdentity(dir_.path() + "/clone", machine,
                              "4c4c4544-9999-8888-7777-666666666666", "SN2");
  ASSERT_TRUE(clone.ok()) << clone.status().ToString();
  EXPECT_TRUE(clone->clone_suspected);
  EXPECT_FALSE(clone->reattached);
  EXPECT_NE(clone->identity.host_id, original->identity.host_id);

  nlohmann::json hosts = collector_->Hosts();
  ASSERT_EQ(hosts.size(), 2u) << hosts.dump(2);
  int flagged = 0;
  for (const auto& h : hosts) flagged += h["clone"].get<bool>() ? 1 : 0;
  EXPECT_EQ(flagged, 1);
}

TEST_F(AgentCollectorIdentityTest, ReinstallWithNewMachineIdOnSameHardware) {
  auto before =
      EnrollIdentity(dir_.path() + "/a", "11111111111111111111111111111111",
                     "4c4c4544-aaaa-bbbb-cccc-dddddddddddd", "SN9");
  ASSERT_TRUE(before.ok()) << before.status().ToString();
  // A fresh OS install writes a new machine id; the SMBIOS UUID stays.
  auto after =
      EnrollIdentity(dir_.path() + "/b", "22222222222222222222222222222222",
                     "4c4c4544-aaaa-bbbb-cccc-dddddddddddd", "SN9");
  ASSERT_TRUE(after.ok()) << after.status().ToString();
  EXPECT_TRUE(after->reattached);
  EXPECT_FALSE(after->clone_suspected);
  EXPECT_EQ(after->identity.host_id, before->identity.host_id);
  EXPECT_EQ(collector_->Hosts().size(), 1u);
}

}  // namespace
}  // namespace mamori::agent_collector
