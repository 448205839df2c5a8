#pragma once

// GradeCountBuilder: what a grading run keeps for the console's graded
// pages (store/grading_port.h, GradeCountRow): each check's results
// counted by status with its first failing hosts (lowest host ids, as the
// report lists them), and each technical measure. Fed one check's results
// at a time, so a run that holds no results (EvaluateOrgId) keeps only the
// kept hosts per check, never every result.
//
// MeasureJson / ParseMeasure: a measure without its endpoints, as stored
// in GradeCountRow::measure_json. MeasureCountsJson: the fields every
// rendering of a measure shares (the stored text, `grade --format json`).
//
// Thread safety: a builder is used from one thread; the functions are pure.

#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "collector/grading/grading.h"
#include "collector/store/grading_port.h"
#include "common/clock.h"

namespace mamori::policy {

class GradeCountBuilder {
 public:
  explicit GradeCountBuilder(const std::vector<store::GradingHost>& hosts);
  // One result of a check (results of one check may come in any order and
  // in several calls).
  void Add(const grading::CheckResult& result);
  // A measure's row ("rule:<id>" or "ipa:<n>"); nullopt when not measured.
  void AddMeasure(const std::string& subject,
                  const std::optional<grading::TechnicalMeasure>& measure);
  store::GradeCounts Finish(TimePoint evaluated_at);

 private:
  struct Check {
    store::GradeCountRow row;
    std::vector<grading::CheckResult> failing;
  };
  void Trim(std::vector<grading::CheckResult>* failing) const;

  std::map<std::string, std::string> hostnames_;  // host id → hostname
  std::map<std::string, Check> checks_;
  std::vector<store::GradeCountRow> measures_;
};

// A measure's verdict and counts (verdict, registered, reporting, in_scope,
// fresh_in_scope, passing, failing, unknown, long_unknown, not_applicable,
// coverage_ok, pass_rate_ok, in that order), without oldest_evidence, whose
// form each caller chooses (seconds when stored, a time for people), and
// without fresh_failing.
nlohmann::ordered_json MeasureCountsJson(
    const grading::TechnicalMeasure& measure);

// MeasureCountsJson with oldest_evidence (Unix seconds or null) and
// fresh_failing ({check: hosts}), keys sorted; invalid UTF-8 replaced.
std::string MeasureJson(const grading::TechnicalMeasure& measure);
// MeasureJson's text back; nullopt for "" (not measured) or a text that is
// not one (read as not measured: unknown, never in place).
std::optional<grading::TechnicalMeasure> ParseMeasure(const std::string& text);

}  // namespace mamori::policy
