#pragma once

// The diagnosis report as data: everything the HTML and PDF renderers (and
// the console) print, built from the grading service's GradeReport, the
// questionnaires, the grade history and the tracked improvement items. The
// model holds both languages where a text comes from policy data, and plain
// keys (grade letters, verdict names) that the renderers translate through
// the message catalogue (report_messages.h). Every string that came from an
// endpoint, an answer file or an organisation name is already cleaned here
// (valid UTF-8, no control characters, at most kMaxTextBytes): renderers
// still escape for their own format, but never see raw input.
//
// Pure functions, no I/O, no clock reads; thread-safe.

#include <optional>
#include <string>
#include <vector>

#include "collector/policy/grading_service.h"
#include "collector/store/grading_port.h"

namespace mamori::report {

// Longest cleaned text; longer input is cut at a character boundary and
// ends in "…".
inline constexpr size_t kMaxTextBytes = 240;

// Valid UTF-8, control characters replaced by spaces, cut to `max_bytes`.
std::string CleanText(std::string_view text, size_t max_bytes = kMaxTextBytes);

// `t` in UTC through strftime's `format` ("%Y-%m-%d").
std::string FormatUtc(TimePoint t, const char* format);

// The 情報セキュリティ5か条 rules the seeds advise to fix first.
bool IsFiveArticlesRule(std::string_view rule);

struct Localized {
  std::string ja;
  std::string en;
  const std::string& In(const std::string& lang) const {
    return lang == "ja" ? ja : en;
  }
};

// An endpoint whose result is not pass, with the values the check read.
struct EndpointFinding {
  std::string hostname;
  std::string check_id;
  Localized check_title;
  std::string status;        // CheckStatusName: "fail", "unknown", "error"
  std::string evidence;      // "definitions_age_hours=212 product=ESET"
  std::string collected_at;  // "2026-11-20" or "" (never collected)
};

struct RuleSection {
  std::string id;
  Localized name;
  std::string grade;  // "A".."D"
  std::string base;   // grade before the technical lift
  bool answered = false;
  // Viewpoint keys: written/managed "yes" | "no" | "unanswered";
  // spread SpreadName or "unanswered"; technical see below.
  std::string written;
  std::string spread;
  std::string managed;
  // "in_place" | "partial" | "absent" | "not_measured" (from evidence),
  // "yes" | "no" (from the answer) or "unanswered".
  std::string technical;
  bool technical_from_evidence = false;
  bool technical_lifted = false;  // +1 rank applied
  bool has_checks = false;
  // Technical measure figures (has_checks only).
  int registered = 0;
  int reporting = 0;
  int in_scope = 0;
  int passing = 0;
  int failing = 0;
  int unknown = 0;
  std::string oldest_evidence;  // date or ""
  std::vector<EndpointFinding> findings;
  // Remediation text of each check with findings, in check order.
  std::vector<Localized> remediation;
  // Discrepancy between answer and evidence, when any.
  std::optional<Localized> discrepancy;
  // Grade in the previous snapshot ("" when none).
  std::string previous_grade;
};

struct CategoryLine {
  Localized name;
  std::string average;  // "3.4" or "" (nothing counted)
  std::string grade;    // "" when not graded
};

struct IpaLine {
  Localized name;        // a part, or the total
  int score = 0;         // this organisation
  std::string national;  // seed 001's all-industry average, "67.67"
  int max = 0;
};

struct ImprovementLine {
  int64_t item_id = 0;  // tracked item (report store), 0 = not tracked
  std::string rule;
  Localized rule_name;
  std::string kind;  // ImprovementKindName
  Localized action;  // what to do (check title or rule step)
  Localized remediation;
  std::vector<std::string> hostnames;  // endpoints affected
  int cost = 1;
  std::string status = "open";  // "open" | "in_progress" | "done"
  std::string owner;
  std::string due;  // YYYY-MM-DD or ""
};

// Most points in a report's trend.
inline constexpr size_t kTrendPoints = 12;

struct TrendPoint {
  std::string date;                      // YYYY-MM-DD
  std::string overall;                   // "A".."D" or ""
  std::vector<std::string> rule_grades;  // kRuleIds order, "" unknown
};

struct ReportModel {
  std::string org;
  std::string generated_at;   // YYYY-MM-DD HH:MM UTC
  std::string evidence_from;  // oldest evidence used, YYYY-MM-DD or ""
  std::string evidence_to;    // newest evidence used
  std::string policy_version;
  std::string overall;  // "A".."D" or ""
  int hosts_registered = 0;
  int hosts_reporting = 0;
  int hosts_unknown_only = 0;  // reporting, but every result unknown
  bool answers_given = false;
  std::vector<RuleSection> rules;             // the ten, in table order
  std::vector<CategoryLine> first_diagnosis;  // empty when unanswered
  std::vector<IpaLine> ipa;                   // parts 1–3 + total; empty
  int ipa_answered = 0;
  std::vector<ImprovementLine> improvements;  // in plan order
  // One point per change of grades, oldest first (at most kTrendPoints).
  std::vector<TrendPoint> trend;
  // Date of the earlier grades compared with ("" when none): the newest
  // earlier snapshot whose grades differ, else the newest earlier one.
  std::string previous_date;
  // What changed since then: one line per rule or overall whose grade
  // changed, then one per improvement item done since then.
  std::vector<Localized> changes;
  // Plain statements about missing data ("no endpoints registered", …).
  std::vector<Localized> notices;
};

// Builds the model. `history` is GradingStore::GradeHistory's answer
// (newest first, the current evaluation included); `tracked` are the
// improvement items of the report store (may be empty), matched to the plan
// by key. Never fails: missing data becomes notices.
struct TrackedItem {
  int64_t id = 0;
  std::string key;  // ImprovementKey()
  std::string status;
  std::string owner;
  std::string due;
  std::string rule;
  std::string kind;        // ImprovementKindName
  int64_t updated_at = 0;  // Unix seconds of the last change
};
ReportModel BuildReportModel(const policy::GradeReport& report,
                             const policy::Questionnaires& questionnaires,
                             const std::vector<store::GradeSnapshot>& history,
                             const std::vector<TrackedItem>& tracked);

// Stable key of a plan item: "kind:rule[:check]".
std::string ImprovementKey(const grading::Improvement& improvement);

// The plan in the order the seeds advise: the 5か条 rules (updates,
// antivirus, passwords) first, then the other rules; within a tier more
// endpoints affected first, then cheaper first, then RulePriority.
void OrderImprovements(std::vector<grading::Improvement>* plan);

}  // namespace mamori::report
