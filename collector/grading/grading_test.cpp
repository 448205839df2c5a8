#include "collector/grading/grading.h"

#include <gtest/gtest.h>

#include <algorithm>

namespace mamori::grading {
namespace {

using std::chrono::hours;
using std::chrono::seconds;

const TimePoint kNow = FromUnixSeconds(1'800'000'000);
constexpr seconds kSevenDays{7 * 24 * 3600};

std::vector<Endpoint> Hosts(int n, int reported) {
  std::vector<Endpoint> out;
  for (int i = 0; i < n; ++i) {
    out.push_back(
        {"h" + std::to_string(i), "PC-" + std::to_string(i), i < reported});
  }
  return out;
}

CheckResult Result(const std::string& host, CheckStatus status,
                   TimePoint collected = kNow - hours(1),
                   const std::string& check = "av") {
  CheckResult r;
  r.check_id = check;
  r.host_id = host;
  r.status = status;
  r.collected_at = collected;
  return r;
}

// n hosts, all reporting, `pass` of them passing and the rest failing.
std::vector<CheckResult> PassFail(int n, int pass) {
  std::vector<CheckResult> out;
  for (int i = 0; i < n; ++i) {
    out.push_back(Result("h" + std::to_string(i),
                         i < pass ? CheckStatus::kPass : CheckStatus::kFail));
  }
  return out;
}

TEST(MeasureTechnical, ExactlyNinetyPercentPassIsInPlace) {
  auto m = MeasureTechnical(Hosts(10, 10), PassFail(10, 9), {"av"}, {}, kNow);
  EXPECT_EQ(m.verdict, TechnicalVerdict::kInPlace);
  EXPECT_EQ(m.passing, 9);
  EXPECT_EQ(m.failing, 1);
  EXPECT_EQ(m.fresh_in_scope, 10);
}

TEST(MeasureTechnical, JustBelowNinetyPercentPassIsPartial) {
  // 26 of 29 = 89.66 %.
  auto m = MeasureTechnical(Hosts(29, 29), PassFail(29, 26), {"av"}, {}, kNow);
  EXPECT_FALSE(m.pass_rate_ok);
  EXPECT_EQ(m.verdict, TechnicalVerdict::kPartial);
}

TEST(MeasureTechnical, ExactlyNinetyPercentCoverageIsEnough) {
  // 9 of 10 registered report, all pass.
  auto m = MeasureTechnical(Hosts(10, 9), PassFail(9, 9), {"av"}, {}, kNow);
  EXPECT_EQ(m.registered, 10);
  EXPECT_EQ(m.reporting, 9);
  EXPECT_TRUE(m.coverage_ok);
  EXPECT_EQ(m.verdict, TechnicalVerdict::kInPlace);
}

TEST(MeasureTechnical, CoverageJustBelowNinetyPercentIsPartial) {
  // 26 of 29 registered report (89.66 %), all pass.
  auto m = MeasureTechnical(Hosts(29, 26), PassFail(26, 26), {"av"}, {}, kNow);
  EXPECT_FALSE(m.coverage_ok);
  EXPECT_TRUE(m.pass_rate_ok);
  EXPECT_EQ(m.verdict, TechnicalVerdict::kPartial);
}

TEST(MeasureTechnical, ExpectedEndpointsFromTheRegisterLowerCoverage) {
  TechnicalSettings s;
  s.expected_endpoints = 17;
  auto m = MeasureTechnical(Hosts(10, 10), PassFail(10, 10), {"av"}, s, kNow);
  EXPECT_EQ(m.registered, 17);
  EXPECT_FALSE(m.coverage_ok);
  EXPECT_EQ(m.verdict, TechnicalVerdict::kPartial);
}

TEST(MeasureTechnical, EvidenceExactlySevenDaysOldIsFresh) {
  std::vector<CheckResult> r = {
      Result("h0", CheckStatus::kPass, kNow - kSevenDays)};
  auto m = MeasureTechnical(Hosts(1, 1), r, {"av"}, {}, kNow);
  EXPECT_TRUE(m.endpoints[0].fresh);
  EXPECT_EQ(m.passing, 1);
  EXPECT_EQ(m.verdict, TechnicalVerdict::kInPlace);
  ASSERT_TRUE(m.oldest_evidence.has_value());
  EXPECT_EQ(*m.oldest_evidence, kNow - kSevenDays);
}

TEST(MeasureTechnical, EvidenceJustOverSevenDaysIsStaleAndNotPassing) {
  // Two hosts: one fresh pass, one pass whose facts are 7 days + 1 s old.
  std::vector<CheckResult> r = {
      Result("h0", CheckStatus::kPass),
      Result("h1", CheckStatus::kPass, kNow - kSevenDays - seconds(1))};
  auto m = MeasureTechnical(Hosts(2, 2), r, {"av"}, {}, kNow);
  EXPECT_FALSE(m.endpoints[1].fresh);
  EXPECT_EQ(m.passing, 1);
  EXPECT_EQ(m.unknown, 1);
  EXPECT_EQ(m.fresh_in_scope, 1);
  // Stale for one second only: not yet "unknown for more than 7 days".
  EXPECT_EQ(m.long_unknown, 0);
  EXPECT_EQ(m.verdict, TechnicalVerdict::kInPlace);
}

TEST(MeasureTechnical, StaleForMoreThanSevenDaysBlocksInPlace) {
  std::vector<CheckResult> r = {
      Result("h0", CheckStatus::kPass),
      Result("h1", CheckStatus::kPass, kNow - 2 * kSevenDays - seconds(1))};
  auto m = MeasureTechnical(Hosts(2, 2), r, {"av"}, {}, kNow);
  EXPECT_EQ(m.long_unknown, 1);
  EXPECT_EQ(m.verdict, TechnicalVerdict::kPartial);
}

TEST(MeasureTechnical, UnknownLongerThanSevenDaysBlocksInPlace) {
  std::vector<CheckResult> r = PassFail(20, 20);
  r[0].status = CheckStatus::kUnknown;
  r[0].unknown_since = kNow - kSevenDays;
  auto exact = MeasureTechnical(Hosts(20, 20), r, {"av"}, {}, kNow);
  EXPECT_EQ(exact.long_unknown, 0);
  EXPECT_EQ(exact.verdict, TechnicalVerdict::kInPlace);  // 19/20 = 95 %

  r[0].unknown_since = kNow - kSevenDays - seconds(1);
  auto over = MeasureTechnical(Hosts(20, 20), r, {"av"}, {}, kNow);
  EXPECT_EQ(over.long_unknown, 1);
  EXPECT_EQ(over.verdict, TechnicalVerdict::kPartial);
}

TEST(MeasureTechnical, MissingResultIsUnknownNeverPass) {
  // h1 reported but the check returned nothing for it.
  std::vector<CheckResult> r = {Result("h0", CheckStatus::kPass)};
  auto m = MeasureTechnical(Hosts(2, 2), r, {"av"}, {}, kNow);
  EXPECT_EQ(m.endpoints[1].status, CheckStatus::kUnknown);
  EXPECT_EQ(m.passing, 1);
  EXPECT_EQ(m.unknown, 1);
  EXPECT_EQ(m.verdict, TechnicalVerdict::kPartial);
  ASSERT_EQ(m.endpoints[1].problems.size(), 1u);
}

TEST(MeasureTechnical, CombinesChecksFailBeatsUnknownBeatsPass) {
  std::vector<CheckResult> r = {
      Result("h0", CheckStatus::kPass, kNow, "a"),
      Result("h0", CheckStatus::kUnknown, kNow, "b"),
      Result("h1", CheckStatus::kUnknown, kNow, "a"),
      Result("h1", CheckStatus::kFail, kNow, "b"),
      Result("h2", CheckStatus::kPass, kNow, "a"),
      Result("h2", CheckStatus::kNotApplicable, kNow, "b"),
      Result("h3", CheckStatus::kNotApplicable, kNow, "a"),
      Result("h3", CheckStatus::kNotApplicable, kNow, "b"),
  };
  auto m = MeasureTechnical(Hosts(4, 4), r, {"a", "b"}, {}, kNow);
  EXPECT_EQ(m.endpoints[0].status, CheckStatus::kUnknown);
  EXPECT_EQ(m.endpoints[1].status, CheckStatus::kFail);
  EXPECT_EQ(m.endpoints[2].status, CheckStatus::kPass);
  EXPECT_EQ(m.endpoints[3].status, CheckStatus::kNotApplicable);
  EXPECT_EQ(m.in_scope, 3);
  EXPECT_EQ(m.not_applicable, 1);
}

TEST(MeasureTechnical, AllNotApplicableOrNoReportsIsNotMeasured) {
  std::vector<CheckResult> r = {Result("h0", CheckStatus::kNotApplicable)};
  EXPECT_EQ(MeasureTechnical(Hosts(1, 1), r, {"av"}, {}, kNow).verdict,
            TechnicalVerdict::kNotMeasured);
  EXPECT_EQ(MeasureTechnical(Hosts(0, 0), {}, {"av"}, {}, kNow).verdict,
            TechnicalVerdict::kNotMeasured);
  // Registered endpoints of which none reports prove nothing: absent.
  EXPECT_EQ(MeasureTechnical(Hosts(3, 0), {}, {"av"}, {}, kNow).verdict,
            TechnicalVerdict::kAbsent);
}

TEST(MeasureTechnical, NoPassAtAllIsAbsent) {
  auto m = MeasureTechnical(Hosts(3, 3), PassFail(3, 0), {"av"}, {}, kNow);
  EXPECT_EQ(m.verdict, TechnicalVerdict::kAbsent);
}

TEST(MeasureTechnical, ThresholdsArePerOrganisation) {
  TechnicalSettings s;
  s.min_pass_percent = 75;
  s.max_evidence_age = std::chrono::hours(24);
  auto m = MeasureTechnical(Hosts(4, 4), PassFail(4, 3), {"av"}, s, kNow);
  EXPECT_EQ(m.verdict, TechnicalVerdict::kInPlace);
  std::vector<CheckResult> old = {
      Result("h0", CheckStatus::kPass, kNow - hours(25))};
  EXPECT_FALSE(
      MeasureTechnical(Hosts(1, 1), old, {"av"}, s, kNow).endpoints[0].fresh);
}

TEST(BaseGrade, Table) {
  EXPECT_EQ(BaseGrade(true, true, true), Grade::kA);
  EXPECT_EQ(BaseGrade(true, true, false), Grade::kB);
  EXPECT_EQ(BaseGrade(true, false, true), Grade::kC);
  EXPECT_EQ(BaseGrade(false, true, true), Grade::kC);
  EXPECT_EQ(BaseGrade(false, false, true), Grade::kD);
}

TEST(GradeRule, SeedWorkedExampleGivesC) {
  // 000: no rule, spread unknown, not managed, technical measure yes.
  ViewpointAnswers a;
  a.written = false;
  a.spread = Spread::kUnknown;
  a.managed = false;
  a.technical = true;
  RuleGrade g = GradeRule("software_updates", a, std::nullopt);
  EXPECT_EQ(g.base, Grade::kD);
  EXPECT_EQ(g.grade, Grade::kC);
  EXPECT_EQ(g.technical_source, TechnicalSource::kAnswer);
}

TEST(GradeRule, OnlySpreadCountsAsSpread) {
  ViewpointAnswers a;
  a.written = true;
  a.spread = Spread::kPartly;
  EXPECT_EQ(GradeRule("email", a, std::nullopt).grade, Grade::kC);
  a.spread = Spread::kSpread;
  EXPECT_EQ(GradeRule("email", a, std::nullopt).grade, Grade::kB);
}

TEST(GradeRule, ACapped) {
  ViewpointAnswers a{true, Spread::kSpread, true, true};
  RuleGrade g = GradeRule("antivirus", a, std::nullopt);
  EXPECT_EQ(g.base, Grade::kA);
  EXPECT_EQ(g.grade, Grade::kA);
}

TEST(GradeRule, EvidenceOverridesTheAnswer) {
  ViewpointAnswers a{true, Spread::kSpread, false, true};
  auto partial =
      MeasureTechnical(Hosts(4, 4), PassFail(4, 2), {"av"}, {}, kNow);
  RuleGrade g = GradeRule("antivirus", a, partial);
  EXPECT_EQ(g.technical_source, TechnicalSource::kEvidence);
  EXPECT_FALSE(g.technical_in_place);
  EXPECT_EQ(g.grade, Grade::kB);

  ViewpointAnswers no{true, Spread::kSpread, false, false};
  auto full = MeasureTechnical(Hosts(4, 4), PassFail(4, 4), {"av"}, {}, kNow);
  EXPECT_EQ(GradeRule("antivirus", no, full).grade, Grade::kA);
}

TEST(GradeRule, NotMeasuredFallsBackToTheAnswer) {
  ViewpointAnswers a{true, Spread::kNot, false, true};
  auto none = MeasureTechnical(Hosts(0, 0), {}, {"av"}, {}, kNow);
  RuleGrade g = GradeRule("antivirus", a, none);
  EXPECT_EQ(g.technical_source, TechnicalSource::kAnswer);
  EXPECT_EQ(g.grade, Grade::kB);
}

TEST(GradeRule, UnansweredIsDWithoutEvidence) {
  RuleGrade g = GradeRule("confidentiality", {}, std::nullopt);
  EXPECT_FALSE(g.answered);
  EXPECT_EQ(g.grade, Grade::kD);
  EXPECT_EQ(g.technical_source, TechnicalSource::kNone);
}

TEST(OverallGrade, Boundaries) {
  using G = Grade;
  EXPECT_FALSE(OverallGrade({}).has_value());
  EXPECT_EQ(OverallGrade({G::kA, G::kB}), G::kA);         // 3.5
  EXPECT_EQ(OverallGrade({G::kA, G::kB, G::kB}), G::kB);  // 3.33
  EXPECT_EQ(OverallGrade({G::kB, G::kC}), G::kB);         // 2.5
  EXPECT_EQ(OverallGrade({G::kB, G::kC, G::kC}), G::kC);  // 2.33
  EXPECT_EQ(OverallGrade({G::kC, G::kD}), G::kC);         // 1.5
  EXPECT_EQ(OverallGrade({G::kC, G::kD, G::kD}), G::kD);  // 1.33
  std::vector<Grade> ten(10, G::kD);
  EXPECT_EQ(OverallGrade(ten), G::kD);
}

TEST(CompareClaim, BothDirections) {
  // "We enforce antivirus by software" but 4 of 17 PCs fail.
  auto m = MeasureTechnical(Hosts(17, 17), PassFail(17, 13), {"av"}, {}, kNow);
  auto d = CompareClaim("antivirus", Claim::kInPlace, "yes", m);
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ(d->direction, Discrepancy::Direction::kClaimedNotMeasured);
  EXPECT_EQ(d->passing, 13);
  EXPECT_EQ(d->in_scope, 17);
  EXPECT_EQ(d->endpoints.size(), 4u);

  auto good = MeasureTechnical(Hosts(3, 3), PassFail(3, 3), {"av"}, {}, kNow);
  auto d2 = CompareClaim("antivirus", Claim::kNone, "no", good);
  ASSERT_TRUE(d2.has_value());
  EXPECT_EQ(d2->direction, Discrepancy::Direction::kMeasuredNotClaimed);
  EXPECT_FALSE(CompareClaim("antivirus", Claim::kInPlace, "yes", good));
  EXPECT_FALSE(CompareClaim("antivirus", Claim::kPartly, "partly", m));
  auto absent = MeasureTechnical(Hosts(3, 3), PassFail(3, 0), {"av"}, {}, kNow);
  EXPECT_TRUE(CompareClaim("ipa:2", Claim::kPartly, "partly", absent));
  auto none = MeasureTechnical(Hosts(0, 0), {}, {"av"}, {}, kNow);
  EXPECT_FALSE(CompareClaim("antivirus", Claim::kInPlace, "yes", none));
}

TEST(PlanImprovements, EmployeeRulesCheapFirstWithFailingEndpointsNamed) {
  auto m = MeasureTechnical(Hosts(3, 3), PassFail(3, 1), {"av"}, {}, kNow);
  std::vector<RuleGrade> grades = {
      GradeRule("confidentiality", {}, std::nullopt),
      GradeRule("antivirus", {true, Spread::kSpread, false, std::nullopt}, m),
      GradeRule("basic_policy", {}, std::nullopt),
  };
  auto plan = PlanImprovements(grades, {{"av", "antivirus"}});
  ASSERT_FALSE(plan.empty());
  // Cost 1 items first (writing rules, fixing named PCs), and among them
  // basic_policy before the 5か条 rules before the rest.
  EXPECT_EQ(plan[0].rule, "basic_policy");
  EXPECT_EQ(plan[0].kind, Improvement::Kind::kWriteRule);
  EXPECT_EQ(plan[1].rule, "antivirus");
  EXPECT_EQ(plan[1].kind, Improvement::Kind::kFixEndpoints);
  EXPECT_EQ(plan[1].check_id, "av");
  ASSERT_EQ(plan[1].endpoints.size(), 2u);
  EXPECT_EQ(plan[1].endpoints[0].hostname, "PC-1");
  EXPECT_EQ(plan[2].rule, "confidentiality");
  EXPECT_EQ(plan[2].kind, Improvement::Kind::kWriteRule);
  // The most effortful item (managing) comes last.
  EXPECT_EQ(plan.back().kind, Improvement::Kind::kManageRule);
  for (size_t i = 1; i < plan.size(); ++i) {
    EXPECT_LE(plan[i - 1].cost, plan[i].cost);
  }
}

TEST(PlanImprovements, RuleAtAWithoutFailuresNeedsNothing) {
  auto m = MeasureTechnical(Hosts(3, 3), PassFail(3, 3), {"av"}, {}, kNow);
  std::vector<RuleGrade> grades = {
      GradeRule("antivirus", {true, Spread::kSpread, true, true}, m)};
  EXPECT_TRUE(PlanImprovements(grades, {{"av", "antivirus"}}).empty());
}

TEST(Names, RoundTrip) {
  for (auto s : {CheckStatus::kPass, CheckStatus::kFail, CheckStatus::kUnknown,
                 CheckStatus::kNotApplicable, CheckStatus::kError}) {
    EXPECT_EQ(ParseCheckStatus(CheckStatusName(s)), s);
  }
  EXPECT_FALSE(ParseCheckStatus("PASS").has_value());
  EXPECT_EQ(ParseSpread("partly"), Spread::kPartly);
  EXPECT_FALSE(ParseSpread("").has_value());
  EXPECT_TRUE(IsRuleId("removable_media"));
  EXPECT_FALSE(IsRuleId("usb"));
}

// TechnicalTally must count exactly as MeasureTechnical (it is what serve's
// re-grade grades with): random fleets with every status, missing results,
// results of other checks and of unknown hosts, stale and never-collected
// evidence and long unknown streaks, fed one check at a time.
TEST(TechnicalTally, CountsExactlyAsMeasureTechnical) {
  uint64_t seed = 20261124;
  auto next = [&](uint64_t n) {
    seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
    return (seed >> 33) % n;
  };
  const CheckStatus kStatuses[] = {
      CheckStatus::kPass, CheckStatus::kFail, CheckStatus::kUnknown,
      CheckStatus::kNotApplicable, CheckStatus::kError};
  const std::vector<std::string> kChecks = {"a", "b", "c", "d"};
  int in_place = 0;
  int partial = 0;
  int absent = 0;
  for (int round = 0; round < 400; ++round) {
    const int n = 1 + static_cast<int>(next(12));
    auto endpoints = Hosts(n, n - static_cast<int>(next(3)));
    // Measured checks: a non-empty subset, in a random order.
    std::vector<std::string> ids;
    for (const std::string& c : kChecks) {
      if (next(2) == 0) ids.push_back(c);
    }
    if (ids.empty()) ids.push_back(kChecks[next(kChecks.size())]);
    if (next(2) == 0) std::reverse(ids.begin(), ids.end());
    TechnicalSettings settings;
    if (next(4) == 0) settings.expected_endpoints = n + 2;
    if (next(4) == 0) settings.min_pass_percent = 50;
    // Results check by check, as CheckRunner gives them; some hosts miss a
    // result, some results belong to hosts not in the list.
    std::vector<CheckResult> results;
    // Every third fleet is mostly passing with fresh evidence, so that "in
    // place" is reached too.
    const bool good = round % 3 == 0;
    for (const std::string& check : kChecks) {
      for (int h = 0; h < n + 1; ++h) {
        if (next(good ? 60 : 8) == 0) continue;
        const std::string host = "h" + std::to_string(h == n ? 99 : h);
        const CheckStatus status =
            good && next(20) != 0 ? CheckStatus::kPass : kStatuses[next(5)];
        CheckResult r = Result(host, status,
                               kNow - hours(next(24 * (good ? 6 : 20))), check);
        if (next(good ? 60 : 10) == 0) r.collected_at.reset();
        if (next(3) == 0) r.unknown_since = kNow - hours(next(24 * 20));
        results.push_back(r);
      }
    }
    const TechnicalMeasure want =
        MeasureTechnical(endpoints, results, ids, settings, kNow);
    TechnicalTally tally(endpoints, ids);
    for (const CheckResult& r : results) tally.Add(r);
    const TechnicalMeasure got = tally.Finish(settings, kNow);
    SCOPED_TRACE("round " + std::to_string(round));
    EXPECT_EQ(got.verdict, want.verdict);
    EXPECT_EQ(got.registered, want.registered);
    EXPECT_EQ(got.reporting, want.reporting);
    EXPECT_EQ(got.in_scope, want.in_scope);
    EXPECT_EQ(got.fresh_in_scope, want.fresh_in_scope);
    EXPECT_EQ(got.passing, want.passing);
    EXPECT_EQ(got.failing, want.failing);
    EXPECT_EQ(got.unknown, want.unknown);
    EXPECT_EQ(got.long_unknown, want.long_unknown);
    EXPECT_EQ(got.not_applicable, want.not_applicable);
    EXPECT_EQ(got.coverage_ok, want.coverage_ok);
    EXPECT_EQ(got.pass_rate_ok, want.pass_rate_ok);
    EXPECT_EQ(got.oldest_evidence, want.oldest_evidence);
    EXPECT_TRUE(got.endpoints.empty());
    in_place += want.verdict == TechnicalVerdict::kInPlace;
    partial += want.verdict == TechnicalVerdict::kPartial;
    absent += want.verdict == TechnicalVerdict::kAbsent;
  }
  // The random fleets reach every verdict (else the test compares little).
  EXPECT_GT(in_place, 0);
  EXPECT_GT(partial, 0);
  EXPECT_GT(absent, 0);
}

TEST(TechnicalTally, MissingResultIsUnknownNotPass) {
  TechnicalTally tally(Hosts(2, 2), {"av", "fw"});
  tally.Add(Result("h0", CheckStatus::kPass, kNow - hours(1), "av"));
  tally.Add(Result("h0", CheckStatus::kPass, kNow - hours(1), "fw"));
  tally.Add(Result("h1", CheckStatus::kPass, kNow - hours(1), "av"));
  tally.Add(Result("h1", CheckStatus::kPass, kNow - hours(1), "other"));
  const TechnicalMeasure m = tally.Finish({}, kNow);
  EXPECT_EQ(m.passing, 1);
  EXPECT_EQ(m.unknown, 1);
  EXPECT_EQ(m.fresh_in_scope, 1);
}

}  // namespace
}  // namespace mamori::grading

namespace mamori::grading {
namespace {

// The one ranking every worst-of choice uses (evaluator rows, register
// risks): fail, error, unknown, pass, not_applicable.
TEST(StatusSeverity, OneRankingWorstFirst) {
  const CheckStatus order[] = {CheckStatus::kFail, CheckStatus::kError,
                               CheckStatus::kUnknown, CheckStatus::kPass,
                               CheckStatus::kNotApplicable};
  for (size_t i = 0; i + 1 < std::size(order); ++i) {
    EXPECT_TRUE(IsWorse(order[i], order[i + 1])) << i;
    EXPECT_FALSE(IsWorse(order[i + 1], order[i])) << i;
    EXPECT_GT(StatusSeverity(CheckStatusName(order[i])),
              StatusSeverity(CheckStatusName(order[i + 1])));
  }
  EXPECT_FALSE(IsWorse(CheckStatus::kFail, CheckStatus::kFail));
  EXPECT_LT(StatusSeverity("bogus"),
            StatusSeverity(CheckStatusName(CheckStatus::kNotApplicable)));
}

}  // namespace
}  // namespace mamori::grading
