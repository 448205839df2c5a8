#pragma once

// AccountStore: console accounts (name, role, organisations, Argon2id
// password hash), API tokens for scripts (only a SHA-256 of the secret is
// kept) and the audit log of every change made through the console, the API
// or `mamori-collector user`. No SQL or database type appears here;
// SqliteAccountStore (sqlite_account_store.h) implements it.
//
// Thread safety: implementations are safe to call from several threads.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "collector/store/org_scope.h"
#include "common/clock.h"
#include "common/status.h"

namespace mamori::store {

// operator: every organisation, creates organisations and accounts.
// org_admin: their organisations (tokens, hosts, answers, register, accounts).
// viewer: reads grades, inventory and reports. auditor: viewer + evidence.
enum class Role { kOperator, kOrgAdmin, kViewer, kAuditor };

// "operator", "org_admin", "viewer", "auditor".
std::string_view RoleName(Role role);
// Parses the names above; nullopt for anything else.
std::optional<Role> ParseRole(std::string_view text);

struct Account {
  int64_t id = 0;
  std::string name;
  Role role = Role::kViewer;
  std::vector<int64_t> org_ids;  // empty for operators (they see all)
  std::string password_hash;
  bool must_change_password = true;
  bool disabled = false;
  TimePoint created_at;
  std::optional<TimePoint> password_changed_at;
};

struct NewAccount {
  std::string name;
  Role role = Role::kViewer;
  std::vector<int64_t> org_ids;
  std::string password_hash;
  bool must_change_password = true;
};

struct ApiToken {
  int64_t id = 0;
  int64_t account_id = 0;
  std::string account_name;
  std::string name;    // what it is for, as given
  std::string prefix;  // first characters of the secret
  Role role = Role::kViewer;
  std::vector<int64_t> org_ids;
  TimePoint created_at;
  TimePoint expires_at;
  std::optional<TimePoint> revoked_at;
};

struct NewApiToken {
  int64_t account_id = 0;
  std::string name;
  std::string token_hash;  // hex SHA-256 of the secret
  std::string prefix;
  Role role = Role::kViewer;
  std::vector<int64_t> org_ids;
  TimePoint expires_at;
};

// One change: who, when, from where, what, before → after (JSON texts).
struct AuditEntry {
  int64_t id = 0;
  TimePoint at;
  std::string actor;   // account name, "cli:<user>" for the command line
  std::string source;  // client address, "cli" for the command line
  std::string action;  // "account.create", "token.revoke", …
  std::string target;
  std::optional<int64_t> org_id;  // unset = not tied to one organisation
  std::string before_json;
  std::string after_json;
};

// A console session as stored: only the SHA-256 of the cookie value is
// kept, so a copy of the database lets no one log in.
struct StoredSession {
  std::string id_hash;  // hex SHA-256 of the secret cookie value
  int64_t account_id = 0;
  std::string csrf_token;
  TimePoint created_at;
  TimePoint last_used;
  std::string source;
};

class AccountStore {
 public:
  virtual ~AccountStore() = default;

  // Returns the new account; ALREADY_EXISTS when the name is taken;
  // NOT_FOUND naming an organisation id that does not exist.
  virtual Result<Account> CreateAccount(const NewAccount& account,
                                        TimePoint now) = 0;
  // NOT_FOUND when no account has that name (or id).
  virtual Result<Account> FindAccount(std::string_view name) = 0;
  virtual Result<Account> FindAccountById(int64_t id) = 0;
  // Accounts by name: all when `scope.all`, else those that share an
  // organisation with the scope (operators are not listed then).
  virtual Result<std::vector<Account>> ListAccounts(const OrgScope& scope) = 0;
  // Replaces the hash. NOT_FOUND when the account is absent.
  virtual Status SetPassword(int64_t account_id, const std::string& hash,
                             bool must_change, TimePoint now) = 0;
  // NOT_FOUND when the account is absent.
  virtual Status SetDisabled(int64_t account_id, bool disabled) = 0;

  // Stores a token. NOT_FOUND when the account is absent.
  virtual Result<ApiToken> CreateApiToken(const NewApiToken& token,
                                          TimePoint now) = 0;
  // The token whose secret hashes to `token_hash`, revoked and expired ones
  // included (the caller decides); NOT_FOUND when none.
  virtual Result<ApiToken> FindApiToken(const std::string& token_hash) = 0;
  // Tokens of one account, newest first.
  virtual Result<std::vector<ApiToken>> ListApiTokens(int64_t account_id) = 0;
  // NOT_FOUND when the account has no such token; OK when already revoked.
  virtual Status RevokeApiToken(int64_t account_id, int64_t token_id,
                                TimePoint now) = 0;

  // --- sessions (the console's SessionManager keeps them here so a restart
  // or a second collector on the same database keeps them valid) ---

  // Stores a session; when `max_sessions` are stored already, the least
  // recently used ones end first. NOT_FOUND when the account is absent.
  virtual Status CreateSession(const StoredSession& session,
                               size_t max_sessions) = 0;
  // NOT_FOUND when no session has that hash.
  virtual Result<StoredSession> FindSession(const std::string& id_hash) = 0;
  // Moves last_used. OK when the session is gone.
  virtual Status TouchSession(const std::string& id_hash, TimePoint now) = 0;
  // Ends one session (OK when unknown), or every session of an account.
  virtual Status RemoveSession(const std::string& id_hash) = 0;
  virtual Status RemoveAccountSessions(int64_t account_id) = 0;
  // Ends sessions unused since `idle_before` or created before
  // `created_before`; returns how many ended.
  virtual Result<int64_t> PruneSessions(TimePoint idle_before,
                                        TimePoint created_before) = 0;
  virtual Result<int64_t> CountSessions() = 0;

  virtual Status AppendAudit(const AuditEntry& entry) = 0;
  // Newest first, entries with id < `before_id` when given, at most
  // `limit`. Scoped: entries of the scope's organisations (and, for
  // `scope.all`, those tied to none).
  virtual Result<std::vector<AuditEntry>> ListAudit(
      const OrgScope& scope, std::optional<int64_t> before_id, int limit) = 0;
};

}  // namespace mamori::store
