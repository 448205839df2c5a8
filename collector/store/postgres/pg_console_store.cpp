#include "collector/store/postgres/pg_console_store.h"

#include <algorithm>
#include <cctype>
#include <unordered_map>
#include <utility>

#include "collector/store/endpoint_cursor.h"
#include "collector/store/endpoint_search.h"

namespace mamori::store::pg {
namespace {

std::optional<TimePoint> OptionalTime(const Rows& rows, int r, int column) {
  if (std::optional<int64_t> v = rows.OptionalInt(r, column)) {
    return FromUnixSeconds(*v);
  }
  return std::nullopt;
}

Status NotFoundOrg(int64_t org_id) {
  return NotFoundError("no organisation " + std::to_string(org_id));
}

// The counts come from host_check_counts (console migration 2), kept by
// triggers on check_results; LEFT JOIN so a host without a row still lists.
constexpr char kEndpointColumns[] =
    "SELECT h.id, h.org_id, h.hostname, h.os_name, h.os_version, "
    "h.agent_version, h.serial, h.is_clone, h.enrolled_at, h.last_seen, "
    "h.last_collected_at, h.reports_stored, "
    "coalesce(hc.failing, 0) AS failing, coalesce(hc.unknown, 0) AS unknown ";
constexpr char kEndpointCounts[] =
    " LEFT JOIN host_check_counts hc ON hc.host_id = h.id ";

constexpr char kFindEndpoint[] =
    "SELECT h.id, h.org_id, h.hostname, h.os_name, h.os_version, "
    "h.agent_version, h.serial, h.is_clone, h.enrolled_at, h.last_seen, "
    "h.last_collected_at, h.reports_stored, "
    "coalesce(hc.failing, 0) AS failing, coalesce(hc.unknown, 0) AS unknown "
    "FROM hosts h LEFT JOIN host_check_counts hc ON hc.host_id = h.id "
    "WHERE h.id = $1 AND h.org_id = $2";

EndpointSummary EndpointFromRow(const Rows& rows, int r,
                                int64_t silent_before) {
  EndpointSummary e;
  e.id = rows.Int(r, 0);
  e.org_id = rows.Int(r, 1);
  e.hostname = rows.Text(r, 2);
  e.os_name = rows.Text(r, 3);
  e.os_version = rows.Text(r, 4);
  e.agent_version = rows.Text(r, 5);
  e.serial = rows.Text(r, 6);
  e.is_clone = rows.Int(r, 7) != 0;
  e.enrolled_at = FromUnixSeconds(rows.Int(r, 8));
  e.last_seen = FromUnixSeconds(rows.Int(r, 9));
  e.last_collected_at = OptionalTime(rows, r, 10);
  e.reports_stored = rows.Int(r, 11);
  e.failing = rows.Int(r, 12);
  e.unknown = rows.Int(r, 13);
  e.silent = rows.Int(r, 9) < silent_before;
  return e;
}

}  // namespace

Result<std::unique_ptr<PgConsoleStore>> PgConsoleStore::Open(
    const std::string& url) {
  Result<Connection> conn = Connection::Open(url);
  if (!conn.ok()) return conn.status();
  return std::unique_ptr<PgConsoleStore>(
      new PgConsoleStore(std::move(conn).value(), url));
}

const char* PgConsoleStore::Interned(std::string sql) {
  return statements_.insert(std::move(sql)).first->c_str();
}

Result<std::vector<OrgOverview>> PgConsoleStore::SelectOrgs(
    const OrgScope& scope, std::optional<int64_t> org_id,
    int64_t silent_before) {
  // One pass over each organisation's hosts (hosts_org index) for the four
  // counts, and its newest grade snapshot.
  Result<Rows> rows = conn_.Query(
      "SELECT o.id, o.name, o.industry, o.employees, o.region, "
      "c.hosts, c.reporting, c.silent, c.last_report, "
      "g.overall, g.rules_json, g.evaluated_at "
      "FROM organizations o "
      "CROSS JOIN LATERAL (SELECT count(*) AS hosts, "
      " count(*) FILTER (WHERE h.reports_stored > 0) AS reporting, "
      " count(*) FILTER (WHERE h.last_seen < $3) AS silent, "
      " max(h.last_seen) FILTER (WHERE h.reports_stored > 0) AS last_report "
      " FROM hosts h WHERE h.org_id = o.id) c "
      "LEFT JOIN LATERAL (SELECT overall, rules_json, evaluated_at "
      " FROM grade_history WHERE org_id = o.id "
      " ORDER BY evaluated_at DESC, id DESC LIMIT 1) g ON true "
      "WHERE ($1::boolean OR o.id = ANY($2::bigint[])) "
      "AND ($4::bigint IS NULL OR o.id = $4) ORDER BY o.name COLLATE \"C\"",
      Params()
          .Add(scope.all)
          .Add(IntArray(scope.org_ids))
          .Add(silent_before)
          .Add(org_id));
  if (!rows.ok()) return rows.status();
  std::vector<OrgOverview> orgs;
  for (int r = 0; r < rows->size(); ++r) {
    OrgOverview o;
    o.id = rows->Int(r, 0);
    o.name = rows->Text(r, 1);
    o.industry = rows->Text(r, 2);
    o.employees = rows->OptionalInt(r, 3);
    o.region = rows->Text(r, 4);
    o.hosts = rows->Int(r, 5);
    o.reporting = rows->Int(r, 6);
    o.silent = rows->Int(r, 7);
    o.last_report = OptionalTime(*rows, r, 8);
    o.overall = rows->Text(r, 9);
    o.rules_json = rows->IsNull(r, 10) ? "{}" : rows->Text(r, 10);
    o.graded_at = OptionalTime(*rows, r, 11);
    orgs.push_back(std::move(o));
  }
  return orgs;
}

Result<std::vector<OrgOverview>> PgConsoleStore::ListOrgs(
    const OrgScope& scope, TimePoint now, std::chrono::seconds silent_after) {
  std::lock_guard<std::mutex> lock(mu_);
  return SelectOrgs(scope, std::nullopt,
                    ToUnixSeconds(now) - silent_after.count());
}

Result<OrgOverview> PgConsoleStore::FindOrg(const OrgScope& scope,
                                            int64_t org_id, TimePoint now,
                                            std::chrono::seconds silent_after) {
  std::lock_guard<std::mutex> lock(mu_);
  if (!scope.Allows(org_id)) return NotFoundOrg(org_id);
  Result<std::vector<OrgOverview>> orgs =
      SelectOrgs(scope, org_id, ToUnixSeconds(now) - silent_after.count());
  if (!orgs.ok()) return orgs.status();
  if (orgs->empty()) return NotFoundOrg(org_id);
  return std::move(orgs->front());
}

Result<EndpointPage> PgConsoleStore::ListEndpoints(const OrgScope& scope,
                                                   int64_t org_id,
                                                   const EndpointQuery& query,
                                                   TimePoint now) {
  if (query.limit < 1 || query.limit > 500) {
    return InvalidArgumentError("limit: must be 1 to 500");
  }
  const bool integer_key = query.sort == EndpointSort::kLastSeen ||
                           query.sort == EndpointSort::kFailing;
  std::optional<EndpointCursor> cursor;
  if (!query.cursor.empty()) {
    Result<EndpointCursor> decoded =
        DecodeEndpointCursor(query.cursor, integer_key);
    if (!decoded.ok()) return decoded.status();
    cursor = std::move(decoded).value();
  }
  std::lock_guard<std::mutex> lock(mu_);
  if (!scope.Allows(org_id)) return NotFoundOrg(org_id);
  {
    Result<Rows> org = conn_.Query("SELECT 1 FROM organizations WHERE id = $1",
                                   Params().Add(org_id));
    if (!org.ok()) return org.status();
    if (org->size() == 0) return NotFoundOrg(org_id);
  }
  // Only fixed fragments are spliced in, chosen by which filters are set
  // (so a prepared statement's plan can use the index that serves its
  // filters); every value is bound. Text keys fold ASCII only and sort by
  // byte, as SQLite does, whatever the database's locale.
  Params params;
  auto arg = [&params](auto value) {
    params.Add(value);
    return "$" + std::to_string(params.size());
  };
  const std::string org = arg(org_id);
  std::string from = "FROM hosts h";
  std::string id = "h.id";
  std::string key = "lower(h.hostname COLLATE \"C\")";
  std::string where = " WHERE h.org_id = " + org;
  switch (query.sort) {
    case EndpointSort::kHostname:
      break;
    case EndpointSort::kOs:
      key = "lower((h.os_name || ' ' || h.os_version) COLLATE \"C\")";
      break;
    case EndpointSort::kLastSeen:
      key = "h.last_seen";
      break;
    case EndpointSort::kFailing:
      // host_check_counts_org (org_id, failing, host_id) in order.
      from = "FROM host_check_counts hc JOIN hosts h ON h.id = hc.host_id";
      id = "hc.host_id";
      key = "hc.failing";
      where += " AND hc.org_id = " + org;
      break;
  }
  // The text search: strpos(lower(x), lower(q)) > 0 as before, written as
  // lower(x) LIKE lower('%q%') (the same test, with q's LIKE characters
  // escaped) when q is long enough for the pg_trgm indexes on those
  // expressions (store/endpoint_search.h); shorter, as before.
  if (!query.search.empty()) {
    if (UsesSearchIndex(query.search)) {
      const std::string like =
          "lower(" + arg(LikeContaining(query.search)) + ")";
      where += " AND (lower(h.hostname) LIKE " + like +
               " OR lower(h.os_name || ' ' || h.os_version) LIKE " + like +
               " OR lower(h.serial) LIKE " + like + ")";
    } else {
      const std::string text = "lower(" + arg(query.search) + "::text)";
      where += " AND (strpos(lower(h.hostname), " + text +
               ") > 0 OR strpos(lower(h.os_name || ' ' || h.os_version), " +
               text + ") > 0 OR strpos(lower(h.serial), " + text + ") > 0)";
    }
  }
  // The OS filter reads every host, as on SQLite (sqlite_console_store.cpp
  // says why: its texts match most of a fleet).
  if (!query.os.empty()) {
    where +=
        " AND strpos(lower(h.os_name), lower(" + arg(query.os) + "::text)) > 0";
  }
  const int64_t silent_before = ToUnixSeconds(now) - query.silent_after.count();
  if (query.silent_only) {
    where += " AND h.last_seen < " + arg(silent_before);
  }
  if (query.clones_only) where += " AND h.is_clone = 1";
  if (!query.failing_checks.empty()) {
    std::vector<std::string> checks;
    for (const std::string& check : query.failing_checks) {
      // Check ids are [a-z0-9_.-]; anything else cannot match one.
      std::string kept;
      for (char c : check) {
        if (std::isalnum(static_cast<unsigned char>(c)) || c == '_' ||
            c == '.' || c == '-') {
          kept.push_back(c);
        }
      }
      checks.push_back(std::move(kept));
    }
    where +=
        " AND EXISTS (SELECT 1 FROM check_results c WHERE c.host_id = h.id "
        "AND c.status = 'fail' AND c.check_id = ANY(" +
        arg(TextArray(
            std::vector<std::string_view>(checks.begin(), checks.end()))) +
        "::text[]))";
  }
  const std::string filtered =
      "SELECT " + id + " AS id, " + key + " AS sort_key " + from + where;

  EndpointPage page;
  {
    Result<Rows> count = conn_.Query(
        Interned("SELECT count(*) FROM (" + filtered + ") f"), params);
    if (!count.ok()) return count.status();
    page.total = count->Int(0, 0);
  }
  const char* cmp = query.descending ? "<" : ">";
  const char* dir = query.descending ? " DESC" : "";
  std::string page_keys = "SELECT id, sort_key FROM (" + filtered + ") f ";
  if (cursor) {
    const std::string typed_key =
        arg(cursor->key) + (integer_key ? "::bigint" : "::text");
    const std::string after_id = arg(cursor->id);
    page_keys += std::string("WHERE (sort_key ") + cmp + " " + typed_key +
                 " OR (sort_key = " + typed_key + " AND id " + cmp + " " +
                 after_id + ")) ";
  }
  page_keys += std::string("ORDER BY sort_key") + dir + ", id" + dir +
               " LIMIT " + arg(int64_t{query.limit + 1});
  const char* sql =
      Interned(std::string(kEndpointColumns) + ", p.sort_key FROM (" +
               page_keys + ") p JOIN hosts h ON h.id = p.id" + kEndpointCounts +
               "ORDER BY p.sort_key" + dir + ", p.id" + dir);
  Result<Rows> rows = conn_.Query(sql, params);
  if (!rows.ok()) return rows.status();
  for (int r = 0; r < rows->size(); ++r) {
    if (static_cast<int>(page.endpoints.size()) == query.limit) {
      page.next_cursor = EncodeEndpointCursor(
          {integer_key, rows->Text(r - 1, 14), page.endpoints.back().id});
      break;
    }
    page.endpoints.push_back(EndpointFromRow(*rows, r, silent_before));
  }
  return page;
}

Status PgConsoleStore::CheckHost(const OrgScope& scope, int64_t org_id,
                                 int64_t host_id) {
  const Status not_found =
      NotFoundError("no endpoint " + std::to_string(host_id) +
                    " in organisation " + std::to_string(org_id));
  if (!scope.Allows(org_id)) return not_found;
  Result<Rows> rows =
      conn_.Query("SELECT 1 FROM hosts WHERE id = $1 AND org_id = $2",
                  Params().Add(host_id).Add(org_id));
  if (!rows.ok()) return rows.status();
  return rows->size() > 0 ? Status::Ok() : not_found;
}

Result<EndpointSummary> PgConsoleStore::FindEndpoint(
    const OrgScope& scope, int64_t org_id, int64_t host_id, TimePoint now,
    std::chrono::seconds silent_after) {
  std::lock_guard<std::mutex> lock(mu_);
  MAMORI_RETURN_IF_ERROR(CheckHost(scope, org_id, host_id));
  Result<Rows> rows =
      conn_.Query(kFindEndpoint, Params().Add(host_id).Add(org_id));
  if (!rows.ok()) return rows.status();
  if (rows->size() == 0) {
    return NotFoundError("no endpoint " + std::to_string(host_id));
  }
  return EndpointFromRow(*rows, 0, ToUnixSeconds(now) - silent_after.count());
}

Result<std::vector<FamilyStatus>> PgConsoleStore::EndpointFamilies(
    const OrgScope& scope, int64_t org_id, int64_t host_id) {
  std::lock_guard<std::mutex> lock(mu_);
  MAMORI_RETURN_IF_ERROR(CheckHost(scope, org_id, host_id));
  Result<Rows> rows = conn_.Query(
      "SELECT family, state, collected_at, payload_json::text FROM host_facts "
      "WHERE host_id = $1 AND org_id = $2 ORDER BY family COLLATE \"C\"",
      Params().Add(host_id).Add(org_id));
  if (!rows.ok()) return rows.status();
  std::vector<FamilyStatus> families;
  for (int r = 0; r < rows->size(); ++r) {
    families.push_back({rows->Text(r, 0), rows->Text(r, 1),
                        OptionalTime(*rows, r, 2), rows->Text(r, 3)});
  }
  return families;
}

Result<std::vector<CheckRow>> PgConsoleStore::EndpointChecks(
    const OrgScope& scope, int64_t org_id, int64_t host_id) {
  std::lock_guard<std::mutex> lock(mu_);
  MAMORI_RETURN_IF_ERROR(CheckHost(scope, org_id, host_id));
  Result<Rows> rows = conn_.Query(
      "SELECT check_id, status, evidence_json, collected_at, status_since "
      "FROM check_results WHERE host_id = $1 AND org_id = $2 "
      "ORDER BY check_id COLLATE \"C\"",
      Params().Add(host_id).Add(org_id));
  if (!rows.ok()) return rows.status();
  std::vector<CheckRow> checks;
  for (int r = 0; r < rows->size(); ++r) {
    checks.push_back({rows->Text(r, 0), rows->Text(r, 1), rows->Text(r, 2),
                      OptionalTime(*rows, r, 3),
                      FromUnixSeconds(rows->Int(r, 4))});
  }
  return checks;
}

Result<std::vector<SoftwareRow>> PgConsoleStore::EndpointSoftware(
    const OrgScope& scope, int64_t org_id, int64_t host_id,
    const std::string& search, int limit) {
  std::lock_guard<std::mutex> lock(mu_);
  MAMORI_RETURN_IF_ERROR(CheckHost(scope, org_id, host_id));
  Result<Rows> rows = conn_.Query(
      "SELECT p.name, p.version, p.architecture, p.source, p.publisher "
      "FROM host_packages hp JOIN packages p ON p.id = hp.package_id "
      "WHERE hp.host_id = $1 AND hp.org_id = $2 "
      "AND ($3::text = '' OR strpos(lower(p.name), lower($3)) > 0) "
      "ORDER BY p.name COLLATE \"C\", p.version COLLATE \"C\" LIMIT $4",
      Params().Add(host_id).Add(org_id).Add(search).Add(
          int64_t{std::max(limit, 0)}));
  if (!rows.ok()) return rows.status();
  std::vector<SoftwareRow> out;
  for (int r = 0; r < rows->size(); ++r) {
    out.push_back({rows->Text(r, 0), rows->Text(r, 1), rows->Text(r, 2),
                   rows->Text(r, 3), rows->Text(r, 4)});
  }
  return out;
}

Result<std::vector<SoftwareSummary>> PgConsoleStore::OrgSoftware(
    const OrgScope& scope, int64_t org_id, const std::string& search,
    int limit) {
  if (!scope.Allows(org_id)) return NotFoundOrg(org_id);
  // A connection of its own: the aggregate reads every link of the
  // organisation and must not hold up the console's other calls.
  Result<Connection> conn = Connection::Open(url_);
  if (!conn.ok()) return conn.status();
  {
    Result<Rows> org = conn->QueryOnce(
        "SELECT 1 FROM organizations WHERE id = $1", Params().Add(org_id));
    if (!org.ok()) return org.status();
    if (org->size() == 0) return NotFoundOrg(org_id);
  }
  // The server groups (name, version) and keeps the lowest host ids as the
  // sample; ASCII case folding as SQLite's (lower() of the "C" collation
  // folds only A–Z).
  std::optional<int64_t> max_rows;
  if (limit >= 0) max_rows = limit;
  Result<Rows> rows = conn->QueryOnce(
      "SELECT p.name, p.version, count(DISTINCT hp.host_id), "
      "(array_agg(DISTINCT hp.host_id ORDER BY hp.host_id))[1:$4] "
      "FROM host_packages hp JOIN packages p ON p.id = hp.package_id "
      "WHERE hp.org_id = $1 AND ($2::text = '' OR "
      " strpos(lower(p.name COLLATE \"C\"), lower($2 COLLATE \"C\")) > 0) "
      "GROUP BY p.name, p.version "
      "ORDER BY lower(p.name COLLATE \"C\"), p.version COLLATE \"C\" "
      "LIMIT $3",
      Params().Add(org_id).Add(search).Add(max_rows).Add(
          static_cast<int64_t>(kSoftwareSampleHosts)));
  if (!rows.ok()) return rows.status();
  std::vector<SoftwareSummary> out;
  std::vector<int64_t> sampled;
  for (int r = 0; r < rows->size(); ++r) {
    SoftwareSummary s;
    s.name = rows->Text(r, 0);
    s.version = rows->Text(r, 1);
    s.hosts = rows->Int(r, 2);
    for (int64_t id : ParseIntArray(rows->View(r, 3))) {
      s.endpoints.emplace_back(id, std::string());
      sampled.push_back(id);
    }
    out.push_back(std::move(s));
  }
  if (sampled.empty()) return out;
  Result<Rows> names = conn->QueryOnce(
      "SELECT id, hostname FROM hosts WHERE org_id = $1 AND "
      "id = ANY($2::bigint[])",
      Params().Add(org_id).Add(IntArray(sampled)));
  if (!names.ok()) return names.status();
  std::unordered_map<int64_t, std::string> by_id;
  for (int r = 0; r < names->size(); ++r) {
    by_id.emplace(names->Int(r, 0), names->Text(r, 1));
  }
  for (SoftwareSummary& s : out) {
    for (auto& [id, name] : s.endpoints) name = by_id[id];
  }
  return out;
}

Result<std::vector<PeerSample>> PgConsoleStore::PeerSamples() {
  std::lock_guard<std::mutex> lock(mu_);
  Result<Rows> rows = conn_.Query(
      "SELECT o.industry, o.employees, g.overall FROM organizations o "
      "JOIN LATERAL (SELECT overall FROM grade_history WHERE org_id = o.id "
      " ORDER BY evaluated_at DESC, id DESC LIMIT 1) g ON true "
      "WHERE g.overall <> ''");
  if (!rows.ok()) return rows.status();
  std::vector<PeerSample> samples;
  for (int r = 0; r < rows->size(); ++r) {
    samples.push_back(
        {rows->Text(r, 0), rows->OptionalInt(r, 1), rows->Text(r, 2)});
  }
  return samples;
}

Result<int64_t> PgConsoleStore::TokenOrg(const OrgScope& scope,
                                         int64_t token_id) {
  std::lock_guard<std::mutex> lock(mu_);
  Result<Rows> rows = conn_.Query("SELECT org_id FROM tokens WHERE id = $1",
                                  Params().Add(token_id));
  if (!rows.ok()) return rows.status();
  if (rows->size() == 0 || !scope.Allows(rows->Int(0, 0))) {
    return NotFoundError("no token " + std::to_string(token_id));
  }
  return rows->Int(0, 0);
}

}  // namespace mamori::store::pg
