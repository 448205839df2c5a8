#include "collector/store/sqlite/sqlite_store.h"

#include <algorithm>
#include <set>
#include <utility>

#include "collector/pki/crypto.h"
#include "collector/store/identity.h"
#include "collector/store/ingest_plan.h"
#include "collector/store/report_identity.h"
#include "collector/store/row_values.h"
#include "collector/store/sqlite/fact_view_sync.h"
#include "collector/store/sqlite/grading_store.h"
#include "collector/store/sqlite/migrations.h"
#include "collector/store/sqlite/register_store.h"
#include "collector/store/tokens.h"
#include "common/text.h"

namespace mamori::store {
namespace {

std::vector<std::string> SplitComma(const std::string& text) {
  std::vector<std::string> out;
  if (text.empty()) return out;
  for (std::string_view part : Split(text, ',')) out.emplace_back(part);
  return out;
}

// Links are inserted by statements of kLinkChunks[i] rows each, largest
// first: one statement of 100 rows costs about half as much as 100
// single-row statements (fewer steps and resets, cursors kept open). OR FAIL
// rather than the default ABORT: an ABORT statement that writes many rows
// keeps a statement journal (a copy of every page it touches, spilled to a
// temporary file past 64 KiB: ≈2 MB written per 1,500-package report) to
// undo itself; with FAIL a failed insert leaves its earlier rows, and the
// report's transaction or savepoint is rolled back anyway on any error.
constexpr size_t kLinkChunks[] = {100, 10, 1};

// "INSERT INTO host_packages … VALUES (?, ?, ?, ?, ?), …" for `rows` rows.
// Built once per size: the statement cache is keyed by the SQL's address.
const char* LinkInsertSql(size_t rows) {
  auto build = [](size_t n) {
    std::string sql =
        "INSERT OR FAIL INTO host_packages (org_id, host_id, package_id, "
        "scope, install_time) VALUES ";
    for (size_t i = 0; i < n; ++i)
      sql += i == 0 ? "(?,?,?,?,?)" : ",(?,?,?,?,?)";
    return sql;
  };
  static const std::string kSql[] = {
      build(kLinkChunks[0]), build(kLinkChunks[1]), build(kLinkChunks[2])};
  for (size_t i = 0; i < std::size(kLinkChunks); ++i) {
    if (kLinkChunks[i] == rows) return kSql[i].c_str();
  }
  return nullptr;
}

// SQL used in several places.
constexpr char kOrgColumns[] =
    "SELECT o.id, o.name, o.industry, o.employees, o.region, o.created_at, "
    "(SELECT count(*) FROM hosts h WHERE h.org_id = o.id) FROM organizations "
    "o ";

Organization ReadOrg(const Statement& s) {
  Organization org;
  org.id = s.ColumnInt(0);
  org.name = s.ColumnText(1);
  org.industry = s.ColumnText(2);
  org.employees = s.ColumnOptionalInt(3);
  org.region = s.ColumnText(4);
  org.created_at = FromUnixSeconds(s.ColumnInt(5));
  org.host_count = s.ColumnInt(6);
  return org;
}

constexpr char kTokenSelect[] =
    "SELECT t.id, o.name, t.prefix, t.created_at, t.expires_at, t.uses_left, "
    "t.uses, t.revoked_at FROM tokens t JOIN organizations o ON o.id = "
    "t.org_id ";

TokenInfo ReadToken(const Statement& s) {
  TokenInfo info;
  info.id = s.ColumnInt(0);
  info.org = s.ColumnText(1);
  info.prefix = s.ColumnText(2);
  info.created_at = FromUnixSeconds(s.ColumnInt(3));
  info.expires_at = OptionalTime(s.ColumnOptionalInt(4));
  info.uses_left = s.ColumnOptionalInt(5);
  info.uses = s.ColumnInt(6);
  info.revoked_at = OptionalTime(s.ColumnOptionalInt(7));
  return info;
}

// Runs a prepared statement to completion and resets it, even on error.
Status RunStmt(Statement* s) { return s->Run(); }

}  // namespace

Result<std::unique_ptr<SqliteStore>> SqliteStore::Open(const std::string& path,
                                                       const Clock& clock) {
  Result<Database> db = Database::Open(path);
  if (!db.ok()) return db.status();
  MAMORI_RETURN_IF_ERROR(ApplySchema(*db, clock).WithContext(path));
  // An acknowledged report is deleted from the agent's spool, so the commit
  // must survive a power loss, not only a crash: fsync the WAL at every
  // commit (batches of reports share one; docs/performance.md has the cost).
  MAMORI_RETURN_IF_ERROR(db->Exec("PRAGMA synchronous=FULL").WithContext(path));
  return std::unique_ptr<SqliteStore>(
      new SqliteStore(std::move(db).value(), path, clock));
}

Result<std::unique_ptr<GradingPort>> SqliteStore::OpenGrading() {
  auto grading = GradingStore::Open(path_);
  if (!grading.ok()) return grading.status();
  return std::unique_ptr<GradingPort>(std::move(*grading));
}

Result<std::unique_ptr<asset_register::RegisterPort>> SqliteStore::OpenRegister(
    const Clock& clock) {
  return std::unique_ptr<asset_register::RegisterPort>(
      std::make_unique<asset_register::RegisterStore>(db_, clock));
}

Result<Statement*> SqliteStore::Stmt(const char* sql) {
  auto it = statements_.find(sql);
  if (it != statements_.end()) {
    it->second.Reset();
    return &it->second;
  }
  Result<Statement> prepared = db_.Prepare(sql);
  if (!prepared.ok()) return prepared.status();
  auto [inserted, _] = statements_.emplace(sql, std::move(prepared).value());
  return &inserted->second;
}

// ---------------------------------------------------------------------------
// Organisations

Result<Organization> SqliteStore::CreateOrg(const OrgSpec& spec) {
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
  Result<Statement*> insert = Stmt(
      "INSERT INTO organizations (name, industry, employees, region, "
      "created_at) VALUES (?1, ?2, ?3, ?4, ?5)");
  if (!insert.ok()) return insert.status();
  (*insert)
      ->Bind(1, name)
      .Bind(2, spec.industry)
      .Bind(3, spec.employees)
      .Bind(4, spec.region)
      .Bind(5, ToUnixSeconds(clock_.Now()));
  Status status = RunStmt(*insert);
  if (status.code() == StatusCode::kAborted) {
    return AlreadyExistsError("organisation '" + name + "' already exists");
  }
  MAMORI_RETURN_IF_ERROR(status);
  return FindOrgLocked(name);
}

Result<std::vector<Organization>> SqliteStore::ListOrgs() {
  std::lock_guard<std::mutex> lock(mu_);
  static const std::string kSql = std::string(kOrgColumns) + "ORDER BY o.name";
  Result<Statement*> query = Stmt(kSql.c_str());
  if (!query.ok()) return query.status();
  std::vector<Organization> orgs;
  while (true) {
    Result<bool> row = (*query)->Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    orgs.push_back(ReadOrg(**query));
  }
  (*query)->Reset();
  return orgs;
}

Result<Organization> SqliteStore::FindOrg(const std::string& name) {
  std::lock_guard<std::mutex> lock(mu_);
  return FindOrgLocked(name);
}

Result<Organization> SqliteStore::FindOrgLocked(const std::string& name) {
  static const std::string kSql =
      std::string(kOrgColumns) + "WHERE o.name = ?1";
  Result<Statement*> query = Stmt(kSql.c_str());
  if (!query.ok()) return query.status();
  (*query)->Bind(1, name);
  Result<bool> row = (*query)->Step();
  if (!row.ok()) return row.status();
  if (!*row) return NotFoundError("no organisation named '" + name + "'");
  Organization org = ReadOrg(**query);
  (*query)->Reset();
  return org;
}

// ---------------------------------------------------------------------------
// Tokens

Result<CreatedToken> SqliteStore::CreateToken(const TokenSpec& spec) {
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
  Result<Statement*> insert = Stmt(
      "INSERT INTO tokens (org_id, token_hash, prefix, created_at, "
      "expires_at, uses_left) VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
  if (!insert.ok()) return insert.status();
  (*insert)
      ->Bind(1, org->id)
      .Bind(2, pki::Sha256Hex(created.token))
      .Bind(3, std::string_view(created.token).substr(0, kTokenPrefixLength))
      .Bind(4, now)
      .Bind(5, OptionalSeconds(spec.expires_at))
      .Bind(6, spec.uses);
  MAMORI_RETURN_IF_ERROR(RunStmt(*insert));
  created.info.id = db_.LastInsertId();
  created.info.org = org->name;
  created.info.prefix = created.token.substr(0, kTokenPrefixLength);
  created.info.created_at = FromUnixSeconds(now);
  created.info.expires_at = spec.expires_at;
  created.info.uses_left = spec.uses;
  return created;
}

Result<std::vector<TokenInfo>> SqliteStore::ListTokens(const std::string& org) {
  std::lock_guard<std::mutex> lock(mu_);
  static const std::string kSql =
      std::string(kTokenSelect) +
      "WHERE ?1 = '' OR o.name = ?1 ORDER BY t.id DESC";
  if (!org.empty()) {
    Result<Organization> found = FindOrgLocked(org);
    if (!found.ok()) return found.status();
  }
  Result<Statement*> query = Stmt(kSql.c_str());
  if (!query.ok()) return query.status();
  (*query)->Bind(1, org);
  std::vector<TokenInfo> tokens;
  while (true) {
    Result<bool> row = (*query)->Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    tokens.push_back(ReadToken(**query));
  }
  (*query)->Reset();
  return tokens;
}

// ---------------------------------------------------------------------------
// Enrollment

Result<EnrollOutcome> SqliteStore::Enroll(const EnrollInput& input) {
  std::lock_guard<std::mutex> lock(mu_);
  const int64_t now = ToUnixSeconds(clock_.Now());
  Transaction tx(db_);
  MAMORI_RETURN_IF_ERROR(tx.Begin());

  Result<Statement*> token_query = Stmt(
      "SELECT t.id, t.org_id, o.name, t.expires_at, t.uses_left, t.revoked_at "
      "FROM tokens t JOIN organizations o ON o.id = t.org_id WHERE "
      "t.token_hash = ?1");
  if (!token_query.ok()) return token_query.status();
  Statement& tq = **token_query;
  tq.Bind(1, pki::Sha256Hex(input.token));
  Result<bool> found = tq.Step();
  if (!found.ok()) return found.status();
  if (!*found) return UnauthenticatedError("unknown enrollment token");
  const int64_t token_id = tq.ColumnInt(0);
  EnrollOutcome outcome;
  outcome.org_id = tq.ColumnInt(1);
  outcome.org_name = tq.ColumnText(2);
  TokenState token;
  token.expires_at = tq.ColumnOptionalInt(3);
  token.uses_left = tq.ColumnOptionalInt(4);
  token.revoked = !tq.ColumnIsNull(5);
  tq.Reset();
  MAMORI_RETURN_IF_ERROR(CheckTokenUsable(token, now));

  const HostIdentityData& id = input.identity;
  const IdentityKeys request{id.machine_id, id.smbios_uuid, id.serial};
  // The organisation's hosts sharing any identifier (DecideEnrollment
  // compares them; this only narrows the rows read, by the indexes).
  std::vector<KnownHost> candidates;
  {
    Result<Statement*> q = Stmt(
        "SELECT id, machine_id, smbios_uuid, serial, is_clone FROM hosts "
        "WHERE org_id = ?1 AND ((?2 <> '' AND machine_id = ?2) OR (?3 <> '' "
        "AND smbios_uuid = ?3) OR (?4 <> '' AND serial = ?4)) ORDER BY id");
    if (!q.ok()) return q.status();
    (*q)->Bind(1, outcome.org_id)
        .Bind(2, id.machine_id)
        .Bind(3, id.smbios_uuid)
        .Bind(4, id.serial);
    while (true) {
      Result<bool> row = (*q)->Step();
      if (!row.ok()) return row.status();
      if (!*row) break;
      candidates.push_back(
          {(*q)->ColumnInt(0),
           {(*q)->ColumnText(1), (*q)->ColumnText(2), (*q)->ColumnText(3)},
           (*q)->ColumnInt(4) != 0});
    }
    (*q)->Reset();
  }
  // Proof of the old node key: the host of this organisation named by the
  // request whose stored key hash equals the presented key's.
  std::optional<int64_t> proven_host;
  if (input.previous_host_id.has_value() &&
      !input.previous_node_key_hash.empty()) {
    Result<Statement*> q =
        Stmt("SELECT node_key_hash FROM hosts WHERE id = ?1 AND org_id = ?2");
    if (!q.ok()) return q.status();
    (*q)->Bind(1, *input.previous_host_id).Bind(2, outcome.org_id);
    Result<bool> row = (*q)->Step();
    if (!row.ok()) return row.status();
    if (*row && pki::ConstantTimeEquals((*q)->ColumnText(0),
                                        input.previous_node_key_hash)) {
      proven_host = input.previous_host_id;
    }
    (*q)->Reset();
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
    Result<Statement*> update = Stmt(
        "UPDATE hosts SET hostname = ?2, os_name = ?3, os_version = ?4, "
        "agent_version = ?5, machine_id = ?6, smbios_uuid = ?7, serial = ?8, "
        "macs = ?9, node_key_hash = ?10, token_id = ?11, enrolled_at = ?12, "
        "enroll_count = enroll_count + 1, last_seen = ?12 WHERE id = ?1");
    if (!update.ok()) return update.status();
    (*update)
        ->Bind(1, *reattach_to)
        .Bind(2, id.hostname)
        .Bind(3, input.os_name)
        .Bind(4, input.os_version)
        .Bind(5, input.agent_version)
        .Bind(6, id.machine_id)
        .Bind(7, id.smbios_uuid)
        .Bind(8, id.serial)
        .Bind(9, macs)
        .Bind(10, input.node_key_hash)
        .Bind(11, token_id)
        .Bind(12, now);
    MAMORI_RETURN_IF_ERROR(RunStmt(*update));
    outcome.host_id = *reattach_to;
    outcome.reattached = true;
  } else {
    Result<Statement*> insert = Stmt(
        "INSERT INTO hosts (org_id, hostname, os_name, os_version, "
        "agent_version, machine_id, smbios_uuid, serial, macs, is_clone, "
        "clone_of, node_key_hash, token_id, enrolled_at, first_seen, "
        "last_seen, duplicate_of) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, "
        "?10, ?11, ?12, ?13, ?14, ?14, ?14, ?15)");
    if (!insert.ok()) return insert.status();
    (*insert)
        ->Bind(1, outcome.org_id)
        .Bind(2, id.hostname)
        .Bind(3, input.os_name)
        .Bind(4, input.os_version)
        .Bind(5, input.agent_version)
        .Bind(6, id.machine_id)
        .Bind(7, id.smbios_uuid)
        .Bind(8, id.serial)
        .Bind(9, macs)
        .Bind(10, static_cast<int64_t>(clone_of.has_value() ? 1 : 0))
        .Bind(11, clone_of)
        .Bind(12, input.node_key_hash)
        .Bind(13, token_id)
        .Bind(14, now)
        .Bind(15, duplicate_of);
    MAMORI_RETURN_IF_ERROR(RunStmt(*insert));
    outcome.host_id = db_.LastInsertId();
    outcome.clone_suspected = clone_of.has_value();
    outcome.clone_of = clone_of;
    outcome.possible_duplicate_of = duplicate_of;
  }

  Result<Statement*> use = Stmt(
      "UPDATE tokens SET uses = uses + 1, uses_left = CASE WHEN uses_left IS "
      "NULL THEN NULL ELSE uses_left - 1 END WHERE id = ?1");
  if (!use.ok()) return use.status();
  (*use)->Bind(1, token_id);
  MAMORI_RETURN_IF_ERROR(RunStmt(*use));
  MAMORI_RETURN_IF_ERROR(tx.Commit());
  return outcome;
}

// ---------------------------------------------------------------------------
// Reports

std::vector<Result<ReportResult>> SqliteStore::StoreReports(
    std::span<const ReportInput> reports) {
  std::lock_guard<std::mutex> lock(mu_);
  const int64_t now = ToUnixSeconds(clock_.Now());
  // Fast path: the whole batch in one transaction without savepoints. A
  // savepoint per report made SQLite copy every page a report touched into
  // its statement journal (≈30 % of a first report with 1,500 packages).
  // StoreOneReport decides duplicates, missing parts and refusals before
  // writing anything, so only an error after a write needs isolating: then
  // the batch is rolled back and stored again with a savepoint per report.
  std::optional<std::vector<Result<ReportResult>>> fast =
      StoreBatch(reports, now, /*isolate=*/false);
  if (fast.has_value()) return std::move(fast).value();
  return std::move(StoreBatch(reports, now, /*isolate=*/true)).value();
}

std::optional<std::vector<Result<ReportResult>>> SqliteStore::StoreBatch(
    std::span<const ReportInput> reports, int64_t now, bool isolate) {
  std::vector<Result<ReportResult>> results;
  results.reserve(reports.size());
  std::vector<std::string> batch_package_keys;
  // Packages inserted by the batch (or one report) that was rolled back are
  // gone from the table, so their ids must leave the cache too.
  auto forget = [this](const std::vector<std::string>& keys) {
    for (const std::string& key : keys) package_ids_.Erase(key);
  };
  auto run = [this](const char* sql) -> Status {
    Result<Statement*> statement = Stmt(sql);
    if (!statement.ok()) return statement.status();
    return RunStmt(*statement);
  };

  pending_flags_.clear();
  Transaction tx(db_);
  Status begun = tx.Begin();
  if (!begun.ok()) {
    for (size_t i = 0; i < reports.size(); ++i) results.emplace_back(begun);
    return results;
  }
  for (const ReportInput& report : reports) {
    report_package_keys_.clear();
    report_wrote_ = false;
    if (!isolate) {
      Result<ReportResult> result = StoreOneReport(report, now);
      batch_package_keys.insert(batch_package_keys.end(),
                                report_package_keys_.begin(),
                                report_package_keys_.end());
      if (!result.ok() && report_wrote_) {
        // Rolled back by tx's destructor; the caller stores the batch again
        // with a savepoint per report.
        forget(batch_package_keys);
        report_package_keys_.clear();
        return std::nullopt;
      }
      results.push_back(std::move(result));
      continue;
    }
    // Savepoints are prepared statements: parsing SAVEPOINT/RELEASE for
    // every report cost more than a steady report's own statements.
    Status started = run("SAVEPOINT report");
    Result<ReportResult> result = started.ok() ? StoreOneReport(report, now)
                                               : Result<ReportResult>(started);
    if (started.ok()) {
      bool keep = result.ok();
      if (keep) {
        Status released = run("RELEASE report");
        if (!released.ok()) {
          result = released;
          keep = false;
        }
      }
      if (!keep) {
        (void)run("ROLLBACK TO report");
        (void)run("RELEASE report");
        forget(report_package_keys_);
      } else {
        batch_package_keys.insert(batch_package_keys.end(),
                                  report_package_keys_.begin(),
                                  report_package_keys_.end());
      }
    }
    results.push_back(std::move(result));
  }
  report_package_keys_.clear();
  Status flagged = WritePendingFlags(now);
  Status committed = flagged.ok() ? tx.Commit() : flagged;
  if (!committed.ok()) {
    forget(batch_package_keys);
    for (auto& result : results) {
      result = Status(committed.code() == StatusCode::kInternal
                          ? StatusCode::kUnavailable
                          : committed.code(),
                      "could not commit reports: " + committed.message());
    }
  }
  return results;
}

Result<ReportResult> SqliteStore::StoreOneReport(const ReportInput& report,
                                                 int64_t now) {
  // Authenticate and read the stored part digests in one statement: the
  // host row, then one row per family it holds. The same message for an
  // unknown host and a wrong key. BEGIN IMMEDIATE holds the write lock, so
  // what is read here stays true until this batch commits.
  Result<Statement*> host_query = Stmt(
      "SELECT h.org_id, h.node_key_hash, f.family, f.sha256, f.rowid, "
      "h.facts_vouched_at, h.hostname, h.machine_id, h.smbios_uuid, "
      "h.serial, h.macs FROM hosts h LEFT JOIN host_facts f ON f.host_id = "
      "h.id WHERE h.id = ?1");
  if (!host_query.ok()) return host_query.status();
  Statement& hq = **host_query;
  hq.Bind(1, report.host_id);
  // The stored digests go to the ingest rule (store/ingest_plan.h).
  IngestPlanner planner(report);
  int64_t org_id = 0;
  bool key_ok = false;
  bool found = false;
  std::optional<int64_t> vouched_at;
  HostIdentityData enrolled;
  while (true) {
    Result<bool> row = hq.Step();
    if (!row.ok()) {
      hq.Reset();
      return row.status();
    }
    if (!*row) break;
    if (!found) {
      found = true;
      org_id = hq.ColumnInt(0);
      key_ok = !report.node_key_hash.empty() &&
               pki::ConstantTimeEquals(hq.ColumnView(1), report.node_key_hash);
      vouched_at = hq.ColumnOptionalInt(5);
      enrolled = {hq.ColumnText(6), hq.ColumnText(7), hq.ColumnText(8),
                  hq.ColumnText(9), SplitMacs(hq.ColumnText(10))};
    }
    if (hq.ColumnIsNull(2)) continue;  // a host without facts yet
    planner.AddStored(hq.ColumnView(2), hq.ColumnView(3), hq.ColumnInt(4));
  }
  hq.Reset();
  if (found && !key_ok && report.authenticated_by_certificate) {
    Result<bool> current = CertificateIsCurrent(report);  // sqlite_auth.cpp
    if (!current.ok()) return current.status();
    key_ok = *current;
  }
  if (!found || !key_ok) {
    return UnauthenticatedError("unknown host id or wrong node key");
  }
  // The right key from another machine: a copied state directory.
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
  // Nothing is written until the report is known to be stored: duplicates,
  // reports missing parts and refusals leave no trace without a savepoint.
  // Every unchanged part must match what we hold, or nothing is stored.
  IngestPlan plan = planner.Finish(vouched_at);
  result.missing_parts = std::move(plan.missing_parts);
  if (!result.missing_parts.empty()) {
    // A report id seen before is a duplicate whatever its parts say.
    Result<Statement*> seen_query =
        Stmt("SELECT 1 FROM reports WHERE host_id = ?1 AND report_id = ?2");
    if (!seen_query.ok()) return seen_query.status();
    (*seen_query)->Bind(1, report.host_id).Bind(2, report.report_id);
    Result<bool> seen = (*seen_query)->Step();
    (*seen_query)->Reset();
    if (!seen.ok()) return seen.status();
    if (*seen) {
      result.missing_parts.clear();
      result.outcome = ReportOutcome::kDuplicate;
    } else {
      result.outcome = ReportOutcome::kNeedParts;
    }
    return result;
  }

  // Idempotency: for a report id seen before the insert does nothing.
  Result<Statement*> insert_report = Stmt(
      "INSERT INTO reports (org_id, host_id, report_id, collected_at, "
      "received_at) VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (host_id, "
      "report_id) DO NOTHING");
  if (!insert_report.ok()) return insert_report.status();
  (*insert_report)
      ->Bind(1, org_id)
      .Bind(2, report.host_id)
      .Bind(3, report.report_id)
      .Bind(4, report.collected_at)
      .Bind(5, now);
  MAMORI_RETURN_IF_ERROR(RunStmt(*insert_report));
  if (db_.Changes() == 0) {
    result.outcome = ReportOutcome::kDuplicate;
    return result;
  }
  report_wrote_ = true;
  const int64_t report_row = db_.LastInsertId();

  // Families whose digest equals the stored one only have collected_at
  // moved forward (plan.touches): one statement per distinct collected_at
  // (usually one per report) instead of one per family, by the row ids read
  // above (by rowid: SQLite would otherwise walk gfact_host_facts_collected,
  // an index on the column being updated, and go two-pass). The statement
  // must change exactly the rows named, or the report fails. A host stamped
  // as vouched for (fact_collected, core migration 4) needs no row written
  // for the families the report found unchanged at its own collected_at.
  const bool stamp_host = plan.stamp_host;
  const std::vector<IngestPlan::Touch>& touches = plan.touches;
  const std::vector<int64_t>& family_unchanged = plan.unchanged_family_ref;
  constexpr int kTouchSlots = 16;
  Result<Statement*> touch = Stmt(
      "UPDATE host_facts SET collected_at = ?2, written_report = ?19 WHERE "
      "rowid IN (?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, "
      "?16, ?17, ?18) AND +host_id = ?1");
  if (!touch.ok()) return touch.status();
  std::vector<char> touched(touches.size(), 0);
  for (size_t first = 0; first < touches.size(); ++first) {
    if (touched[first] != 0) continue;
    Statement& t = **touch;
    t.Bind(1, report.host_id)
        .Bind(2, touches[first].collected_at)
        .Bind(19, report_row);
    int slots = 0;
    for (size_t i = first; i < touches.size() && slots < kTouchSlots; ++i) {
      if (touched[i] != 0 ||
          touches[i].collected_at != touches[first].collected_at) {
        continue;
      }
      t.Bind(3 + slots, touches[i].ref);
      touched[i] = 1;
      ++slots;
    }
    // Unbound slots are NULL, which no row id equals.
    MAMORI_RETURN_IF_ERROR(RunStmt(&t));
    if (db_.Changes() != slots) {
      return InternalError("facts of host " + std::to_string(report.host_id) +
                           " changed while its report was stored");
    }
  }

  Result<Statement*> upsert = Stmt(
      "INSERT INTO host_facts (org_id, host_id, family, state, collected_at, "
      "payload_json, sha256, updated_at, written_report) VALUES (?1, ?2, ?3, "
      "?4, ?5, ?6, ?7, ?8, ?9) ON CONFLICT (host_id, family) DO UPDATE SET "
      "state = excluded.state, collected_at = excluded.collected_at, "
      "payload_json = excluded.payload_json, sha256 = excluded.sha256, "
      "updated_at = excluded.updated_at, written_report = "
      "excluded.written_report");
  if (!upsert.ok()) return upsert.status();
  Result<Statement*> history = Stmt(
      "INSERT INTO fact_history (org_id, host_id, family, state, changed_at, "
      "received_at, payload_json, sha256) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, "
      "?8)");
  if (!history.ok()) return history.status();

  for (size_t i = 0; i < report.families.size(); ++i) {
    if (family_unchanged[i] != 0) continue;
    const FamilyUpdate& family = report.families[i];
    Result<std::string> payload = family.Payload();
    if (!payload.ok()) return payload.status();
    (*upsert)
        ->Bind(1, org_id)
        .Bind(2, report.host_id)
        .Bind(3, family.family)
        .Bind(4, family.state)
        .Bind(5, family.collected_at)
        .Bind(6, *payload)
        .Bind(7, family.sha256)
        .Bind(8, now)
        .Bind(9, report_row);
    MAMORI_RETURN_IF_ERROR(RunStmt(*upsert));
    (*history)
        ->Bind(1, org_id)
        .Bind(2, report.host_id)
        .Bind(3, family.family)
        .Bind(4, family.state)
        .Bind(5, family.collected_at)
        .Bind(6, now)
        .Bind(7, *payload)
        .Bind(8, family.sha256);
    MAMORI_RETURN_IF_ERROR(RunStmt(*history));
    if (family.family == "packages") {
      MAMORI_RETURN_IF_ERROR(StorePackages(org_id, report, now));
    }
  }

  Result<Statement*> update_host = Stmt(
      "UPDATE hosts SET last_seen = ?2, last_collected_at = coalesce(?3, "
      "last_collected_at), reports_stored = reports_stored + 1, "
      "dropped_reports = dropped_reports + ?4, hostname = CASE WHEN ?5 = '' "
      "THEN hostname ELSE ?5 END, os_name = CASE WHEN ?6 = '' THEN os_name "
      "ELSE ?6 END, os_version = CASE WHEN ?7 = '' THEN os_version ELSE ?7 "
      "END, agent_version = CASE WHEN ?8 = '' THEN agent_version ELSE ?8 END, "
      "facts_vouched_at = CASE WHEN ?9 THEN ?3 ELSE facts_vouched_at END, "
      "facts_vouched_report = CASE WHEN ?9 THEN ?10 ELSE "
      "facts_vouched_report END WHERE id = ?1");
  if (!update_host.ok()) return update_host.status();
  // dropped_reports is bounded by validation, so the cast cannot wrap.
  (*update_host)
      ->Bind(1, report.host_id)
      .Bind(2, now)
      .Bind(3, report.collected_at)
      .Bind(4, static_cast<int64_t>(report.dropped_reports))
      .Bind(5, report.hostname)
      .Bind(6, report.os_name)
      .Bind(7, report.os_version)
      .Bind(8, report.agent_version)
      .Bind(9, static_cast<int64_t>(stamp_host ? 1 : 0))
      .Bind(10, report_row);
  MAMORI_RETURN_IF_ERROR(RunStmt(*update_host));
  if (report.clock_ahead_seconds) {
    MAMORI_RETURN_IF_ERROR(RecordEvidenceFlag(
        {report.host_id, org_id, kFlagClockAhead,
         "report " + report.report_id + ": collected_at was " +
             std::to_string(*report.clock_ahead_seconds) +
             " s ahead of the collector's clock; stored as received"},
        now));
  }
  result.outcome = ReportOutcome::kStored;
  return result;
}

Result<int64_t> SqliteStore::PackageId(const PackageRow& row) {
  std::string key = PackageKey(row);
  if (const int64_t* cached = package_ids_.Find(key)) return *cached;
  Result<Statement*> select = Stmt(
      "SELECT id FROM packages WHERE name = ?1 AND version = ?2 AND "
      "architecture = ?3 AND source = ?4 AND publisher = ?5");
  if (!select.ok()) return select.status();
  (*select)
      ->Bind(1, row.name)
      .Bind(2, row.version)
      .Bind(3, row.architecture)
      .Bind(4, row.source)
      .Bind(5, row.publisher);
  Result<bool> found = (*select)->Step();
  if (!found.ok()) return found.status();
  int64_t id = 0;
  if (*found) {
    id = (*select)->ColumnInt(0);
    (*select)->Reset();
  } else {
    (*select)->Reset();
    Result<Statement*> insert = Stmt(
        "INSERT INTO packages (name, version, architecture, source, "
        "publisher) VALUES (?1, ?2, ?3, ?4, ?5)");
    if (!insert.ok()) return insert.status();
    (*insert)
        ->Bind(1, row.name)
        .Bind(2, row.version)
        .Bind(3, row.architecture)
        .Bind(4, row.source)
        .Bind(5, row.publisher);
    MAMORI_RETURN_IF_ERROR(RunStmt(*insert));
    id = db_.LastInsertId();
    report_package_keys_.push_back(key);
  }
  package_ids_.Put(key, id);
  return id;
}

Status SqliteStore::StorePackages(int64_t org_id, const ReportInput& report,
                                  int64_t now) {
  // Links are compared as sorted vectors keyed by (package id, scope): for
  // a first list of 1,500 packages, maps with a node per link cost more
  // than the SQL that stores them.
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

  std::vector<OldLink> old_links;
  Result<Statement*> current = Stmt(
      "SELECT hp.package_id, hp.scope, p.name, p.architecture, p.version FROM "
      "host_packages hp JOIN packages p ON p.id = hp.package_id WHERE "
      "hp.host_id = ?1");
  if (!current.ok()) return current.status();
  (*current)->Bind(1, report.host_id);
  while (true) {
    Result<bool> row = (*current)->Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    old_links.push_back({(*current)->ColumnInt(0), (*current)->ColumnText(1),
                         (*current)->ColumnText(2), (*current)->ColumnText(3),
                         (*current)->ColumnText(4)});
  }
  (*current)->Reset();
  std::sort(old_links.begin(), old_links.end(),
            [&](const OldLink& a, const OldLink& b) {
              return compare(a.package_id, a.scope, b.package_id, b.scope) < 0;
            });
  const bool first_list = old_links.empty();

  std::vector<NewLink> new_links;
  new_links.reserve(report.packages.size());
  for (const PackageRow& row : report.packages) {
    Result<int64_t> id = PackageId(row);
    if (!id.ok()) return id.status();
    new_links.push_back({*id, &row});
  }
  // A package listed twice in one scope is linked once (its first listing).
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

  Result<Statement*> unlink = Stmt(
      "DELETE FROM host_packages WHERE host_id = ?1 AND package_id = ?2 AND "
      "scope = ?3");
  if (!unlink.ok()) return unlink.status();

  // name/arch → versions before and after, for the change log.
  std::map<std::pair<std::string, std::string>,
           std::pair<std::set<std::string>, std::set<std::string>>>
      changes;
  // New links in key order (package id, scope), so the inserts into the
  // host's part of the primary key stay on neighbouring pages.
  std::vector<const NewLink*> to_link;
  to_link.reserve(new_links.size());
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
    if (order == 0) {  // linked before and now
      ++old_index;
      ++new_index;
    } else if (order < 0) {  // gone
      const OldLink& o = old_links[old_index++];
      (*unlink)->Bind(1, report.host_id).Bind(2, o.package_id).Bind(3, o.scope);
      MAMORI_RETURN_IF_ERROR(RunStmt(*unlink));
      changes[{o.name, o.architecture}].first.insert(o.version);
    } else {  // new
      const NewLink& n = new_links[new_index++];
      to_link.push_back(&n);
      // A host's first list is its baseline, not a change.
      if (!first_list) {
        changes[{n.row->name, n.row->architecture}].second.insert(
            n.row->version);
      }
    }
  }
  size_t next = 0;
  for (size_t chunk : kLinkChunks) {
    for (; to_link.size() - next >= chunk; next += chunk) {
      Result<Statement*> link = Stmt(LinkInsertSql(chunk));
      if (!link.ok()) return link.status();
      for (size_t i = 0; i < chunk; ++i) {
        const NewLink& n = *to_link[next + i];
        const int base = static_cast<int>(5 * i);
        (*link)
            ->Bind(base + 1, org_id)
            .Bind(base + 2, report.host_id)
            .Bind(base + 3, n.package_id)
            .Bind(base + 4, n.row->scope)
            .Bind(base + 5, n.row->install_time);
      }
      MAMORI_RETURN_IF_ERROR(RunStmt(*link));
    }
  }
  if (first_list) return Status::Ok();

  Result<Statement*> change = Stmt(
      "INSERT INTO package_changes (org_id, host_id, name, architecture, "
      "old_version, new_version, changed_at, received_at) VALUES (?1, ?2, "
      "?3, ?4, ?5, ?6, ?7, ?8)");
  if (!change.ok()) return change.status();
  for (const auto& [name_arch, versions] : changes) {
    const auto& [removed, added] = versions;
    std::optional<std::string> old_version;
    std::optional<std::string> new_version;
    if (!removed.empty()) old_version = *removed.rbegin();
    if (!added.empty()) new_version = *added.rbegin();
    (*change)
        ->Bind(1, org_id)
        .Bind(2, report.host_id)
        .Bind(3, name_arch.first)
        .Bind(4, name_arch.second);
    if (old_version) {
      (*change)->Bind(5, *old_version);
    } else {
      (*change)->BindNull(5);
    }
    if (new_version) {
      (*change)->Bind(6, *new_version);
    } else {
      (*change)->BindNull(6);
    }
    (*change)->Bind(7, report.collected_at).Bind(8, now);
    MAMORI_RETURN_IF_ERROR(RunStmt(*change));
  }
  return Status::Ok();
}

// ---------------------------------------------------------------------------
// Reads

Result<std::vector<HostRecord>> SqliteStore::ListHosts(
    const std::string& org, std::chrono::seconds stale_after) {
  std::lock_guard<std::mutex> lock(mu_);
  Result<Organization> found = FindOrgLocked(org);
  if (!found.ok()) return found.status();
  Result<Statement*> query = Stmt(
      "SELECT id, org_id, hostname, os_name, os_version, agent_version, "
      "machine_id, smbios_uuid, serial, macs, is_clone, clone_of, "
      "enrolled_at, enroll_count, first_seen, last_seen, last_collected_at, "
      "reports_stored, dropped_reports, duplicate_of FROM hosts WHERE "
      "org_id = ?1 ORDER BY id");
  if (!query.ok()) return query.status();
  Statement& s = **query;
  s.Bind(1, found->id);
  const int64_t now = ToUnixSeconds(clock_.Now());
  std::vector<HostRecord> hosts;
  while (true) {
    Result<bool> row = s.Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    HostRecord h;
    h.id = s.ColumnInt(0);
    h.org_id = s.ColumnInt(1);
    h.hostname = s.ColumnText(2);
    h.os_name = s.ColumnText(3);
    h.os_version = s.ColumnText(4);
    h.agent_version = s.ColumnText(5);
    h.identity.hostname = h.hostname;
    h.identity.machine_id = s.ColumnText(6);
    h.identity.smbios_uuid = s.ColumnText(7);
    h.identity.serial = s.ColumnText(8);
    h.identity.macs = SplitComma(s.ColumnText(9));
    h.is_clone = s.ColumnInt(10) != 0;
    h.clone_of = s.ColumnOptionalInt(11);
    h.enrolled_at = FromUnixSeconds(s.ColumnInt(12));
    h.enroll_count = s.ColumnInt(13);
    h.first_seen = FromUnixSeconds(s.ColumnInt(14));
    h.last_seen = FromUnixSeconds(s.ColumnInt(15));
    h.last_collected_at = OptionalTime(s.ColumnOptionalInt(16));
    h.reports_stored = s.ColumnInt(17);
    h.dropped_reports = s.ColumnInt(18);
    h.possible_duplicate_of = s.ColumnOptionalInt(19);
    h.stale = now - s.ColumnInt(15) > stale_after.count();
    hosts.push_back(std::move(h));
  }
  s.Reset();
  return hosts;
}

namespace {
constexpr char kHostInOrg[] =
    "SELECT h.id FROM hosts h JOIN organizations o ON o.id = h.org_id WHERE "
    "o.name = ?1 AND h.id = ?2";
}  // namespace

Result<std::vector<FamilyRecord>> SqliteStore::HostFacts(const std::string& org,
                                                         int64_t host_id) {
  std::lock_guard<std::mutex> lock(mu_);
  Result<Statement*> check = Stmt(kHostInOrg);
  if (!check.ok()) return check.status();
  (*check)->Bind(1, org).Bind(2, host_id);
  Result<bool> in_org = (*check)->Step();
  (*check)->Reset();
  if (!in_org.ok()) return in_org.status();
  if (!*in_org) {
    return NotFoundError("no host " + std::to_string(host_id) +
                         " in organisation '" + org + "'");
  }
  Result<Statement*> query = Stmt(
      "SELECT f.family, f.state, c.collected_at, f.payload_json, f.sha256, "
      "f.updated_at FROM host_facts f JOIN fact_collected c ON c.host_id = "
      "f.host_id AND c.family = f.family WHERE f.host_id = ?1 ORDER BY "
      "f.family");
  if (!query.ok()) return query.status();
  Statement& s = **query;
  s.Bind(1, host_id);
  std::vector<FamilyRecord> facts;
  while (true) {
    Result<bool> row = s.Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    facts.push_back({s.ColumnText(0), s.ColumnText(1),
                     OptionalTime(s.ColumnOptionalInt(2)), s.ColumnText(3),
                     s.ColumnText(4), FromUnixSeconds(s.ColumnInt(5))});
  }
  s.Reset();
  return facts;
}

Result<std::vector<FactChange>> SqliteStore::FactHistory(
    const std::string& org, int64_t host_id, const std::string& family) {
  std::lock_guard<std::mutex> lock(mu_);
  Result<Statement*> query = Stmt(
      "SELECT f.family, f.state, f.changed_at, f.received_at, f.payload_json, "
      "f.sha256 FROM fact_history f JOIN organizations o ON o.id = f.org_id "
      "WHERE o.name = ?1 AND f.host_id = ?2 AND f.family = ?3 ORDER BY f.id");
  if (!query.ok()) return query.status();
  Statement& s = **query;
  s.Bind(1, org).Bind(2, host_id).Bind(3, family);
  std::vector<FactChange> changes;
  while (true) {
    Result<bool> row = s.Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    changes.push_back(
        {s.ColumnText(0), s.ColumnText(1), OptionalTime(s.ColumnOptionalInt(2)),
         FromUnixSeconds(s.ColumnInt(3)), s.ColumnText(4), s.ColumnText(5)});
  }
  s.Reset();
  return changes;
}

Result<std::vector<PackageRow>> SqliteStore::HostPackages(
    const std::string& org, int64_t host_id) {
  std::lock_guard<std::mutex> lock(mu_);
  Result<Statement*> query = Stmt(
      "SELECT p.name, p.version, p.architecture, p.source, p.publisher, "
      "hp.scope, hp.install_time FROM host_packages hp JOIN packages p ON "
      "p.id = hp.package_id JOIN organizations o ON o.id = hp.org_id WHERE "
      "o.name = ?1 AND hp.host_id = ?2 ORDER BY p.name, p.architecture, "
      "p.version");
  if (!query.ok()) return query.status();
  Statement& s = **query;
  s.Bind(1, org).Bind(2, host_id);
  std::vector<PackageRow> rows;
  while (true) {
    Result<bool> row = s.Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    rows.push_back({s.ColumnText(0), s.ColumnText(1), s.ColumnText(2),
                    s.ColumnText(3), s.ColumnText(4), s.ColumnText(5),
                    s.ColumnOptionalInt(6)});
  }
  s.Reset();
  return rows;
}

Result<std::vector<PackageChange>> SqliteStore::PackageHistory(
    const std::string& org, int64_t host_id) {
  std::lock_guard<std::mutex> lock(mu_);
  Result<Statement*> query = Stmt(
      "SELECT c.name, c.architecture, c.old_version, c.new_version, "
      "c.changed_at FROM package_changes c JOIN organizations o ON o.id = "
      "c.org_id WHERE o.name = ?1 AND c.host_id = ?2 ORDER BY c.id");
  if (!query.ok()) return query.status();
  Statement& s = **query;
  s.Bind(1, org).Bind(2, host_id);
  std::vector<PackageChange> changes;
  while (true) {
    Result<bool> row = s.Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    PackageChange c;
    c.name = s.ColumnText(0);
    c.architecture = s.ColumnText(1);
    if (!s.ColumnIsNull(2)) c.old_version = s.ColumnText(2);
    if (!s.ColumnIsNull(3)) c.new_version = s.ColumnText(3);
    c.changed_at = OptionalTime(s.ColumnOptionalInt(4));
    changes.push_back(std::move(c));
  }
  s.Reset();
  return changes;
}

Status SqliteStore::CreateAdmin(const std::string& name,
                                const std::string& password_hash) {
  std::lock_guard<std::mutex> lock(mu_);
  Result<Statement*> insert = Stmt(
      "INSERT INTO admin_accounts (name, password_hash, created_at) VALUES "
      "(?1, ?2, ?3)");
  if (!insert.ok()) return insert.status();
  (*insert)
      ->Bind(1, name)
      .Bind(2, password_hash)
      .Bind(3, ToUnixSeconds(clock_.Now()));
  Status status = RunStmt(*insert);
  if (status.code() == StatusCode::kAborted) {
    return AlreadyExistsError("admin account '" + name + "' already exists");
  }
  return status;
}

}  // namespace mamori::store
