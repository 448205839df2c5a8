#pragma once

// SqliteAccountStore: AccountStore over its own connection to the
// collector's SQLite file (the "console" migration module's tables).
//
// Thread safety: every public method takes an internal mutex.

#include <memory>
#include <mutex>
#include <string>

#include "collector/store/account_store.h"
#include "collector/store/sqlite/sqlite.h"

namespace mamori::store {

class SqliteAccountStore final : public AccountStore {
 public:
  // Opens the migrated database at `path`. NOT_FOUND when the file is
  // absent; the open error otherwise.
  static Result<std::unique_ptr<SqliteAccountStore>> Open(
      const std::string& path);

  Result<Account> CreateAccount(const NewAccount& account,
                                TimePoint now) override;
  Result<Account> FindAccount(std::string_view name) override;
  Result<Account> FindAccountById(int64_t id) override;
  Result<std::vector<Account>> ListAccounts(const OrgScope& scope) override;
  Status SetPassword(int64_t account_id, const std::string& hash,
                     bool must_change, TimePoint now) override;
  Status SetDisabled(int64_t account_id, bool disabled) override;
  Result<ApiToken> CreateApiToken(const NewApiToken& token,
                                  TimePoint now) override;
  Result<ApiToken> FindApiToken(const std::string& token_hash) override;
  Result<std::vector<ApiToken>> ListApiTokens(int64_t account_id) override;
  Status RevokeApiToken(int64_t account_id, int64_t token_id,
                        TimePoint now) override;
  Status CreateSession(const StoredSession& session,
                       size_t max_sessions) override;
  Result<StoredSession> FindSession(const std::string& id_hash) override;
  Status TouchSession(const std::string& id_hash, TimePoint now) override;
  Status RemoveSession(const std::string& id_hash) override;
  Status RemoveAccountSessions(int64_t account_id) override;
  Result<int64_t> PruneSessions(TimePoint idle_before,
                                TimePoint created_before) override;
  Result<int64_t> CountSessions() override;
  Status AppendAudit(const AuditEntry& entry) override;
  Result<std::vector<AuditEntry>> ListAudit(const OrgScope& scope,
                                            std::optional<int64_t> before_id,
                                            int limit) override;

 private:
  explicit SqliteAccountStore(Database db) : db_(std::move(db)) {}
  Result<Account> FindLocked(std::string_view where, int64_t id,
                             std::string_view name);
  Result<std::vector<int64_t>> AccountOrgs(int64_t account_id);
  Result<std::vector<ApiToken>> SelectTokens(std::string_view where, int64_t id,
                                             std::string_view text);

  std::mutex mu_;
  Database db_;
};

}  // namespace mamori::store
