// A copied agent state directory, end to end with the real agent and
// collector processes (issue #13 point 10): one machine enrolls; its state
// directory (node key and all) is copied to another machine; that machine's
// reports carry its own identity facts, are refused and flag the host as
// "copied-state" in `hosts`, and are never merged into the first machine's
// record, which keeps reporting.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>

#include "tests/agent_collector_harness.h"

namespace mamori::agent_collector {
namespace {

using ::testing::HasSubstr;

TEST(AgentCollectorEvidenceTest, CopiedStateDirectoryIsFlaggedNotMerged) {
  TempDir dir;
  const std::string config = dir.path() + "/agent.conf";
  FILE* f = fopen(config.c_str(), "w");
  ASSERT_NE(f, nullptr);
  fclose(f);
  Collector collector(dir.path() + "/collector");
  collector.Start();

  // identity/original and identity/clone share a machine id but not the
  // DMI UUID or serial: two machines.
  const std::string original = dir.path() + "/original";
  ProcessResult enrolled = Agent(
      {"enroll", "--server", collector.address(), "--token", collector.Token(),
       "--ca", collector.ca_path(), "--state", original, "--root",
       FixtureRoot("identity/original"), "--config", config});
  ASSERT_EQ(enrolled.exit_code, 0) << enrolled.out << enrolled.err;
  ProcessResult first =
      Agent({"once", "--state", original, "--root",
             FixtureRoot("identity/original"), "--config", config});
  ASSERT_EQ(first.exit_code, 0) << first.out << first.err;

  const std::string copy = dir.path() + "/copy";
  std::filesystem::copy(original, copy,
                        std::filesystem::copy_options::recursive);
  ProcessResult copied =
      Agent({"once", "--state", copy, "--root", FixtureRoot("identity/clone"),
             "--config", config});
  EXPECT_EQ(copied.exit_code, 4) << copied.out << copied.err;
  EXPECT_THAT(copied.err, HasSubstr("another machine")) << copied.err;

  nlohmann::json hosts = collector.Hosts();
  ASSERT_EQ(hosts.size(), 1u) << hosts.dump(2);
  EXPECT_EQ(hosts[0]["reports_stored"], 1);
  ASSERT_EQ(hosts[0]["evidence_flags"].size(), 1u) << hosts.dump(2);
  EXPECT_EQ(hosts[0]["evidence_flags"][0]["kind"], "copied_state");
  EXPECT_THAT(hosts[0]["evidence_flags"][0]["detail"].get<std::string>(),
              HasSubstr("smbios_uuid"));
  // The enrolled machine's identity is what the host still shows.
  EXPECT_THAT(hosts[0]["identity"]["serial"].get<std::string>(),
              HasSubstr("SN1KATO"));
  ProcessResult text = collector.Cli({"hosts", "--org", kOrg});
  EXPECT_THAT(text.out, HasSubstr("copied-state")) << text.out << text.err;

  // The enrolled machine keeps reporting.
  ProcessResult second =
      Agent({"once", "--state", original, "--root",
             FixtureRoot("identity/original"), "--config", config});
  EXPECT_EQ(second.exit_code, 0) << second.out << second.err;
  EXPECT_EQ(collector.Hosts()[0]["reports_stored"], 2);
}

}  // namespace
}  // namespace mamori::agent_collector
