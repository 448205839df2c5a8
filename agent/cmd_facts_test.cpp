#include "agent/cmd_facts.h"

#include <google/protobuf/util/json_util.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
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

TEST(FactsCommand, JsonParsesAsEndpointFacts) {
  const Output o =
      RunFacts({"--root", kDebian, "--family", "system", "--format", "json"});
  ASSERT_EQ(o.code, 0) << o.err;
  mamori::v1::EndpointFacts parsed;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(o.out, &parsed).ok())
      << o.out;
  EXPECT_EQ(parsed.system().os_id(), "debian");
  EXPECT_EQ(parsed.collected_at().seconds(), 1795424400);
  // Proto field names, not lowerCamelCase.
  EXPECT_NE(o.out.find("\"os_codename\""), std::string::npos);
}

TEST(FactsCommand, TableIsDefault) {
  const Output o = RunFacts({"--root=" + kDebian, "--family=system"});
  ASSERT_EQ(o.code, 0) << o.err;
  EXPECT_NE(o.out.find("[system]"), std::string::npos) << o.out;
  EXPECT_NE(o.out.find("bookworm"), std::string::npos);
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

// With --state the second collection reuses the first one's pending
// updates and says so; a --state that is not a directory is a usage error.
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

  const Output bad = RunFacts({"--state", state + "/missing"});
  EXPECT_EQ(bad.code, 2);
  EXPECT_NE(bad.err.find("does not exist"), std::string::npos) << bad.err;
  const Output file = RunFacts({"--state", "/etc/os-release"});
  EXPECT_EQ(file.code, 2);
  EXPECT_NE(file.err.find("not a directory"), std::string::npos) << file.err;
  const Output empty = RunFacts({"--state="});
  EXPECT_EQ(empty.code, 2);
}

}  // namespace
}  // namespace mamori::agent
