#pragma once

// ConsoleStore: the reads behind the web console and REST API, each taking
// the caller's OrgScope. An organisation outside the scope is NOT_FOUND,
// exactly as one that does not exist, so an id never reveals another
// tenant's rows. No SQL or database type appears here; SqliteConsoleStore
// (sqlite_console_store.h) implements it.
//
// Thread safety: implementations are safe to call from several threads.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "collector/store/org_scope.h"
#include "common/clock.h"
#include "common/status.h"

namespace mamori::store {

struct OrgOverview {
  int64_t id = 0;
  std::string name;
  std::string industry;
  std::optional<int64_t> employees;
  std::string region;
  int64_t hosts = 0;
  int64_t reporting = 0;  // hosts that delivered at least one report
  int64_t silent = 0;     // hosts not seen for `silent_after`
  std::optional<TimePoint> last_report;
  // From the newest grade snapshot; empty when never graded.
  std::string overall;
  std::string rules_json;  // {"antivirus": "B", …}
  std::optional<TimePoint> graded_at;
};

enum class EndpointSort { kHostname, kOs, kLastSeen, kFailing };

struct EndpointQuery {
  std::string search;  // substring of host name, OS or serial
  std::string os;      // substring of the OS name; empty = any
  // Only hosts failing at least one of these checks (a rule's checks);
  // empty = no such filter.
  std::vector<std::string> failing_checks;
  bool silent_only = false;
  bool clones_only = false;
  EndpointSort sort = EndpointSort::kHostname;
  bool descending = false;
  int limit = 50;      // 1..500
  std::string cursor;  // from EndpointPage::next_cursor; empty = first page
  std::chrono::seconds silent_after{7 * 24 * 3600};
};

struct EndpointSummary {
  int64_t id = 0;
  int64_t org_id = 0;
  std::string hostname;
  std::string os_name;
  std::string os_version;
  std::string agent_version;
  std::string serial;
  bool is_clone = false;
  TimePoint enrolled_at;
  TimePoint last_seen;
  std::optional<TimePoint> last_collected_at;
  int64_t reports_stored = 0;
  bool silent = false;
  int64_t failing = 0;  // checks failing now
  int64_t unknown = 0;  // checks unknown or in error now
};

struct EndpointPage {
  std::vector<EndpointSummary> endpoints;
  int64_t total = 0;        // matching the filters, all pages
  std::string next_cursor;  // empty on the last page
};

struct FamilyStatus {
  std::string family;
  std::string state;  // CollectionState name, "STATUS_OK" …
  std::optional<TimePoint> collected_at;
  std::string payload_json;
};

struct CheckRow {
  std::string check_id;
  std::string status;         // pass, fail, unknown, not_applicable, error
  std::string evidence_json;  // [["name","value"],…]
  std::optional<TimePoint> collected_at;
  TimePoint status_since;
};

// One product version installed in an organisation, with its hosts.
// How many of the hosts with a package OrgSoftware names (the rest are
// counted).
inline constexpr size_t kSoftwareSampleHosts = 20;

struct SoftwareSummary {
  std::string name;
  std::string version;
  int64_t hosts = 0;
  // At most kSoftwareSampleHosts of them (id, host name), lowest ids first.
  std::vector<std::pair<int64_t, std::string>> endpoints;
};

// One graded organisation as peer comparison sees it: no name, no id.
struct PeerSample {
  std::string industry;
  std::optional<int64_t> employees;
  std::string overall;  // "A".."D"
};

struct SoftwareRow {
  std::string name;
  std::string version;
  std::string architecture;
  std::string source;
  std::string publisher;
};

class ConsoleStore {
 public:
  virtual ~ConsoleStore() = default;

  // Organisations in the scope by name, with counts and the newest grades.
  virtual Result<std::vector<OrgOverview>> ListOrgs(
      const OrgScope& scope, TimePoint now,
      std::chrono::seconds silent_after) = 0;
  // NOT_FOUND when absent or outside the scope.
  virtual Result<OrgOverview> FindOrg(const OrgScope& scope, int64_t org_id,
                                      TimePoint now,
                                      std::chrono::seconds silent_after) = 0;
  // One page of the organisation's endpoints. NOT_FOUND for the
  // organisation as above; INVALID_ARGUMENT naming "cursor" or "limit".
  virtual Result<EndpointPage> ListEndpoints(const OrgScope& scope,
                                             int64_t org_id,
                                             const EndpointQuery& query,
                                             TimePoint now) = 0;
  // NOT_FOUND when the organisation is outside the scope or the host is not
  // in that organisation.
  virtual Result<EndpointSummary> FindEndpoint(
      const OrgScope& scope, int64_t org_id, int64_t host_id, TimePoint now,
      std::chrono::seconds silent_after) = 0;
  virtual Result<std::vector<FamilyStatus>> EndpointFamilies(
      const OrgScope& scope, int64_t org_id, int64_t host_id) = 0;
  virtual Result<std::vector<CheckRow>> EndpointChecks(const OrgScope& scope,
                                                       int64_t org_id,
                                                       int64_t host_id) = 0;
  // Installed software whose name contains `search` (all when empty),
  // by name, at most `limit` rows.
  virtual Result<std::vector<SoftwareRow>> EndpointSoftware(
      const OrgScope& scope, int64_t org_id, int64_t host_id,
      const std::string& search, int limit) = 0;
  // Software installed across the organisation: each name and version whose
  // name contains `search` (ASCII case-insensitive; all when empty) with the
  // number of hosts that have it and some of them (SoftwareSummary), by
  // name, at most `limit` rows. NOT_FOUND as FindOrg. It reads every link
  // of the organisation (15 M for 10,000 hosts × 1,500 packages: seconds),
  // so callers cache it (web/software_view.h) and implementations must not
  // hold up the other methods while it runs.
  virtual Result<std::vector<SoftwareSummary>> OrgSoftware(
      const OrgScope& scope, int64_t org_id, const std::string& search,
      int limit) = 0;
  // Every graded organisation's industry, size and newest overall grade,
  // for anonymised peer comparison. Deliberately not scoped: it carries no
  // name or id, and callers only show aggregates of groups of at least five.
  virtual Result<std::vector<PeerSample>> PeerSamples() = 0;
  // The organisation of enrollment token `token_id` when it is in the
  // scope; NOT_FOUND otherwise.
  virtual Result<int64_t> TokenOrg(const OrgScope& scope, int64_t token_id) = 0;
};

}  // namespace mamori::store
