#include "collector/store/postgres/postgres_store.h"

#include <algorithm>
#include <chrono>
#include <map>
#include <set>
#include <utility>

#include "collector/pki/crypto.h"
#include "collector/store/grading_port.h"
#include "collector/store/identity.h"
#include "collector/store/ingest_plan.h"
#include "collector/store/postgres/pg_check_queries.h"
#include "collector/store/postgres/pg_fact_views.h"
#include "collector/store/postgres/pg_grading_store.h"
#include "collector/store/postgres/pg_migrations.h"
#include "collector/store/postgres/pg_register_store.h"
#include "collector/store/register_port.h"
#include "collector/store/report_identity.h"
#include "collector/store/row_values.h"
#include "collector/store/tokens.h"
#include "common/text.h"

namespace mamori::store {

using pg::Params;
using pg::Rows;

namespace {

// Batches that hit a deadlock or serialization failure are run again this
// many times before their reports get the error.
constexpr int kBatchAttempts = 3;

std::string IntOrNullArray(const std::vector<std::optional<int64_t>>& items) {
  std::string out = "{";
  for (size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out.push_back(',');
    out += items[i] ? std::to_string(*items[i]) : "NULL";
  }
  out.push_back('}');
  return out;
}

// Months as YYYYMM and their bounds in Unix seconds (UTC).
int MonthOf(int64_t unix_seconds) {
  using namespace std::chrono;
  const year_month_day day{floor<days>(sys_seconds{seconds{unix_seconds}})};
  return static_cast<int>(day.year()) * 100 +
         static_cast<int>(static_cast<unsigned>(day.month()));
}

int64_t MonthStart(int month) {
  using namespace std::chrono;
  const year_month_day first{
      year{month / 100}, std::chrono::month{static_cast<unsigned>(month % 100)},
      day{1}};
  return sys_days{first}.time_since_epoch() / seconds{1};
}

int NextMonth(int month) {
  return month % 100 == 12 ? (month / 100 + 1) * 100 + 1 : month + 1;
}

constexpr const char* kHistoryTables[] = {"fact_history", "package_changes"};

constexpr char kOrgSelect[] =
    "SELECT o.id, o.name, o.industry, o.employees, o.region, o.created_at, "
    "(SELECT count(*) FROM hosts h WHERE h.org_id = o.id) FROM organizations "
    "o ";

Organization ReadOrg(const Rows& r, int i) {
  Organization org;
  org.id = r.Int(i, 0);
  org.name = r.Text(i, 1);
  org.industry = r.Text(i, 2);
  org.employees = r.OptionalInt(i, 3);
  org.region = r.Text(i, 4);
  org.created_at = FromUnixSeconds(r.Int(i, 5));
  org.host_count = r.Int(i, 6);
  return org;
}

TokenInfo ReadToken(const Rows& r, int i) {
  TokenInfo info;
  info.id = r.Int(i, 0);
  info.org = r.Text(i, 1);
  info.prefix = r.Text(i, 2);
  info.created_at = FromUnixSeconds(r.Int(i, 3));
  info.expires_at = OptionalTime(r.OptionalInt(i, 4));
  info.uses_left = r.OptionalInt(i, 5);
  info.uses = r.Int(i, 6);
  info.revoked_at = OptionalTime(r.OptionalInt(i, 7));
  return info;
}

bool Retryable(const Status& status) {
  return status.code() == StatusCode::kAborted &&
         status.message().find("PostgreSQL") != std::string::npos;
}

}  // namespace

Result<std::unique_ptr<PostgresStore>> PostgresStore::Open(
    const std::string& url, const Clock& clock) {
  Result<pg::Connection> conn = pg::Connection::Open(url);
  if (!conn.ok()) return conn.status();
  MAMORI_RETURN_IF_ERROR(
      pg::ApplyPgMigrations(*conn, pg::PgMigrationModules(), clock));
  // The fact views, rendered from the same declarations as SQLite's.
  if (Result<int> views = pg::SyncPgFactViews(*conn); !views.ok()) {
    return views.status();
  }
  // The check sandbox's narrowed copies of those views (and of the others).
  if (Result<int> sandbox = pg::SyncPgCheckSandbox(*conn); !sandbox.ok()) {
    return sandbox.status();
  }
  std::unique_ptr<PostgresStore> store(
      new PostgresStore(std::move(conn).value(), url, clock));
  MAMORI_RETURN_IF_ERROR(
      store->EnsureHistoryMonths(ToUnixSeconds(clock.Now())));
  return store;
}

Result<std::unique_ptr<GradingPort>> PostgresStore::OpenGrading() {
  auto opened = pg::PgGradingStore::Open(url_);
  if (!opened.ok()) return opened.status();
  return std::unique_ptr<GradingPort>(std::move(*opened));
}

Result<std::unique_ptr<asset_register::RegisterPort>>
PostgresStore::OpenRegister(const Clock& clock) {
  auto opened = pg::PgRegisterStore::Open(url_, clock);
  if (!opened.ok()) return opened.status();
  return std::unique_ptr<asset_register::RegisterPort>(std::move(*opened));
}

// ---------------------------------------------------------------------------
// History partitions

Status PostgresStore::EnsureHistoryMonths(int64_t now) {
  const int month = MonthOf(now);
  for (int m : {month, NextMonth(month)}) {
    if (months_ready_.count(m) != 0) continue;
    // Several collectors may reach a new month at once: CREATE TABLE IF NOT
    // EXISTS alone races on the catalog, so take a lock first.
    pg::Transaction tx(conn_);
    MAMORI_RETURN_IF_ERROR(tx.Begin());
    MAMORI_RETURN_IF_ERROR(
        conn_.Exec("SELECT pg_advisory_xact_lock(1835101551, 1751741300)"));
    for (const char* table : kHistoryTables) {
      const std::string sql = "CREATE TABLE IF NOT EXISTS " +
                              std::string(table) + "_p" + std::to_string(m) +
                              " PARTITION OF " + table + " FOR VALUES FROM (" +
                              std::to_string(MonthStart(m)) + ") TO (" +
                              std::to_string(MonthStart(NextMonth(m))) + ")";
      MAMORI_RETURN_IF_ERROR(conn_.Exec(sql));
    }
    MAMORI_RETURN_IF_ERROR(tx.Commit());
    months_ready_.insert(m);
  }
  return Status::Ok();
}

// ---------------------------------------------------------------------------
// Organisations

Result<Organization> PostgresStore::CreateOrg(const OrgSpec& spec) {
  std::string name(Trim(spec.name));
  if (name.empty()) return InvalidArgumentError("organisation name is empty");
  if (!IsValidUtf8(name) || name.size() > 200) {
    return InvalidArgumentError(
        "organisation name must be valid UTF-8 of at most 200 bytes");
  }
  if (spec.employees.has_value() && *spec.employees < 0) {
    return InvalidArgumentError("employees must be 0 or more");
  }
  std::lock_guard<std::mutex> lock(mu_);
  Result<Rows> inserted = conn_.Query(
      "INSERT INTO organizations (name, industry, employees, region, "
      "created_at) VALUES ($1, $2, $3, $4, $5)",
      Params()
          .Add(name)
          .Add(spec.industry)
          .Add(spec.employees)
          .Add(spec.region)
          .Add(ToUnixSeconds(clock_.Now())));
  if (inserted.status().code() == StatusCode::kAlreadyExists) {
    return AlreadyExistsError("organisation '" + name + "' already exists");
  }
  if (!inserted.ok()) return inserted.status();
  return FindOrgLocked(name);
}

Result<std::vector<Organization>> PostgresStore::ListOrgs() {
  std::lock_guard<std::mutex> lock(mu_);
  static const std::string kSql = std::string(kOrgSelect) + "ORDER BY o.name";
  Result<Rows> rows = conn_.Query(kSql.c_str());
  if (!rows.ok()) return rows.status();
  std::vector<Organization> orgs;
  for (int i = 0; i < rows->size(); ++i) orgs.push_back(ReadOrg(*rows, i));
  return orgs;
}

Result<Organization> PostgresStore::FindOrg(const std::string& name) {
  std::lock_guard<std::mutex> lock(mu_);
  return FindOrgLocked(name);
}

Result<Organization> PostgresStore::FindOrgLocked(const std::string& name) {
  static const std::string kSql = std::string(kOrgSelect) + "WHERE o.name = $1";
  Result<Rows> rows = conn_.Query(kSql.c_str(), Params().Add(name));
  if (!rows.ok()) return rows.status();
  if (rows->size() == 0) {
    return NotFoundError("no organisation named '" + name + "'");
  }
  return ReadOrg(*rows, 0);
}

// ---------------------------------------------------------------------------
// Tokens

Result<CreatedToken> PostgresStore::CreateToken(const TokenSpec& spec) {
  if (spec.uses.has_value() && *spec.uses < 1) {
    return InvalidArgumentError("uses must be 1 or more");
  }
  std::lock_guard<std::mutex> lock(mu_);
  Result<Organization> org = FindOrgLocked(spec.org);
  if (!org.ok()) return org.status();
  CreatedToken created;
  created.token =
      std::string(kTokenMarker) + pki::RandomSecret(kTokenRandomBytes);
  const int64_t now = ToUnixSeconds(clock_.Now());
  const std::string prefix = created.token.substr(0, kTokenPrefixLength);
  Result<Rows> inserted = conn_.Query(
      "INSERT INTO tokens (org_id, token_hash, prefix, created_at, "
      "expires_at, uses_left) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
      Params()
          .Add(org->id)
          .Add(pki::Sha256Hex(created.token))
          .Add(prefix)
          .Add(now)
          .Add(OptionalSeconds(spec.expires_at))
          .Add(spec.uses));
  if (!inserted.ok()) return inserted.status();
  created.info.id = inserted->Int(0, 0);
  created.info.org = org->name;
  created.info.prefix = prefix;
  created.info.created_at = FromUnixSeconds(now);
  created.info.expires_at = spec.expires_at;
  created.info.uses_left = spec.uses;
  return created;
}

Result<std::vector<TokenInfo>> PostgresStore::ListTokens(
    const std::string& org) {
  std::lock_guard<std::mutex> lock(mu_);
  if (!org.empty()) {
    Result<Organization> found = FindOrgLocked(org);
    if (!found.ok()) return found.status();
  }
  Result<Rows> rows = conn_.Query(
      "SELECT t.id, o.name, t.prefix, t.created_at, t.expires_at, "
      "t.uses_left, t.uses, t.revoked_at FROM tokens t JOIN organizations o "
      "ON o.id = t.org_id WHERE $1 = '' OR o.name = $1 ORDER BY t.id DESC",
      Params().Add(org));
  if (!rows.ok()) return rows.status();
  std::vector<TokenInfo> tokens;
  for (int i = 0; i < rows->size(); ++i) tokens.push_back(ReadToken(*rows, i));
  return tokens;
}

Status PostgresStore::RevokeToken(const std::string& org,
                                  const std::string& id_or_prefix) {
  std::lock_guard<std::mutex> lock(mu_);
  Result<Organization> found = FindOrgLocked(org);
  if (!found.ok()) return found.status();
  std::optional<int64_t> id = ParseInt64(id_or_prefix);
  if (!id.has_value() && id_or_prefix.size() < 6) {
    return InvalidArgumentError("token prefix '" + id_or_prefix +
                                "' is too short; give at least 6 characters "
                                "or the token id (see token list)");
  }
  // By id, by a prefix of the shown prefix, or by the whole token (whose
  // hash we know); only among this organisation's tokens.
  Result<Rows> matches = conn_.Query(
      "SELECT id FROM tokens WHERE org_id = $1 AND (id = $2::bigint OR "
      "($2::bigint IS NULL AND (left(prefix, length($3)) = $3 OR token_hash "
      "= $4)))",
      Params()
          .Add(found->id)
          .Add(id)
          .Add(id_or_prefix)
          .Add(pki::Sha256Hex(id_or_prefix)));
  if (!matches.ok()) return matches.status();
  if (matches->size() == 0) {
    return NotFoundError("no token with id or prefix '" + id_or_prefix +
                         "' in organisation '" + org + "'");
  }
  if (matches->size() > 1) {
    return InvalidArgumentError("prefix '" + id_or_prefix + "' matches " +
                                std::to_string(matches->size()) +
                                " tokens; give the token id");
  }
  Result<Rows> updated = conn_.Query(
      "UPDATE tokens SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL",
      Params().Add(matches->Int(0, 0)).Add(ToUnixSeconds(clock_.Now())));
  return updated.status();
}

// ---------------------------------------------------------------------------
// Enrollment

Result<EnrollOutcome> PostgresStore::Enroll(const EnrollInput& input) {
  std::lock_guard<std::mutex> lock(mu_);
  const int64_t now = ToUnixSeconds(clock_.Now());
  pg::Transaction tx(conn_);
  MAMORI_RETURN_IF_ERROR(tx.Begin());
  // The token row stays locked until commit, so its uses are counted once
  // per enrollment whichever collector serves it.
  Result<Rows> token_row = conn_.Query(
      "SELECT t.id, t.org_id, o.name, t.expires_at, t.uses_left, "
      "t.revoked_at IS NOT NULL FROM tokens t JOIN organizations o ON o.id = "
      "t.org_id WHERE t.token_hash = $1 FOR UPDATE OF t",
      Params().Add(pki::Sha256Hex(input.token)));
  if (!token_row.ok()) return token_row.status();
  if (token_row->size() == 0) {
    return UnauthenticatedError("unknown enrollment token");
  }
  const int64_t token_id = token_row->Int(0, 0);
  EnrollOutcome outcome;
  outcome.org_id = token_row->Int(0, 1);
  outcome.org_name = token_row->Text(0, 2);
  TokenState token;
  token.expires_at = token_row->OptionalInt(0, 3);
  token.uses_left = token_row->OptionalInt(0, 4);
  token.revoked = token_row->Int(0, 5) != 0;
  MAMORI_RETURN_IF_ERROR(CheckTokenUsable(token, now));
  // One enrollment per organisation at a time across collectors, so the
  // identity rule below sees every host enrolled before it.
  Result<Rows> locked = conn_.Query("SELECT pg_advisory_xact_lock($1)",
                                    Params().Add(outcome.org_id));
  if (!locked.ok()) return locked.status();

  const HostIdentityData& id = input.identity;
  const IdentityKeys request{id.machine_id, id.smbios_uuid, id.serial};
  std::vector<KnownHost> candidates;
  {
    Result<Rows> rows = conn_.Query(
        "SELECT id, machine_id, smbios_uuid, serial, is_clone FROM hosts "
        "WHERE org_id = $1 AND (($2 <> '' AND machine_id = $2) OR ($3 <> '' "
        "AND smbios_uuid = $3) OR ($4 <> '' AND serial = $4)) ORDER BY id",
        Params()
            .Add(outcome.org_id)
            .Add(id.machine_id)
            .Add(id.smbios_uuid)
            .Add(id.serial));
    if (!rows.ok()) return rows.status();
    for (int i = 0; i < rows->size(); ++i) {
      candidates.push_back(
          {rows->Int(i, 0),
           {rows->Text(i, 1), rows->Text(i, 2), rows->Text(i, 3)},
           rows->Int(i, 4) != 0});
    }
  }
  std::optional<int64_t> proven_host;
  if (input.previous_host_id.has_value() &&
      !input.previous_node_key_hash.empty()) {
    Result<Rows> rows = conn_.Query(
        "SELECT node_key_hash FROM hosts WHERE id = $1 AND org_id = $2",
        Params().Add(*input.previous_host_id).Add(outcome.org_id));
    if (!rows.ok()) return rows.status();
    if (rows->size() > 0 &&
        pki::ConstantTimeEquals(rows->View(0, 0),
                                input.previous_node_key_hash)) {
      proven_host = input.previous_host_id;
    }
  }
  const EnrollDecision decision =
      DecideEnrollment(request, candidates, proven_host);
  std::optional<int64_t> reattach_to;
  std::optional<int64_t> clone_of;
  std::optional<int64_t> duplicate_of;
  switch (decision.match) {
    case EnrollMatch::kReattach:
      reattach_to = decision.host_id;
      break;
    case EnrollMatch::kClone:
      clone_of = decision.host_id;
      break;
    case EnrollMatch::kPossibleDuplicate:
      duplicate_of = decision.host_id;
      break;
    case EnrollMatch::kNewHost:
      break;
  }

  const std::string macs = JoinComma(id.macs);
  if (reattach_to.has_value()) {
    Result<Rows> updated = conn_.Query(
        "UPDATE hosts SET hostname = $2, os_name = $3, os_version = $4, "
        "agent_version = $5, machine_id = $6, smbios_uuid = $7, serial = $8, "
        "macs = $9, node_key_hash = $10, token_id = $11, enrolled_at = $12, "
        "enroll_count = enroll_count + 1, last_seen = $12 WHERE id = $1",
        Params()
            .Add(*reattach_to)
            .Add(id.hostname)
            .Add(input.os_name)
            .Add(input.os_version)
            .Add(input.agent_version)
            .Add(id.machine_id)
            .Add(id.smbios_uuid)
            .Add(id.serial)
            .Add(macs)
            .Add(input.node_key_hash)
            .Add(token_id)
            .Add(now));
    if (!updated.ok()) return updated.status();
    outcome.host_id = *reattach_to;
    outcome.reattached = true;
  } else {
    Result<Rows> inserted = conn_.Query(
        "INSERT INTO hosts (org_id, hostname, os_name, os_version, "
        "agent_version, machine_id, smbios_uuid, serial, macs, is_clone, "
        "clone_of, node_key_hash, token_id, enrolled_at, first_seen, "
        "last_seen, duplicate_of) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, "
        "$10, $11, $12, $13, $14, $14, $14, $15) RETURNING id",
        Params()
            .Add(outcome.org_id)
            .Add(id.hostname)
            .Add(input.os_name)
            .Add(input.os_version)
            .Add(input.agent_version)
            .Add(id.machine_id)
            .Add(id.smbios_uuid)
            .Add(id.serial)
            .Add(macs)
            .Add(static_cast<int64_t>(clone_of.has_value() ? 1 : 0))
            .Add(clone_of)
            .Add(input.node_key_hash)
            .Add(token_id)
            .Add(now)
            .Add(duplicate_of));
    if (!inserted.ok()) return inserted.status();
    outcome.host_id = inserted->Int(0, 0);
    outcome.clone_suspected = clone_of.has_value();
    outcome.clone_of = clone_of;
    outcome.possible_duplicate_of = duplicate_of;
  }
  Result<Rows> used = conn_.Query(
      "UPDATE tokens SET uses = uses + 1, uses_left = uses_left - 1 WHERE id "
      "= $1",
      Params().Add(token_id));
  if (!used.ok()) return used.status();
  MAMORI_RETURN_IF_ERROR(tx.Commit());
  return outcome;
}

// ---------------------------------------------------------------------------
// Reports

std::vector<Result<ReportResult>> PostgresStore::StoreReports(
    std::span<const ReportInput> reports) {
  std::lock_guard<std::mutex> lock(mu_);
  const int64_t now = ToUnixSeconds(clock_.Now());
  auto all_fail = [&](const Status& status) {
    std::vector<Result<ReportResult>> results;
    for (size_t i = 0; i < reports.size(); ++i) results.emplace_back(status);
    return results;
  };
  if (Status s = EnsureHistoryMonths(now); !s.ok()) return all_fail(s);
  if (Status s = ResolvePackages(reports); !s.ok()) return all_fail(s);
  // Host rows are locked in ascending id order, so two collectors' batches
  // over the same hosts wait for each other instead of deadlocking.
  std::vector<size_t> order(reports.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return reports[a].host_id < reports[b].host_id;
  });
  std::optional<std::vector<Result<ReportResult>>> results;
  for (int attempt = 0; attempt < kBatchAttempts; ++attempt) {
    bool retry = false;
    results = StoreBatch(reports, order, now, /*isolate=*/false, &retry);
    if (results.has_value()) break;
    if (retry) continue;
    results = StoreBatch(reports, order, now, /*isolate=*/true, &retry);
    if (results.has_value()) break;
  }
  batch_package_ids_.clear();
  if (!results.has_value()) {
    return all_fail(AbortedError(
        "PostgreSQL: reports not stored: the batch kept meeting other "
        "collectors' transactions (deadlock or serialization failure); "
        "retry later"));
  }
  return std::move(results).value();
}

std::optional<std::vector<Result<ReportResult>>> PostgresStore::StoreBatch(
    std::span<const ReportInput> reports, const std::vector<size_t>& order,
    int64_t now, bool isolate, bool* retry) {
  std::vector<Result<ReportResult>> results(
      reports.size(), Result<ReportResult>(InternalError("not stored")));
  pending_flags_.clear();
  pg::Transaction tx(conn_);
  if (Status begun = tx.Begin(); !begun.ok()) {
    for (auto& result : results) result = begun;
    return results;
  }
  for (size_t index : order) {
    const ReportInput& report = reports[index];
    report_wrote_ = false;
    if (!isolate) {
      Result<ReportResult> result = StoreOneReport(report, now);
      if (!result.ok() && Retryable(result.status())) {
        *retry = true;
        return std::nullopt;
      }
      if (!result.ok() && (report_wrote_ || conn_.TransactionFailed())) {
        return std::nullopt;  // rolled back; run again isolated
      }
      results[index] = std::move(result);
      continue;
    }
    Status started = conn_.Exec("SAVEPOINT report");
    Result<ReportResult> result = started.ok() ? StoreOneReport(report, now)
                                               : Result<ReportResult>(started);
    if (started.ok()) {
      if (result.ok()) {
        if (Status released = conn_.Exec("RELEASE SAVEPOINT report");
            !released.ok()) {
          result = released;
        }
      }
      if (!result.ok()) {
        (void)conn_.Exec("ROLLBACK TO SAVEPOINT report");
        (void)conn_.Exec("RELEASE SAVEPOINT report");
      }
    }
    results[index] = std::move(result);
  }
  Status committed = Status::Ok();
  for (const PendingFlag& flag : pending_flags_) {
    committed = RecordEvidenceFlag(flag.host_id, flag.org_id, flag.kind,
                                   flag.detail, now);
    if (!committed.ok()) break;
  }
  pending_flags_.clear();
  if (committed.ok()) committed = tx.Commit();
  if (!committed.ok()) {
    if (Retryable(committed)) {
      *retry = true;
      return std::nullopt;
    }
    for (auto& result : results) {
      result = Status(committed.code() == StatusCode::kInternal
                          ? StatusCode::kUnavailable
                          : committed.code(),
                      "could not commit reports: " + committed.message());
    }
  }
  return results;
}

Status PostgresStore::ResolvePackages(std::span<const ReportInput> reports) {
  batch_package_ids_.clear();
  std::map<std::string, const PackageRow*> missing;  // sorted by key
  for (const ReportInput& report : reports) {
    for (const PackageRow& row : report.packages) {
      std::string key = PackageKey(row);
      if (batch_package_ids_.count(key) != 0) continue;
      if (const int64_t* cached = package_ids_.Find(key)) {
        batch_package_ids_.emplace(std::move(key), *cached);
      } else {
        missing.emplace(std::move(key), &row);
      }
    }
  }
  if (missing.empty()) return Status::Ok();
  std::vector<std::string_view> names, versions, archs, sources, publishers;
  for (const auto& [key, row] : missing) {
    names.push_back(row->name);
    versions.push_back(row->version);
    archs.push_back(row->architecture);
    sources.push_back(row->source);
    publishers.push_back(row->publisher);
  }
  Params arrays;
  arrays.Add(pg::TextArray(names))
      .Add(pg::TextArray(versions))
      .Add(pg::TextArray(archs))
      .Add(pg::TextArray(sources))
      .Add(pg::TextArray(publishers));
  // Two statements in autocommit: the insert (in key order, so concurrent
  // collectors inserting the same new packages wait rather than deadlock),
  // then a read in a fresh snapshot that also sees packages another
  // collector committed meanwhile.
  Result<Rows> inserted = conn_.Query(
      "INSERT INTO packages (name, version, architecture, source, publisher) "
      "SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], "
      "$5::text[]) ON CONFLICT DO NOTHING",
      arrays);
  if (!inserted.ok()) return inserted.status();
  Result<Rows> ids = conn_.Query(
      "SELECT p.id, p.name, p.version, p.architecture, p.source, p.publisher "
      "FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], "
      "$5::text[]) AS u(name, version, architecture, source, publisher) JOIN "
      "packages p USING (name, version, architecture, source, publisher)",
      arrays);
  if (!ids.ok()) return ids.status();
  for (int i = 0; i < ids->size(); ++i) {
    PackageRow row{ids->Text(i, 1), ids->Text(i, 2), ids->Text(i, 3),
                   ids->Text(i, 4), ids->Text(i, 5), "",
                   std::nullopt};
    std::string key = PackageKey(row);
    package_ids_.Put(key, ids->Int(i, 0));
    batch_package_ids_[std::move(key)] = ids->Int(i, 0);
  }
  if (batch_package_ids_.size() <
      missing.size()) {  // cannot happen unless rows vanish
    for (const auto& [key, row] : missing) {
      if (batch_package_ids_.count(key) == 0) {
        return InternalError("package '" + row->name +
                             "' was not found after inserting it");
      }
    }
  }
  return Status::Ok();
}

Result<ReportResult> PostgresStore::StoreOneReport(const ReportInput& report,
                                                   int64_t now) {
  // Authenticate and read the stored part digests in one statement, locking
  // the host row until commit: another collector's report of this host
  // waits here, then plans from what this one wrote.
  Result<Rows> host = conn_.Query(
      "SELECT h.org_id, h.node_key_hash, h.facts_vouched_at, h.hostname, "
      "h.machine_id, h.smbios_uuid, h.serial, h.macs, f.family, f.sha256 "
      "FROM hosts h LEFT JOIN host_facts f ON f.host_id = h.id WHERE h.id = "
      "$1 FOR UPDATE OF h",
      Params().Add(report.host_id));
  if (!host.ok()) return host.status();
  IngestPlanner planner(report);
  // The planner's reference for a stored family: its index here, plus one.
  std::vector<std::string> stored_families;
  const bool found = host->size() > 0;
  int64_t org_id = 0;
  bool key_ok = false;
  std::optional<int64_t> vouched_at;
  HostIdentityData enrolled;
  if (found) {
    org_id = host->Int(0, 0);
    key_ok = !report.node_key_hash.empty() &&
             pki::ConstantTimeEquals(host->View(0, 1), report.node_key_hash);
    vouched_at = host->OptionalInt(0, 2);
    enrolled = {host->Text(0, 3), host->Text(0, 4), host->Text(0, 5),
                host->Text(0, 6), SplitMacs(host->Text(0, 7))};
    for (int i = 0; i < host->size(); ++i) {
      if (host->IsNull(i, 8)) continue;  // a host without facts yet
      stored_families.push_back(host->Text(i, 8));
      planner.AddStored(host->View(i, 8), host->View(i, 9),
                        static_cast<int64_t>(stored_families.size()));
    }
  }
  if (found && !key_ok && report.authenticated_by_certificate &&
      !report.certificate_sha256.empty()) {
    Result<Rows> cert = conn_.Query(
        "SELECT cert_sha256 FROM host_certificates WHERE host_id = $1",
        Params().Add(report.host_id));
    if (!cert.ok()) return cert.status();
    key_ok =
        cert->size() > 0 &&
        pki::ConstantTimeEquals(cert->View(0, 0), report.certificate_sha256);
  }
  if (!found || !key_ok) {
    return UnauthenticatedError("unknown host id or wrong node key");
  }
  if (std::optional<std::string> conflict =
          ReportedIdentityConflict(enrolled, report.identity)) {
    pending_flags_.push_back({report.host_id, org_id, kFlagCopiedState,
                              "report " + report.report_id + ": " + *conflict});
    return PermissionDeniedError(
        "this agent's node key belongs to another machine (host " +
        std::to_string(report.host_id) + "): " + *conflict +
        ". A copied agent state directory cannot report; enroll this "
        "machine with its own state directory and a new token / "
        "この状態ディレクトリは別の端末のものです。新しいトークンで登録し直して"
        "ください");
  }

  ReportResult result;
  result.org_id = org_id;
  IngestPlan plan = planner.Finish(vouched_at);
  result.missing_parts = std::move(plan.missing_parts);
  if (!result.missing_parts.empty()) {
    Result<Rows> seen = conn_.Query(
        "SELECT 1 FROM reports WHERE host_id = $1 AND report_id = $2",
        Params().Add(report.host_id).Add(report.report_id));
    if (!seen.ok()) return seen.status();
    if (seen->size() > 0) {
      result.missing_parts.clear();
      result.outcome = ReportOutcome::kDuplicate;
    } else {
      result.outcome = ReportOutcome::kNeedParts;
    }
    return result;
  }

  // Exactly once: the unique key decides, across every collector.
  Result<Rows> inserted = conn_.Query(
      "INSERT INTO reports (org_id, host_id, report_id, collected_at, "
      "received_at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (host_id, "
      "report_id) DO NOTHING RETURNING id",
      Params()
          .Add(org_id)
          .Add(report.host_id)
          .Add(report.report_id)
          .Add(report.collected_at)
          .Add(now));
  if (!inserted.ok()) return inserted.status();
  if (inserted->size() == 0) {
    result.outcome = ReportOutcome::kDuplicate;
    return result;
  }
  report_wrote_ = true;
  const int64_t report_row = inserted->Int(0, 0);

  // Unchanged families: collected_at moves, one statement per distinct
  // collected_at, which must change exactly the rows named.
  std::vector<char> touched(plan.touches.size(), 0);
  for (size_t first = 0; first < plan.touches.size(); ++first) {
    if (touched[first] != 0) continue;
    std::vector<std::string_view> families;
    for (size_t i = first; i < plan.touches.size(); ++i) {
      if (touched[i] != 0 ||
          plan.touches[i].collected_at != plan.touches[first].collected_at) {
        continue;
      }
      families.push_back(stored_families[plan.touches[i].ref - 1]);
      touched[i] = 1;
    }
    Result<Rows> updated = conn_.Query(
        "UPDATE host_facts SET collected_at = $2, written_report = $3 WHERE "
        "host_id = $1 AND family = ANY($4::text[])",
        Params()
            .Add(report.host_id)
            .Add(plan.touches[first].collected_at)
            .Add(report_row)
            .Add(pg::TextArray(families)));
    if (!updated.ok()) return updated.status();
    if (updated->Affected() != static_cast<int64_t>(families.size())) {
      return InternalError("facts of host " + std::to_string(report.host_id) +
                           " changed while its report was stored");
    }
  }

  // Changed families: the current row and a history entry, both from one
  // statement over arrays.
  std::vector<std::string> payloads;
  std::vector<std::string_view> names, states, digests;
  std::vector<std::optional<int64_t>> collected;
  bool packages_changed = false;
  for (size_t i = 0; i < report.families.size(); ++i) {
    if (plan.unchanged_family_ref[i] != 0) continue;
    const FamilyUpdate& family = report.families[i];
    Result<std::string> payload = family.Payload();
    if (!payload.ok()) return payload.status();
    payloads.push_back(pg::JsonForJsonb(*payload));
    names.push_back(family.family);
    states.push_back(family.state);
    digests.push_back(family.sha256);
    collected.push_back(family.collected_at);
    if (family.family == "packages") packages_changed = true;
  }
  if (!names.empty()) {
    std::vector<std::string_view> payload_views(payloads.begin(),
                                                payloads.end());
    Result<Rows> written = conn_.Query(
        "WITH u AS (SELECT * FROM unnest($5::text[], $6::text[], "
        "$7::bigint[], $8::jsonb[], $9::text[]) AS u(family, state, "
        "collected_at, payload, sha256)), up AS (INSERT INTO host_facts "
        "(org_id, host_id, family, state, collected_at, payload_json, sha256, "
        "updated_at, written_report) SELECT $1, $2, family, state, "
        "collected_at, payload, sha256, $3, $4 FROM u ON CONFLICT (host_id, "
        "family) DO UPDATE SET state = excluded.state, collected_at = "
        "excluded.collected_at, payload_json = excluded.payload_json, sha256 "
        "= excluded.sha256, updated_at = excluded.updated_at, written_report "
        "= excluded.written_report) INSERT INTO fact_history (org_id, "
        "host_id, family, state, changed_at, received_at, payload_json, "
        "sha256) SELECT $1, $2, family, state, collected_at, $3, payload, "
        "sha256 FROM u",
        Params()
            .Add(org_id)
            .Add(report.host_id)
            .Add(now)
            .Add(report_row)
            .Add(pg::TextArray(names))
            .Add(pg::TextArray(states))
            .Add(IntOrNullArray(collected))
            .Add(pg::TextArray(payload_views))
            .Add(pg::TextArray(digests)));
    if (!written.ok()) return written.status();
  }
  if (packages_changed) {
    MAMORI_RETURN_IF_ERROR(StorePackages(org_id, report, now));
  }

  Result<Rows> updated = conn_.Query(
      "UPDATE hosts SET last_seen = $2, last_collected_at = coalesce($3, "
      "last_collected_at), reports_stored = reports_stored + 1, "
      "dropped_reports = dropped_reports + $4, hostname = CASE WHEN $5 = '' "
      "THEN hostname ELSE $5 END, os_name = CASE WHEN $6 = '' THEN os_name "
      "ELSE $6 END, os_version = CASE WHEN $7 = '' THEN os_version ELSE $7 "
      "END, agent_version = CASE WHEN $8 = '' THEN agent_version ELSE $8 END, "
      "facts_vouched_at = CASE WHEN $9 THEN $3 ELSE facts_vouched_at END, "
      "facts_vouched_report = CASE WHEN $9 THEN $10 ELSE "
      "facts_vouched_report END WHERE id = $1",
      Params()
          .Add(report.host_id)
          .Add(now)
          .Add(report.collected_at)
          .Add(static_cast<int64_t>(report.dropped_reports))
          .Add(report.hostname)
          .Add(report.os_name)
          .Add(report.os_version)
          .Add(report.agent_version)
          .Add(plan.stamp_host)
          .Add(report_row));
  if (!updated.ok()) return updated.status();
  if (report.clock_ahead_seconds) {
    MAMORI_RETURN_IF_ERROR(RecordEvidenceFlag(
        report.host_id, org_id, kFlagClockAhead,
        "report " + report.report_id + ": collected_at was " +
            std::to_string(*report.clock_ahead_seconds) +
            " s ahead of the collector's clock; stored as received",
        now));
  }
  result.outcome = ReportOutcome::kStored;
  return result;
}

Status PostgresStore::StorePackages(int64_t org_id, const ReportInput& report,
                                    int64_t now) {
  // The same diff as SqliteStore::StorePackages: sorted vectors keyed by
  // (package id, scope); a host's first list is its baseline, not a change.
  struct OldLink {
    int64_t package_id;
    std::string scope;
    std::string name;
    std::string architecture;
    std::string version;
  };
  struct NewLink {
    int64_t package_id;
    const PackageRow* row;
  };
  auto compare = [](int64_t a_id, const std::string& a_scope, int64_t b_id,
                    const std::string& b_scope) {
    if (a_id != b_id) return a_id < b_id ? -1 : 1;
    return a_scope.compare(b_scope);
  };
  Result<Rows> current = conn_.Query(
      "SELECT hp.package_id, hp.scope, p.name, p.architecture, p.version FROM "
      "host_packages hp JOIN packages p ON p.id = hp.package_id WHERE "
      "hp.host_id = $1",
      Params().Add(report.host_id));
  if (!current.ok()) return current.status();
  std::vector<OldLink> old_links;
  old_links.reserve(current->size());
  for (int i = 0; i < current->size(); ++i) {
    old_links.push_back({current->Int(i, 0), current->Text(i, 1),
                         current->Text(i, 2), current->Text(i, 3),
                         current->Text(i, 4)});
  }
  std::sort(old_links.begin(), old_links.end(),
            [&](const OldLink& a, const OldLink& b) {
              return compare(a.package_id, a.scope, b.package_id, b.scope) < 0;
            });
  const bool first_list = old_links.empty();

  std::vector<NewLink> new_links;
  new_links.reserve(report.packages.size());
  for (const PackageRow& row : report.packages) {
    auto id = batch_package_ids_.find(PackageKey(row));
    if (id == batch_package_ids_.end()) {
      return InternalError("package '" + row.name + "' has no id");
    }
    new_links.push_back({id->second, &row});
  }
  std::stable_sort(new_links.begin(), new_links.end(),
                   [&](const NewLink& a, const NewLink& b) {
                     return compare(a.package_id, a.row->scope, b.package_id,
                                    b.row->scope) < 0;
                   });
  new_links.erase(std::unique(new_links.begin(), new_links.end(),
                              [&](const NewLink& a, const NewLink& b) {
                                return compare(a.package_id, a.row->scope,
                                               b.package_id, b.row->scope) == 0;
                              }),
                  new_links.end());

  std::map<std::pair<std::string, std::string>,
           std::pair<std::set<std::string>, std::set<std::string>>>
      changes;
  std::vector<int64_t> unlink_ids;
  std::vector<std::string_view> unlink_scopes;
  std::vector<int64_t> link_ids;
  std::vector<std::string_view> link_scopes;
  std::vector<std::optional<int64_t>> link_times;
  size_t old_index = 0;
  size_t new_index = 0;
  while (old_index < old_links.size() || new_index < new_links.size()) {
    int order = 0;
    if (old_index == old_links.size()) {
      order = 1;
    } else if (new_index == new_links.size()) {
      order = -1;
    } else {
      const OldLink& o = old_links[old_index];
      const NewLink& n = new_links[new_index];
      order = compare(o.package_id, o.scope, n.package_id, n.row->scope);
    }
    if (order == 0) {
      ++old_index;
      ++new_index;
    } else if (order < 0) {
      const OldLink& o = old_links[old_index++];
      unlink_ids.push_back(o.package_id);
      unlink_scopes.push_back(o.scope);
      changes[{o.name, o.architecture}].first.insert(o.version);
    } else {
      const NewLink& n = new_links[new_index++];
      link_ids.push_back(n.package_id);
      link_scopes.push_back(n.row->scope);
      link_times.push_back(n.row->install_time);
      if (!first_list) {
        changes[{n.row->name, n.row->architecture}].second.insert(
            n.row->version);
      }
    }
  }
  if (!unlink_ids.empty()) {
    Result<Rows> unlinked = conn_.Query(
        "DELETE FROM host_packages hp USING unnest($2::bigint[], $3::text[]) "
        "AS u(package_id, scope) WHERE hp.host_id = $1 AND hp.package_id = "
        "u.package_id AND hp.scope = u.scope",
        Params()
            .Add(report.host_id)
            .Add(pg::IntArray(unlink_ids))
            .Add(pg::TextArray(unlink_scopes)));
    if (!unlinked.ok()) return unlinked.status();
  }
  if (!link_ids.empty()) {
    Result<Rows> linked = conn_.Query(
        "INSERT INTO host_packages (org_id, host_id, package_id, scope, "
        "install_time) SELECT $1, $2, u.* FROM unnest($3::bigint[], "
        "$4::text[], $5::bigint[]) AS u",
        Params()
            .Add(org_id)
            .Add(report.host_id)
            .Add(pg::IntArray(link_ids))
            .Add(pg::TextArray(link_scopes))
            .Add(IntOrNullArray(link_times)));
    if (!linked.ok()) return linked.status();
  }
  if (first_list || changes.empty()) return Status::Ok();

  std::vector<std::string_view> names, archs;
  std::vector<std::optional<std::string>> olds, news;
  for (const auto& [name_arch, versions] : changes) {
    const auto& [removed, added] = versions;
    names.push_back(name_arch.first);
    archs.push_back(name_arch.second);
    olds.push_back(removed.empty() ? std::nullopt
                                   : std::optional(*removed.rbegin()));
    news.push_back(added.empty() ? std::nullopt
                                 : std::optional(*added.rbegin()));
  }
  // NULL entries as text arrays: an unquoted NULL item.
  auto nullable = [](const std::vector<std::optional<std::string>>& items) {
    std::string out = "{";
    for (size_t i = 0; i < items.size(); ++i) {
      if (i > 0) out.push_back(',');
      if (!items[i]) {
        out += "NULL";
      } else {
        std::string one = pg::TextArray({*items[i]});
        out += one.substr(1, one.size() - 2);
      }
    }
    out.push_back('}');
    return out;
  };
  Result<Rows> logged = conn_.Query(
      "INSERT INTO package_changes (org_id, host_id, name, architecture, "
      "old_version, new_version, changed_at, received_at) SELECT $1, $2, "
      "u.*, $3, $4 FROM unnest($5::text[], $6::text[], $7::text[], "
      "$8::text[]) AS u",
      Params()
          .Add(org_id)
          .Add(report.host_id)
          .Add(report.collected_at)
          .Add(now)
          .Add(pg::TextArray(names))
          .Add(pg::TextArray(archs))
          .Add(nullable(olds))
          .Add(nullable(news)));
  return logged.status();
}

Status PostgresStore::RecordEvidenceFlag(int64_t host_id, int64_t org_id,
                                         const std::string& kind,
                                         const std::string& detail,
                                         int64_t now) {
  Result<Rows> upserted = conn_.Query(
      "INSERT INTO host_evidence_flags (host_id, org_id, kind, detail, "
      "first_at, last_at, count) VALUES ($1, $2, $3, $4, $5, $5, 1) ON "
      "CONFLICT (host_id, kind) DO UPDATE SET detail = excluded.detail, "
      "last_at = excluded.last_at, count = host_evidence_flags.count + 1",
      Params().Add(host_id).Add(org_id).Add(kind).Add(detail).Add(now));
  return upserted.status();
}

Result<std::vector<HostEvidenceFlag>> PostgresStore::ListEvidenceFlags(
    const std::string& org) {
  std::lock_guard<std::mutex> lock(mu_);
  Result<Organization> found = FindOrgLocked(org);
  if (!found.ok()) return found.status();
  Result<Rows> rows = conn_.Query(
      "SELECT host_id, kind, detail, first_at, last_at, count FROM "
      "host_evidence_flags WHERE org_id = $1 ORDER BY host_id, kind",
      Params().Add(found->id));
  if (!rows.ok()) return rows.status();
  std::vector<HostEvidenceFlag> flags;
  for (int i = 0; i < rows->size(); ++i) {
    HostEvidenceFlag f;
    f.host_id = rows->Int(i, 0);
    f.kind = rows->Text(i, 1);
    f.detail = rows->Text(i, 2);
    f.first_at = FromUnixSeconds(rows->Int(i, 3));
    f.last_at = FromUnixSeconds(rows->Int(i, 4));
    f.count = rows->Int(i, 5);
    flags.push_back(std::move(f));
  }
  return flags;
}

// ---------------------------------------------------------------------------
// Reads

Result<std::vector<HostRecord>> PostgresStore::ListHosts(
    const std::string& org, std::chrono::seconds stale_after) {
  std::lock_guard<std::mutex> lock(mu_);
  Result<Organization> found = FindOrgLocked(org);
  if (!found.ok()) return found.status();
  Result<Rows> rows = conn_.Query(
      "SELECT id, org_id, hostname, os_name, os_version, agent_version, "
      "machine_id, smbios_uuid, serial, macs, is_clone, clone_of, "
      "enrolled_at, enroll_count, first_seen, last_seen, last_collected_at, "
      "reports_stored, dropped_reports, duplicate_of FROM hosts WHERE "
      "org_id = $1 ORDER BY id",
      Params().Add(found->id));
  if (!rows.ok()) return rows.status();
  const int64_t now = ToUnixSeconds(clock_.Now());
  std::vector<HostRecord> hosts;
  hosts.reserve(rows->size());
  const Rows& r = *rows;
  for (int i = 0; i < r.size(); ++i) {
    HostRecord h;
    h.id = r.Int(i, 0);
    h.org_id = r.Int(i, 1);
    h.hostname = r.Text(i, 2);
    h.os_name = r.Text(i, 3);
    h.os_version = r.Text(i, 4);
    h.agent_version = r.Text(i, 5);
    h.identity.hostname = h.hostname;
    h.identity.machine_id = r.Text(i, 6);
    h.identity.smbios_uuid = r.Text(i, 7);
    h.identity.serial = r.Text(i, 8);
    h.identity.macs = SplitMacs(r.Text(i, 9));
    h.is_clone = r.Int(i, 10) != 0;
    h.clone_of = r.OptionalInt(i, 11);
    h.enrolled_at = FromUnixSeconds(r.Int(i, 12));
    h.enroll_count = r.Int(i, 13);
    h.first_seen = FromUnixSeconds(r.Int(i, 14));
    h.last_seen = FromUnixSeconds(r.Int(i, 15));
    h.last_collected_at = OptionalTime(r.OptionalInt(i, 16));
    h.reports_stored = r.Int(i, 17);
    h.dropped_reports = r.Int(i, 18);
    h.possible_duplicate_of = r.OptionalInt(i, 19);
    h.stale = now - r.Int(i, 15) > stale_after.count();
    hosts.push_back(std::move(h));
  }
  return hosts;
}

Result<std::vector<FamilyRecord>> PostgresStore::HostFacts(
    const std::string& org, int64_t host_id) {
  std::lock_guard<std::mutex> lock(mu_);
  Result<Rows> in_org = conn_.Query(
      "SELECT h.id FROM hosts h JOIN organizations o ON o.id = h.org_id WHERE "
      "o.name = $1 AND h.id = $2",
      Params().Add(org).Add(host_id));
  if (!in_org.ok()) return in_org.status();
  if (in_org->size() == 0) {
    return NotFoundError("no host " + std::to_string(host_id) +
                         " in organisation '" + org + "'");
  }
  Result<Rows> rows = conn_.Query(
      "SELECT f.family, f.state, c.collected_at, f.payload_json::text, "
      "f.sha256, f.updated_at FROM host_facts f JOIN fact_collected c ON "
      "c.host_id = f.host_id AND c.family = f.family WHERE f.host_id = $1 "
      "ORDER BY f.family",
      Params().Add(host_id));
  if (!rows.ok()) return rows.status();
  std::vector<FamilyRecord> facts;
  for (int i = 0; i < rows->size(); ++i) {
    facts.push_back({rows->Text(i, 0), rows->Text(i, 1),
                     OptionalTime(rows->OptionalInt(i, 2)), rows->Text(i, 3),
                     rows->Text(i, 4), FromUnixSeconds(rows->Int(i, 5))});
  }
  return facts;
}

Result<std::vector<FactChange>> PostgresStore::FactHistory(
    const std::string& org, int64_t host_id, const std::string& family) {
  std::lock_guard<std::mutex> lock(mu_);
  Result<Rows> rows = conn_.Query(
      "SELECT f.family, f.state, f.changed_at, f.received_at, "
      "f.payload_json::text, f.sha256 FROM fact_history f JOIN organizations "
      "o ON o.id = f.org_id WHERE o.name = $1 AND f.host_id = $2 AND "
      "f.family = $3 ORDER BY f.id",
      Params().Add(org).Add(host_id).Add(family));
  if (!rows.ok()) return rows.status();
  std::vector<FactChange> changes;
  for (int i = 0; i < rows->size(); ++i) {
    changes.push_back({rows->Text(i, 0), rows->Text(i, 1),
                       OptionalTime(rows->OptionalInt(i, 2)),
                       FromUnixSeconds(rows->Int(i, 3)), rows->Text(i, 4),
                       rows->Text(i, 5)});
  }
  return changes;
}

Result<std::vector<PackageRow>> PostgresStore::HostPackages(
    const std::string& org, int64_t host_id) {
  std::lock_guard<std::mutex> lock(mu_);
  // COLLATE "C": byte order, as SQLite sorts, whatever the database locale.
  Result<Rows> rows = conn_.Query(
      "SELECT p.name, p.version, p.architecture, p.source, p.publisher, "
      "hp.scope, hp.install_time FROM host_packages hp JOIN packages p ON "
      "p.id = hp.package_id JOIN organizations o ON o.id = hp.org_id WHERE "
      "o.name = $1 AND hp.host_id = $2 ORDER BY p.name COLLATE \"C\", "
      "p.architecture COLLATE \"C\", p.version COLLATE \"C\"",
      Params().Add(org).Add(host_id));
  if (!rows.ok()) return rows.status();
  std::vector<PackageRow> packages;
  packages.reserve(rows->size());
  for (int i = 0; i < rows->size(); ++i) {
    packages.push_back({rows->Text(i, 0), rows->Text(i, 1), rows->Text(i, 2),
                        rows->Text(i, 3), rows->Text(i, 4), rows->Text(i, 5),
                        rows->OptionalInt(i, 6)});
  }
  return packages;
}

Result<std::vector<PackageChange>> PostgresStore::PackageHistory(
    const std::string& org, int64_t host_id) {
  std::lock_guard<std::mutex> lock(mu_);
  Result<Rows> rows = conn_.Query(
      "SELECT c.name, c.architecture, c.old_version, c.new_version, "
      "c.changed_at FROM package_changes c JOIN organizations o ON o.id = "
      "c.org_id WHERE o.name = $1 AND c.host_id = $2 ORDER BY c.id",
      Params().Add(org).Add(host_id));
  if (!rows.ok()) return rows.status();
  std::vector<PackageChange> changes;
  for (int i = 0; i < rows->size(); ++i) {
    PackageChange c;
    c.name = rows->Text(i, 0);
    c.architecture = rows->Text(i, 1);
    if (!rows->IsNull(i, 2)) c.old_version = rows->Text(i, 2);
    if (!rows->IsNull(i, 3)) c.new_version = rows->Text(i, 3);
    c.changed_at = OptionalTime(rows->OptionalInt(i, 4));
    changes.push_back(std::move(c));
  }
  return changes;
}

Status PostgresStore::CreateAdmin(const std::string& name,
                                  const std::string& password_hash) {
  std::lock_guard<std::mutex> lock(mu_);
  Result<Rows> inserted = conn_.Query(
      "INSERT INTO admin_accounts (name, password_hash, created_at) VALUES "
      "($1, $2, $3)",
      Params().Add(name).Add(password_hash).Add(ToUnixSeconds(clock_.Now())));
  if (inserted.status().code() == StatusCode::kAlreadyExists) {
    return AlreadyExistsError("admin account '" + name + "' already exists");
  }
  return inserted.status();
}

// ---------------------------------------------------------------------------
// Credentials and revocation

Result<HostCredential> PostgresStore::FindHostCredential(int64_t host_id) {
  std::lock_guard<std::mutex> lock(auth_mu_);
  if (!auth_conn_.has_value()) {
    Result<pg::Connection> conn = pg::Connection::Open(url_);
    if (!conn.ok()) return conn.status();
    auth_conn_.emplace(std::move(conn).value());
  }
  Result<Rows> rows = auth_conn_->Query(
      "SELECT h.org_id, h.node_key_hash, coalesce(c.cert_sha256, ''), "
      "coalesce(r.revoked_at > h.enrolled_at, false) FROM hosts h LEFT JOIN "
      "host_certificates c ON c.host_id = h.id LEFT JOIN host_revocations r "
      "ON r.host_id = h.id WHERE h.id = $1",
      Params().Add(host_id));
  if (!rows.ok()) return rows.status();
  if (rows->size() == 0) {
    return NotFoundError("no host " + std::to_string(host_id));
  }
  HostCredential credential;
  credential.host_id = host_id;
  credential.org_id = rows->Int(0, 0);
  credential.revoked = rows->Int(0, 3) != 0;
  if (!credential.revoked) {
    credential.node_key_hash = rows->Text(0, 1);
    credential.cert_sha256 = rows->Text(0, 2);
  }
  return credential;
}

Status PostgresStore::SetHostCertificate(int64_t host_id,
                                         const std::string& cert_sha256) {
  std::lock_guard<std::mutex> lock(mu_);
  Result<Rows> upserted = conn_.Query(
      "INSERT INTO host_certificates (host_id, org_id, cert_sha256, "
      "issued_at) SELECT id, org_id, $2, $3 FROM hosts WHERE id = $1 ON "
      "CONFLICT (host_id) DO UPDATE SET cert_sha256 = excluded.cert_sha256, "
      "issued_at = excluded.issued_at",
      Params().Add(host_id).Add(cert_sha256).Add(ToUnixSeconds(clock_.Now())));
  if (!upserted.ok()) return upserted.status();
  if (upserted->Affected() == 0) {
    return NotFoundError("no host " + std::to_string(host_id));
  }
  return Status::Ok();
}

Status PostgresStore::RevokeHost(const std::string& org, int64_t host_id) {
  std::lock_guard<std::mutex> lock(mu_);
  Result<Organization> found = FindOrgLocked(org);
  if (!found.ok()) return found.status();
  const int64_t now = ToUnixSeconds(clock_.Now());
  pg::Transaction tx(conn_);
  MAMORI_RETURN_IF_ERROR(tx.Begin());
  Result<Rows> blanked = conn_.Query(
      "UPDATE hosts SET node_key_hash = '' WHERE id = $1 AND org_id = $2",
      Params().Add(host_id).Add(found->id));
  if (!blanked.ok()) return blanked.status();
  if (blanked->Affected() == 0) {
    return NotFoundError("no host " + std::to_string(host_id) +
                         " in organisation '" + org + "'");
  }
  Result<Rows> forgotten =
      conn_.Query("DELETE FROM host_certificates WHERE host_id = $1",
                  Params().Add(host_id));
  if (!forgotten.ok()) return forgotten.status();
  // Later than the last enrollment, as SqliteStore::RevokeHost.
  Result<Rows> recorded = conn_.Query(
      "INSERT INTO host_revocations (host_id, org_id, revoked_at) SELECT id, "
      "org_id, greatest($2, enrolled_at + 1) FROM hosts WHERE id = $1 ON "
      "CONFLICT (host_id) DO UPDATE SET revoked_at = excluded.revoked_at",
      Params().Add(host_id).Add(now));
  if (!recorded.ok()) return recorded.status();
  return tx.Commit();
}

// ---------------------------------------------------------------------------
// History retention

Status PostgresStore::SetHistoryRetention(const std::string& org, int days) {
  if (days < 1 || days > 36500) {
    return InvalidArgumentError(
        "history retention must be 1 to 36500 days, got " +
        std::to_string(days));
  }
  std::lock_guard<std::mutex> lock(mu_);
  Result<Organization> found = FindOrgLocked(org);
  if (!found.ok()) return found.status();
  Result<Rows> upserted = conn_.Query(
      "INSERT INTO org_history_retention (org_id, days) VALUES ($1, $2) ON "
      "CONFLICT (org_id) DO UPDATE SET days = excluded.days",
      Params().Add(found->id).Add(days));
  return upserted.status();
}

Result<int> PostgresStore::HistoryRetention(const std::string& org) {
  std::lock_guard<std::mutex> lock(mu_);
  Result<Organization> found = FindOrgLocked(org);
  if (!found.ok()) return found.status();
  Result<Rows> rows =
      conn_.Query("SELECT days FROM org_history_retention WHERE org_id = $1",
                  Params().Add(found->id));
  if (!rows.ok()) return rows.status();
  return rows->size() > 0 ? static_cast<int>(rows->Int(0, 0))
                          : kDefaultHistoryDays;
}

Result<int64_t> PostgresStore::PruneHistory(int64_t max_rows) {
  std::lock_guard<std::mutex> lock(mu_);
  const int64_t now = ToUnixSeconds(clock_.Now());
  int64_t deleted = 0;
  // Whole months first: a month whose end is older than the longest
  // retention of any organisation holds nothing anyone keeps.
  Result<Rows> longest = conn_.Query(
      "SELECT coalesce(max(coalesce(r.days, $1)), $1) FROM organizations o "
      "LEFT JOIN org_history_retention r ON r.org_id = o.id",
      Params().Add(kDefaultHistoryDays));
  if (!longest.ok()) return longest.status();
  const int64_t keep_after = now - 86400 * longest->Int(0, 0);
  for (const char* table : kHistoryTables) {
    Result<Rows> parts = conn_.QueryOnce(
        "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = "
        "i.inhrelid WHERE i.inhparent = $1::regclass ORDER BY c.relname",
        Params().Add(table));
    if (!parts.ok()) return parts.status();
    for (int i = 0; i < parts->size(); ++i) {
      const std::string name = parts->Text(i, 0);
      const std::string prefix = std::string(table) + "_p";
      std::optional<int64_t> month =
          StartsWith(name, prefix) ? ParseInt64(name.substr(prefix.size()))
                                   : std::nullopt;
      if (!month || *month < 100001 || *month > 999912) continue;
      if (MonthStart(NextMonth(static_cast<int>(*month))) > keep_after) {
        continue;
      }
      pg::Transaction tx(conn_);
      MAMORI_RETURN_IF_ERROR(tx.Begin());
      Result<Rows> counted = conn_.QueryOnce("SELECT count(*) FROM " + name);
      if (!counted.ok()) return counted.status();
      MAMORI_RETURN_IF_ERROR(conn_.Exec("DROP TABLE " + name));
      MAMORI_RETURN_IF_ERROR(tx.Commit());
      months_ready_.erase(static_cast<int>(*month));
      deleted += counted->Int(0, 0);
    }
  }
  // Then rows of organisations keeping less, oldest first.
  static constexpr const char* kPrune[] = {
      "DELETE FROM fact_history f USING (SELECT x.id, x.received_at FROM "
      "fact_history x JOIN org_history_retention r ON r.org_id = x.org_id "
      "WHERE x.received_at < $1 - 86400 * r.days ORDER BY x.received_at "
      "LIMIT $2) d WHERE f.id = d.id AND f.received_at = d.received_at",
      "DELETE FROM package_changes c USING (SELECT x.id, x.received_at FROM "
      "package_changes x JOIN org_history_retention r ON r.org_id = x.org_id "
      "WHERE x.received_at < $1 - 86400 * r.days ORDER BY x.received_at "
      "LIMIT $2) d WHERE c.id = d.id AND c.received_at = d.received_at",
  };
  // Organisations without a setting keep kDefaultHistoryDays, which is at
  // most the longest retention, so their old rows went with whole months;
  // rows of the default inside a kept month are deleted here too.
  static constexpr const char* kPruneDefault[] = {
      "DELETE FROM fact_history f USING (SELECT x.id, x.received_at FROM "
      "fact_history x WHERE x.received_at < $1 - 86400 * $3::bigint AND NOT "
      "EXISTS (SELECT 1 FROM org_history_retention r WHERE r.org_id = "
      "x.org_id) ORDER BY x.received_at LIMIT $2) d WHERE f.id = d.id AND "
      "f.received_at = d.received_at",
      "DELETE FROM package_changes c USING (SELECT x.id, x.received_at FROM "
      "package_changes x WHERE x.received_at < $1 - 86400 * $3::bigint AND "
      "NOT EXISTS (SELECT 1 FROM org_history_retention r WHERE r.org_id = "
      "x.org_id) ORDER BY x.received_at LIMIT $2) d WHERE c.id = d.id AND "
      "c.received_at = d.received_at",
  };
  for (size_t i = 0; i < std::size(kPrune); ++i) {
    if (deleted >= max_rows) break;
    Result<Rows> pruned =
        conn_.Query(kPrune[i], Params().Add(now).Add(max_rows - deleted));
    if (!pruned.ok()) return pruned.status();
    deleted += pruned->Affected();
    if (deleted >= max_rows) break;
    pruned = conn_.Query(
        kPruneDefault[i],
        Params().Add(now).Add(max_rows - deleted).Add(kDefaultHistoryDays));
    if (!pruned.ok()) return pruned.status();
    deleted += pruned->Affected();
  }
  return deleted;
}

}  // namespace mamori::store
