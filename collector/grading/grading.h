#pragma once

// The grading engine: pure functions that turn per-endpoint check results and
// questionnaire answers into the Aichi diagnosis model (docs/policies.md,
// domain.md §3). No I/O, no clock reads (the caller passes `now`), no global
// state: every function is thread-safe and deterministic.
//
// Flow: CheckResult (one check, one endpoint) → MeasureTechnical (one rule or
// any set of checks: coverage, pass rate, freshness, raw n of m) → GradeRule
// (A–D from the four viewpoints, +1 rank when the technical measure is in
// place) → OverallGrade. FindDiscrepancies compares answers with evidence;
// PlanImprovements orders what to do next.

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "collector/store/records/check_records.h"
#include "common/clock.h"

namespace mamori::grading {

// The ten employee rules, in the order of the seeds' table (domain.md §2).
inline constexpr std::string_view kRuleIds[] = {
    "basic_policy",    "software_updates",
    "antivirus",       "passwords",
    "email",           "wifi",
    "web_browsing",    "physical_access",
    "removable_media", "confidentiality"};

// True for one of the ten rule ids above.
bool IsRuleId(std::string_view id);

// An endpoint registered for the organisation.
struct Endpoint {
  std::string host_id;
  std::string hostname;
  // True once the endpoint's agent has delivered at least one report.
  bool reported = false;
};

// Per-organisation thresholds of domain.md §3.2.
struct TechnicalSettings {
  int min_coverage_percent = 90;
  int min_pass_percent = 90;
  std::chrono::seconds max_evidence_age{7 * 24 * 3600};
  // Endpoints the organisation says it has (e.g. from the asset register),
  // counted when larger than the number enrolled: unenrolled PCs lower
  // coverage instead of vanishing.
  int expected_endpoints = 0;
  // Devices that look like PCs, seen in the enrolled hosts' neighbour tables
  // and not enrolled (issue #20): counted beside the enrolled endpoints, so
  // coverage is enrolled-and-reporting / (enrolled + unmanaged PCs).
  int unmanaged_pcs = 0;
};

enum class TechnicalVerdict {
  kInPlace,
  kPartial,
  kAbsent,
  // Nothing to measure: no endpoint registered, or none of the reporting
  // ones is in scope. (Registered endpoints of which none reports: absent.)
  kNotMeasured,
};
// "in_place", "partial", "absent", "not_measured".
std::string_view TechnicalVerdictName(TechnicalVerdict verdict);

// One endpoint's combined outcome over the measured checks.
struct EndpointOutcome {
  std::string host_id;
  std::string hostname;
  // kFail if any check fails; else kUnknown if any is unknown, error or
  // missing; else kNotApplicable if all are; else kPass.
  CheckStatus status = CheckStatus::kUnknown;
  // Evidence no older than the maximum age.
  bool fresh = false;
  // Oldest collection time among the results; unset when never collected.
  std::optional<TimePoint> collected_at;
  // True when unknown (or stale) for longer than the maximum age.
  bool long_unknown = false;
  // The results that are not pass/not_applicable, with their evidence.
  std::vector<CheckResult> problems;
};

struct TechnicalMeasure {
  TechnicalVerdict verdict = TechnicalVerdict::kNotMeasured;
  // Coverage: endpoints reporting of endpoints registered.
  int registered = 0;
  int reporting = 0;
  // Among reporting endpoints.
  int in_scope = 0;        // status other than not_applicable
  int fresh_in_scope = 0;  // in scope with fresh evidence
  int passing = 0;         // fresh and pass
  int failing = 0;         // fresh and fail
  int unknown = 0;         // in scope, unknown/error or stale
  int long_unknown = 0;    // unknown for longer than the maximum age
  int not_applicable = 0;
  bool coverage_ok = false;
  bool pass_rate_ok = false;
  // Oldest evidence among in-scope endpoints; unset when none has any.
  std::optional<TimePoint> oldest_evidence;
  // Every reporting endpoint, in the order given.
  std::vector<EndpointOutcome> endpoints;
  // Per measured check: the endpoints whose outcome is a fresh fail and
  // that fail that check (what PlanImprovements names them for). Kept
  // apart from `endpoints` so that a measure without them (TechnicalTally)
  // still plans the same improvements.
  std::map<std::string, int> fresh_failing;
};

// Measures the technical viewpoint over `check_ids` (one rule's checks, or a
// single check for a cross-check). `results` may hold results of other
// checks (ignored); a reporting endpoint without a result for a check counts
// as unknown for it. Endpoints that never reported lower coverage only.
TechnicalMeasure MeasureTechnical(const std::vector<Endpoint>& endpoints,
                                  const std::vector<CheckResult>& results,
                                  const std::vector<std::string>& check_ids,
                                  const TechnicalSettings& settings,
                                  TimePoint now);

// MeasureTechnical without holding the results: results are added one at a
// time (e.g. one check's results for every endpoint, then the next check's)
// and only per-endpoint counters are kept. Finish() returns what
// MeasureTechnical returns for the same endpoints, results and checks,
// except that `endpoints` (with their problems) is left empty. Requires what
// CheckRunner gives: distinct check ids and at most one result per endpoint
// and check. Results of other checks or unknown endpoints are ignored.
class TechnicalTally {
 public:
  TechnicalTally(const std::vector<Endpoint>& endpoints,
                 std::vector<std::string> check_ids);
  ~TechnicalTally();
  TechnicalTally(TechnicalTally&&) noexcept;
  TechnicalTally& operator=(TechnicalTally&&) noexcept;
  TechnicalTally(const TechnicalTally&) = delete;
  TechnicalTally& operator=(const TechnicalTally&) = delete;

  // True when `check_id` is one of the measured checks.
  bool Measures(std::string_view check_id) const;
  void Add(const CheckResult& result);
  TechnicalMeasure Finish(const TechnicalSettings& settings,
                          TimePoint now) const;

 private:
  struct HostState;
  std::vector<std::string> check_ids_;
  int distinct_checks_ = 0;
  int registered_ = 0;
  std::vector<std::string> check_order_;  // distinct ids, for failing bits
  std::vector<HostState> hosts_;          // by endpoint index
  std::unordered_map<std::string, size_t> index_;  // reporting host → index
};

enum class Grade { kD = 1, kC = 2, kB = 3, kA = 4 };
// "A" … "D".
std::string_view GradeName(Grade grade);

// Where the technical viewpoint of a rule came from.
enum class TechnicalSource { kEvidence, kAnswer, kNone };

struct RuleGrade {
  std::string rule;
  ViewpointAnswers answers;
  bool answered = false;  // at least one viewpoint answered
  Grade base = Grade::kD;
  Grade grade = Grade::kD;
  bool technical_in_place = false;
  TechnicalSource technical_source = TechnicalSource::kNone;
  // Present when the rule has checks.
  std::optional<TechnicalMeasure> measure;
};

// base = A written+spread+managed, B written+spread, C written or spread,
// else D (domain.md §3.3).
Grade BaseGrade(bool written, bool spread, bool managed);

// Grades one rule. The technical viewpoint comes from `measure` when it is
// given and its verdict is not kNotMeasured, otherwise from the answer.
// Unanswered viewpoints count as "no".
RuleGrade GradeRule(std::string rule, const ViewpointAnswers& answers,
                    std::optional<TechnicalMeasure> measure);

// Points A=4 … D=1 averaged; A ≥ 3.5 > B ≥ 2.5 > C ≥ 1.5 > D. Returns
// nullopt for an empty list.
std::optional<Grade> OverallGrade(const std::vector<Grade>& grades);

// An answer that the evidence contradicts.
struct Discrepancy {
  enum class Direction {
    // The answer claims a technical measure the evidence does not show.
    kClaimedNotMeasured,
    // The evidence shows a measure the answer denies.
    kMeasuredNotClaimed,
  };
  // A rule id, or "ipa:N" for item N of the IPA self-check.
  std::string subject;
  Direction direction = Direction::kClaimedNotMeasured;
  // What was answered ("yes", "no", "done", "partly", "not_done").
  std::string answer;
  TechnicalVerdict verdict = TechnicalVerdict::kNotMeasured;
  int passing = 0;
  int in_scope = 0;
  // Hosts whose results contradict a claim, with their problems.
  std::vector<EndpointOutcome> endpoints;
};
// "claimed_not_measured" or "measured_not_claimed".
std::string_view DiscrepancyDirectionName(Discrepancy::Direction direction);

// What an answer claims about a technical measure.
enum class Claim { kInPlace, kPartly, kNone };

// Compares a claim with a measure: kInPlace contradicts a partial or absent
// measure; kNone contradicts one in place; kPartly contradicts both an
// absent measure and one in place. Returns the discrepancy, or nullopt when
// they agree or nothing was measured.
std::optional<Discrepancy> CompareClaim(std::string subject, Claim claim,
                                        std::string answer_text,
                                        const TechnicalMeasure& measure);

// One item of the improvement list.
struct Improvement {
  enum class Kind {
    kEnrollEndpoints,  // raise agent coverage
    kFixEndpoints,     // named endpoints fail a check
    kWriteRule,        // 規定: write the rule down
    kSpreadRule,       // 浸透: make it known to everyone
    kManageRule,       // 管理: check that it is followed
  };
  Kind kind = Kind::kFixEndpoints;
  std::string rule;
  // For kFixEndpoints: the failing check and the endpoints with their
  // evidence.
  std::string check_id;
  std::vector<EndpointOutcome> endpoints;
  // 1 = cheapest. Sorting key together with the rule's rank.
  int cost = 1;
  // For kFixEndpoints: how many endpoints fail the check (endpoints.size()
  // when the measure held its endpoints; the count alone when it did not).
  int endpoint_count = 0;
};
// "enroll_endpoints", "fix_endpoints", "write_rule", "spread_rule",
// "manage_rule".
std::string_view ImprovementKindName(Improvement::Kind kind);

// Rank of a rule in the seeds' advice: basic_policy first (基本方針 is to be
// done first), then the three rules of the 情報セキュリティ5か条 (updates,
// antivirus, passwords), then the rest in table order. Unknown ids last.
int RulePriority(std::string_view rule);

// Builds the improvement list for rules graded below A, ordered cheapest
// first and then by RulePriority (all ten rules are employee rules, the
// category the seeds advise to start with). `check_rules` maps each check id
// to its rule so failing checks can be named per rule.
std::vector<Improvement> PlanImprovements(
    const std::vector<RuleGrade>& grades,
    const std::map<std::string, std::string>& check_rules);

}  // namespace mamori::grading
