#include "collector/store/postgres/pg_account_store.h"

#include <algorithm>

#include "collector/store/postgres/pg_audit_rows.h"

namespace mamori::store::pg {
namespace {

// An account's organisations come with it as a bigint[] (one round trip).
#define MAMORI_ACCOUNT_COLUMNS                                             \
  "SELECT a.id, a.name, a.role, a.password_hash, a.must_change_password, " \
  "a.disabled, a.created_at, a.password_changed_at, "                      \
  "ARRAY(SELECT o.org_id FROM console_account_orgs o "                     \
  "WHERE o.account_id = a.id ORDER BY o.org_id) FROM console_accounts a "

constexpr char kAccountById[] = MAMORI_ACCOUNT_COLUMNS "WHERE a.id = $1";
constexpr char kAccountByName[] = MAMORI_ACCOUNT_COLUMNS "WHERE a.name = $1";
constexpr char kAllAccounts[] = MAMORI_ACCOUNT_COLUMNS "ORDER BY a.name";
#undef MAMORI_ACCOUNT_COLUMNS

Account AccountFromRow(const Rows& rows, int r) {
  Account a;
  a.id = rows.Int(r, 0);
  a.name = rows.Text(r, 1);
  a.role = ParseRole(rows.View(r, 2)).value_or(Role::kViewer);
  a.password_hash = rows.Text(r, 3);
  a.must_change_password = rows.Int(r, 4) != 0;
  a.disabled = rows.Int(r, 5) != 0;
  a.created_at = FromUnixSeconds(rows.Int(r, 6));
  if (std::optional<int64_t> t = rows.OptionalInt(r, 7)) {
    a.password_changed_at = FromUnixSeconds(*t);
  }
  a.org_ids = ParseIntArray(rows.View(r, 8));
  return a;
}

#define MAMORI_TOKEN_COLUMNS                                      \
  "SELECT t.id, t.account_id, a.name, t.name, t.prefix, t.role, " \
  "t.org_ids, t.created_at, t.expires_at, t.revoked_at "          \
  "FROM console_api_tokens t JOIN console_accounts a ON a.id = "  \
  "t.account_id "

constexpr char kTokenById[] = MAMORI_TOKEN_COLUMNS "WHERE t.id = $1";
constexpr char kTokenByHash[] = MAMORI_TOKEN_COLUMNS "WHERE t.token_hash = $1";
constexpr char kTokensOfAccount[] =
    MAMORI_TOKEN_COLUMNS "WHERE t.account_id = $1 ORDER BY t.id DESC";
#undef MAMORI_TOKEN_COLUMNS

}  // namespace

Result<std::unique_ptr<PgAccountStore>> PgAccountStore::Open(
    const std::string& url) {
  Result<Connection> conn = Connection::Open(url);
  if (!conn.ok()) return conn.status();
  return std::unique_ptr<PgAccountStore>(
      new PgAccountStore(std::move(conn).value()));
}

Result<Account> PgAccountStore::FindLocked(int64_t id, std::string_view name) {
  Result<Rows> rows = name.empty()
                          ? conn_.Query(kAccountById, Params().Add(id))
                          : conn_.Query(kAccountByName, Params().Add(name));
  if (!rows.ok()) return rows.status();
  if (rows->size() == 0) return NotFoundError("no such account");
  return AccountFromRow(*rows, 0);
}

Result<Account> PgAccountStore::CreateAccount(const NewAccount& account,
                                              TimePoint now) {
  std::lock_guard<std::mutex> lock(mu_);
  int64_t id = 0;
  {
    Transaction tx(conn_);
    MAMORI_RETURN_IF_ERROR(tx.Begin());
    Result<Rows> inserted = conn_.Query(
        "INSERT INTO console_accounts (name, role, password_hash, "
        "must_change_password, created_at) VALUES ($1, $2, $3, $4, $5) "
        "RETURNING id",
        Params()
            .Add(account.name)
            .Add(RoleName(account.role))
            .Add(account.password_hash)
            .Add(account.must_change_password)
            .Add(ToUnixSeconds(now)));
    if (inserted.status().code() == StatusCode::kAlreadyExists) {
      return AlreadyExistsError("an account named '" + account.name +
                                "' already exists");
    }
    if (!inserted.ok()) return inserted.status();
    id = inserted->Int(0, 0);
    for (int64_t org_id : account.org_ids) {
      // Checked first so the error names the organisation, as SQLite's does.
      Result<Rows> org = conn_.Query(
          "SELECT 1 FROM organizations WHERE id = $1", Params().Add(org_id));
      if (!org.ok()) return org.status();
      if (org->size() == 0) {
        return NotFoundError("no organisation with id " +
                             std::to_string(org_id));
      }
      Result<Rows> link = conn_.Query(
          "INSERT INTO console_account_orgs (account_id, org_id) VALUES "
          "($1, $2) ON CONFLICT DO NOTHING",
          Params().Add(id).Add(org_id));
      if (!link.ok()) return link.status();
    }
    MAMORI_RETURN_IF_ERROR(tx.Commit());
  }
  return FindLocked(id, "");
}

Result<Account> PgAccountStore::FindAccount(std::string_view name) {
  std::lock_guard<std::mutex> lock(mu_);
  if (name.empty()) return NotFoundError("no such account");
  return FindLocked(0, name);
}

Result<Account> PgAccountStore::FindAccountById(int64_t id) {
  std::lock_guard<std::mutex> lock(mu_);
  return FindLocked(id, "");
}

Result<std::vector<Account>> PgAccountStore::ListAccounts(
    const OrgScope& scope) {
  std::lock_guard<std::mutex> lock(mu_);
  Result<Rows> rows = conn_.Query(kAllAccounts);
  if (!rows.ok()) return rows.status();
  std::vector<Account> visible;
  for (int r = 0; r < rows->size(); ++r) {
    Account a = AccountFromRow(*rows, r);
    bool shares = scope.all;
    for (int64_t org : a.org_ids) shares = shares || scope.Allows(org);
    if (shares) visible.push_back(std::move(a));
  }
  return visible;
}

Status PgAccountStore::SetPassword(int64_t account_id, const std::string& hash,
                                   bool must_change, TimePoint now) {
  std::lock_guard<std::mutex> lock(mu_);
  Result<Rows> updated = conn_.Query(
      "UPDATE console_accounts SET password_hash = $2, "
      "must_change_password = $3, password_changed_at = $4 WHERE id = $1",
      Params()
          .Add(account_id)
          .Add(hash)
          .Add(must_change)
          .Add(ToUnixSeconds(now)));
  if (!updated.ok()) return updated.status();
  if (updated->Affected() == 0) return NotFoundError("no such account");
  return Status::Ok();
}

Status PgAccountStore::SetDisabled(int64_t account_id, bool disabled) {
  std::lock_guard<std::mutex> lock(mu_);
  Result<Rows> updated =
      conn_.Query("UPDATE console_accounts SET disabled = $2 WHERE id = $1",
                  Params().Add(account_id).Add(disabled));
  if (!updated.ok()) return updated.status();
  if (updated->Affected() == 0) return NotFoundError("no such account");
  return Status::Ok();
}

Result<std::vector<ApiToken>> PgAccountStore::TokensFrom(const Rows& rows) {
  std::vector<ApiToken> tokens;
  for (int r = 0; r < rows.size(); ++r) {
    ApiToken t;
    t.id = rows.Int(r, 0);
    t.account_id = rows.Int(r, 1);
    t.account_name = rows.Text(r, 2);
    t.name = rows.Text(r, 3);
    t.prefix = rows.Text(r, 4);
    t.role = ParseRole(rows.View(r, 5)).value_or(Role::kViewer);
    t.org_ids = ParseIntArray(rows.View(r, 6));
    t.created_at = FromUnixSeconds(rows.Int(r, 7));
    t.expires_at = FromUnixSeconds(rows.Int(r, 8));
    if (std::optional<int64_t> revoked = rows.OptionalInt(r, 9)) {
      t.revoked_at = FromUnixSeconds(*revoked);
    }
    tokens.push_back(std::move(t));
  }
  return tokens;
}

Result<ApiToken> PgAccountStore::CreateApiToken(const NewApiToken& token,
                                                TimePoint now) {
  std::lock_guard<std::mutex> lock(mu_);
  Result<Rows> inserted = conn_.Query(
      "INSERT INTO console_api_tokens (account_id, name, token_hash, prefix, "
      "role, org_ids, created_at, expires_at) "
      "SELECT id, $2, $3, $4, $5, $6::bigint[], $7, $8 FROM console_accounts "
      "WHERE id = $1 RETURNING id",
      Params()
          .Add(token.account_id)
          .Add(token.name)
          .Add(token.token_hash)
          .Add(token.prefix)
          .Add(RoleName(token.role))
          .Add(IntArray(token.org_ids))
          .Add(ToUnixSeconds(now))
          .Add(ToUnixSeconds(token.expires_at)));
  if (!inserted.ok()) return inserted.status();
  if (inserted->size() == 0) return NotFoundError("no such account");
  Result<Rows> rows =
      conn_.Query(kTokenById, Params().Add(inserted->Int(0, 0)));
  if (!rows.ok()) return rows.status();
  Result<std::vector<ApiToken>> found = TokensFrom(*rows);
  if (!found.ok()) return found.status();
  if (found->empty()) return InternalError("stored API token vanished");
  return std::move(found->front());
}

Result<ApiToken> PgAccountStore::FindApiToken(const std::string& token_hash) {
  std::lock_guard<std::mutex> lock(mu_);
  if (token_hash.empty()) return NotFoundError("no such API token");
  Result<Rows> rows = conn_.Query(kTokenByHash, Params().Add(token_hash));
  if (!rows.ok()) return rows.status();
  Result<std::vector<ApiToken>> found = TokensFrom(*rows);
  if (!found.ok()) return found.status();
  if (found->empty()) return NotFoundError("no such API token");
  return std::move(found->front());
}

Result<std::vector<ApiToken>> PgAccountStore::ListApiTokens(
    int64_t account_id) {
  std::lock_guard<std::mutex> lock(mu_);
  Result<Rows> rows = conn_.Query(kTokensOfAccount, Params().Add(account_id));
  if (!rows.ok()) return rows.status();
  return TokensFrom(*rows);
}

Status PgAccountStore::RevokeApiToken(int64_t account_id, int64_t token_id,
                                      TimePoint now) {
  std::lock_guard<std::mutex> lock(mu_);
  Result<Rows> updated = conn_.Query(
      "UPDATE console_api_tokens SET revoked_at = coalesce(revoked_at, $3) "
      "WHERE id = $1 AND account_id = $2",
      Params().Add(token_id).Add(account_id).Add(ToUnixSeconds(now)));
  if (!updated.ok()) return updated.status();
  if (updated->Affected() == 0) return NotFoundError("no such API token");
  return Status::Ok();
}

Status PgAccountStore::CreateSession(const StoredSession& session,
                                     size_t max_sessions) {
  std::lock_guard<std::mutex> lock(mu_);
  Transaction tx(conn_);
  MAMORI_RETURN_IF_ERROR(tx.Begin());
  if (max_sessions > 0) {
    // Several collectors may log people in at once: the count and the
    // eviction run under one lock on the table's rows' owner, so the cap
    // holds across collectors too.
    Result<Rows> locked =
        conn_.Query("SELECT pg_advisory_xact_lock(1835101551, 1936942963)");
    if (!locked.ok()) return locked.status();
    Result<Rows> count = conn_.Query("SELECT count(*) FROM console_sessions");
    if (!count.ok()) return count.status();
    const int64_t stored = count->Int(0, 0);
    if (stored >= static_cast<int64_t>(max_sessions)) {
      Result<Rows> evicted = conn_.Query(
          "DELETE FROM console_sessions WHERE id_hash IN (SELECT id_hash FROM "
          "console_sessions ORDER BY last_used LIMIT $1)",
          Params().Add(stored - static_cast<int64_t>(max_sessions) + 1));
      if (!evicted.ok()) return evicted.status();
    }
  }
  Result<Rows> inserted = conn_.Query(
      "INSERT INTO console_sessions (id_hash, account_id, csrf_token, "
      "created_at, last_used, source) SELECT $1, id, $3, $4, $5, $6 FROM "
      "console_accounts WHERE id = $2",
      Params()
          .Add(session.id_hash)
          .Add(session.account_id)
          .Add(session.csrf_token)
          .Add(ToUnixSeconds(session.created_at))
          .Add(ToUnixSeconds(session.last_used))
          .Add(session.source));
  if (!inserted.ok()) return inserted.status();
  if (inserted->Affected() == 0) return NotFoundError("no such account");
  return tx.Commit();
}

Result<StoredSession> PgAccountStore::FindSession(const std::string& id_hash) {
  std::lock_guard<std::mutex> lock(mu_);
  Result<Rows> rows = conn_.Query(
      "SELECT account_id, csrf_token, created_at, last_used, source FROM "
      "console_sessions WHERE id_hash = $1",
      Params().Add(id_hash));
  if (!rows.ok()) return rows.status();
  if (rows->size() == 0) return NotFoundError("no such session");
  StoredSession out;
  out.id_hash = id_hash;
  out.account_id = rows->Int(0, 0);
  out.csrf_token = rows->Text(0, 1);
  out.created_at = FromUnixSeconds(rows->Int(0, 2));
  out.last_used = FromUnixSeconds(rows->Int(0, 3));
  out.source = rows->Text(0, 4);
  return out;
}

Status PgAccountStore::TouchSession(const std::string& id_hash, TimePoint now) {
  std::lock_guard<std::mutex> lock(mu_);
  return conn_
      .Query(
          "UPDATE console_sessions SET last_used = greatest(last_used, $2) "
          "WHERE id_hash = $1",
          Params().Add(id_hash).Add(ToUnixSeconds(now)))
      .status();
}

Status PgAccountStore::RemoveSession(const std::string& id_hash) {
  std::lock_guard<std::mutex> lock(mu_);
  return conn_
      .Query("DELETE FROM console_sessions WHERE id_hash = $1",
             Params().Add(id_hash))
      .status();
}

Status PgAccountStore::RemoveAccountSessions(int64_t account_id) {
  std::lock_guard<std::mutex> lock(mu_);
  return conn_
      .Query("DELETE FROM console_sessions WHERE account_id = $1",
             Params().Add(account_id))
      .status();
}

Result<int64_t> PgAccountStore::PruneSessions(TimePoint idle_before,
                                              TimePoint created_before) {
  std::lock_guard<std::mutex> lock(mu_);
  Result<Rows> deleted = conn_.Query(
      "DELETE FROM console_sessions WHERE last_used < $1 OR created_at < $2",
      Params()
          .Add(ToUnixSeconds(idle_before))
          .Add(ToUnixSeconds(created_before)));
  if (!deleted.ok()) return deleted.status();
  return deleted->Affected();
}

Result<int64_t> PgAccountStore::CountSessions() {
  std::lock_guard<std::mutex> lock(mu_);
  Result<Rows> rows = conn_.Query("SELECT count(*) FROM console_sessions");
  if (!rows.ok()) return rows.status();
  return rows->Int(0, 0);
}

Status PgAccountStore::AppendAudit(const AuditEntry& entry) {
  std::lock_guard<std::mutex> lock(mu_);
  return AppendConsoleAudit(conn_, entry);
}

Result<std::vector<AuditEntry>> PgAccountStore::ListAudit(
    const OrgScope& scope, std::optional<int64_t> before_id, int limit) {
  std::lock_guard<std::mutex> lock(mu_);
  // Scoped in SQL: entries of the scope's organisations, and those tied to
  // none only for a scope of every organisation.
  Result<Rows> rows = conn_.Query(
      "SELECT id, at, actor, source, action, target, org_id, before_json, "
      "after_json FROM console_audit WHERE ($1::bigint IS NULL OR id < $1) "
      "AND (CASE WHEN org_id IS NULL THEN $2::boolean "
      "ELSE $2::boolean OR org_id = ANY($3::bigint[]) END) "
      "ORDER BY id DESC LIMIT $4",
      Params()
          .Add(before_id)
          .Add(scope.all)
          .Add(IntArray(scope.org_ids))
          .Add(static_cast<int64_t>(std::max(limit, 0))));
  if (!rows.ok()) return rows.status();
  std::vector<AuditEntry> entries;
  for (int r = 0; r < rows->size(); ++r) {
    AuditEntry e;
    e.id = rows->Int(r, 0);
    e.at = FromUnixSeconds(rows->Int(r, 1));
    e.actor = rows->Text(r, 2);
    e.source = rows->Text(r, 3);
    e.action = rows->Text(r, 4);
    e.target = rows->Text(r, 5);
    e.org_id = rows->OptionalInt(r, 6);
    e.before_json = rows->Text(r, 7);
    e.after_json = rows->Text(r, 8);
    entries.push_back(std::move(e));
  }
  return entries;
}

}  // namespace mamori::store::pg
