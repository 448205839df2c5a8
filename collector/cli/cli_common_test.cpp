#include "collector/cli/cli_common.h"

#include <gtest/gtest.h>

namespace mamori::collector_cli {
namespace {

TEST(CliCommonTest, ParsesDurations) {
  EXPECT_EQ(ParseDuration("90s"), std::chrono::seconds(90));
  EXPECT_EQ(ParseDuration("30m"), std::chrono::seconds(1800));
  EXPECT_EQ(ParseDuration("24h"), std::chrono::seconds(86400));
  EXPECT_EQ(ParseDuration("7d"), std::chrono::seconds(7 * 86400));
  EXPECT_EQ(ParseDuration("2w"), std::chrono::seconds(14 * 86400));
  EXPECT_EQ(ParseDuration("0h"), std::nullopt);
  EXPECT_EQ(ParseDuration("-1d"), std::nullopt);
  EXPECT_EQ(ParseDuration("7"), std::nullopt);
  EXPECT_EQ(ParseDuration("7y"), std::nullopt);
  EXPECT_EQ(ParseDuration("h"), std::nullopt);
  EXPECT_EQ(ParseDuration("99999999999d"), std::nullopt);
}

TEST(CliCommonTest, FormatsUtcTimes) {
  EXPECT_EQ(FormatTime(FromUnixSeconds(0)), "1970-01-01T00:00:00Z");
  EXPECT_EQ(FormatTime(FromUnixSeconds(4'102'444'800)), "2100-01-01T00:00:00Z");
}

TEST(CliCommonTest, BadFlagIsUsageErrorNamingIt) {
  boost::program_options::options_description options;
  int n = 0;
  options.add_options()("count", boost::program_options::value(&n), "n");
  boost::program_options::variables_map vm;
  std::ostringstream out;
  std::ostringstream err;
  std::optional<int> exit =
      ParseFlags("test", "", options, {}, {"--count", "x"}, vm, out, err);
  ASSERT_TRUE(exit.has_value());
  EXPECT_EQ(*exit, kExitUsage);
  EXPECT_NE(err.str().find("count"), std::string::npos) << err.str();

  boost::program_options::variables_map vm2;
  exit = ParseFlags("test", "", options, {}, {"--bogus"}, vm2, out, err);
  EXPECT_EQ(exit, kExitUsage);
  EXPECT_NE(err.str().find("bogus"), std::string::npos) << err.str();

  boost::program_options::variables_map vm3;
  exit = ParseFlags("test", "SYN", options, {}, {"--help"}, vm3, out, err);
  EXPECT_EQ(exit, kExitOk);
  EXPECT_NE(out.str().find("mamori-collector test SYN"), std::string::npos);
}

TEST(CliCommonTest, MissingDatabaseSaysToRunInit) {
  FakeClock clock(FromUnixSeconds(0));
  Result<std::unique_ptr<store::Store>> store =
      OpenStore(DataPaths::For("/nonexistent/mamori"), clock);
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(store.status().message().find("mamori-collector init"),
            std::string::npos);
}

TEST(CliCommonTest, RunsTheNamedSubcommandOrExplainsUsage) {
  std::vector<std::string> seen;
  const std::vector<Subcommand> table = {
      {"list",
       [&](const std::vector<std::string>& args, std::ostream& out,
           std::ostream&) {
         seen = args;
         out << "listed\n";
         return 7;
       }},
  };
  std::ostringstream out;
  std::ostringstream err;
  EXPECT_EQ(RunSubcommand("thing", "usage: thing list\n", table,
                          {"list", "--org", "a"}, out, err),
            7);
  EXPECT_EQ(seen, (std::vector<std::string>{"--org", "a"}));
  EXPECT_EQ(out.str(), "listed\n");

  for (const char* help : {"--help", "-h", "help"}) {
    std::ostringstream help_out;
    std::ostringstream help_err;
    EXPECT_EQ(RunSubcommand("thing", "usage: thing list\n", table, {help},
                            help_out, help_err),
              kExitOk);
    EXPECT_EQ(help_out.str(), "usage: thing list\n");
    EXPECT_EQ(help_err.str(), "");
  }

  std::ostringstream none_out;
  std::ostringstream none_err;
  EXPECT_EQ(RunSubcommand("thing", "usage: thing list\n", table, {}, none_out,
                          none_err),
            kExitUsage);
  EXPECT_EQ(none_out.str(), "");
  EXPECT_EQ(none_err.str(), "usage: thing list\n");

  // An unknown name is repeated terminal-safe: no escape reaches the screen.
  std::ostringstream bad_out;
  std::ostringstream bad_err;
  EXPECT_EQ(RunSubcommand("thing", "usage\n", table, {"li\x1b[2Jst"}, bad_out,
                          bad_err),
            kExitUsage);
  EXPECT_EQ(bad_err.str().find('\x1b'), std::string::npos) << bad_err.str();
  EXPECT_NE(bad_err.str().find("mamori-collector thing: unknown command"),
            std::string::npos)
      << bad_err.str();
  EXPECT_NE(bad_err.str().find("see --help"), std::string::npos);
}

}  // namespace
}  // namespace mamori::collector_cli
