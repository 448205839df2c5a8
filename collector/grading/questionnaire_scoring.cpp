#include "collector/grading/questionnaire_scoring.h"

#include <algorithm>

namespace mamori::grading {

namespace {

// Floor division for a positive divisor.
int64_t FloorDiv(int64_t a, int64_t b) {
  int64_t q = a / b;
  if ((a % b != 0) && (a < 0)) --q;
  return q;
}

CategoryScore Finish(CategoryScore s) {
  if (s.counted > 0) {
    s.average_tenths = static_cast<int>(RoundHalfUpDiv(s.sum * 10, s.counted));
    s.grade = FirstDiagnosisGrade(*s.average_tenths);
  }
  return s;
}

}  // namespace

int64_t RoundHalfUpDiv(int64_t numerator, int64_t denominator) {
  // floor(n/d + 1/2) = floor((2n + d) / 2d).
  return FloorDiv(2 * numerator + denominator, 2 * denominator);
}

Grade FirstDiagnosisGrade(int average_tenths) {
  if (average_tenths >= 45) return Grade::kA;
  if (average_tenths >= 35) return Grade::kB;
  if (average_tenths >= 25) return Grade::kC;
  return Grade::kD;
}

Result<FirstDiagnosisResult> ScoreFirstDiagnosis(
    const std::vector<FirstDiagnosisAnswer>& answers) {
  FirstDiagnosisResult result;
  for (std::string_view c : kFirstDiagnosisCategories) {
    CategoryScore score;
    score.category = std::string(c);
    result.categories.push_back(std::move(score));
  }
  result.overall.category = "overall";
  for (const FirstDiagnosisAnswer& a : answers) {
    if (a.score < 0 || a.score > 5) {
      return InvalidArgumentError("first diagnosis question '" + a.question_id +
                                  "': score " + std::to_string(a.score) +
                                  " is outside 0-5");
    }
    auto it = std::find_if(
        result.categories.begin(), result.categories.end(),
        [&](const CategoryScore& s) { return s.category == a.category; });
    if (it == result.categories.end()) {
      return InvalidArgumentError("first diagnosis question '" + a.question_id +
                                  "': unknown category '" + a.category + "'");
    }
    for (CategoryScore* s : {&*it, &result.overall}) {
      ++s->answered;
      if (a.score == 0) continue;  // judged unnecessary: excluded
      ++s->counted;
      s->sum += a.score;
    }
  }
  for (CategoryScore& s : result.categories) s = Finish(std::move(s));
  result.overall = Finish(std::move(result.overall));
  return result;
}

std::optional<IpaAnswer> IpaAnswerFromPoints(int points) {
  switch (points) {
    case 4:
      return IpaAnswer::kDone;
    case 2:
      return IpaAnswer::kPartly;
    case 0:
      return IpaAnswer::kNotDone;
    case -1:
      return IpaAnswer::kDontKnow;
    default:
      return std::nullopt;
  }
}

int IpaPoints(IpaAnswer answer, const IpaSettings& settings) {
  switch (answer) {
    case IpaAnswer::kDone:
      return 4;
    case IpaAnswer::kPartly:
      return 2;
    case IpaAnswer::kNotDone:
      return 0;
    case IpaAnswer::kDontKnow:
      return -1;
    case IpaAnswer::kNotApplicable:
      return settings.not_applicable_points;
  }
  return 0;
}

std::string_view IpaBandName(IpaBand band) {
  switch (band) {
    case IpaBand::kFull:
      return "100";
    case IpaBand::k70To99:
      return "70-99";
    case IpaBand::k50To69:
      return "50-69";
    case IpaBand::k49OrLess:
      return "<=49";
  }
  return "<=49";
}

IpaBand IpaBandFor(int total) {
  if (total >= 100) return IpaBand::kFull;
  if (total >= 70) return IpaBand::k70To99;
  if (total >= 50) return IpaBand::k50To69;
  return IpaBand::k49OrLess;
}

int IpaPartOf(int item) {
  if (item <= 5) return 0;
  if (item <= 18) return 1;
  return 2;
}

Result<IpaResult> ScoreIpa(const std::map<int, IpaAnswer>& answers,
                           const IpaSettings& settings) {
  IpaResult r;
  for (const auto& [item, answer] : answers) {
    if (item < 1 || item > kIpaItems) {
      return InvalidArgumentError("IPA self-check item " +
                                  std::to_string(item) + " is outside 1-25");
    }
    const int points = IpaPoints(answer, settings);
    r.total += points;
    r.parts[static_cast<size_t>(IpaPartOf(item))] += points;
    ++r.answered;
    if (answer == IpaAnswer::kDontKnow) ++r.dont_know;
    if (answer == IpaAnswer::kNotApplicable) ++r.not_applicable;
  }
  r.complete = r.answered == kIpaItems;
  r.band = IpaBandFor(r.total);
  return r;
}

}  // namespace mamori::grading
