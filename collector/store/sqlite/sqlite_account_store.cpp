#include "collector/store/sqlite/sqlite_account_store.h"

#include "collector/store/sqlite/sqlite_audit_rows.h"
#include "common/text.h"

namespace mamori::store {
namespace {

constexpr std::string_view kRoleNames[] = {"operator", "org_admin", "viewer",
                                           "auditor"};

std::string JoinIds(const std::vector<int64_t>& ids) {
  std::string out;
  for (int64_t id : ids) out += (out.empty() ? "" : ",") + std::to_string(id);
  return out;
}

std::vector<int64_t> SplitIds(std::string_view text) {
  std::vector<int64_t> ids;
  size_t start = 0;
  while (start < text.size()) {
    size_t comma = text.find(',', start);
    if (comma == std::string_view::npos) comma = text.size();
    if (std::optional<int64_t> id =
            ParseInt64(std::string(text.substr(start, comma - start)))) {
      ids.push_back(*id);
    }
    start = comma + 1;
  }
  return ids;
}

constexpr char kAccountColumns[] =
    "SELECT id, name, role, password_hash, must_change_password, disabled, "
    "created_at, password_changed_at FROM console_accounts ";

Account AccountFromRow(const Statement& s) {
  Account a;
  a.id = s.ColumnInt(0);
  a.name = s.ColumnText(1);
  a.role = ParseRole(s.ColumnView(2)).value_or(Role::kViewer);
  a.password_hash = s.ColumnText(3);
  a.must_change_password = s.ColumnInt(4) != 0;
  a.disabled = s.ColumnInt(5) != 0;
  a.created_at = FromUnixSeconds(s.ColumnInt(6));
  if (std::optional<int64_t> t = s.ColumnOptionalInt(7)) {
    a.password_changed_at = FromUnixSeconds(*t);
  }
  return a;
}

}  // namespace

std::string_view RoleName(Role role) {
  return kRoleNames[static_cast<int>(role)];
}

std::optional<Role> ParseRole(std::string_view text) {
  for (size_t i = 0; i < std::size(kRoleNames); ++i) {
    if (kRoleNames[i] == text) return static_cast<Role>(i);
  }
  return std::nullopt;
}

Result<std::unique_ptr<SqliteAccountStore>> SqliteAccountStore::Open(
    const std::string& path) {
  // NOT_FOUND when the file is absent: never create an empty database.
  Result<Database> db = Database::Open(path, /*create=*/false);
  if (!db.ok()) return db.status();
  return std::unique_ptr<SqliteAccountStore>(
      new SqliteAccountStore(std::move(db).value()));
}

Result<std::vector<int64_t>> SqliteAccountStore::AccountOrgs(
    int64_t account_id) {
  Result<Statement> s = db_.Prepare(
      "SELECT org_id FROM console_account_orgs WHERE account_id = ?1 "
      "ORDER BY org_id");
  if (!s.ok()) return s.status();
  s->Bind(1, account_id);
  std::vector<int64_t> ids;
  while (true) {
    Result<bool> row = s->Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    ids.push_back(s->ColumnInt(0));
  }
  return ids;
}

Result<Account> SqliteAccountStore::FindLocked(std::string_view where,
                                               int64_t id,
                                               std::string_view name) {
  Result<Statement> s =
      db_.Prepare(std::string(kAccountColumns) + std::string(where));
  if (!s.ok()) return s.status();
  if (name.empty()) {
    s->Bind(1, id);
  } else {
    s->Bind(1, name);
  }
  Result<bool> row = s->Step();
  if (!row.ok()) return row.status();
  if (!*row) return NotFoundError("no such account");
  Account a = AccountFromRow(*s);
  Result<std::vector<int64_t>> orgs = AccountOrgs(a.id);
  if (!orgs.ok()) return orgs.status();
  a.org_ids = std::move(orgs).value();
  return a;
}

Result<Account> SqliteAccountStore::CreateAccount(const NewAccount& account,
                                                  TimePoint now) {
  std::lock_guard<std::mutex> lock(mu_);
  Transaction tx(db_);
  MAMORI_RETURN_IF_ERROR(tx.Begin());
  Result<Statement> insert = db_.Prepare(
      "INSERT INTO console_accounts (name, role, password_hash, "
      "must_change_password, created_at) VALUES (?1, ?2, ?3, ?4, ?5)");
  if (!insert.ok()) return insert.status();
  insert->Bind(1, account.name)
      .Bind(2, RoleName(account.role))
      .Bind(3, account.password_hash)
      .Bind(4, int64_t{account.must_change_password ? 1 : 0})
      .Bind(5, ToUnixSeconds(now));
  if (Status s = insert->Run(); !s.ok()) {
    if (s.code() == StatusCode::kAborted) {
      return AlreadyExistsError("an account named '" + account.name +
                                "' already exists");
    }
    return s;
  }
  const int64_t id = db_.LastInsertId();
  for (int64_t org_id : account.org_ids) {
    Result<Statement> org =
        db_.Prepare("SELECT 1 FROM organizations WHERE id = ?1");
    if (!org.ok()) return org.status();
    org->Bind(1, org_id);
    Result<bool> found = org->Step();
    if (!found.ok()) return found.status();
    if (!*found) {
      return NotFoundError("no organisation with id " + std::to_string(org_id));
    }
    Result<Statement> link = db_.Prepare(
        "INSERT OR IGNORE INTO console_account_orgs (account_id, org_id) "
        "VALUES (?1, ?2)");
    if (!link.ok()) return link.status();
    link->Bind(1, id).Bind(2, org_id);
    MAMORI_RETURN_IF_ERROR(link->Run());
  }
  MAMORI_RETURN_IF_ERROR(tx.Commit());
  return FindLocked("WHERE id = ?1", id, "");
}

Result<Account> SqliteAccountStore::FindAccount(std::string_view name) {
  std::lock_guard<std::mutex> lock(mu_);
  if (name.empty()) return NotFoundError("no such account");
  return FindLocked("WHERE name = ?1", 0, name);
}

Result<Account> SqliteAccountStore::FindAccountById(int64_t id) {
  std::lock_guard<std::mutex> lock(mu_);
  return FindLocked("WHERE id = ?1", id, "");
}

Result<std::vector<Account>> SqliteAccountStore::ListAccounts(
    const OrgScope& scope) {
  std::lock_guard<std::mutex> lock(mu_);
  Result<Statement> s =
      db_.Prepare(std::string(kAccountColumns) + "ORDER BY name");
  if (!s.ok()) return s.status();
  std::vector<Account> accounts;
  while (true) {
    Result<bool> row = s->Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    accounts.push_back(AccountFromRow(*s));
  }
  std::vector<Account> visible;
  for (Account& a : accounts) {
    Result<std::vector<int64_t>> orgs = AccountOrgs(a.id);
    if (!orgs.ok()) return orgs.status();
    a.org_ids = std::move(orgs).value();
    bool shares = scope.all;
    for (int64_t org : a.org_ids) shares = shares || scope.Allows(org);
    if (shares) visible.push_back(std::move(a));
  }
  return visible;
}

Status SqliteAccountStore::SetPassword(int64_t account_id,
                                       const std::string& hash,
                                       bool must_change, TimePoint now) {
  std::lock_guard<std::mutex> lock(mu_);
  Result<Statement> s = db_.Prepare(
      "UPDATE console_accounts SET password_hash = ?2, "
      "must_change_password = ?3, password_changed_at = ?4 WHERE id = ?1");
  if (!s.ok()) return s.status();
  s->Bind(1, account_id)
      .Bind(2, hash)
      .Bind(3, int64_t{must_change ? 1 : 0})
      .Bind(4, ToUnixSeconds(now));
  MAMORI_RETURN_IF_ERROR(s->Run());
  if (db_.Changes() == 0) return NotFoundError("no such account");
  return Status::Ok();
}

Status SqliteAccountStore::SetDisabled(int64_t account_id, bool disabled) {
  std::lock_guard<std::mutex> lock(mu_);
  Result<Statement> s =
      db_.Prepare("UPDATE console_accounts SET disabled = ?2 WHERE id = ?1");
  if (!s.ok()) return s.status();
  s->Bind(1, account_id).Bind(2, int64_t{disabled ? 1 : 0});
  MAMORI_RETURN_IF_ERROR(s->Run());
  if (db_.Changes() == 0) return NotFoundError("no such account");
  return Status::Ok();
}

Result<std::vector<ApiToken>> SqliteAccountStore::SelectTokens(
    std::string_view where, int64_t id, std::string_view text) {
  Result<Statement> s = db_.Prepare(
      "SELECT t.id, t.account_id, a.name, t.name, t.prefix, t.role, "
      "t.org_ids, t.created_at, t.expires_at, t.revoked_at "
      "FROM console_api_tokens t JOIN console_accounts a ON a.id = "
      "t.account_id " +
      std::string(where));
  if (!s.ok()) return s.status();
  if (text.empty()) {
    s->Bind(1, id);
  } else {
    s->Bind(1, text);
  }
  std::vector<ApiToken> tokens;
  while (true) {
    Result<bool> row = s->Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    ApiToken t;
    t.id = s->ColumnInt(0);
    t.account_id = s->ColumnInt(1);
    t.account_name = s->ColumnText(2);
    t.name = s->ColumnText(3);
    t.prefix = s->ColumnText(4);
    t.role = ParseRole(s->ColumnView(5)).value_or(Role::kViewer);
    t.org_ids = SplitIds(s->ColumnView(6));
    t.created_at = FromUnixSeconds(s->ColumnInt(7));
    t.expires_at = FromUnixSeconds(s->ColumnInt(8));
    if (std::optional<int64_t> r = s->ColumnOptionalInt(9)) {
      t.revoked_at = FromUnixSeconds(*r);
    }
    tokens.push_back(std::move(t));
  }
  return tokens;
}

Result<ApiToken> SqliteAccountStore::CreateApiToken(const NewApiToken& token,
                                                    TimePoint now) {
  std::lock_guard<std::mutex> lock(mu_);
  Result<Statement> s = db_.Prepare(
      "INSERT INTO console_api_tokens (account_id, name, token_hash, prefix, "
      "role, org_ids, created_at, expires_at) "
      "SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8 FROM console_accounts "
      "WHERE id = ?1");
  if (!s.ok()) return s.status();
  s->Bind(1, token.account_id)
      .Bind(2, token.name)
      .Bind(3, token.token_hash)
      .Bind(4, token.prefix)
      .Bind(5, RoleName(token.role))
      .Bind(6, JoinIds(token.org_ids))
      .Bind(7, ToUnixSeconds(now))
      .Bind(8, ToUnixSeconds(token.expires_at));
  MAMORI_RETURN_IF_ERROR(s->Run());
  if (db_.Changes() == 0) return NotFoundError("no such account");
  Result<std::vector<ApiToken>> found =
      SelectTokens("WHERE t.id = ?1", db_.LastInsertId(), "");
  if (!found.ok()) return found.status();
  if (found->empty()) return InternalError("stored API token vanished");
  return std::move(found->front());
}

Result<ApiToken> SqliteAccountStore::FindApiToken(
    const std::string& token_hash) {
  std::lock_guard<std::mutex> lock(mu_);
  if (token_hash.empty()) return NotFoundError("no such API token");
  Result<std::vector<ApiToken>> found =
      SelectTokens("WHERE t.token_hash = ?1", 0, token_hash);
  if (!found.ok()) return found.status();
  if (found->empty()) return NotFoundError("no such API token");
  return std::move(found->front());
}

Result<std::vector<ApiToken>> SqliteAccountStore::ListApiTokens(
    int64_t account_id) {
  std::lock_guard<std::mutex> lock(mu_);
  return SelectTokens("WHERE t.account_id = ?1 ORDER BY t.id DESC", account_id,
                      "");
}

Status SqliteAccountStore::RevokeApiToken(int64_t account_id, int64_t token_id,
                                          TimePoint now) {
  std::lock_guard<std::mutex> lock(mu_);
  Result<Statement> s = db_.Prepare(
      "UPDATE console_api_tokens SET revoked_at = COALESCE(revoked_at, ?3) "
      "WHERE id = ?1 AND account_id = ?2");
  if (!s.ok()) return s.status();
  s->Bind(1, token_id).Bind(2, account_id).Bind(3, ToUnixSeconds(now));
  MAMORI_RETURN_IF_ERROR(s->Run());
  if (db_.Changes() == 0) return NotFoundError("no such API token");
  return Status::Ok();
}

Status SqliteAccountStore::CreateSession(const StoredSession& session,
                                         size_t max_sessions) {
  std::lock_guard<std::mutex> lock(mu_);
  Transaction tx(db_);
  MAMORI_RETURN_IF_ERROR(tx.Begin());
  Result<Statement> count =
      db_.Prepare("SELECT COUNT(*) FROM console_sessions");
  if (!count.ok()) return count.status();
  Result<bool> row = count->Step();
  if (!row.ok()) return row.status();
  const int64_t stored = *row ? count->ColumnInt(0) : 0;
  if (max_sessions > 0 && stored >= static_cast<int64_t>(max_sessions)) {
    Result<Statement> evict = db_.Prepare(
        "DELETE FROM console_sessions WHERE id_hash IN (SELECT id_hash FROM "
        "console_sessions ORDER BY last_used LIMIT ?1)");
    if (!evict.ok()) return evict.status();
    evict->Bind(1, stored - static_cast<int64_t>(max_sessions) + 1);
    MAMORI_RETURN_IF_ERROR(evict->Run());
  }
  Result<Statement> s = db_.Prepare(
      "INSERT INTO console_sessions (id_hash, account_id, csrf_token, "
      "created_at, last_used, source) SELECT ?1, id, ?3, ?4, ?5, ?6 FROM "
      "console_accounts WHERE id = ?2");
  if (!s.ok()) return s.status();
  s->Bind(1, session.id_hash)
      .Bind(2, session.account_id)
      .Bind(3, session.csrf_token)
      .Bind(4, ToUnixSeconds(session.created_at))
      .Bind(5, ToUnixSeconds(session.last_used))
      .Bind(6, session.source);
  MAMORI_RETURN_IF_ERROR(s->Run());
  if (db_.Changes() == 0) return NotFoundError("no such account");
  return tx.Commit();
}

Result<StoredSession> SqliteAccountStore::FindSession(
    const std::string& id_hash) {
  std::lock_guard<std::mutex> lock(mu_);
  Result<Statement> s = db_.Prepare(
      "SELECT account_id, csrf_token, created_at, last_used, source FROM "
      "console_sessions WHERE id_hash = ?1");
  if (!s.ok()) return s.status();
  s->Bind(1, id_hash);
  Result<bool> row = s->Step();
  if (!row.ok()) return row.status();
  if (!*row) return NotFoundError("no such session");
  StoredSession out;
  out.id_hash = id_hash;
  out.account_id = s->ColumnInt(0);
  out.csrf_token = s->ColumnText(1);
  out.created_at = FromUnixSeconds(s->ColumnInt(2));
  out.last_used = FromUnixSeconds(s->ColumnInt(3));
  out.source = s->ColumnText(4);
  return out;
}

Status SqliteAccountStore::TouchSession(const std::string& id_hash,
                                        TimePoint now) {
  std::lock_guard<std::mutex> lock(mu_);
  Result<Statement> s = db_.Prepare(
      "UPDATE console_sessions SET last_used = MAX(last_used, ?2) WHERE "
      "id_hash = ?1");
  if (!s.ok()) return s.status();
  s->Bind(1, id_hash).Bind(2, ToUnixSeconds(now));
  return s->Run();
}

Status SqliteAccountStore::RemoveSession(const std::string& id_hash) {
  std::lock_guard<std::mutex> lock(mu_);
  Result<Statement> s =
      db_.Prepare("DELETE FROM console_sessions WHERE id_hash = ?1");
  if (!s.ok()) return s.status();
  s->Bind(1, id_hash);
  return s->Run();
}

Status SqliteAccountStore::RemoveAccountSessions(int64_t account_id) {
  std::lock_guard<std::mutex> lock(mu_);
  Result<Statement> s =
      db_.Prepare("DELETE FROM console_sessions WHERE account_id = ?1");
  if (!s.ok()) return s.status();
  s->Bind(1, account_id);
  return s->Run();
}

Result<int64_t> SqliteAccountStore::PruneSessions(TimePoint idle_before,
                                                  TimePoint created_before) {
  std::lock_guard<std::mutex> lock(mu_);
  Result<Statement> s = db_.Prepare(
      "DELETE FROM console_sessions WHERE last_used < ?1 OR created_at < ?2");
  if (!s.ok()) return s.status();
  s->Bind(1, ToUnixSeconds(idle_before)).Bind(2, ToUnixSeconds(created_before));
  MAMORI_RETURN_IF_ERROR(s->Run());
  return static_cast<int64_t>(db_.Changes());
}

Result<int64_t> SqliteAccountStore::CountSessions() {
  std::lock_guard<std::mutex> lock(mu_);
  Result<Statement> s = db_.Prepare("SELECT COUNT(*) FROM console_sessions");
  if (!s.ok()) return s.status();
  Result<bool> row = s->Step();
  if (!row.ok()) return row.status();
  return *row ? s->ColumnInt(0) : 0;
}

Status SqliteAccountStore::AppendAudit(const AuditEntry& entry) {
  std::lock_guard<std::mutex> lock(mu_);
  return AppendConsoleAudit(db_, entry);
}

Result<std::vector<AuditEntry>> SqliteAccountStore::ListAudit(
    const OrgScope& scope, std::optional<int64_t> before_id, int limit) {
  std::lock_guard<std::mutex> lock(mu_);
  Result<Statement> s = db_.Prepare(
      "SELECT id, at, actor, source, action, target, org_id, before_json, "
      "after_json FROM console_audit WHERE (?1 IS NULL OR id < ?1) "
      "ORDER BY id DESC");
  if (!s.ok()) return s.status();
  s->Bind(1, before_id);
  std::vector<AuditEntry> entries;
  while (static_cast<int>(entries.size()) < limit) {
    Result<bool> row = s->Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    AuditEntry e;
    e.org_id = s->ColumnOptionalInt(6);
    // Scoping in the loop keeps one statement for both kinds of caller; the
    // log is small next to the facts.
    if (e.org_id ? !scope.Allows(*e.org_id) : !scope.all) continue;
    e.id = s->ColumnInt(0);
    e.at = FromUnixSeconds(s->ColumnInt(1));
    e.actor = s->ColumnText(2);
    e.source = s->ColumnText(3);
    e.action = s->ColumnText(4);
    e.target = s->ColumnText(5);
    e.before_json = s->ColumnText(7);
    e.after_json = s->ColumnText(8);
    entries.push_back(std::move(e));
  }
  return entries;
}

}  // namespace mamori::store
