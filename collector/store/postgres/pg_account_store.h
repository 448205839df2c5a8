#pragma once

// PgAccountStore: AccountStore (account_store.h) on PostgreSQL, over the
// console module of pg_console_schema.cpp, with the same behaviour as
// SqliteAccountStore (the Backends/* cases of account_store_test.cpp run on
// both). Sessions live in the database, so a login made on one collector is
// valid on every collector of the database.
//
// Thread safety: every public method takes an internal mutex around the
// one connection.

#include <memory>
#include <mutex>
#include <string>

#include "collector/store/account_store.h"
#include "collector/store/postgres/pg.h"

namespace mamori::store::pg {

class PgAccountStore final : public AccountStore {
 public:
  // Connects to `url` (a database PostgresStore::Open migrated). Returns the
  // store or UNAVAILABLE.
  static Result<std::unique_ptr<PgAccountStore>> Open(const std::string& url);

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
  explicit PgAccountStore(Connection conn) : conn_(std::move(conn)) {}
  // One account by id (name empty) or by name, with its organisations.
  Result<Account> FindLocked(int64_t id, std::string_view name);
  Result<std::vector<ApiToken>> TokensFrom(const Rows& rows);

  std::mutex mu_;
  Connection conn_;
};

}  // namespace mamori::store::pg
