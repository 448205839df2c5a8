#pragma once

// PostgresStore: the core Store port over a PostgreSQL 15 database, so any
// number of stateless collectors (`serve` processes) can share one database.
//
// What makes several collectors safe, per operation:
//   - exactly once by report id: the unique key reports(host_id, report_id)
//     decides; a collector storing a report another has stored (or is
//     storing: the insert waits for that transaction) finds it a duplicate
//     and writes nothing;
//   - a report locks its host row first (SELECT … FOR UPDATE), so two
//     reports of one host never plan from the same stale digests; a batch
//     takes the host locks in ascending host id order, and a deadlock or
//     serialization failure retries the batch;
//   - distinct packages are inserted outside the report's transaction in
//     one sorted statement (ON CONFLICT DO NOTHING, then read back): the
//     package table is a dictionary, so an id is never lost with a rolled
//     back report and the id cache needs no undo;
//   - enrollment holds a transaction advisory lock per organisation, so the
//     identity rule (identity.h) sees every host enrolled before it;
//   - history months are created under an advisory lock before a batch
//     writes into them.
// Nothing one collector needs lives only in another's memory: the caches
// here (package ids, months created) only save round trips.
//
// Thread safety: every public method takes an internal mutex around the one
// writing connection; FindHostCredential reads on a second connection of
// its own, so checks before work never queue behind a batch.

#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "collector/store/postgres/pg.h"
#include "collector/store/store.h"
#include "common/lru_cache.h"

namespace mamori::store {

class PostgresStore final : public Store {
 public:
  // Connects to `url` (postgresql://…) and applies pending migrations.
  // `clock` must outlive the store. Returns the store, UNAVAILABLE when the
  // server cannot be reached, or the migration error.
  static Result<std::unique_ptr<PostgresStore>> Open(const std::string& url,
                                                     const Clock& clock);

  Result<Organization> CreateOrg(const OrgSpec& spec) override;
  Result<std::vector<Organization>> ListOrgs() override;
  Result<Organization> FindOrg(const std::string& name) override;
  Result<CreatedToken> CreateToken(const TokenSpec& spec) override;
  Result<std::vector<TokenInfo>> ListTokens(const std::string& org) override;
  Status RevokeToken(const std::string& org,
                     const std::string& id_or_prefix) override;
  Result<EnrollOutcome> Enroll(const EnrollInput& input) override;
  std::vector<Result<ReportResult>> StoreReports(
      std::span<const ReportInput> reports) override;
  Result<std::vector<HostRecord>> ListHosts(
      const std::string& org, std::chrono::seconds stale_after) override;
  Result<std::vector<FamilyRecord>> HostFacts(const std::string& org,
                                              int64_t host_id) override;
  Result<std::vector<FactChange>> FactHistory(
      const std::string& org, int64_t host_id,
      const std::string& family) override;
  Result<std::vector<PackageRow>> HostPackages(const std::string& org,
                                               int64_t host_id) override;
  Result<std::vector<PackageChange>> PackageHistory(const std::string& org,
                                                    int64_t host_id) override;
  Status CreateAdmin(const std::string& name,
                     const std::string& password_hash) override;
  Result<std::vector<HostEvidenceFlag>> ListEvidenceFlags(
      const std::string& org) override;
  // The grading port on this database (pg_grading_store.h), with
  // connections of its own.
  Result<std::unique_ptr<GradingPort>> OpenGrading() override;
  // The register port on this database (pg_register_store.h), with a
  // connection of its own.
  Result<std::unique_ptr<asset_register::RegisterPort>> OpenRegister(
      const Clock& clock) override;
  Result<HostCredential> FindHostCredential(int64_t host_id) override;
  Status SetHostCertificate(int64_t host_id,
                            const std::string& cert_sha256) override;
  Status RevokeHost(const std::string& org, int64_t host_id) override;
  Status SetHistoryRetention(const std::string& org, int days) override;
  Result<int> HistoryRetention(const std::string& org) override;
  // Drops whole months of history older than every organisation's
  // retention (counting their rows first), then deletes the rows of
  // organisations with a shorter retention, oldest first, up to `max_rows`
  // in all.
  Result<int64_t> PruneHistory(int64_t max_rows) override;

 private:
  PostgresStore(pg::Connection conn, std::string url, const Clock& clock)
      : conn_(std::move(conn)), url_(std::move(url)), clock_(clock) {}

  Result<Organization> FindOrgLocked(const std::string& name);
  // Creates the month partitions of the history tables that hold `now`
  // (and the next month), once per month per process.
  Status EnsureHistoryMonths(int64_t now);
  // Package ids of every package row of `reports`, by PackageKey, inserting
  // unknown packages (autocommit, outside the batch).
  Status ResolvePackages(std::span<const ReportInput> reports);
  // One transaction over `reports`; nullopt when it has to be run again:
  // with a savepoint per report when `isolate` is false and a report failed
  // after writing (or left the transaction failed); always on a deadlock or
  // serialization failure (`*retry` set).
  std::optional<std::vector<Result<ReportResult>>> StoreBatch(
      std::span<const ReportInput> reports, const std::vector<size_t>& order,
      int64_t now, bool isolate, bool* retry);
  Result<ReportResult> StoreOneReport(const ReportInput& report, int64_t now);
  Status StorePackages(int64_t org_id, const ReportInput& report, int64_t now);
  Status RecordEvidenceFlag(int64_t host_id, int64_t org_id,
                            const std::string& kind, const std::string& detail,
                            int64_t now);

  std::mutex mu_;
  pg::Connection conn_;
  const std::string url_;
  const Clock& clock_;
  // Months (YYYYMM) whose history partitions exist.
  std::set<int> months_ready_;
  static constexpr size_t kPackageIdCacheEntries = 131'072;
  LruCache<std::string, int64_t> package_ids_{kPackageIdCacheEntries};
  // Ids of the packages of the batch being stored (a cache may forget).
  std::unordered_map<std::string, int64_t> batch_package_ids_;
  bool report_wrote_ = false;
  struct PendingFlag {
    int64_t host_id = 0;
    int64_t org_id = 0;
    std::string kind;
    std::string detail;
  };
  std::vector<PendingFlag> pending_flags_;

  std::mutex auth_mu_;
  std::optional<pg::Connection> auth_conn_;
};

}  // namespace mamori::store
