#pragma once

// SqliteConsoleStore: ConsoleStore over a small pool of read connections to
// the collector's SQLite file. Scoping is in the SQL: every statement binds
// the organisation id after checking it against the caller's OrgScope, and
// the organisation list binds the scope's ids.
//
// Thread safety: every public method may be called from any thread. Each
// call leases one connection of the pool (at most kReaders, opened when
// first needed) for its statements, so console requests run side by side
// and, WAL readers being what they are, never wait for ingest or grading
// writes (docs/performance.md, "Web console": one connection behind one
// mutex queued every page behind the slowest).

#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "collector/store/console_store.h"
#include "collector/store/sqlite/sqlite.h"

namespace mamori::store {

class SqliteConsoleStore final : public ConsoleStore {
 public:
  // Opens the migrated database at `path`. NOT_FOUND when the file is absent.
  static Result<std::unique_ptr<SqliteConsoleStore>> Open(
      const std::string& path);

  Result<std::vector<OrgOverview>> ListOrgs(
      const OrgScope& scope, TimePoint now,
      std::chrono::seconds silent_after) override;
  Result<OrgOverview> FindOrg(const OrgScope& scope, int64_t org_id,
                              TimePoint now,
                              std::chrono::seconds silent_after) override;
  Result<EndpointPage> ListEndpoints(const OrgScope& scope, int64_t org_id,
                                     const EndpointQuery& query,
                                     TimePoint now) override;
  Result<EndpointSummary> FindEndpoint(
      const OrgScope& scope, int64_t org_id, int64_t host_id, TimePoint now,
      std::chrono::seconds silent_after) override;
  Result<std::vector<FamilyStatus>> EndpointFamilies(const OrgScope& scope,
                                                     int64_t org_id,
                                                     int64_t host_id) override;
  Result<std::vector<CheckRow>> EndpointChecks(const OrgScope& scope,
                                               int64_t org_id,
                                               int64_t host_id) override;
  Result<std::vector<SoftwareRow>> EndpointSoftware(const OrgScope& scope,
                                                    int64_t org_id,
                                                    int64_t host_id,
                                                    const std::string& search,
                                                    int limit) override;
  Result<std::vector<SoftwareSummary>> OrgSoftware(const OrgScope& scope,
                                                   int64_t org_id,
                                                   const std::string& search,
                                                   int limit) override;
  Result<std::vector<PeerSample>> PeerSamples() override;
  Result<int64_t> TokenOrg(const OrgScope& scope, int64_t token_id) override;

  // Connections in the pool: two cores' worth of concurrent readers plus
  // one, each with a bounded page cache (kReaderCacheKib) and no mmap, so
  // the pool's memory is bounded however many requests arrive.
  static constexpr int kReaders = 3;
  static constexpr int kReaderCacheKib = 8192;

 private:
  // One pooled connection, given back when the lease ends.
  class Lease {
   public:
    Lease(SqliteConsoleStore& store, std::unique_ptr<Database> db)
        : store_(&store), db_(std::move(db)) {}
    Lease(Lease&& other) noexcept
        : store_(other.store_), db_(std::move(other.db_)) {}
    Lease& operator=(Lease&&) = delete;
    ~Lease();
    Database& operator*() const { return *db_; }

   private:
    SqliteConsoleStore* store_;
    std::unique_ptr<Database> db_;
  };

  explicit SqliteConsoleStore(std::string path) : path_(std::move(path)) {}
  // A reader of its own; waits while kReaders are leased.
  Result<Lease> Acquire();
  // A new read-only connection with the pool's cache and mmap bounds.
  Result<std::unique_ptr<Database>> OpenReader() const;
  Result<std::vector<OrgOverview>> SelectOrgs(Database& db,
                                              const OrgScope& scope,
                                              std::optional<int64_t> org_id,
                                              int64_t silent_before);
  // NOT_FOUND unless the host is in the organisation and the scope.
  Status CheckHost(Database& db, const OrgScope& scope, int64_t org_id,
                   int64_t host_id);

  const std::string path_;
  std::mutex pool_mu_;
  std::condition_variable pool_cv_;
  std::vector<std::unique_ptr<Database>> idle_;  // guarded by pool_mu_
  int opened_ = 0;                               // guarded by pool_mu_
};

}  // namespace mamori::store
