#pragma once

// Scoring of the two self-assessments: the first diagnosis (0–5 checklist in
// four categories, domain.md §3.4) and the IPA 25-item self-check (§3.5).
// Pure functions on plain values, integer arithmetic only (so 4.45 rounds to
// 4.5 exactly); thread-safe.

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "collector/grading/grading.h"
#include "common/status.h"

namespace mamori::grading {

// round(numerator / denominator) with halves rounded up (towards +∞), for
// any sign of the numerator. `denominator` must be positive.
int64_t RoundHalfUpDiv(int64_t numerator, int64_t denominator);

// ---------------------------------------------------------------------------
// First diagnosis

// First-diagnosis categories, in the seeds' order.
inline constexpr std::string_view kFirstDiagnosisCategories[] = {
    "management", "organisation", "system_admin_rules", "employee_rules"};

struct FirstDiagnosisAnswer {
  std::string question_id;
  std::string category;
  // 5 done, 4 started, 3 aware but not done, 2 not done, 1 question unclear,
  // 0 judged unnecessary (excluded from averages).
  int score = 0;
};

struct CategoryScore {
  std::string category;
  int answered = 0;  // answers in the category, including 0
  int counted = 0;   // answers other than 0
  int64_t sum = 0;   // of counted answers
  // Average × 10, rounded half up (45 = 4.5); unset when nothing counted.
  std::optional<int> average_tenths;
  std::optional<Grade> grade;
};

struct FirstDiagnosisResult {
  std::vector<CategoryScore> categories;  // kFirstDiagnosisCategories order
  CategoryScore overall;                  // over all counted answers
};

// Grade from an average in tenths: A ≥ 45, B ≥ 35, C ≥ 25, else D.
Grade FirstDiagnosisGrade(int average_tenths);

// Scores the answers. Returns INVALID_ARGUMENT naming the question when a
// score is outside 0–5 or the category is not one of the four.
Result<FirstDiagnosisResult> ScoreFirstDiagnosis(
    const std::vector<FirstDiagnosisAnswer>& answers);

// ---------------------------------------------------------------------------
// IPA 5-minute self-check

inline constexpr int kIpaItems = 25;

// The answer for printed points 4, 2, 0, −1; nullopt otherwise (the seeds'
// table has no separate not-applicable column).
std::optional<IpaAnswer> IpaAnswerFromPoints(int points);

struct IpaSettings {
  // Points of a not-applicable item (domain.md: counts as done by default).
  int not_applicable_points = 4;
};

// Points of one answer under `settings`.
int IpaPoints(IpaAnswer answer, const IpaSettings& settings);

enum class IpaBand { kFull, k70To99, k50To69, k49OrLess };
// "100", "70-99", "50-69", "<=49".
std::string_view IpaBandName(IpaBand band);
IpaBand IpaBandFor(int total);

struct IpaResult {
  int total = 0;
  // Items 1–5 (basic), 6–18 (employee), 19–25 (organisation).
  std::array<int, 3> parts{};
  int answered = 0;
  int dont_know = 0;
  int not_applicable = 0;
  // True when all 25 items are answered; unanswered items add 0.
  bool complete = false;
  IpaBand band = IpaBand::k49OrLess;
};

// Part (0, 1, 2) of item 1–25.
int IpaPartOf(int item);

// Scores answers keyed by item number. Returns INVALID_ARGUMENT when an item
// number is outside 1–25.
Result<IpaResult> ScoreIpa(const std::map<int, IpaAnswer>& answers,
                           const IpaSettings& settings);

}  // namespace mamori::grading
