#pragma once

// SqliteConsoleStore: ConsoleStore over its own read connection to the
// collector's SQLite file. Scoping is in the SQL: every statement binds the
// organisation id after checking it against the caller's OrgScope, and the
// organisation list binds the scope's ids.
//
// Thread safety: every public method takes an internal mutex.

#include <memory>
#include <mutex>
#include <string>

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

 private:
  SqliteConsoleStore(Database db, std::string path)
      : path_(std::move(path)), db_(std::move(db)) {}
  Result<std::vector<OrgOverview>> SelectOrgs(const OrgScope& scope,
                                              std::optional<int64_t> org_id,
                                              int64_t silent_before);
  // NOT_FOUND unless the host is in the organisation and the scope.
  Status CheckHost(const OrgScope& scope, int64_t org_id, int64_t host_id);

  const std::string path_;  // OrgSoftware reads on its own connection
  std::mutex mu_;
  Database db_;
};

}  // namespace mamori::store
