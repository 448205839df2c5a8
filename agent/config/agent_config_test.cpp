#include "agent/config/agent_config.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

namespace mamori::agent {
namespace {

using ::testing::HasSubstr;

// The default state directory each platform documents: /var/lib/mamori, or
// %ProgramData%\mamori\state on Windows (read here from the environment;
// the agent asks the shell for the known folder).
std::string DocumentedStateDir() {
#ifdef _WIN32
  const char* program_data = std::getenv("ProgramData");
  return std::string(program_data != nullptr ? program_data
                                             : "C:\\ProgramData") +
         "\\mamori\\state";
#else
  return "/var/lib/mamori";
#endif
}

TEST(AgentConfigTest, EmptyFileGivesDefaults) {
  auto c = ParseAgentConfig("", "agent.conf");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->state_dir, DocumentedStateDir());
  EXPECT_EQ(c->interval, std::chrono::hours(1));
  EXPECT_EQ(c->spool_max_bytes, 50ull << 20);
  EXPECT_EQ(c->spool_max_age, std::chrono::hours(24 * 30));
  EXPECT_DOUBLE_EQ(c->jitter_fraction, 0.1);
}

TEST(AgentConfigTest, ParsesEveryKey) {
  auto c = ParseAgentConfig(R"(
state_dir: /srv/agent
log_level: debug
collector:
  server: collector.example.jp:50443
  ca_file: /etc/mamori/ca.pem
  timeout: 45s
schedule:
  interval: 15m
  jitter: 20%
spool:
  max_size: 2MiB
  max_age: 7d
collect:
  root: /mnt/image
  families: [system, packages]
)",
                            "agent.conf");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->state_dir, "/srv/agent");
  EXPECT_EQ(c->log_level, "debug");
  EXPECT_EQ(c->server, "collector.example.jp:50443");
  EXPECT_EQ(c->ca_file, "/etc/mamori/ca.pem");
  EXPECT_EQ(c->rpc_timeout, std::chrono::seconds(45));
  EXPECT_EQ(c->interval, std::chrono::minutes(15));
  EXPECT_DOUBLE_EQ(c->jitter_fraction, 0.2);
  EXPECT_EQ(c->spool_max_bytes, 2u << 20);
  EXPECT_EQ(c->spool_max_age, std::chrono::hours(24 * 7));
  EXPECT_EQ(c->root, "/mnt/image");
  EXPECT_EQ(c->families, (std::vector<std::string>{"system", "packages"}));
}

TEST(AgentConfigTest, BadValueNamesFileLineKeyAndExpectation) {
  auto c = ParseAgentConfig("spool:\n  max_size: lots\n", "/etc/agent.conf");
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(c.status().message(), HasSubstr("/etc/agent.conf:2"));
  EXPECT_THAT(c.status().message(), HasSubstr("spool.max_size"));
  EXPECT_THAT(c.status().message(), HasSubstr("expected a size"));
  EXPECT_THAT(c.status().message(), HasSubstr("'lots'"));
}

TEST(AgentConfigTest, UnknownKeyIsAnError) {
  auto c = ParseAgentConfig("schedule:\n  intervall: 1h\n", "a.conf");
  ASSERT_FALSE(c.ok());
  EXPECT_THAT(c.status().message(),
              HasSubstr("unknown key 'schedule.intervall'"));
  EXPECT_THAT(c.status().message(), HasSubstr("a.conf:2"));
}

TEST(AgentConfigTest, RejectsOutOfRangeValues) {
  for (const char* text : {
           "schedule:\n  jitter: 80%\n",
           "schedule:\n  jitter: 10\n",
           "schedule:\n  interval: 0s\n",
           "schedule:\n  interval: -5m\n",
           "spool:\n  max_size: 10\n",
           "collector:\n  server: nohost\n",
           "collector:\n  server: host:70000\n",
           "state_dir: relative/dir\n",
           "log_level: loud\n",
           "collect:\n  families: system\n",
           "collector: 5\n",
       }) {
    auto c = ParseAgentConfig(text, "x.conf");
    EXPECT_FALSE(c.ok()) << text;
    EXPECT_THAT(c.status().message(), HasSubstr("x.conf")) << text;
  }
}

TEST(AgentConfigTest, MalformedYamlAndBadUtf8AreClearErrors) {
  auto c = ParseAgentConfig("spool: [unclosed\n", "y.conf");
  ASSERT_FALSE(c.ok());
  EXPECT_THAT(c.status().message(), HasSubstr("not valid YAML"));
  auto d = ParseAgentConfig("log_level: \xff\xfe\n", "z.conf");
  ASSERT_FALSE(d.ok());
  EXPECT_THAT(d.status().message(), HasSubstr("UTF-8"));
  auto e = ParseAgentConfig("- a\n- b\n", "w.conf");
  ASSERT_FALSE(e.ok());
  EXPECT_THAT(e.status().message(), HasSubstr("map of settings"));
}

TEST(AgentConfigTest, MissingFileDependsOnWhetherItWasAskedFor) {
  auto defaults = LoadAgentConfig("/nonexistent/mamori/agent.conf", false);
  ASSERT_TRUE(defaults.ok());
  auto asked = LoadAgentConfig("/nonexistent/mamori/agent.conf", true);
  ASSERT_FALSE(asked.ok());
  EXPECT_EQ(asked.status().code(), StatusCode::kNotFound);
  EXPECT_THAT(asked.status().message(),
              HasSubstr("/nonexistent/mamori/agent.conf"));
}

TEST(AgentConfigTest, PackagedExampleIsValidAndShowsTheDefaults) {
  // Tests run from the source root.
  auto c = LoadAgentConfig("packaging/agent.conf.example", true);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  const AgentConfig defaults;
  // The example is the Linux packages' /etc/mamori/agent.conf, so it shows
  // the POSIX state directory; every other value is the same on Windows.
#ifdef _WIN32
  EXPECT_EQ(c->state_dir, "/var/lib/mamori");
#else
  EXPECT_EQ(c->state_dir, defaults.state_dir);
#endif
  EXPECT_EQ(c->interval, defaults.interval);
  EXPECT_DOUBLE_EQ(c->jitter_fraction, defaults.jitter_fraction);
  EXPECT_EQ(c->spool_max_bytes, defaults.spool_max_bytes);
  EXPECT_EQ(c->spool_max_age, defaults.spool_max_age);
  EXPECT_EQ(c->rpc_timeout, defaults.rpc_timeout);
}

TEST(DurationTest, Units) {
  EXPECT_EQ(ParseDuration("90"), std::chrono::seconds(90));
  EXPECT_EQ(ParseDuration("90s"), std::chrono::seconds(90));
  EXPECT_EQ(ParseDuration("2m"), std::chrono::seconds(120));
  EXPECT_EQ(ParseDuration("1h"), std::chrono::seconds(3600));
  EXPECT_EQ(ParseDuration("30d"), std::chrono::seconds(30 * 86400));
  EXPECT_FALSE(ParseDuration(""));
  EXPECT_FALSE(ParseDuration("h"));
  EXPECT_FALSE(ParseDuration("1w"));
  EXPECT_FALSE(ParseDuration("0s"));
  EXPECT_FALSE(ParseDuration("99999999999999999d"));
}

TEST(ByteSizeTest, Units) {
  EXPECT_EQ(ParseByteSize("100"), 100u);
  EXPECT_EQ(ParseByteSize("4KiB"), 4096u);
  EXPECT_EQ(ParseByteSize("50MiB"), 50ull << 20);
  EXPECT_EQ(ParseByteSize("1GiB"), 1ull << 30);
  EXPECT_FALSE(ParseByteSize("MiB"));
  EXPECT_FALSE(ParseByteSize("0"));
  EXPECT_FALSE(ParseByteSize("-1"));
  EXPECT_FALSE(ParseByteSize("5 TB"));
  EXPECT_FALSE(ParseByteSize("99999999999GiB"));
}

}  // namespace
}  // namespace mamori::agent
