#include "agent/cmd_facts.h"

#include <google/protobuf/util/json_util.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "mamori/v1/facts.pb.h"

namespace mamori::agent {
namespace {

struct Output {
  int code;
  std::string out;
  std::string err;
};

Output RunFacts(const std::vector<std::string>& args) {
  std::ostringstream out, err;
  FakeClock clock(FromUnixSeconds(1795424400));
  const int code = RunFactsCommand(args, out, err, clock);
  return {code, out.str(), err.str()};
}

const std::string kDebian = "tests/fixtures/linux/system/debian";

// What the system family says of the test machine. On Linux it reads the
// Debian fixture under --root. The Windows gatherers read the registry and
// no root: scripts/test-windows.sh imports tests/fixtures/windows/
// current_version.reg (a Japanese Windows 10 22H2) into the Wine prefix.
#ifdef _WIN32
constexpr char kOsId[] = "windows";
constexpr char kCodename[] = "22H2";
#else
constexpr char kOsId[] = "debian";
constexpr char kCodename[] = "bookworm";
#endif

TEST(FactsCommand, JsonParsesAsEndpointFacts) {
  const Output o =
      RunFacts({"--root", kDebian, "--family", "system", "--format", "json"});
  ASSERT_EQ(o.code, 0) << o.err;
  mamori::v1::EndpointFacts parsed;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(o.out, &parsed).ok())
      << o.out;
  EXPECT_EQ(parsed.system().os_id(), kOsId);
  EXPECT_EQ(parsed.system().os_codename(), kCodename);
  EXPECT_EQ(parsed.collected_at().seconds(), 1795424400);
  // Proto field names, not lowerCamelCase.
  EXPECT_NE(o.out.find("\"os_codename\""), std::string::npos);
}

TEST(FactsCommand, TableIsDefault) {
  const Output o = RunFacts({"--root=" + kDebian, "--family=system"});
  ASSERT_EQ(o.code, 0) << o.err;
  EXPECT_NE(o.out.find("[system]"), std::string::npos) << o.out;
  EXPECT_NE(o.out.find(kCodename), std::string::npos) << o.out;
}

TEST(FactsCommand, UsageErrorsExitTwoNamingTheProblem) {
  Output o = RunFacts({"--family", "nosuch"});
  EXPECT_EQ(o.code, 2);
  EXPECT_NE(o.err.find("nosuch"), std::string::npos);
  EXPECT_NE(o.err.find("system"), std::string::npos) << o.err;
  o = RunFacts({"--format", "xml"});
  EXPECT_EQ(o.code, 2);
  EXPECT_NE(o.err.find("--format"), std::string::npos);
  o = RunFacts({"--bogus"});
  EXPECT_EQ(o.code, 2);
  EXPECT_NE(o.err.find("--bogus"), std::string::npos);
  o = RunFacts({"--root"});
  EXPECT_EQ(o.code, 2);
  EXPECT_NE(o.err.find("--root needs a value"), std::string::npos);
}

TEST(FactsCommand, HelpExitsZero) {
  const Output o = RunFacts({"--help"});
  EXPECT_EQ(o.code, 0);
  EXPECT_NE(o.out.find("--family"), std::string::npos);
}

TEST(FactsCommand, EmptyRootStillExitsZero) {
  const std::string empty = ::testing::TempDir() + "/empty-cmd-root";
  std::filesystem::create_directories(empty);
  const Output o = RunFacts({"--root", empty, "--format", "json"});
  EXPECT_EQ(o.code, 0) << o.err;
  EXPECT_NE(o.out.find("STATUS_UNSUPPORTED"), std::string::npos);
}

#ifndef _WIN32
// With --state the second collection reuses the first one's pending
// updates and says so. Linux only: the cache of pending updates is the apt
// gatherer's (agent/facts/linux/updates_cache.h); the Windows Update Agent
// keeps its own.
TEST(FactsCommand, StateDirReusesPendingUpdates) {
  const std::string state = ::testing::TempDir() + "/cmd-facts-state";
  std::filesystem::remove_all(state);
  std::filesystem::create_directories(state);
  const std::vector<std::string> args = {
      "--root",   "tests/fixtures/linux/updates/debian",
      "--state",  state,
      "--family", "updates",
      "--format", "json"};
  const Output cold = RunFacts(args);
  ASSERT_EQ(cold.code, 0) << cold.err;
  EXPECT_NE(cold.out.find("PENDING_SOURCE_COMPUTED"), std::string::npos);
  const Output warm = RunFacts(args);
  ASSERT_EQ(warm.code, 0) << warm.err;
  EXPECT_NE(warm.out.find("PENDING_SOURCE_CACHED"), std::string::npos);
  EXPECT_NE(warm.out.find("\"pending_count\": 4"), std::string::npos)
      << warm.out;
  std::filesystem::remove_all(state);
}
#endif

// A --state that is missing or not a directory is a usage error.
TEST(FactsCommand, StateMustBeAnExistingDirectory) {
  const std::string state = ::testing::TempDir() + "/cmd-facts-bad-state";
  std::filesystem::remove_all(state);
  std::filesystem::create_directories(state);
  const Output bad = RunFacts({"--state", state + "/missing"});
  EXPECT_EQ(bad.code, 2);
  EXPECT_NE(bad.err.find("does not exist"), std::string::npos) << bad.err;
  const std::string file = state + "/a-file";
  std::ofstream(file) << "x";
  const Output not_dir = RunFacts({"--state", file});
  EXPECT_EQ(not_dir.code, 2);
  EXPECT_NE(not_dir.err.find("not a directory"), std::string::npos)
      << not_dir.err;
  const Output empty = RunFacts({"--state="});
  EXPECT_EQ(empty.code, 2);
  std::filesystem::remove_all(state);
}

}  // namespace
}  // namespace mamori::agent
