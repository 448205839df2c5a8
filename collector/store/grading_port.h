#pragma once

// GradingPort: the grading module's reads and writes on the collector's
// store — hosts with platform and role, current check results with their
// history, grade snapshots, questionnaire answers with history, settings and
// parameter overrides, the last good custom policy set and the
// end-of-support reference tables — and the check queries (check_queries.h)
// over the same data. The SQLite implementation is GradingStore
// (store/sqlite/grading_store.h); get one from Store::OpenGrading().
//
// Tenancy: every method taking an org_id reads and writes only that
// organisation's rows; the reference tables and custom policies are global.
// Errors: NOT_FOUND as stated per method; anything else is the database's
// (INTERNAL, or UNAVAILABLE when it is busy), with nothing written.
//
// Thread safety: one GradingPort per thread (it owns a connection); several
// may work on the same store at once.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "collector/store/check_queries.h"
#include "collector/store/grading_records.h"
#include "collector/store/records/check_records.h"
#include "common/clock.h"
#include "common/status.h"

namespace mamori::store {

struct GradingHost {
  int64_t host_id = 0;
  std::string hostname;
  std::string platform;  // "windows", "linux", "" unknown
  std::string role;      // "workstation", "laptop", "server", "" unknown
  bool reported = false;
  std::optional<TimePoint> last_collected_at;
};

struct GradeSnapshot {
  TimePoint evaluated_at;
  std::string policy_version;
  std::string overall;     // "A".."D" or ""
  std::string rules_json;  // {"antivirus": "B", …}
};

// What the console's graded pages (dashboard, rules, trend) need from one
// grading run, so that no page reads every stored result again: one row per
// check with its results counted by status and the first failing hosts
// (by host id) with their evidence, and one row per technical measure (a
// rule's checks, or an IPA item's evidence checks) with the measure as
// JSON (store/grading_json.h). Written by the grading run with its
// snapshot; the answers are folded in when a page is built.
struct GradeCountRow {
  std::string subject;  // a check id, or "rule:<id>" / "ipa:<n>"
  int64_t pass = 0;
  int64_t fail = 0;
  int64_t unknown = 0;
  int64_t not_applicable = 0;
  int64_t error = 0;
  std::string measure_json;  // measures: the measure; "" when not measured
  // Checks: [{"id": host id, "hostname": …, "evidence": [{"name", "value"}]}]
  std::string failing_json = "[]";
};

struct GradeCounts {
  TimePoint evaluated_at;
  std::vector<GradeCountRow> rows;
};

// At most this many failing hosts are kept per check (the rules page lists
// 50, the dashboard 10).
inline constexpr int kGradeCountFailingKept = 50;

class GradingPort {
 public:
  virtual ~GradingPort() = default;

  // The organisation's id; NOT_FOUND naming it when absent.
  virtual Result<int64_t> OrgId(const std::string& org) = 0;

  // Replaces the end-of-support and browser tables with `table` when their
  // content differs. All or nothing.
  virtual Status SyncReferenceData(const EndOfSupportTable& table) = 0;

  // The organisation's hosts by id (empty for an unknown organisation).
  virtual Result<std::vector<GradingHost>> Hosts(int64_t org_id) = 0;

  // Stores `results` as the current results (one per host and check) with
  // their time and policy version; writes a history row when a result's
  // status or evidence changed; status_since moves only when the status
  // changes; rows that did not change at all are not rewritten. Sets
  // unknown_since of unknown/error results from status_since. All or
  // nothing.
  virtual Status SaveResults(int64_t org_id,
                             std::vector<grading::CheckResult>* results,
                             const std::string& policy_version,
                             TimePoint now) = 0;
  // SaveResults for the results of one check (every host of the
  // organisation). In a transaction of its own, or in the caller's inside
  // InTransaction. INVALID_ARGUMENT when a result is of another check.
  virtual Status SaveCheckResults(int64_t org_id, const std::string& check_id,
                                  std::vector<grading::CheckResult>* results,
                                  const std::string& policy_version,
                                  TimePoint now) = 0;

  // Runs `body` in one write transaction: what it writes through this port
  // commits together when it returns OK; otherwise everything is rolled
  // back and its error returned.
  virtual Status InTransaction(const std::function<Status()>& body) = 0;

  // Current results of the organisation; unknown_since is set from
  // status_since for unknown/error results.
  virtual Result<std::vector<grading::CheckResult>> LoadResults(
      int64_t org_id) = 0;

  // Number of history rows for (host, check), for tests and trend views.
  virtual Result<int64_t> ResultHistoryCount(int64_t org_id, int64_t host_id,
                                             const std::string& check_id) = 0;

  virtual Status SaveGradeSnapshot(int64_t org_id,
                                   const GradeSnapshot& snapshot) = 0;
  // Newest first, at most `limit`.
  virtual Result<std::vector<GradeSnapshot>> GradeHistory(int64_t org_id,
                                                          int limit) = 0;

  // Replaces the organisation's grade counts with `counts` (all or
  // nothing).
  virtual Status SaveGradeCounts(int64_t org_id, const GradeCounts& counts) = 0;
  // The organisation's grade counts; nullopt when no grading run has
  // written any (an organisation not graded since they were introduced).
  virtual Result<std::optional<GradeCounts>> LoadGradeCounts(
      int64_t org_id) = 0;

  // Stores the answer set: each answered item whose answer changed gets a
  // new current row (the previous one is kept as history); settings and
  // parameter overrides are upserted. `who` is recorded with each change.
  // All or nothing.
  virtual Status SaveAnswers(int64_t org_id, const AnswerSet& answers,
                             const std::string& who, TimePoint now) = 0;
  // The current answers, settings and overrides (organisation and
  // answered_by left empty).
  virtual Result<AnswerSet> LoadAnswers(int64_t org_id) = 0;
  // Number of answer rows ever stored for an item, current one included.
  virtual Result<int64_t> AnswerHistoryCount(int64_t org_id,
                                             const std::string& questionnaire,
                                             const std::string& item) = 0;

  // The last custom policy set that validated; nullopt when none.
  virtual Result<std::optional<std::vector<PolicySource>>>
  LastGoodCustomPolicies() = 0;
  virtual Status SaveCustomPolicies(const std::string& version,
                                    const std::vector<PolicySource>& sources,
                                    TimePoint now) = 0;

  // The check-query runner over this store's fact views.
  virtual CheckQueries& check_queries() = 0;
};

}  // namespace mamori::store
