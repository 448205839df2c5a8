#include "collector/report/report_model.h"

#include <gtest/gtest.h>

#include "collector/report/report_fixture.h"
#include "collector/report/report_messages.h"
#include "common/text.h"

namespace mamori::report {
namespace {

// 2026-11-20T00:00:00Z
const TimePoint kNow = FromUnixSeconds(1795132800);

TEST(ReportModelTest, TenRulesWithFindingsAndPlanOrder) {
  auto f = MakeFixture("Acme 株式会社", 12, kNow);
  ReportModel m = BuildReportModel(f->report, f->questionnaires, {}, {});
  EXPECT_EQ(m.org, "Acme 株式会社");
  ASSERT_EQ(m.rules.size(), 10u);
  EXPECT_EQ(m.rules[0].id, "basic_policy");
  EXPECT_EQ(m.rules[0].name.ja, "基本方針・対策基準");
  EXPECT_FALSE(m.rules[0].has_checks);
  // Basic policy: written, spread, managed → A, from the answers alone.
  EXPECT_EQ(m.rules[0].grade, "A");
  const RuleSection& av = m.rules[2];
  EXPECT_EQ(av.id, "antivirus");
  EXPECT_TRUE(av.has_checks);
  EXPECT_EQ(av.in_scope, 12);
  EXPECT_EQ(av.failing, 4);  // hosts 0, 3, 6, 9
  EXPECT_EQ(av.passing, 8);
  EXPECT_EQ(av.technical, "partial");
  ASSERT_EQ(av.findings.size(), 4u);
  EXPECT_EQ(av.findings[0].hostname, "PC-000");
  EXPECT_EQ(av.findings[0].evidence, "product=ESET definitions_age_hours=100");
  EXPECT_EQ(av.findings[0].status, "fail");
  ASSERT_EQ(av.remediation.size(), 1u);
  // Answered "technical: yes" but 4 of 12 fail: a discrepancy.
  ASSERT_TRUE(av.discrepancy.has_value());
  EXPECT_NE(av.discrepancy->ja.find("8/12"), std::string::npos);
  // Hosts collected 2–13 hours before kNow.
  EXPECT_EQ(av.oldest_evidence, "2026-11-19");
  EXPECT_EQ(m.evidence_from, "2026-11-19");
  EXPECT_EQ(m.evidence_to, "2026-11-19");
  // First diagnosis: four categories + overall; IPA: three parts + total
  // with seed 001's all-industry total.
  EXPECT_EQ(m.first_diagnosis.size(), 5u);
  ASSERT_EQ(m.ipa.size(), 4u);
  EXPECT_EQ(m.ipa[3].national, "67.67");
  EXPECT_EQ(m.ipa[3].max, 100);
  // Plan: the 5か条 rules first.
  ASSERT_FALSE(m.improvements.empty());
  bool seen_other = false;
  for (const auto& imp : m.improvements) {
    if (!IsFiveArticlesRule(imp.rule)) seen_other = true;
    EXPECT_FALSE(seen_other && IsFiveArticlesRule(imp.rule))
        << "5か条 item after another rule: " << imp.rule;
  }
  EXPECT_TRUE(m.notices.empty());
}

TEST(ReportModelTest, OrderPutsFiveArticlesThenMostEndpoints) {
  using grading::Improvement;
  std::vector<Improvement> plan(4);
  plan[0].rule = "wifi";
  plan[0].endpoints.resize(9);
  plan[1].rule = "passwords";
  plan[1].endpoints.resize(1);
  plan[2].rule = "antivirus";
  plan[2].endpoints.resize(5);
  plan[3].rule = "basic_policy";
  plan[3].kind = Improvement::Kind::kWriteRule;
  OrderImprovements(&plan);
  EXPECT_EQ(plan[0].rule, "antivirus");
  EXPECT_EQ(plan[1].rule, "passwords");
  EXPECT_EQ(plan[2].rule, "wifi");
  EXPECT_EQ(plan[3].rule, "basic_policy");
}

TEST(ReportModelTest, EmptyOrganisationSaysSo) {
  auto f = MakeFixture("empty", 0, kNow, /*answers=*/false);
  ReportModel m = BuildReportModel(f->report, f->questionnaires, {}, {});
  ASSERT_EQ(m.rules.size(), 10u);
  for (const auto& r : m.rules) EXPECT_EQ(r.grade, "D") << r.id;
  EXPECT_EQ(m.overall, "D");
  ASSERT_EQ(m.notices.size(), 2u);  // no endpoints, no answers
  EXPECT_NE(m.notices[0].en.find("No endpoints"), std::string::npos);
  EXPECT_TRUE(m.first_diagnosis.empty());
  EXPECT_TRUE(m.ipa.empty());
}

TEST(ReportModelTest, UnknownOnlyHostsAreNamedAndNeverPass) {
  auto f = MakeFixture("unknowns", 3, kNow, false);
  for (auto& res : f->report.results) {
    res.status = grading::CheckStatus::kUnknown;
    res.evidence.clear();
  }
  // Re-grade with the unknown results through the engine.
  std::vector<grading::Endpoint> eps;
  for (const auto& h : f->report.hosts) {
    eps.push_back({std::to_string(h.host_id), h.hostname, true});
  }
  for (auto& rr : f->report.rules) {
    if (rr.checks.empty()) continue;
    std::vector<std::string> ids;
    for (const auto* c : rr.checks) ids.push_back(c->id);
    rr.grade = grading::GradeRule(
        rr.grade.rule, {},
        grading::MeasureTechnical(eps, f->report.results, ids, {}, kNow));
  }
  ReportModel m = BuildReportModel(f->report, f->questionnaires, {}, {});
  EXPECT_EQ(m.hosts_unknown_only, 3);
  for (const auto& r : m.rules) {
    EXPECT_NE(r.technical, "in_place") << r.id;
    EXPECT_EQ(r.passing, 0) << r.id;
  }
  bool named = false;
  for (const auto& n : m.notices) {
    named |=
        n.en.find("3 endpoints could not be assessed") != std::string::npos;
  }
  EXPECT_TRUE(named);
}

TEST(ReportModelTest, HostileNamesAreCleaned) {
  auto f = MakeFixture("<b>Org</b>\x1b[2J", 4, kNow, true, /*hostile=*/true);
  ReportModel m = BuildReportModel(f->report, f->questionnaires, {}, {});
  EXPECT_EQ(m.org.find('\x1b'), std::string::npos);
  for (const auto& r : m.rules) {
    for (const auto& e : r.findings) {
      EXPECT_EQ(e.hostname.find('\x1b'), std::string::npos);
      EXPECT_EQ(e.hostname.find('\x07'), std::string::npos);
      EXPECT_LE(e.hostname.size(), 64u);
    }
  }
  EXPECT_EQ(CleanText("a\xff"
                      "b"),
            "a\xef\xbf\xbd"
            "b");
  EXPECT_EQ(CleanText("x\xe2\x80\xaey"), "x y");  // bidi override
  const std::string cut = CleanText(std::string(100, 'x') + "漢字漢字", 102);
  EXPECT_LE(cut.size(), 102u);
  EXPECT_TRUE(IsValidUtf8(cut));
}

TEST(ReportModelTest, TrendAndChangesFromSnapshots) {
  auto f = MakeFixture("acme", 6, kNow);
  std::vector<store::GradeSnapshot> history = {
      {kNow, "v", "C", R"({"antivirus":"C","wifi":"D"})"},
      {kNow - std::chrono::hours(24 * 30 - 2), "v", "D",
       R"({"antivirus":"D","wifi":"D"})"},
      // Earlier, the same grades: not a point of its own.
      {kNow - std::chrono::hours(24 * 30 - 1), "v", "D",
       R"({"antivirus":"D","wifi":"D"})"},
      {kNow - std::chrono::hours(24 * 31), "v", "", "not json"},
  };
  ReportModel m = BuildReportModel(f->report, f->questionnaires, history, {});
  ASSERT_EQ(m.trend.size(), 3u);  // one point per change
  EXPECT_EQ(m.trend[0].date, "2026-10-20");
  EXPECT_EQ(m.trend[0].rule_grades[2], "");  // unreadable: unknown
  EXPECT_EQ(m.trend[1].date, "2026-10-21");
  EXPECT_EQ(m.trend[1].rule_grades[2], "D");
  EXPECT_EQ(m.trend[2].overall, "C");
  EXPECT_EQ(m.rules[2].previous_grade, "D");
  bool antivirus_changed = false;
  for (const auto& c : m.changes) {
    antivirus_changed |= c.en.rfind("Antivirus", 0) == 0 ||
                         c.ja.find("ウイルス") != std::string::npos;
  }
  EXPECT_TRUE(antivirus_changed);
}

TEST(ReportModelTest, TrackedItemsCarryStatusOwnerDue) {
  auto f = MakeFixture("acme", 6, kNow);
  ASSERT_FALSE(f->report.improvements.empty());
  std::vector<TrackedItem> tracked = {
      {7, ImprovementKey(f->report.improvements[0]), "in_progress", "山田",
       "2026-12-31", "", "", 0}};
  ReportModel m = BuildReportModel(f->report, f->questionnaires, {}, tracked);
  bool found = false;
  for (const auto& l : m.improvements) {
    if (l.item_id == 7) {
      found = true;
      EXPECT_EQ(l.status, "in_progress");
      EXPECT_EQ(l.owner, "山田");
      EXPECT_EQ(l.due, "2026-12-31");
    }
  }
  EXPECT_TRUE(found);
}

TEST(ReportModelTest, ChangesNameTheItemsDoneSinceTheEarlierGrades) {
  auto f = MakeFixture("acme", 6, kNow);
  const std::vector<store::GradeSnapshot> history = {
      {kNow, "v", "C", R"({"wifi":"D"})"},
      {kNow - std::chrono::hours(24 * 30), "v", "D", R"({"wifi":"D"})"}};
  const int64_t now = ToUnixSeconds(kNow);
  std::vector<TrackedItem> tracked = {
      // Closed by the evidence since the earlier grades: named.
      {1, "fix_endpoints:wifi:wifi_secure", "done", "", "", "wifi",
       "fix_endpoints", now},
      // Done before the earlier grades, or still open: not named.
      {2, "write_rule:email", "done", "", "", "email", "write_rule",
       now - 3600 * 24 * 40},
      {3, "write_rule:wifi", "open", "", "", "wifi", "write_rule", now}};
  ReportModel m =
      BuildReportModel(f->report, f->questionnaires, history, tracked);
  std::string all;
  for (const auto& c : m.changes) all += c.en + "\n";
  EXPECT_NE(all.find("Improvement done: Use of wireless connections"),
            std::string::npos)
      << all;
  EXPECT_EQ(all.find("Use of e-mail"), std::string::npos) << all;
  EXPECT_EQ(all.find("Write the rule down"), std::string::npos) << all;
}

TEST(ReportMessagesTest, BothLanguagesAndUnknownKeyVisible) {
  EXPECT_EQ(Msg("stamp_approved", "ja"), "承認");
  EXPECT_EQ(Msg("stamp_approved", "en"), "Approved");
  EXPECT_EQ(Msg("no_such_key", "ja"), "no_such_key");
  EXPECT_EQ(ValueText("partly", "ja"), "一部");
  for (const auto& [k, v] : AllMessages("ja")) EXPECT_FALSE(v.empty()) << k;
}

}  // namespace
}  // namespace mamori::report
