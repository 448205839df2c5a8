#pragma once

// An organisation's answer file (YAML or JSON, docs/policies.md): second-
// diagnosis viewpoints per rule, first-diagnosis scores, IPA self-check
// answers, grading settings (thresholds) and check parameter overrides.
// `mamori-collector answers import|export` reads and writes it. Parsing is
// strict and validates against the questionnaires and the policy set, so a
// file with one bad entry is rejected as a whole with a message naming file,
// line and key. Pure functions.

#include <map>
#include <optional>
#include <string>

#include "collector/grading/grading.h"
#include "collector/grading/questionnaire_scoring.h"
#include "collector/policy/policy.h"
#include "collector/policy/questionnaire.h"
#include "collector/store/grading_records.h"
#include "common/status.h"

namespace mamori::policy {

// Setting names and their inclusive ranges.
struct SettingSpec {
  const char* name;
  int64_t min;
  int64_t max;
  int64_t default_value;
};
inline constexpr SettingSpec kSettings[] = {
    {"min_coverage_percent", 0, 100, 90},
    {"min_pass_percent", 0, 100, 90},
    {"max_evidence_age_days", 1, 365, 7},
    {"expected_endpoints", 0, 1000000, 0},
    // Days an unmanaged PC (issue #20) counts in coverage after it was last
    // seen; 0 = unmanaged PCs do not lower coverage.
    {"unmanaged_pc_days", 0, 365, 30},
    {"ipa_not_applicable_points", -1, 4, 4},
};

// The answer set is plain data the grading store keeps (store::AnswerSet).
using store::AnswerSet;

// Parses and validates an answer file. `source.name` ending in ".json" is
// read as JSON (through the same YAML parser, so lines are still named).
Result<AnswerSet> ParseAnswers(const PolicySource& source,
                               const Questionnaires& questionnaires,
                               const PolicySet& policies);

enum class AnswerFormat { kYaml, kJson };
// Serialises `answers` in a form ParseAnswers reads back unchanged.
std::string WriteAnswers(const AnswerSet& answers, AnswerFormat format);

}  // namespace mamori::policy
