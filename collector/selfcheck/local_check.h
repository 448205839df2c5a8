#pragma once

// The self-check (issue #18): the collector's built-in checks run for one
// endpoint on that endpoint, with no collector. The facts take the
// collector's own path — a throw-away SQLite store in a private temporary
// directory, a local pseudo-organisation, enrollment and the service's
// report conversion (ConvertEnroll, ConvertReport, ClampFutureTimes) into
// Store::StoreReports — and GradingService grades them, so the verdicts are
// the collector's for the same facts and no check SQL exists twice.
//
// What differs from a collector, on purpose:
// - checks that declare they read data only a collector holds (`requires:`:
//   the organisation's software rules and licences, the unmanaged devices
//   the fleet's neighbour tables reveal) are kNeedsCollector, never pass or
//   fail;
// - rules without a technical check here (graded from the organisation's
//   answers on the collector) are kNeedsCollector too;
// - parameters are the built-in defaults (an organisation's overrides are
//   its answers, kept on the collector).
//
// Thread safety: each call has its own store and directory; calls may run
// on several threads.

#include <string>
#include <string_view>
#include <vector>

#include "collector/policy/policy.h"
#include "collector/store/records/check_records.h"
#include "common/clock.h"
#include "common/status.h"
#include "mamori/v1/facts.pb.h"

namespace mamori::selfcheck {

enum class LocalStatus {
  kPass,
  kFail,
  kUnknown,
  kNotApplicable,
  kError,
  kNeedsCollector,
};

// "pass", "fail", "unknown", "not_applicable", "error", "needs_collector".
std::string_view LocalStatusName(LocalStatus status);

// True when `check` declares that it reads organisation or fleet data
// (`requires:` in its policy file, policy::kRequirements): such a check is
// kNeedsCollector here, never graded from this endpoint alone. The policy
// loader refuses a query that reads such data without the declaration.
bool NeedsCollector(const policy::Check& check);

struct LocalCheck {
  std::string id;
  std::string rule;   // employee rule, or empty for a trend topic
  std::string topic;  // trend topic, or empty
  policy::LocalizedText title;
  policy::LocalizedText remediation;
  LocalStatus status = LocalStatus::kUnknown;
  // The query's evidence columns, as the collector stores them.
  std::vector<grading::Evidence> evidence;
};

struct LocalRule {
  std::string rule;            // one of grading::kRuleIds
  policy::LocalizedText name;  // from the second-diagnosis questionnaire
  // The worst of its checks (fail, error, unknown, pass, not_applicable);
  // kNeedsCollector when no check of the rule can be judged here.
  LocalStatus status = LocalStatus::kNeedsCollector;
  std::vector<LocalCheck> checks;
};

struct LocalReport {
  std::string hostname;
  std::string platform;  // "linux", "windows", "" unknown
  std::string role;      // "workstation", "laptop", "server", "" unknown
  TimePoint evaluated_at;
  std::string policy_version;
  std::vector<LocalRule> rules;    // the ten rules, grading::kRuleIds order
  std::vector<LocalCheck> topics;  // trend-topic checks (not graded)
};

struct LocalOptions {
  // Parent of the private working directory (0700, removed afterwards);
  // empty = the system's temporary directory.
  std::string temp_parent;
};

// Grades `facts` (as the agent collected them) locally. Returns the report;
// INVALID_ARGUMENT naming the field when the facts break the collector's
// limits; the store's error (naming the directory) when the temporary
// store cannot be made.
Result<LocalReport> EvaluateLocally(const v1::EndpointFacts& facts,
                                    const LocalOptions& options,
                                    const Clock& clock);

// 0 when every graded check passes or does not apply; 1 when one fails;
// 3 when none fails but one is unknown or in error (unknown is not pass).
// Trend topics and kNeedsCollector do not count.
int ExitCodeFor(const LocalReport& report);

}  // namespace mamori::selfcheck
