#include "agent/config/command_line.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>

namespace mamori::agent {
namespace {

namespace po = boost::program_options;
using ::testing::HasSubstr;

po::options_description Desc() {
  po::options_description desc;
  AddCommonOptions(&desc);
  desc.add_options()("help", "help");
  return desc;
}

TEST(CommandLineTest, FlagsOverrideTheConfigFile) {
  // A fresh directory, portably (mkdtemp is POSIX; the Windows agent's
  // tests run under Wine too).
  const std::string tmpl =
      (std::filesystem::temp_directory_path() /
       ("mamori-cmdline-" + std::to_string(std::random_device{}())))
          .string();
  ASSERT_TRUE(std::filesystem::create_directories(tmpl));
  const std::string conf = std::string(tmpl) + "/agent.conf";
  {
    std::ofstream out(conf);
    out << "state_dir: /from/file\nschedule:\n  interval: 2h\n";
  }
  auto vm = ParseCommandLine({"--config", conf, "--state", "/from/flag",
                              "--family", "system", "--family=packages"},
                             Desc());
  ASSERT_TRUE(vm.ok()) << vm.status().ToString();
  auto config = ResolveConfig(*vm);
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  EXPECT_EQ(config->state_dir, "/from/flag");
  EXPECT_EQ(config->interval, std::chrono::hours(2));
  EXPECT_EQ(config->families, (std::vector<std::string>{"system", "packages"}));
  std::filesystem::remove_all(tmpl);
}

TEST(CommandLineTest, UnknownFlagIsNamed) {
  auto vm = ParseCommandLine({"--bogus"}, Desc());
  ASSERT_FALSE(vm.ok());
  EXPECT_THAT(vm.status().message(), HasSubstr("--bogus"));
  // No guessing of abbreviations: --sta is not --state.
  EXPECT_FALSE(ParseCommandLine({"--sta", "/x"}, Desc()).ok());
  auto missing = ParseCommandLine({"--state"}, Desc());
  ASSERT_FALSE(missing.ok());
  EXPECT_THAT(missing.status().message(), HasSubstr("state"));
}

TEST(CommandLineTest, NamedConfigMustExist) {
  auto vm = ParseCommandLine({"--config", "/nonexistent/agent.conf"}, Desc());
  ASSERT_TRUE(vm.ok());
  auto config = ResolveConfig(*vm);
  ASSERT_FALSE(config.ok());
  EXPECT_THAT(config.status().message(), HasSubstr("/nonexistent/agent.conf"));
}

TEST(CommandLineTest, BadLogLevelIsNamed) {
  auto vm = ParseCommandLine({"--log-level", "loud"}, Desc());
  ASSERT_TRUE(vm.ok());
  auto config = ResolveConfig(*vm);
  ASSERT_FALSE(config.ok());
  EXPECT_THAT(config.status().message(), HasSubstr("--log-level"));
}

}  // namespace
}  // namespace mamori::agent
