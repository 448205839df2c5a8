#pragma once

// GradingStore: the grading module's reads and writes on the collector
// database (tables from grading_schema.cpp): hosts with platform and role,
// current check results with their history, grade snapshots, questionnaire
// answers with history, settings and parameter overrides, the last good
// custom policy set, and the end-of-support reference tables. Every query
// that touches organisation data is scoped by org_id.
//
// Thread safety: one GradingStore per thread (it owns statements on one
// Database connection); several may share a database file (SQLite locking).

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "collector/store/grading_json.h"
#include "collector/store/grading_port.h"
#include "collector/store/records/check_records.h"
#include "collector/store/sqlite/check_queries.h"
#include "collector/store/sqlite/sqlite.h"
#include "common/clock.h"
#include "common/status.h"

namespace mamori::store {

class GradingStore final : public GradingPort {
 public:
  // Opens its own connection to the database file at `path` (which the
  // collector has migrated). Returns NOT_FOUND when the file is absent.
  static Result<std::unique_ptr<GradingStore>> Open(const std::string& path);
  GradingStore(Database db, std::unique_ptr<SqliteCheckQueries> checks);

  // The organisation's id; NOT_FOUND naming it when absent.
  Result<int64_t> OrgId(const std::string& org) override;

  // Replaces the end-of-support and browser tables with `table` when their
  // content differs. One transaction.
  Status SyncReferenceData(const EndOfSupportTable& table) override;

  // The organisation's hosts by id.
  Result<std::vector<GradingHost>> Hosts(int64_t org_id) override;

  // Stores `results` as the current results (one per host and check) with
  // their time and policy version; writes a history row when a result's
  // status or evidence changed; status_since moves only when the status
  // changes; rows that did not change at all are not rewritten. Sets
  // unknown_since of unknown/error results from status_since. One
  // transaction.
  Status SaveResults(int64_t org_id, std::vector<grading::CheckResult>* results,
                     const std::string& policy_version, TimePoint now) override;
  // SaveResults for the results of one check (every host of the
  // organisation): a re-grade stores each check as soon as its query has
  // run and never holds all of an organisation's results. In a transaction
  // of its own, or in the caller's when one is open on database().
  // INVALID_ARGUMENT when a result is of another check.
  Status SaveCheckResults(int64_t org_id, const std::string& check_id,
                          std::vector<grading::CheckResult>* results,
                          const std::string& policy_version,
                          TimePoint now) override;

  // Current results of the organisation; unknown_since is set from
  // status_since for unknown/error results.
  Result<std::vector<grading::CheckResult>> LoadResults(
      int64_t org_id) override;

  // Number of history rows for (host, check), for tests and trend views.
  Result<int64_t> ResultHistoryCount(int64_t org_id, int64_t host_id,
                                     const std::string& check_id) override;

  Status SaveGradeSnapshot(int64_t org_id,
                           const GradeSnapshot& snapshot) override;
  // Newest first, at most `limit`.
  Result<std::vector<GradeSnapshot>> GradeHistory(int64_t org_id,
                                                  int limit) override;
  Status SaveGradeCounts(int64_t org_id, const GradeCounts& counts) override;
  Result<std::optional<GradeCounts>> LoadGradeCounts(int64_t org_id) override;

  // Stores the answer set: each answered item whose answer changed gets a
  // new current row (the previous one is superseded, kept as history);
  // settings and parameter overrides in `answers` are upserted. `who` is
  // recorded with each change. One transaction: all or nothing.
  Status SaveAnswers(int64_t org_id, const AnswerSet& answers,
                     const std::string& who, TimePoint now) override;
  // The current answers, settings and overrides (organisation and
  // answered_by left empty).
  Result<AnswerSet> LoadAnswers(int64_t org_id) override;
  // Number of answer rows ever stored for an item, current one included.
  Result<int64_t> AnswerHistoryCount(int64_t org_id,
                                     const std::string& questionnaire,
                                     const std::string& item) override;

  // The last custom policy set that validated; nullopt when none.
  Result<std::optional<std::vector<PolicySource>>> LastGoodCustomPolicies()
      override;
  Status SaveCustomPolicies(const std::string& version,
                            const std::vector<PolicySource>& sources,
                            TimePoint now) override;

  Status InTransaction(const std::function<Status()>& body) override;
  // The sandboxed check connection (sqlite/check_queries.h), not this one.
  CheckQueries& check_queries() override { return *checks_; }

 private:
  // Writes the results of one check inside the caller's transaction.
  Status WriteCheckResults(int64_t org_id, const std::string& check_id,
                           const std::vector<grading::CheckResult*>& results,
                           const std::string& policy_version, int64_t now_s);

  Database db_;
  std::unique_ptr<SqliteCheckQueries> checks_;
};

}  // namespace mamori::store
