#pragma once

// SqliteStore: the embedded Store over one SQLite file (WAL mode).
//
// Statements are prepared once per connection and reused. Batches of
// reports are written in one transaction; a report that fails after writing
// makes the batch roll back and go again with a savepoint per report, so a
// bad report rolls back alone while the others commit together.
//
// Thread safety: every public method takes an internal mutex, so one
// SqliteStore can be shared by the gRPC handlers and the store writer. Other
// processes (the CLI) may open the same file at the same time; SQLite's
// locking and the busy timeout serialise them.

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "collector/store/evidence_store.h"
#include "collector/store/sqlite/sqlite.h"
#include "collector/store/store.h"
#include "common/lru_cache.h"

namespace mamori::store {

class SqliteStore final : public Store {
 public:
  // Opens (creating when absent) the database at `path` and applies pending
  // migrations of every module. `clock` must outlive the store. Returns the
  // store, or the open/migration error naming the file.
  static Result<std::unique_ptr<SqliteStore>> Open(const std::string& path,
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
  // EvidenceFlagStore (sqlite_evidence.cpp).
  Result<std::vector<HostEvidenceFlag>> ListEvidenceFlags(
      const std::string& org) override;
  Result<std::unique_ptr<GradingPort>> OpenGrading() override;
  Result<std::unique_ptr<asset_register::RegisterPort>> OpenRegister(
      const Clock& clock) override;
  // sqlite_auth.cpp
  Result<HostCredential> FindHostCredential(int64_t host_id) override;
  Status SetHostCertificate(int64_t host_id,
                            const std::string& cert_sha256) override;
  Status RevokeHost(const std::string& org, int64_t host_id) override;
  // sqlite_retention.cpp
  Status SetHistoryRetention(const std::string& org, int days) override;
  Result<int> HistoryRetention(const std::string& org) override;
  Result<int64_t> PruneHistory(int64_t max_rows) override;

 private:
  SqliteStore(Database db, std::string path, const Clock& clock)
      : db_(std::move(db)), path_(std::move(path)), clock_(clock) {}

  // The statement for `sql`, prepared on first use and cached by address
  // (callers pass string literals).
  Result<Statement*> Stmt(const char* sql);
  Result<Organization> FindOrgLocked(const std::string& name);
  Result<int64_t> PackageId(const PackageRow& row);
  // Stores `reports` in one transaction: without savepoints unless
  // `isolate`. Returns nullopt (everything rolled back) when a report failed
  // after writing, so the caller stores the batch again isolated.
  std::optional<std::vector<Result<ReportResult>>> StoreBatch(
      std::span<const ReportInput> reports, int64_t now, bool isolate);
  // Sets report_wrote_ once it has written anything for `report`.
  Result<ReportResult> StoreOneReport(const ReportInput& report, int64_t now);
  Status StorePackages(int64_t org_id, const ReportInput& report, int64_t now);
  // Whether `report`'s client certificate is its host's current one and the
  // host is not revoked (sqlite_auth.cpp). Inside the writing transaction.
  Result<bool> CertificateIsCurrent(const ReportInput& report);

  std::mutex mu_;
  Database db_;
  const std::string path_;
  const Clock& clock_;
  std::unordered_map<const char*, Statement> statements_;
  // Distinct packages already in the table: key → id, the least recently
  // used forgotten past kPackageIdCacheEntries (a host sending endless new
  // packages must not grow the collector). Entries inserted by a batch whose
  // transaction fails to commit are erased, since those ids are gone.
  static constexpr size_t kPackageIdCacheEntries = 131'072;
  LruCache<std::string, int64_t> package_ids_{kPackageIdCacheEntries};
  // Keys of packages inserted by the report being stored, so a report that
  // rolls back removes only its own ids from package_ids_.
  std::vector<std::string> report_package_keys_;
  bool report_wrote_ = false;

  // Evidence flags (sqlite_evidence.cpp). A flag raised by a refused report
  // waits in pending_flags_ and is written just before the batch commits,
  // outside the report's savepoint, so the refusal does not undo it.
  struct PendingFlag {
    int64_t host_id = 0;
    int64_t org_id = 0;
    std::string kind;
    std::string detail;
  };
  Status RecordEvidenceFlag(const PendingFlag& flag, int64_t now);
  Status WritePendingFlags(int64_t now);
  std::vector<PendingFlag> pending_flags_;
  // FindHostCredential reads on its own connection (WAL: readers do not
  // wait for the writer), so checks before work never queue behind a batch
  // being committed (sqlite_auth.cpp). Opened on first use.
  std::mutex auth_mu_;
  std::optional<Database> auth_db_;
  std::optional<Statement> auth_query_;
};

}  // namespace mamori::store
