#pragma once

// PgConsoleStore: ConsoleStore (console_store.h) on PostgreSQL, with the
// same behaviour as SqliteConsoleStore (the Backends/* cases of
// console_store_test.cpp run on both): scoping in the SQL (the scope's ids
// bound as a bigint[]), the same keyset cursors (endpoint_cursor.h), text
// sorted by byte (COLLATE "C", as SQLite's default) whatever the database's
// locale. OrgSoftware aggregates in the server on a connection of its own,
// so it holds up no other call.
//
// Thread safety: every public method but OrgSoftware takes an internal
// mutex around the one connection; OrgSoftware opens its own.

#include <memory>
#include <mutex>
#include <set>
#include <string>

#include "collector/store/console_store.h"
#include "collector/store/postgres/pg.h"

namespace mamori::store::pg {

class PgConsoleStore final : public ConsoleStore {
 public:
  // Connects to `url` (a database PostgresStore::Open migrated). Returns the
  // store or UNAVAILABLE.
  static Result<std::unique_ptr<PgConsoleStore>> Open(const std::string& url);

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

 private:
  PgConsoleStore(Connection conn, std::string url)
      : conn_(std::move(conn)), url_(std::move(url)) {}
  Result<std::vector<OrgOverview>> SelectOrgs(const OrgScope& scope,
                                              std::optional<int64_t> org_id,
                                              int64_t silent_before);
  // OK when host `host_id` is in `org_id` and the scope allows it.
  Status CheckHost(const OrgScope& scope, int64_t org_id, int64_t host_id);
  // `sql` kept for the store's life: the connection prepares a statement
  // once per distinct text (pg.h caches by address).
  const char* Interned(std::string sql);

  std::mutex mu_;
  Connection conn_;
  const std::string url_;
  std::set<std::string> statements_;
};

}  // namespace mamori::store::pg
