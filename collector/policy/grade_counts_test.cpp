// GradeCountBuilder keeps per check its counts and the first failing hosts
// by host id (bounded, whatever the order and number of results), with
// hostile evidence kept as text; ParseMeasure reads back what MeasureJson
// wrote and reads anything else as not measured (unknown, never in place).
#include "collector/policy/grade_counts.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace mamori::policy {
namespace {

using nlohmann::json;

grading::CheckResult Result(int host, grading::CheckStatus status,
                            std::string evidence = "x") {
  grading::CheckResult r;
  r.check_id = "av.enabled";
  r.host_id = std::to_string(host);
  r.status = status;
  r.evidence.push_back({"reason", std::move(evidence)});
  return r;
}

TEST(GradeCountBuilder, CountsEveryStatusAndKeepsTheLowestFailingHostIds) {
  std::vector<store::GradingHost> hosts;
  for (int i = 1; i <= 300; ++i) {
    hosts.push_back(
        {i, "<b>pc-" + std::to_string(i) + "</b>", "", "", true, std::nullopt});
  }
  GradeCountBuilder b(hosts);
  // Failing hosts arrive from the highest id down: the kept ones must still
  // be the 50 lowest.
  for (int i = 300; i >= 1; --i) {
    b.Add(Result(i,
                 i % 3 == 0   ? grading::CheckStatus::kFail
                 : i % 3 == 1 ? grading::CheckStatus::kPass
                              : grading::CheckStatus::kUnknown,
                 "=cmd|' /C calc'!A0 \xff"));
  }
  b.Add(Result(301, grading::CheckStatus::kError));
  b.Add(Result(302, grading::CheckStatus::kNotApplicable));
  b.AddMeasure("rule:antivirus", std::nullopt);
  store::GradeCounts counts = b.Finish(FromUnixSeconds(1795132800));
  ASSERT_EQ(counts.rows.size(), 2u);
  const store::GradeCountRow& row = counts.rows[0];
  EXPECT_EQ(row.subject, "av.enabled");
  EXPECT_EQ(row.fail, 100);
  EXPECT_EQ(row.pass, 100);
  EXPECT_EQ(row.unknown, 100);
  EXPECT_EQ(row.error, 1);
  EXPECT_EQ(row.not_applicable, 1);
  const json failing = json::parse(row.failing_json);
  ASSERT_EQ(failing.size(), static_cast<size_t>(store::kGradeCountFailingKept));
  for (size_t i = 0; i < failing.size(); ++i) {
    EXPECT_EQ(failing[i]["id"], 3 * static_cast<int>(i + 1));
  }
  EXPECT_EQ(failing[0]["hostname"], "<b>pc-3</b>");
  // Invalid UTF-8 from an endpoint is replaced, the rest kept as text.
  const std::string value = failing[0]["evidence"][0]["value"];
  EXPECT_EQ(value.rfind("=cmd|' /C calc'!A0 ", 0), 0u);
  EXPECT_EQ(value.find('\xff'), std::string::npos);
  EXPECT_EQ(counts.rows[1].subject, "rule:antivirus");
  EXPECT_EQ(counts.rows[1].measure_json, "");
}

TEST(ParseMeasure, RoundTripsAndReadsAnythingElseAsNotMeasured) {
  grading::TechnicalMeasure m;
  m.verdict = grading::TechnicalVerdict::kPartial;
  m.registered = 12;
  m.reporting = 10;
  m.in_scope = 9;
  m.fresh_in_scope = 8;
  m.passing = 5;
  m.failing = 2;
  m.unknown = 2;
  m.long_unknown = 1;
  m.not_applicable = 1;
  m.coverage_ok = false;
  m.pass_rate_ok = false;
  m.oldest_evidence = FromUnixSeconds(1795132800);
  m.fresh_failing = {{"av.enabled", 2}};
  std::optional<grading::TechnicalMeasure> back = ParseMeasure(MeasureJson(m));
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(back->verdict, m.verdict);
  EXPECT_EQ(back->registered, 12);
  EXPECT_EQ(back->passing, 5);
  EXPECT_EQ(back->long_unknown, 1);
  EXPECT_EQ(back->oldest_evidence, m.oldest_evidence);
  EXPECT_EQ(back->fresh_failing, m.fresh_failing);
  for (const char* bad :
       {"", "null", "[]", "{", "{\"verdict\":\"in_place\"}",
        "{\"verdict\":\"everywhere\",\"registered\":1}",
        "{\"verdict\":\"in_place\",\"registered\":\"many\"}"}) {
    EXPECT_FALSE(ParseMeasure(bad).has_value()) << bad;
  }
}

}  // namespace
}  // namespace mamori::policy
