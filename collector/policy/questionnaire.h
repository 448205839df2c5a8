#pragma once

// Questionnaires as data (policies/questionnaires/*.yaml): the second
// diagnosis (four viewpoints for the ten rules), the first-diagnosis 0–5
// checklist and the IPA 25-item self-check; plus the end-of-support table
// (policies/end_of_support.yaml). Parsed strictly like policy files: errors
// name file, line and key. Pure functions; results are immutable values.

#include <map>
#include <string>
#include <vector>

#include "collector/policy/policy.h"
#include "collector/store/grading_records.h"
#include "common/status.h"

namespace mamori::policy {

struct SecondDiagnosisRule {
  std::string rule;
  LocalizedText name;
  LocalizedText scope;
  LocalizedText example;
};

struct SecondDiagnosis {
  // "written", "spread", "managed", "technical" → question template with
  // {rule} and {example} placeholders.
  std::map<std::string, LocalizedText> viewpoints;
  std::vector<SecondDiagnosisRule> rules;  // all ten, in file order
  const SecondDiagnosisRule* Find(const std::string& rule) const;
};

struct FirstDiagnosisQuestion {
  std::string id;
  std::string category;
  LocalizedText text;
};

struct FirstDiagnosis {
  std::map<std::string, LocalizedText> scale;       // "0".."5"
  std::map<std::string, LocalizedText> categories;  // the four categories
  std::vector<FirstDiagnosisQuestion> questions;
  const FirstDiagnosisQuestion* Find(const std::string& id) const;
};

struct IpaItem {
  int number = 0;
  LocalizedText title;
  LocalizedText text;
  // All-industry average × 100 (3.28 → 328).
  int national_average_hundredths = 0;
  // Evidence to cross-check the answer: a rule's checks, or named checks.
  std::string evidence_rule;
  std::vector<std::string> evidence_checks;
};

struct IpaSelfCheck {
  int not_applicable_points = 4;
  std::vector<LocalizedText> part_names;  // three parts
  std::vector<IpaItem> items;             // 1..25 in order
};

struct Questionnaires {
  SecondDiagnosis second;
  FirstDiagnosis first;
  IpaSelfCheck ipa;
};

// Parses the three questionnaire files (told apart by their `questionnaire`
// key). Returns INVALID_ARGUMENT naming file, line and key on any error,
// including a rule or IPA item missing or given twice.
Result<Questionnaires> ParseQuestionnaires(
    const std::vector<PolicySource>& sources);

// The end-of-support and browser tables are plain data the grading store
// keeps (collector/store/grading_records.h).
using store::BrowserMinimum;
using store::EndOfSupportEntry;
using store::EndOfSupportTable;

// Parses policies/end_of_support.yaml. Dates must be valid YYYY-MM-DD;
// editions one of all, home_pro, enterprise, ltsc. INVALID_ARGUMENT naming
// file, line and key otherwise.
Result<EndOfSupportTable> ParseEndOfSupport(const PolicySource& source);

// True for a valid calendar date written YYYY-MM-DD.
bool IsIsoDate(const std::string& text);

}  // namespace mamori::policy
