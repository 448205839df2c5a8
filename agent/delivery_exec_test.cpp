#include "agent/delivery_exec.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <string>

namespace mamori::agent {
namespace {

TEST(DeliveryProgramCandidates, BesideThenInstalledDirectory) {
  EXPECT_EQ(
      DeliveryProgramCandidates("/usr/bin/mamori-agent", "../libexec/mamori"),
      (std::vector<std::string>{"/usr/bin/mamori-agent-delivery",
                                "/usr/libexec/mamori/mamori-agent-delivery"}));
  EXPECT_EQ(
      DeliveryProgramCandidates("/opt/m/bin/mamori-agent", "/usr/lib/mamori"),
      (std::vector<std::string>{"/opt/m/bin/mamori-agent-delivery",
                                "/usr/lib/mamori/mamori-agent-delivery"}));
}

TEST(DeliveryProgramCandidates, SameDirectoryIsListedOnce) {
  EXPECT_EQ(DeliveryProgramCandidates("/build/agent/mamori-agent", "."),
            (std::vector<std::string>{"/build/agent/mamori-agent-delivery"}));
}

struct ProcessResult {
  int code;
  std::string output;  // stdout and stderr
};

ProcessResult RunCommand(const std::string& command) {
  ProcessResult r{-1, ""};
  FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
  if (pipe == nullptr) return r;
  std::array<char, 4096> buf{};
  size_t n = 0;
  while ((n = std::fread(buf.data(), 1, buf.size(), pipe)) > 0) {
    r.output.append(buf.data(), n);
  }
  const int status = ::pclose(pipe);
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

// The built mamori-agent runs `once` through the delivery program beside it
// (its usage text comes from cmd_once, which mamori-agent does not link).
TEST(DeliveryExec, BuiltAgentRunsDeliveryCommands) {
  const ProcessResult once =
      RunCommand(std::string(MAMORI_AGENT_BIN) + " once --help");
  EXPECT_EQ(once.code, 0) << once.output;
  EXPECT_NE(once.output.find("Usage: mamori-agent once"), std::string::npos)
      << once.output;
  const ProcessResult bad =
      RunCommand(std::string(MAMORI_AGENT_BIN) + " run --bogus");
  EXPECT_EQ(bad.code, 2) << bad.output;
  EXPECT_NE(bad.output.find("--bogus"), std::string::npos) << bad.output;
}

// Without the delivery program, enroll/once/run fail with exit 1 naming
// where it was looked for; facts still works.
TEST(DeliveryExec, MissingDeliveryProgramIsAClearError) {
  const std::filesystem::path dir =
      std::filesystem::path(::testing::TempDir()) / "agent-alone";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  const std::filesystem::path agent = dir / "mamori-agent";
  std::filesystem::copy_file(MAMORI_AGENT_BIN, agent);
  const ProcessResult once = RunCommand(agent.string() + " once");
  EXPECT_EQ(once.code, 1) << once.output;
  EXPECT_NE(once.output.find("mamori-agent once: cannot start "
                             "mamori-agent-delivery"),
            std::string::npos)
      << once.output;
  EXPECT_NE(once.output.find((dir / "mamori-agent-delivery").string()),
            std::string::npos)
      << once.output;
  const ProcessResult facts =
      RunCommand(agent.string() + " facts --family system");
  EXPECT_EQ(facts.code, 0) << facts.output;
  EXPECT_NE(facts.output.find("[system]"), std::string::npos) << facts.output;
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace mamori::agent
