#pragma once

// The grading vocabulary the store's ports speak: a check's verdict and
// evidence, the questionnaire's answers per rule and per IPA item, and the
// one ranking of result statuses. Plain values and pure functions, defined
// here (below the store) so that store/ needs nothing from the grading
// engine or the policy layer above it; collector/grading/grading.h and
// questionnaire_scoring.h include this header and use the same names
// (namespace mamori::grading).
//
// Thread safety: values and pure functions.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"

namespace mamori::grading {

// Verdict of one check on one endpoint (domain.md §3.1).
enum class CheckStatus { kPass, kFail, kUnknown, kNotApplicable, kError };

// "pass", "fail", "unknown", "not_applicable", "error".
std::string_view CheckStatusName(CheckStatus status);
// Parses the names above; nullopt for anything else.
std::optional<CheckStatus> ParseCheckStatus(std::string_view text);

// The one ranking of result statuses, used wherever a worst status is
// chosen (several rows of one host, a rule over an asset's devices): fail,
// error, unknown, pass, not_applicable, worst first. Higher is worse.
int StatusSeverity(CheckStatus status);
// The same for a status name; a name outside the list ranks lowest.
int StatusSeverity(std::string_view name);
// True when `a` is strictly worse than `b`.
inline bool IsWorse(CheckStatus a, CheckStatus b) {
  return StatusSeverity(a) > StatusSeverity(b);
}

// One evidence value a check used ("definitions_age_hours" = "212").
struct Evidence {
  std::string name;
  std::string value;
  friend bool operator==(const Evidence&, const Evidence&) = default;
};

struct CheckResult {
  std::string check_id;
  std::string host_id;
  CheckStatus status = CheckStatus::kUnknown;
  std::vector<Evidence> evidence;
  // When the endpoint collected the facts the check read; unset = never.
  std::optional<TimePoint> collected_at;
  // For kUnknown/kError: since when the check has been unknown without a
  // break (from result history); unset = since `collected_at`.
  std::optional<TimePoint> unknown_since;
};

// 浸透状況. Only kSpread counts as spread.
enum class Spread { kUnanswered, kSpread, kPartly, kNot, kUnknown };
// "spread", "partly", "not", "unknown"; "" for kUnanswered.
std::string_view SpreadName(Spread spread);
// Parses the names above; nullopt for anything else.
std::optional<Spread> ParseSpread(std::string_view text);

// The questionnaire's answers for one rule; unset = not answered.
struct ViewpointAnswers {
  std::optional<bool> written;
  Spread spread = Spread::kUnanswered;
  std::optional<bool> managed;
  std::optional<bool> technical;
};

// One answer of the IPA 5-minute self-check.
enum class IpaAnswer { kDone, kPartly, kNotDone, kDontKnow, kNotApplicable };
// "done", "partly", "not_done", "dont_know", "not_applicable".
std::string_view IpaAnswerName(IpaAnswer answer);
std::optional<IpaAnswer> ParseIpaAnswer(std::string_view text);

}  // namespace mamori::grading
