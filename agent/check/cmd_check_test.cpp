// `mamori-agent check`: the command line, the exit codes, Japanese and
// English text, JSON, and hostile endpoint strings printed safely.
#include "agent/check/cmd_check.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <sstream>

#include "agent/check/check_messages.h"

namespace mamori::agent {
namespace {

using selfcheck::LocalStatus;

struct Outcome {
  int code = 0;
  std::string out;
  std::string err;
};

Outcome Check(const std::vector<std::string>& args,
              const std::string& env_lang = "en") {
  std::ostringstream out, err;
  Outcome r;
  r.code = RunCheckCommand(args, out, err, env_lang);
  r.out = out.str();
  r.err = err.str();
  return r;
}

// A report with one failing check whose strings are hostile.
selfcheck::LocalReport HostileReport() {
  selfcheck::LocalReport report;
  report.hostname = "PC-<b>1</b>\x1b[31m\xff";
  report.platform = "windows";
  report.policy_version = "v";
  selfcheck::LocalRule rule;
  rule.rule = "wifi";
  rule.name = {"無線LANの利用", "Use of wireless connections"};
  rule.status = LocalStatus::kFail;
  rule.checks.push_back({"wifi_secure",
                         "wifi",
                         "",
                         {"安全な Wi-Fi", "Secure Wi-Fi"},
                         {"WPA2 以上にしてください。", "Use WPA2 or better."},
                         LocalStatus::kFail,
                         {{"weak_networks",
                           "<script>alert(1)</script>\r\n\x1b]0;x\x07\xc0\xaf"
                           "\xe2\x80\xae=cmd|' /C calc'!A0"}}});
  report.rules.push_back(rule);
  return report;
}

TEST(CheckCommandTest, HelpAndUsageErrors) {
  Outcome help = Check({"--help"});
  EXPECT_EQ(help.code, kCheckExitPass);
  EXPECT_NE(help.out.find("Exit status:"), std::string::npos);
  EXPECT_NE(help.out.find("3  no check fails, but some are unknown"),
            std::string::npos);

  Outcome bad_lang = Check({"--lang", "fr"});
  EXPECT_EQ(bad_lang.code, kCheckExitUsage);
  EXPECT_NE(bad_lang.err.find("--lang must be ja or en, not \"fr\""),
            std::string::npos);
  Outcome bad_format = Check({"--format=xml\x1b[2J"});
  EXPECT_EQ(bad_format.code, kCheckExitUsage);
  EXPECT_EQ(bad_format.err.find('\x1b'), std::string::npos) << bad_format.err;
  EXPECT_EQ(Check({"--root"}).code, kCheckExitUsage);
  EXPECT_EQ(Check({"--bogus"}).code, kCheckExitUsage);
}

TEST(CheckCommandTest, TextIsTerminalSafeInBothLanguages) {
  const selfcheck::LocalReport report = HostileReport();
  for (const std::string lang : {"ja", "en"}) {
    SCOPED_TRACE(lang);
    const std::string text = FormatCheckText(report, lang);
    for (char c : text) {
      const unsigned char u = static_cast<unsigned char>(c);
      EXPECT_FALSE(u < 0x20 && c != '\n') << "control byte " << int(u);
    }
    EXPECT_EQ(text.find("\xe2\x80\xae"), std::string::npos);
    EXPECT_NE(text.find("\\x1b"), std::string::npos);  // shown, not acted on
    EXPECT_NE(text.find(MessagesFor(lang).fail), std::string::npos);
    EXPECT_NE(text.find(lang == "ja" ? "WPA2 以上にしてください。"
                                     : "Use WPA2 or better."),
              std::string::npos);
    EXPECT_NE(text.find(lang == "ja" ? "無線LANの利用"
                                     : "Use of wireless connections"),
              std::string::npos);
    EXPECT_NE(text.find(MessagesFor(lang).summary_fail), std::string::npos);
  }
}

TEST(CheckCommandTest, JsonIsValidUtf8WithoutRawMarkup) {
  const std::string text = FormatCheckJson(HostileReport(), "en");
  EXPECT_EQ(text.find('<'), std::string::npos);
  EXPECT_EQ(text.find('>'), std::string::npos);
  auto j = nlohmann::json::parse(text);  // throws on invalid UTF-8
  EXPECT_EQ(j["exit_code"], 1);
  EXPECT_EQ(j["rules"][0]["status"], "fail");
  const std::string evidence =
      j["rules"][0]["checks"][0]["evidence"]["weak_networks"];
  EXPECT_EQ(evidence.rfind("<script>alert(1)</script>\r\n\x1b]0;x\x07", 0), 0u)
      << "the value is data: kept, only encoded";
  EXPECT_NE(evidence.find("\xef\xbf\xbd"), std::string::npos)  // U+FFFD
      << "invalid UTF-8 replaced";
  EXPECT_EQ(j["rules"][0]["checks"][0]["remediation"], "Use WPA2 or better.");
}

// The whole command over a fixture root: the collector's verdicts for that
// tree (collector/selfcheck/local_check_test.cpp compares them), in the
// language asked for, with the exit code of the worst check.
TEST(CheckCommandTest, FixtureRootEndToEnd) {
  Outcome bad =
      Check({"--root", "tests/fixtures/linux/e2e-bad", "--lang", "ja"}, "en");
  EXPECT_EQ(bad.code, kCheckExitFail) << bad.err;
  EXPECT_NE(bad.out.find("mamori セルフチェック — pc-bad (linux"),
            std::string::npos)
      << bad.out;
  EXPECT_NE(bad.out.find("[不合格] ウイルス対策ソフトウェア"),
            std::string::npos);
  EXPECT_NE(bad.out.find("コレクタで判定"), std::string::npos);

  Outcome json = Check(
      {"--root", "tests/fixtures/linux/e2e-good", "--format", "json"}, "ja");
  EXPECT_EQ(json.err, "");
  auto j = nlohmann::json::parse(json.out);
  EXPECT_EQ(j["lang"], "ja");
  EXPECT_EQ(j["exit_code"], json.code);
  EXPECT_EQ(j["rules"].size(), 10u);
  std::map<std::string, std::string> status;
  for (const auto& rule : j["rules"]) {
    for (const auto& c : rule["checks"]) status[c["id"]] = c["status"];
  }
  EXPECT_EQ(status["usb_storage_restricted"], "pass");
  EXPECT_EQ(status["wifi_secure"], "pass");
  EXPECT_EQ(status["software_version_floors"], "needs_collector");
  EXPECT_EQ(status["no_unmanaged_pcs"], "needs_collector");
}

TEST(CheckCommandTest, LanguageFromTheLocale) {
  ::setenv("LC_ALL", "", 1);
  ::setenv("LC_MESSAGES", "", 1);
  ::setenv("LANG", "ja_JP.UTF-8", 1);
  EXPECT_EQ(LanguageFromEnvironment(), "ja");
  ::setenv("LC_MESSAGES", "C.UTF-8", 1);
  EXPECT_EQ(LanguageFromEnvironment(), "en");
  ::setenv("LC_ALL", "ja_JP.eucJP", 1);
  EXPECT_EQ(LanguageFromEnvironment(), "ja");
  ::unsetenv("LC_ALL");
  ::unsetenv("LC_MESSAGES");
  ::unsetenv("LANG");
  EXPECT_EQ(LanguageFromEnvironment(), "en");
}

}  // namespace
}  // namespace mamori::agent
