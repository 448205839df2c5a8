// The self-check's engine: which checks need the collector, and verdicts
// equal to GradingService's for the same facts — the Windows fixture hosts
// of tests/grading_checks_test.cpp (tests/fixtures/selfcheck/*.json) graded
// alone here and together in a collector organisation with other hosts.
// The Linux fixture roots (tests/fixtures/linux/e2e-*) are collected by the
// agent's own gatherers first, as `mamori-agent check --root` does.
// Hostile strings reach the results unchanged (the printers make them safe;
// agent/check/cmd_check_test.cpp).
#include "collector/selfcheck/local_check.h"

#include <google/protobuf/util/json_util.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <span>
#include <sstream>

#include "agent/collect.h"
#include "collector/policy/grading_service.h"
#include "collector/service/report_convert.h"
#include "collector/store/open_store.h"
#include "common/sha256.h"

namespace mamori::selfcheck {
namespace {

namespace fs = std::filesystem;

// 2026-11-20T00:00:00Z, the grading fixtures' "now".
const TimePoint kNow = FromUnixSeconds(1795132800);

v1::EndpointFacts LoadFacts(const std::string& name) {
  std::ifstream in("tests/fixtures/selfcheck/" + name + ".json");
  std::stringstream text;
  text << in.rdbuf();
  v1::EndpointFacts facts;
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = false;
  auto parsed =
      google::protobuf::util::JsonStringToMessage(text.str(), &facts, options);
  EXPECT_TRUE(parsed.ok()) << name << ": " << parsed.ToString();
  EXPECT_FALSE(facts.identity().hostname().empty()) << name;
  return facts;
}

class SelfCheckTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("mamori-selfcheck-test-" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  // check id → status of `facts` graded locally.
  std::map<std::string, LocalStatus> Local(const v1::EndpointFacts& facts) {
    auto report = EvaluateLocally(facts, {dir_.string()}, clock_);
    EXPECT_TRUE(report.ok()) << report.status().ToString();
    std::map<std::string, LocalStatus> out;
    if (!report.ok()) return out;
    for (const LocalRule& rule : report->rules) {
      for (const LocalCheck& c : rule.checks) out[c.id] = c.status;
    }
    for (const LocalCheck& c : report->topics) out[c.id] = c.status;
    return out;
  }

  // hostname → check id → status, as a collector grades `fleet` enrolled
  // together in one organisation (the service's conversions into the
  // store, then GradingService::Evaluate).
  std::map<std::string, std::map<std::string, grading::CheckStatus>> Collector(
      const std::vector<v1::EndpointFacts>& fleet,
      const std::string& custom_policy_dir = "") {
    const std::string url = store::SqliteUrl((dir_ / "collector.db").string());
    std::map<std::string, std::map<std::string, grading::CheckStatus>> out;
    {
      auto store = store::OpenStore(url, clock_);
      EXPECT_TRUE(store.ok()) << store.status().ToString();
      if (!store.ok()) return out;
      EXPECT_TRUE((*store)->CreateOrg({"acme", "", std::nullopt, ""}).ok());
      int n = 0;
      for (const v1::EndpointFacts& facts : fleet) {
        auto token =
            (*store)->CreateToken({"acme", std::nullopt, std::nullopt});
        EXPECT_TRUE(token.ok());
        v1::EnrollRequest enroll;
        enroll.set_token(token->token);
        *enroll.mutable_identity() = facts.identity();
        store::EnrollInput input = service::ConvertEnroll(enroll);
        const std::string key = "key-" + std::to_string(++n);
        input.node_key_hash = Sha256Hex(key);
        auto enrolled = (*store)->Enroll(input);
        EXPECT_TRUE(enrolled.ok()) << enrolled.status().ToString();
        v1::ReportRequest request;
        request.set_host_id(std::to_string(enrolled->host_id));
        request.set_node_key(key);
        request.set_report_id("r-" + std::to_string(n));
        *request.mutable_collected_at() = facts.collected_at();
        *request.mutable_facts() = facts;
        auto report = service::ConvertReport(request, service::Limits());
        EXPECT_TRUE(report.ok()) << report.status().ToString();
        auto stored = (*store)->StoreReports(
            std::span<const store::ReportInput>(&*report, 1));
        EXPECT_TRUE(stored[0].ok()) << stored[0].status().ToString();
      }
    }
    policy::GradingService::Options options;
    options.database_path = url;
    options.custom_policy_dir = custom_policy_dir;
    options.ieee_data_dir.clear();
    auto service = policy::GradingService::Open(options, clock_);
    EXPECT_TRUE(service.ok()) << service.status().ToString();
    if (!service.ok()) return out;
    EXPECT_TRUE((*service)->custom_policy_error().ok())
        << (*service)->custom_policy_error().ToString();
    auto graded = (*service)->Evaluate("acme");
    EXPECT_TRUE(graded.ok()) << graded.status().ToString();
    if (!graded.ok()) return out;
    std::map<std::string, std::string> names;
    for (const auto& h : graded->hosts) {
      names[std::to_string(h.host_id)] = h.hostname;
    }
    for (const auto& r : graded->results) {
      out[names[r.host_id]][r.check_id] = r.status;
    }
    return out;
  }

  FakeClock clock_{kNow};
  fs::path dir_;
};

TEST_F(SelfCheckTest, NeedsCollectorFollowsTheDeclaredRequirements) {
  auto set = policy::BuildPolicySet(policy::BuiltinPolicySources(), true);
  ASSERT_TRUE(set.ok()) << set.status().ToString();
  std::set<std::string> needs;
  for (const policy::Check& c : set->checks) {
    if (NeedsCollector(c)) needs.insert(c.id);
  }
  EXPECT_EQ(needs, (std::set<std::string>{
                       "software_not_banned", "required_software_present",
                       "software_version_floors", "licences_within_count",
                       "no_unmanaged_pcs"}));

  // A site's check that reads the organisation's rules: declared, it needs
  // the collector; undeclared, the loader refuses it, so it can never be
  // graded from this endpoint alone (where no rule exists and it passes).
  const std::string site = R"(checks:
  - id: site_no_banned_titles
    topic: software
    title: {ja: 禁止ソフトなし, en: No banned titles}
    description: {ja: 説明, en: Description}
    remediation: {ja: 対処, en: Fix it}
    platforms: [windows, linux]
    roles: [workstation, laptop, server]
    requires: [software_rules]
    query: |
      SELECT h.host_id AS host_id,
             CASE WHEN EXISTS (SELECT 1 FROM v_software_rules r
                                WHERE r.org_id = h.org_id AND r.action = 'ban')
                  THEN 'fail' ELSE 'pass' END AS status
        FROM v_hosts h WHERE h.org_id = :org_id
)";
  auto declared = policy::ParsePolicyFile({"site.yaml", site}, false);
  ASSERT_TRUE(declared.ok()) << declared.status().ToString();
  EXPECT_TRUE(NeedsCollector((*declared)[0]));
  std::string undeclared_text = site;
  undeclared_text.erase(
      undeclared_text.find("    requires: [software_rules]\n"),
      std::string_view("    requires: [software_rules]\n").size());
  auto undeclared =
      policy::ParsePolicyFile({"site.yaml", undeclared_text}, false);
  ASSERT_FALSE(undeclared.ok());
  EXPECT_NE(undeclared.status().message().find("requires: [software_rules]"),
            std::string::npos)
      << undeclared.status().message();
  // A collector whose organisation has no rule passes it: graded from the
  // endpoint alone it would pass too, and that would be a false pass.
  fs::create_directories(dir_ / "site");
  std::ofstream(dir_ / "site" / "site.yaml") << site;
  auto collector =
      Collector({LoadFacts("windows-good")}, (dir_ / "site").string());
  ASSERT_EQ(collector.size(), 1u);
  EXPECT_EQ(collector.begin()->second["site_no_banned_titles"],
            grading::CheckStatus::kPass);
  // One reading only the endpoint's own facts is graded here.
  const policy::Check* own = set->Find("exposed_rdp_nla");
  ASSERT_NE(own, nullptr);
  EXPECT_FALSE(NeedsCollector(*own));
}

TEST_F(SelfCheckTest, WindowsFixturesGetTheCollectorsVerdicts) {
  const std::vector<v1::EndpointFacts> fleet = {LoadFacts("windows-good"),
                                                LoadFacts("windows-bad")};
  if (HasFailure()) return;
  auto collector = Collector(fleet);
  ASSERT_EQ(collector.size(), 2u);
  std::map<LocalStatus, int> seen;
  for (const v1::EndpointFacts& facts : fleet) {
    const std::string host = facts.identity().hostname();
    SCOPED_TRACE(host);
    auto local = Local(facts);
    ASSERT_EQ(local.size(), collector[host].size());
    for (const auto& [check, status] : collector[host]) {
      ASSERT_TRUE(local.count(check)) << check;
      ++seen[local[check]];
      if (local[check] == LocalStatus::kNeedsCollector) continue;
      EXPECT_EQ(LocalStatusName(local[check]), grading::CheckStatusName(status))
          << check;
    }
  }
  // The fixtures exercise every verdict, so equality is not vacuous.
  EXPECT_GT(seen[LocalStatus::kPass], 5);
  EXPECT_GT(seen[LocalStatus::kFail], 5);
  EXPECT_GT(seen[LocalStatus::kUnknown], 0);
  EXPECT_GT(seen[LocalStatus::kNotApplicable], 0);
  EXPECT_EQ(seen[LocalStatus::kNeedsCollector], 2 * 5);
}

TEST_F(SelfCheckTest, LinuxFixtureRootsGetTheCollectorsVerdicts) {
  std::vector<v1::EndpointFacts> fleet;
  for (const char* root : {"e2e-bad", "e2e-good"}) {
    auto facts = agent::CollectEndpointFacts(
        facts::RootContext(std::string("tests/fixtures/linux/") + root,
                           &clock_),
        {});
    ASSERT_TRUE(facts.ok()) << facts.status().ToString();
    // Both trees carry one machine id (one PC before and after); here they
    // are two PCs of one organisation.
    facts->mutable_identity()->set_machine_id(std::string("machine-") + root);
    facts->mutable_identity()->set_hostname(root);
    facts->mutable_system()->set_hostname(root);
    fleet.push_back(*facts);
  }
  auto collector = Collector(fleet);
  ASSERT_EQ(collector.size(), 2u);
  std::map<LocalStatus, int> seen;
  for (const v1::EndpointFacts& facts : fleet) {
    const std::string host = facts.identity().hostname();
    SCOPED_TRACE(host);
    auto local = Local(facts);
    ASSERT_EQ(local.size(), collector[host].size());
    for (const auto& [check, status] : collector[host]) {
      ++seen[local[check]];
      if (local[check] == LocalStatus::kNeedsCollector) continue;
      EXPECT_EQ(LocalStatusName(local[check]), grading::CheckStatusName(status))
          << check;
    }
  }
  EXPECT_GT(seen[LocalStatus::kPass], 3);
  EXPECT_GT(seen[LocalStatus::kFail], 3);
}

TEST_F(SelfCheckTest, RulesFoldTheirChecksAndExitCodeSaysTheWorst) {
  auto bad = EvaluateLocally(LoadFacts("windows-bad"), {dir_.string()}, clock_);
  ASSERT_TRUE(bad.ok()) << bad.status().ToString();
  ASSERT_EQ(bad->rules.size(), std::size(grading::kRuleIds));
  EXPECT_EQ(bad->platform, "windows");
  EXPECT_EQ(bad->hostname, "PC-05");
  std::map<std::string, const LocalRule*> rules;
  for (const LocalRule& r : bad->rules) rules[r.rule] = &r;
  EXPECT_EQ(rules["antivirus"]->status, LocalStatus::kFail);
  EXPECT_EQ(rules["antivirus"]->name.ja, "ウイルス対策ソフトウェア");
  // Graded from the organisation's answers only.
  EXPECT_EQ(rules["basic_policy"]->status, LocalStatus::kNeedsCollector);
  EXPECT_TRUE(rules["basic_policy"]->checks.empty());
  EXPECT_EQ(ExitCodeFor(*bad), 1);
  for (const LocalRule& r : bad->rules) {
    for (const LocalCheck& c : r.checks) {
      if (c.status == LocalStatus::kFail) {
        EXPECT_FALSE(c.evidence.empty()) << c.id;
        EXPECT_FALSE(c.remediation.ja.empty()) << c.id;
        EXPECT_FALSE(c.remediation.en.empty()) << c.id;
      }
    }
  }

  // Nothing collected but the identity: every judged check is unknown, the
  // rules are never pass, and the exit code is not 0.
  v1::EndpointFacts bare;
  *bare.mutable_identity() = LoadFacts("windows-good").identity();
  *bare.mutable_collected_at() = LoadFacts("windows-good").collected_at();
  auto unknown = EvaluateLocally(bare, {dir_.string()}, clock_);
  ASSERT_TRUE(unknown.ok()) << unknown.status().ToString();
  for (const LocalRule& r : unknown->rules) {
    EXPECT_NE(r.status, LocalStatus::kPass) << r.rule;
    EXPECT_NE(r.status, LocalStatus::kFail) << r.rule;
  }
  EXPECT_EQ(ExitCodeFor(*unknown), 3);
}

TEST_F(SelfCheckTest, LeavesNothingBehindAndRefusesWhatACollectorRefuses) {
  v1::EndpointFacts facts = LoadFacts("windows-good");
  ASSERT_TRUE(EvaluateLocally(facts, {dir_.string()}, clock_).ok());
  EXPECT_TRUE(fs::is_empty(dir_)) << "the private store was not removed";

  // A report the collector would refuse is refused here too, naming the
  // field, and the directory is still cleaned up.
  facts.mutable_identity()->set_hostname(std::string(300, 'h'));
  auto refused = EvaluateLocally(facts, {dir_.string()}, clock_);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(refused.status().message().find("hostname"), std::string::npos)
      << refused.status().message();
  EXPECT_TRUE(fs::is_empty(dir_));

  // An unusable parent directory is a clear error, not a crash.
  auto nowhere = EvaluateLocally(LoadFacts("windows-good"),
                                 {(dir_ / "missing" / "dir").string()}, clock_);
  ASSERT_FALSE(nowhere.ok());
  EXPECT_NE(nowhere.status().message().find("missing"), std::string::npos);
}

TEST_F(SelfCheckTest, HostileStringsArriveAsData) {
  v1::EndpointFacts facts = LoadFacts("windows-bad");
  auto* profile = facts.mutable_wifi()->mutable_profiles(0);
  profile->set_ssid("<script>alert(1)</script>\x1b[2J\xe2\x80\xae");
  facts.mutable_identity()->set_hostname("PC-<b>05</b>\x07");
  auto report = EvaluateLocally(facts, {dir_.string()}, clock_);
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(report->hostname, "PC-<b>05</b>\x07");
  bool found = false;
  for (const LocalRule& r : report->rules) {
    for (const LocalCheck& c : r.checks) {
      if (c.id != "wifi_secure") continue;
      EXPECT_EQ(c.status, LocalStatus::kFail);
      for (const auto& e : c.evidence) {
        if (e.value.find("<script>") != std::string::npos) found = true;
      }
    }
  }
  EXPECT_TRUE(found) << "the SSID should be evidence, byte for byte";
}

}  // namespace
}  // namespace mamori::selfcheck
