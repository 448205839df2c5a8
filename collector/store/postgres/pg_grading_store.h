#pragma once

// PgGradingStore: the grading port (store/grading_port.h) on PostgreSQL,
// over the tables of pg_grading_schema.cpp, with the same behaviour as the
// SQLite GradingStore (the Backends/* cases of grading_port_test.cpp run on
// both): results with history, snapshots, answers with history, settings,
// parameter overrides, custom policies and the reference tables. Check
// queries run on a second connection of its own (pg_check_queries.h).
// Several collectors may grade on one database; the rows of one
// organisation are written by whichever collector grades it.
//
// Thread safety: one per thread (it owns two connections).

#include <memory>
#include <string>
#include <vector>

#include "collector/store/grading_port.h"
#include "collector/store/postgres/pg.h"
#include "collector/store/postgres/pg_check_queries.h"

namespace mamori::store::pg {

class PgGradingStore final : public GradingPort {
 public:
  // Connects twice to `url` (the database PostgresStore::Open migrated).
  // Returns the store or UNAVAILABLE.
  static Result<std::unique_ptr<PgGradingStore>> Open(const std::string& url);

  Result<int64_t> OrgId(const std::string& org) override;
  Status SyncReferenceData(const EndOfSupportTable& table) override;
  Result<std::vector<GradingHost>> Hosts(int64_t org_id) override;
  Status SaveResults(int64_t org_id, std::vector<grading::CheckResult>* results,
                     const std::string& policy_version, TimePoint now) override;
  Status SaveCheckResults(int64_t org_id, const std::string& check_id,
                          std::vector<grading::CheckResult>* results,
                          const std::string& policy_version,
                          TimePoint now) override;
  Status InTransaction(const std::function<Status()>& body) override;
  Result<std::vector<grading::CheckResult>> LoadResults(
      int64_t org_id) override;
  Result<int64_t> ResultHistoryCount(int64_t org_id, int64_t host_id,
                                     const std::string& check_id) override;
  Status SaveGradeSnapshot(int64_t org_id,
                           const GradeSnapshot& snapshot) override;
  Result<std::vector<GradeSnapshot>> GradeHistory(int64_t org_id,
                                                  int limit) override;
  Status SaveGradeCounts(int64_t org_id, const GradeCounts& counts) override;
  Result<std::optional<GradeCounts>> LoadGradeCounts(int64_t org_id) override;
  Status SaveAnswers(int64_t org_id, const AnswerSet& answers,
                     const std::string& who, TimePoint now) override;
  Result<AnswerSet> LoadAnswers(int64_t org_id) override;
  Result<int64_t> AnswerHistoryCount(int64_t org_id,
                                     const std::string& questionnaire,
                                     const std::string& item) override;
  Result<std::optional<std::vector<PolicySource>>> LastGoodCustomPolicies()
      override;
  Status SaveCustomPolicies(const std::string& version,
                            const std::vector<PolicySource>& sources,
                            TimePoint now) override;
  CheckQueries& check_queries() override { return *checks_; }

 private:
  PgGradingStore(Connection conn, std::unique_ptr<PgCheckQueries> checks)
      : conn_(std::move(conn)), checks_(std::move(checks)) {}
  Status WriteCheckResults(int64_t org_id, const std::string& check_id,
                           const std::vector<grading::CheckResult*>& results,
                           const std::string& policy_version, int64_t now_s);

  Connection conn_;
  std::unique_ptr<PgCheckQueries> checks_;
};

}  // namespace mamori::store::pg
