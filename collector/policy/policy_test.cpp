#include "collector/policy/policy.h"

#include <gtest/gtest.h>

#include "collector/policy/answers.h"
#include "collector/policy/questionnaire.h"

namespace mamori::policy {
namespace {

const char* kGoodCheck = R"(checks:
  - id: demo_check
    rule: antivirus
    title: {ja: テスト, en: Test}
    description: {ja: 説明, en: Description}
    remediation: {ja: 対処, en: Fix it}
    platforms: [windows, linux]
    roles: [workstation, laptop]
    parameters:
      max_age:
        type: integer
        default: 72
        min: 1
        max: 100
        description: {ja: 上限, en: Limit}
    query: SELECT host_id, 'pass' AS status FROM v_hosts WHERE org_id = :org_id
)";

Result<std::vector<Check>> Parse(const std::string& text) {
  return ParsePolicyFile({"test.yaml", text}, false);
}

std::string Replace(std::string text, const std::string& from,
                    const std::string& to) {
  const auto pos = text.find(from);
  EXPECT_NE(pos, std::string::npos) << from;
  return text.replace(pos, from.size(), to);
}

TEST(PolicyFile, ParsesAGoodCheck) {
  auto checks = Parse(kGoodCheck);
  ASSERT_TRUE(checks.ok()) << checks.status().ToString();
  ASSERT_EQ(checks->size(), 1u);
  const Check& c = (*checks)[0];
  EXPECT_EQ(c.id, "demo_check");
  EXPECT_EQ(c.rule, "antivirus");
  EXPECT_EQ(c.title.ja, "テスト");
  EXPECT_EQ(c.roles, (std::vector<std::string>{"workstation", "laptop"}));
  ASSERT_EQ(c.parameters.size(), 1u);
  EXPECT_EQ(std::get<int64_t>(c.parameters[0].default_value), 72);
  EXPECT_EQ(c.source, "test.yaml:2");
}

TEST(PolicyFile, UnknownKeyNamesFileLineAndKey) {
  auto r =
      Parse(Replace(kGoodCheck, "    roles:", "    colour: red\n    roles:"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("test.yaml:8:"), std::string::npos)
      << r.status().message();
  EXPECT_NE(r.status().message().find("colour"), std::string::npos);
}

TEST(PolicyFile, UnknownRuleId) {
  auto r = Parse(Replace(kGoodCheck, "rule: antivirus", "rule: usb"));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("test.yaml:3:"), std::string::npos);
  EXPECT_NE(r.status().message().find("unknown rule id 'usb'"),
            std::string::npos);
}

TEST(PolicyFile, WrongTypes) {
  EXPECT_FALSE(Parse(Replace(kGoodCheck, "default: 72", "default: lots")).ok());
  EXPECT_FALSE(Parse(Replace(kGoodCheck, "default: 72", "default: 500")).ok());
  EXPECT_FALSE(
      Parse(Replace(kGoodCheck, "type: integer", "type: duration")).ok());
  EXPECT_FALSE(
      Parse(Replace(kGoodCheck, "roles: [workstation, laptop]", "roles: all"))
          .ok());
  EXPECT_FALSE(Parse(Replace(kGoodCheck, "roles: [workstation, laptop]",
                             "roles: [tablet]"))
                   .ok());
  auto r = Parse(Replace(kGoodCheck, "title: {ja: テスト, en: Test}",
                         "title: {ja: テスト}"));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("title.en"), std::string::npos)
      << r.status().message();
}

TEST(PolicyFile, SeverityIsOptionalAndChecked) {
  auto plain = Parse(kGoodCheck);
  ASSERT_TRUE(plain.ok());
  EXPECT_EQ((*plain)[0].severity, "");
  auto high = Parse(Replace(kGoodCheck, "rule: antivirus",
                            "topic: exposed_services\n    severity: high"));
  ASSERT_TRUE(high.ok()) << high.status().ToString();
  EXPECT_EQ((*high)[0].topic, "exposed_services");
  EXPECT_EQ((*high)[0].severity, "high");
  auto bad = Parse(Replace(kGoodCheck, "rule: antivirus",
                           "rule: antivirus\n    severity: urgent"));
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("unknown severity 'urgent'"),
            std::string::npos)
      << bad.status().message();
}

TEST(PolicyFile, RuleOrTopicExactlyOne) {
  auto both = Parse(Replace(kGoodCheck, "rule: antivirus",
                            "rule: antivirus\n    topic: firewall"));
  EXPECT_FALSE(both.ok());
  auto topic = Parse(Replace(kGoodCheck, "rule: antivirus", "topic: firewall"));
  ASSERT_TRUE(topic.ok()) << topic.status().ToString();
  EXPECT_EQ((*topic)[0].topic, "firewall");
  EXPECT_FALSE(
      Parse(Replace(kGoodCheck, "rule: antivirus", "topic: coffee")).ok());
}

TEST(PolicyFile, RequiresIsOptionalAndChecked) {
  auto plain = Parse(kGoodCheck);
  ASSERT_TRUE(plain.ok());
  EXPECT_TRUE((*plain)[0].requirements.empty());
  auto devices = Parse(Replace(kGoodCheck, "    parameters:",
                               "    requires: [devices]\n    parameters:"));
  ASSERT_TRUE(devices.ok()) << devices.status().ToString();
  EXPECT_EQ((*devices)[0].requirements, (std::vector<std::string>{"devices"}));
  // An unknown requirement names the line and the known ones.
  auto unknown = Parse(Replace(kGoodCheck, "    parameters:",
                               "    requires: [devices, printers]\n"
                               "    parameters:"));
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.status().message().find("test.yaml:9:"), std::string::npos)
      << unknown.status().message();
  EXPECT_NE(unknown.status().message().find("'printers'"), std::string::npos);
  EXPECT_NE(unknown.status().message().find("requires"), std::string::npos);
  EXPECT_FALSE(Parse(Replace(kGoodCheck, "    parameters:",
                             "    requires: devices\n    parameters:"))
                   .ok());
  EXPECT_FALSE(Parse(Replace(kGoodCheck, "    parameters:",
                             "    requires: []\n    parameters:"))
                   .ok());
}

TEST(PolicyFile, ReadingTheDevicesViewsMustBeDeclared) {
  const std::string reads =
      Replace(kGoodCheck, "FROM v_hosts WHERE",
              "FROM v_hosts WHERE host_id NOT IN (SELECT 1 FROM\n"
              "      V_Unmanaged_Devices) AND");
  auto undeclared =
      Parse(Replace(reads, "query: SELECT", "query: |\n      SELECT"));
  ASSERT_FALSE(undeclared.ok());
  EXPECT_NE(undeclared.status().message().find(
                "line 2 of the query reads v_unmanaged_devices"),
            std::string::npos)
      << undeclared.status().message();
  auto declared = Parse(
      Replace(Replace(reads, "query: SELECT", "query: |\n      SELECT"),
              "    parameters:", "    requires: [devices]\n    parameters:"));
  EXPECT_TRUE(declared.ok()) << declared.status().ToString();
  // Inside a literal or a comment it is not a read.
  EXPECT_TRUE(Parse(Replace(kGoodCheck, "'pass' AS status",
                            "'pass' AS status, 'v_unmanaged_devices' AS note"))
                  .ok());
}

TEST(PolicyFile, ReadingTheSoftwareRulesMustBeDeclared) {
  const std::string reads = Replace(
      kGoodCheck, "FROM v_hosts WHERE",
      "FROM v_hosts WHERE NOT EXISTS (SELECT 1 FROM v_software_licences) AND");
  auto undeclared = Parse(reads);
  ASSERT_FALSE(undeclared.ok());
  EXPECT_NE(undeclared.status().message().find(
                "reads v_software_licences, which needs 'requires: "
                "[software_rules]'"),
            std::string::npos)
      << undeclared.status().message();
  // Declaring another requirement is not enough.
  EXPECT_FALSE(Parse(Replace(reads, "    parameters:",
                             "    requires: [devices]\n    parameters:"))
                   .ok());
  auto declared = Parse(
      Replace(reads, "    parameters:",
              "    requires: [devices, software_rules]\n    parameters:"));
  ASSERT_TRUE(declared.ok()) << declared.status().ToString();
  EXPECT_EQ((*declared)[0].requirements,
            (std::vector<std::string>{"devices", "software_rules"}));
  EXPECT_STREQ(RequirementForView("v_software_rules"), "software_rules");
  EXPECT_STREQ(RequirementForView("v_device_witnesses"), "devices");
  EXPECT_EQ(RequirementForView("v_packages"), nullptr);
}

TEST(PolicySet, RunnableOnLeavesOutWhatTheBackendLacks) {
  PolicySet set;
  set.version = "v1";
  Check plain;
  plain.id = "plain";
  Check lan;
  lan.id = "lan";
  lan.requirements = {"devices"};
  set.checks = {plain, lan};
  std::vector<std::string> left_out;
  const PolicySet without = RunnableOn(set, {}, &left_out);
  ASSERT_EQ(without.checks.size(), 1u);
  EXPECT_EQ(without.checks[0].id, "plain");
  EXPECT_EQ(without.version, "v1");
  EXPECT_EQ(left_out, (std::vector<std::string>{"lan (requires devices)"}));
  left_out.clear();
  const PolicySet with = RunnableOn(set, {"devices"}, &left_out);
  EXPECT_EQ(with.checks.size(), 2u);
  EXPECT_TRUE(left_out.empty());
}

TEST(PolicySet, BuiltinLanCheckDeclaresDevices) {
  auto builtin = BuildPolicySet(BuiltinPolicySources(), true);
  ASSERT_TRUE(builtin.ok()) << builtin.status().ToString();
  const Check* lan = builtin->Find("no_unmanaged_pcs");
  ASSERT_NE(lan, nullptr);
  EXPECT_EQ(lan->requirements, (std::vector<std::string>{"devices"}));
  std::vector<std::string> left_out;
  const PolicySet on_bare = RunnableOn(*builtin, {}, &left_out);
  EXPECT_EQ(on_bare.Find("no_unmanaged_pcs"), nullptr);
  EXPECT_EQ(on_bare.checks.size() + left_out.size(), builtin->checks.size());
}

TEST(PolicyFile, HostileInput) {
  EXPECT_FALSE(Parse("checks: [").ok());
  auto bad_utf8 = Parse(std::string("checks:\n  - id: \xff\xfe\n"));
  ASSERT_FALSE(bad_utf8.ok());
  EXPECT_NE(bad_utf8.status().message().find("UTF-8"), std::string::npos);
  EXPECT_FALSE(Parse(std::string(2 << 20, 'a')).ok());
  EXPECT_FALSE(
      Parse(Replace(kGoodCheck, "id: demo_check", "id: \"x; DROP\"")).ok());
  EXPECT_FALSE(Parse("- just a list\n").ok());
}

// Issue #12: SQLite-only SQL is refused when the policy loads, naming the
// file, the check, the line within the query and the construct (en + ja).
TEST(PolicyFile, SqliteOnlySqlNamesFileCheckLineAndConstruct) {
  auto r = Parse(Replace(
      kGoodCheck,
      "    query: SELECT host_id, 'pass' AS status FROM v_hosts WHERE org_id = "
      ":org_id",
      "    query: |\n"
      "      SELECT host_id, 'pass' AS status, -- json_extract( in a comment\n"
      "             'IS NOT 0' AS text,\n"
      "             JSON_EXTRACT (payload_json, '$.x') AS x\n"
      "      FROM v_family_state WHERE org_id = :org_id"));
  ASSERT_FALSE(r.ok());
  const std::string m = r.status().message();
  EXPECT_NE(m.find("test.yaml:"), std::string::npos) << m;
  EXPECT_NE(m.find("checks[demo_check].query"), std::string::npos) << m;
  EXPECT_NE(m.find("line 3 of the query: 'JSON_EXTRACT('"), std::string::npos)
      << m;
  EXPECT_NE(m.find("クエリの 3 行目"), std::string::npos) << m;

  auto is_not = Parse(Replace(kGoodCheck, "WHERE org_id = :org_id",
                              "WHERE org_id = :org_id AND role IS NOT 0"));
  ASSERT_FALSE(is_not.ok());
  const std::string is_not_message = is_not.status().message();
  EXPECT_NE(is_not_message.find("'IS NOT 0'"), std::string::npos)
      << is_not_message;
}

TEST(PolicySet, DuplicateIdsAcrossFilesNameBothPlaces) {
  auto r =
      BuildPolicySet({{"a.yaml", kGoodCheck}, {"b.yaml", kGoodCheck}}, false);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("b.yaml:2"), std::string::npos);
  EXPECT_NE(r.status().message().find("a.yaml:2"), std::string::npos);
}

TEST(PolicySet, VersionChangesWithContent) {
  auto a = BuildPolicySet({{"a.yaml", kGoodCheck}}, false);
  auto b = BuildPolicySet(
      {{"a.yaml", Replace(kGoodCheck, "default: 72", "default: 48")}}, false);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->version.size(), 64u);
  EXPECT_NE(a->version, b->version);
}

TEST(Builtin, EveryBuiltInFileParses) {
  auto set = BuildPolicySet(BuiltinPolicySources(), true);
  ASSERT_TRUE(set.ok()) << set.status().ToString();
  for (const char* id :
       {"os_supported", "security_updates_applied", "automatic_updates_on",
        "office_supported", "antivirus_active", "antivirus_definitions_fresh",
        "password_min_length", "password_lockout", "screen_lock", "wifi_secure",
        "usb_storage_restricted", "disk_encryption_laptops",
        "browsers_supported", "rdp_nla", "exposed_rdp_nla",
        "ssh_no_password_login", "firewall_on"}) {
    EXPECT_NE(set->Find(id), nullptr) << id;
  }
  auto q = ParseQuestionnaires(BuiltinQuestionnaireSources());
  ASSERT_TRUE(q.ok()) << q.status().ToString();
  EXPECT_EQ(q->second.rules.size(), 10u);
  EXPECT_EQ(q->ipa.items.size(), 25u);
  EXPECT_GE(q->first.questions.size(), 12u);
  int national_total = 0;
  for (const IpaItem& i : q->ipa.items)
    national_total += i.national_average_hundredths;
  EXPECT_EQ(national_total, 6767);  // seed 001: 67.67
  for (const IpaItem& i : q->ipa.items) {
    for (const std::string& c : i.evidence_checks) {
      EXPECT_NE(set->Find(c), nullptr) << "IPA item " << i.number << ": " << c;
    }
  }
  auto eos = ParseEndOfSupport(BuiltinEndOfSupportSource());
  ASSERT_TRUE(eos.ok()) << eos.status().ToString();
  EXPECT_GT(eos->entries.size(), 30u);
  EXPECT_FALSE(eos->browsers.empty());
}

TEST(EndOfSupport, DomainDatesAndEditions) {
  auto eos = ParseEndOfSupport(BuiltinEndOfSupportSource());
  ASSERT_TRUE(eos.ok());
  auto find = [&](const std::string& product, const std::string& key,
                  const std::string& edition) -> std::string {
    for (const auto& e : eos->entries) {
      if (e.product == product && e.match_key == key && e.edition == edition) {
        return e.ends_on;
      }
    }
    return "";
  };
  EXPECT_EQ(find("windows", "19045", "home_pro"), "2025-10-14");
  EXPECT_EQ(find("windows", "22631", "home_pro"), "2025-11-11");
  EXPECT_EQ(find("windows", "22631", "enterprise"), "2026-11-10");
  EXPECT_EQ(find("windows", "26100", "home_pro"), "2026-10-13");
  EXPECT_EQ(find("office", "2016", ""), "2025-10-14");
  EXPECT_EQ(find("office", "2021", ""), "2026-10-13");
  EXPECT_EQ(find("windows_server", "9600", ""), "2023-10-10");
  EXPECT_EQ(find("debian", "11", ""), "2026-08-31");
  EXPECT_EQ(find("ubuntu", "20.04", ""), "2025-05-31");
  // Office 2010 had no row (and passed office_supported); programs by name
  // carry the vendor's page.
  EXPECT_EQ(find("office", "2010", ""), "2020-10-13");
  EXPECT_EQ(find("package", "Adobe Flash Player*", ""), "2020-12-31");
  for (const auto& e : eos->entries) {
    if (e.product == "package") {
      EXPECT_EQ(e.source.rfind("https://", 0), 0u) << e.label;
    }
  }
}

TEST(EndOfSupport, PackageEntriesNeedAnHttpsSource) {
  auto missing = ParseEndOfSupport(
      {"eos.yaml",
       "products:\n  - {product: package, match: 'Foo*', label: Foo, ends: "
       "{all: 2020-01-01}}\n"});
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("products[Foo].source"),
            std::string::npos)
      << missing.status().ToString();
  auto plain = ParseEndOfSupport(
      {"eos.yaml",
       "products:\n  - {product: package, match: 'Foo*', label: Foo, ends: "
       "{all: 2020-01-01}, source: 'http://example.org'}\n"});
  ASSERT_FALSE(plain.ok());
  EXPECT_NE(plain.status().message().find("https://"), std::string::npos);
}

TEST(EndOfSupport, RejectsBadDates) {
  const std::string bad =
      "products:\n  - {product: debian, match: '9', label: x, ends: {all: "
      "2023-02-30}}\n";
  auto r = ParseEndOfSupport({"eos.yaml", bad});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("eos.yaml:2"), std::string::npos);
  EXPECT_TRUE(IsIsoDate("2024-02-29"));
  EXPECT_FALSE(IsIsoDate("2023-02-29"));
  EXPECT_FALSE(IsIsoDate("2023-2-1"));
}

class AnswersTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto set = BuildPolicySet(BuiltinPolicySources(), true);
    ASSERT_TRUE(set.ok());
    policies_ = *set;
    auto q = ParseQuestionnaires(BuiltinQuestionnaireSources());
    ASSERT_TRUE(q.ok());
    questionnaires_ = *q;
  }
  Result<AnswerSet> Parse(const std::string& name, const std::string& text) {
    return ParseAnswers({name, text}, questionnaires_, policies_);
  }
  PolicySet policies_;
  Questionnaires questionnaires_;
};

const char* kAnswers = R"(organisation: acme
answered_by: 総務 山田
second_diagnosis:
  software_updates: {written: no, spread: unknown, managed: no, technical: yes}
  antivirus: {written: yes, spread: spread}
first_diagnosis:
  mgmt_basic_policy: 5
  mgmt_leadership: 0
ipa:
  1: done
  9: dont_know
  20: not_applicable
settings:
  max_evidence_age_days: 14
  expected_endpoints: 17
parameters:
  antivirus_definitions_fresh:
    max_definitions_age_hours: 48
)";

TEST_F(AnswersTest, ParsesAndRoundTripsInBothFormats) {
  auto a = Parse("a.yaml", kAnswers);
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  EXPECT_EQ(a->answered_by, "総務 山田");
  EXPECT_EQ(a->second["software_updates"].spread, grading::Spread::kUnknown);
  EXPECT_EQ(a->second["software_updates"].technical, true);
  EXPECT_FALSE(a->second["antivirus"].managed.has_value());
  EXPECT_EQ(a->first["mgmt_leadership"], 0);
  EXPECT_EQ(a->ipa[9], grading::IpaAnswer::kDontKnow);
  EXPECT_EQ(a->settings["expected_endpoints"], 17);
  EXPECT_EQ(
      a->parameters["antivirus_definitions_fresh"]["max_definitions_age_hours"],
      "48");
  for (auto format : {AnswerFormat::kYaml, AnswerFormat::kJson}) {
    const std::string text = WriteAnswers(*a, format);
    auto back =
        Parse(format == AnswerFormat::kJson ? "b.json" : "b.yaml", text);
    ASSERT_TRUE(back.ok()) << back.status().ToString() << "\n" << text;
    EXPECT_EQ(WriteAnswers(*back, format), text);
  }
}

TEST_F(AnswersTest, ClearErrors) {
  struct Case {
    std::string from, to, expect;
  };
  for (const Case& c : std::vector<Case>{
           {"spread: spread", "spread: mostly",
            "a.yaml:5: second_diagnosis.antivirus.spread"},
           {"mgmt_basic_policy: 5", "mgmt_basic_policy: 6",
            "first_diagnosis.mgmt_basic_policy"},
           {"mgmt_basic_policy: 5", "no_such_question: 5",
            "unknown question id"},
           {"1: done", "26: done", "item numbers are 1-25"},
           {"9: dont_know", "9: maybe", "ipa.9"},
           {"expected_endpoints: 17", "expected_endpoints: -3",
            "settings.expected_endpoints"},
           {"max_definitions_age_hours: 48", "max_definitions_age_hours: 0",
            "parameters.antivirus_definitions_fresh.max_definitions_age_hours"},
           {"antivirus_definitions_fresh:", "no_such_check:",
            "unknown check id"},
           {"answered_by:", "answerer:", "unknown key"},
       }) {
    auto r = Parse("a.yaml", Replace(kAnswers, c.from, c.to));
    ASSERT_FALSE(r.ok()) << c.to;
    EXPECT_NE(r.status().message().find(c.expect), std::string::npos)
        << r.status().message();
  }
  auto json = Parse("a.json", R"({"ipa": {"3": "sometimes"}})");
  ASSERT_FALSE(json.ok());
  EXPECT_NE(json.status().message().find("a.json:1"), std::string::npos)
      << json.status().message();
}

TEST(ParamValue, TypesAndBounds) {
  Parameter p;
  p.name = "n";
  p.type = ParamType::kNumber;
  p.min = 0.5;
  EXPECT_TRUE(ParseParamValue(p, "1.25").ok());
  EXPECT_FALSE(ParseParamValue(p, "0.1").ok());
  EXPECT_FALSE(ParseParamValue(p, "nan").ok());
  p.type = ParamType::kBoolean;
  EXPECT_EQ(std::get<bool>(*ParseParamValue(p, "yes")), true);
  EXPECT_FALSE(ParseParamValue(p, "perhaps").ok());
}

}  // namespace
}  // namespace mamori::policy
