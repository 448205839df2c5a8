#include "collector/grading/questionnaire_scoring.h"

#include <gtest/gtest.h>

namespace mamori::grading {
namespace {

std::vector<FirstDiagnosisAnswer> Answers(const std::string& category,
                                          const std::vector<int>& scores) {
  std::vector<FirstDiagnosisAnswer> out;
  for (size_t i = 0; i < scores.size(); ++i) {
    out.push_back({category + "-" + std::to_string(i), category, scores[i]});
  }
  return out;
}

TEST(RoundHalfUpDiv, PositiveNegativeAndHalves) {
  EXPECT_EQ(RoundHalfUpDiv(445, 10), 45);  // 44.5 → 45
  EXPECT_EQ(RoundHalfUpDiv(444, 10), 44);
  EXPECT_EQ(RoundHalfUpDiv(-5, 10), 0);  // −0.5 → 0 (up)
  EXPECT_EQ(RoundHalfUpDiv(-6, 10), -1);
  EXPECT_EQ(RoundHalfUpDiv(34 * 100, 9), 378);  // 3.777… → 3.78
}

TEST(FirstDiagnosis, AverageOf445RoundsTo45AndGradesA) {
  // 20 answers summing to 89: 4.45.
  std::vector<int> s(20, 4);
  for (int i = 0; i < 9; ++i) s[static_cast<size_t>(i)] = 5;
  auto r = ScoreFirstDiagnosis(Answers("management", s));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  const CategoryScore& m = r->categories[0];
  EXPECT_EQ(m.sum, 89);
  EXPECT_EQ(m.average_tenths, 45);
  EXPECT_EQ(m.grade, Grade::kA);
}

TEST(FirstDiagnosis, AverageOf444RoundsTo44AndGradesB) {
  // 25 answers summing to 111: 4.44.
  std::vector<int> s(25, 4);
  for (int i = 0; i < 11; ++i) s[static_cast<size_t>(i)] = 5;
  auto r = ScoreFirstDiagnosis(Answers("organisation", s));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->categories[1].average_tenths, 44);
  EXPECT_EQ(r->categories[1].grade, Grade::kB);
}

TEST(FirstDiagnosis, ZeroIsExcludedFromTheAverage) {
  // 5, 4 and a "judged unnecessary" 0: average 4.5, not 3.0.
  auto r = ScoreFirstDiagnosis(Answers("employee_rules", {5, 4, 0}));
  ASSERT_TRUE(r.ok());
  const CategoryScore& e = r->categories[3];
  EXPECT_EQ(e.answered, 3);
  EXPECT_EQ(e.counted, 2);
  EXPECT_EQ(e.average_tenths, 45);
  EXPECT_EQ(e.grade, Grade::kA);
}

TEST(FirstDiagnosis, AllZeroCategoryHasNoGradeAndOverallIgnoresIt) {
  auto answers = Answers("system_admin_rules", {0, 0, 0});
  auto more = Answers("management", {5, 5});  // the seeds' two questions
  answers.insert(answers.end(), more.begin(), more.end());
  auto r = ScoreFirstDiagnosis(answers);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->categories[2].answered, 3);
  EXPECT_FALSE(r->categories[2].average_tenths.has_value());
  EXPECT_FALSE(r->categories[2].grade.has_value());
  EXPECT_EQ(r->categories[0].average_tenths, 50);
  EXPECT_EQ(r->overall.average_tenths, 50);
  EXPECT_EQ(r->overall.grade, Grade::kA);
}

TEST(FirstDiagnosis, GradeBands) {
  EXPECT_EQ(FirstDiagnosisGrade(50), Grade::kA);
  EXPECT_EQ(FirstDiagnosisGrade(45), Grade::kA);
  EXPECT_EQ(FirstDiagnosisGrade(44), Grade::kB);
  EXPECT_EQ(FirstDiagnosisGrade(35), Grade::kB);
  EXPECT_EQ(FirstDiagnosisGrade(34), Grade::kC);
  EXPECT_EQ(FirstDiagnosisGrade(25), Grade::kC);
  EXPECT_EQ(FirstDiagnosisGrade(24), Grade::kD);
  EXPECT_EQ(FirstDiagnosisGrade(10), Grade::kD);
}

TEST(FirstDiagnosis, RejectsBadScoreAndCategory) {
  auto bad = ScoreFirstDiagnosis({{"q7", "management", 6}});
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("q7"), std::string::npos);
  EXPECT_FALSE(ScoreFirstDiagnosis({{"q1", "management", -1}}).ok());
  EXPECT_FALSE(ScoreFirstDiagnosis({{"q1", "sales", 3}}).ok());
}

TEST(Ipa, MinusOneAndNotApplicable) {
  std::map<int, IpaAnswer> a;
  for (int i = 1; i <= 25; ++i) a[i] = IpaAnswer::kDone;
  a[9] = IpaAnswer::kDontKnow;
  a[20] = IpaAnswer::kNotApplicable;
  auto r = ScoreIpa(a, {});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->total, 95);  // 23×4 − 1 + 4
  EXPECT_EQ(r->parts[0], 20);
  EXPECT_EQ(r->parts[1], 47);  // 12×4 − 1
  EXPECT_EQ(r->parts[2], 28);
  EXPECT_EQ(r->dont_know, 1);
  EXPECT_EQ(r->not_applicable, 1);
  EXPECT_TRUE(r->complete);
  EXPECT_EQ(r->band, IpaBand::k70To99);

  IpaSettings zero_na;
  zero_na.not_applicable_points = 0;
  EXPECT_EQ(ScoreIpa(a, zero_na)->total, 91);
}

TEST(Ipa, AllDontKnowIsNegative) {
  std::map<int, IpaAnswer> a;
  for (int i = 1; i <= 25; ++i) a[i] = IpaAnswer::kDontKnow;
  auto r = ScoreIpa(a, {});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->total, -25);
  EXPECT_EQ(r->band, IpaBand::k49OrLess);
}

TEST(Ipa, BandsAndBadItem) {
  EXPECT_EQ(IpaBandFor(100), IpaBand::kFull);
  EXPECT_EQ(IpaBandFor(99), IpaBand::k70To99);
  EXPECT_EQ(IpaBandFor(70), IpaBand::k70To99);
  EXPECT_EQ(IpaBandFor(69), IpaBand::k50To69);
  EXPECT_EQ(IpaBandFor(50), IpaBand::k50To69);
  EXPECT_EQ(IpaBandFor(49), IpaBand::k49OrLess);
  EXPECT_FALSE(ScoreIpa({{26, IpaAnswer::kDone}}, {}).ok());
  EXPECT_FALSE(ScoreIpa({{0, IpaAnswer::kDone}}, {}).ok());
  for (auto a : {IpaAnswer::kDone, IpaAnswer::kPartly, IpaAnswer::kNotDone,
                 IpaAnswer::kDontKnow, IpaAnswer::kNotApplicable}) {
    EXPECT_EQ(ParseIpaAnswer(IpaAnswerName(a)), a);
  }
  EXPECT_FALSE(IpaAnswerFromPoints(3).has_value());
}

// Seed 001_4853d63ea7bbaae1.txt, 「5分でできる！情報セキュリティ自社診断」:
// per-item points of companies A–J, the printed company totals and the
// printed per-item averages ("診断企業平均", hundredths).
//
// Row 2-6 (電子メール受信) is damaged in the text: it reads
// "4点 2点 <empty> 4点 3.78点 3.16点". We read it as merged slide cells:
// A–G share one "4点" cell, H is 2点, I is blank (no answer) and J is 4点.
// Two independent checks confirm that reading: (1) each company's printed
// total minus its other 24 items gives exactly 4,4,4,4,4,4,4,2,0,4; (2) the
// printed average 3.78 is 34/9, the mean over the nine companies that
// answered — and the printed "average total" 68.68 equals the sum of the
// printed per-item averages (with 3.78), not the mean of the totals (68.3).
// A blank is an unanswered item: it adds 0 to the company's total and is
// left out of the item's average. docs/policies.md records the same reading.
constexpr int kBlank = -100;
const int kSeedPoints[25][10] = {
    {2, 4, 2, 4, 2, 4, 0, 2, 2, 4},       // 1-1
    {4, 4, 4, 4, 2, 4, 0, 2, 4, 2},       // 1-2
    {2, 4, 0, 2, 4, 2, 2, 0, 2, 4},       // 1-3
    {4, 4, 2, 4, 2, 4, 4, 0, 0, 4},       // 1-4
    {4, 4, 2, 4, 4, 4, 0, 2, 0, 4},       // 1-5
    {4, 4, 4, 4, 4, 4, 4, 2, kBlank, 4},  // 2-6 (damaged row, see above)
    {2, 4, 2, 2, 2, 4, 0, 2, 0, 2},       // 2-7
    {4, 2, 0, 2, 2, 2, 2, 0, 0, 2},       // 2-8
    {4, 4, 4, 4, 4, 2, 4, 0, 4, -1},      // 2-9
    {4, 4, 4, 4, 4, 4, 0, 4, 0, 0},       // 2-10
    {4, 4, 2, 4, 2, 2, 4, 4, 2, 2},       // 2-11
    {4, 4, 0, 4, 2, 4, 2, 0, 0, 4},       // 2-12
    {4, 4, 0, 4, 2, 4, 0, 0, 0, 4},       // 2-13
    {4, 4, 0, 4, 2, 2, 2, 0, 0, 4},       // 2-14
    {4, 4, 4, 4, 4, 4, 0, 0, 0, 2},       // 2-15
    {4, 4, 4, 0, 2, 4, 2, 0, 0, 4},       // 2-16
    {4, 4, 0, 4, 4, 4, 4, 4, 0, 4},       // 2-17
    {4, 4, 2, 4, 4, 4, 4, 2, 2, 4},       // 2-18
    {2, 4, 4, 4, 4, 4, 0, 4, 4, 4},       // 3-19
    {2, 4, 4, 4, 4, 4, 2, 4, 2, 4},       // 3-20
    {4, 4, 0, 4, 4, 4, 0, 4, 0, 4},       // 3-21
    {4, 4, 2, 4, 4, 4, 4, 0, 2, 4},       // 3-22
    {4, 4, 4, 4, 4, 4, 2, 0, 4, 2},       // 3-23
    {0, 4, 0, 4, 4, 4, 0, 4, 0, 4},       // 3-24
    {2, 4, 0, 4, 2, 4, 0, 4, 0, 4},       // 3-25
};
const int kSeedTotals[10] = {84, 98, 50, 90, 78, 90, 42, 44, 28, 79};
const int kSeedAverageHundredths[25] = {
    260, 300, 220, 280, 280, 378, 200, 160, 290, 280, 300, 240, 220,
    220, 260, 240, 320, 340, 340, 340, 280, 320, 320, 240, 240};
constexpr int kSeedAverageTotalHundredths = 6868;

TEST(IpaSeed001, CompanyTotalsRecomputeFromItems) {
  for (int company = 0; company < 10; ++company) {
    std::map<int, IpaAnswer> answers;
    for (int item = 0; item < 25; ++item) {
      const int points = kSeedPoints[item][company];
      if (points == kBlank) continue;
      auto a = IpaAnswerFromPoints(points);
      ASSERT_TRUE(a.has_value()) << "item " << item + 1;
      answers[item + 1] = *a;
    }
    auto r = ScoreIpa(answers, {});
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->total, kSeedTotals[company])
        << "company " << static_cast<char>('A' + company);
    EXPECT_EQ(r->parts[0] + r->parts[1] + r->parts[2], r->total);
  }
}

TEST(IpaSeed001, PerItemAveragesAndTheirSum) {
  int64_t sum_of_averages = 0;
  for (int item = 0; item < 25; ++item) {
    int64_t sum = 0;
    int answered = 0;
    for (int company = 0; company < 10; ++company) {
      const int points = kSeedPoints[item][company];
      if (points == kBlank) continue;
      sum += points;
      ++answered;
    }
    const int64_t hundredths = RoundHalfUpDiv(sum * 100, answered);
    EXPECT_EQ(hundredths, kSeedAverageHundredths[item]) << "item " << item + 1;
    sum_of_averages += hundredths;
  }
  EXPECT_EQ(sum_of_averages, kSeedAverageTotalHundredths);
}

TEST(IpaSeed001, CompanyIWithBlankItemIsIncomplete) {
  std::map<int, IpaAnswer> answers;
  for (int item = 0; item < 25; ++item) {
    const int points = kSeedPoints[item][8];
    if (points != kBlank) answers[item + 1] = *IpaAnswerFromPoints(points);
  }
  auto r = ScoreIpa(answers, {});
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->complete);
  EXPECT_EQ(r->answered, 24);
  EXPECT_EQ(r->band, IpaBand::k49OrLess);
}

}  // namespace
}  // namespace mamori::grading
