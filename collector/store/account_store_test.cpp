// The AccountStore port's contract over every backend (issue #17): the same
// cases on SQLite and PostgreSQL (skipped without MAMORI_TEST_PG_URL;
// scripts/test.sh runs them under scripts/pg-cluster.sh).
#include "collector/store/account_store.h"

#include <gtest/gtest.h>

#include "collector/pki/crypto.h"
#include "collector/store/open_store.h"
#include "collector/store/testing/test_database.h"

namespace mamori::store {
namespace {

using testing::Backend;
using testing::TestDatabase;

class AccountStoreTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    ASSERT_TRUE(pki::InitCrypto().ok());
    if (GetParam() == Backend::kPostgres && !testing::PostgresClusterUrl()) {
      GTEST_SKIP() << "MAMORI_TEST_PG_URL not set (scripts/pg-cluster.sh run)";
    }
    Result<std::unique_ptr<TestDatabase>> db = TestDatabase::Create(GetParam());
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    db_ = std::move(db).value();
    auto store = OpenStore(db_->url(), clock_);
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(store).value();
    acme_ = store_->CreateOrg({"acme", "", std::nullopt, ""})->id;
    globex_ = store_->CreateOrg({"globex", "", std::nullopt, ""})->id;
    auto accounts = OpenAccountStore(db_->url());
    ASSERT_TRUE(accounts.ok()) << accounts.status().ToString();
    accounts_ = std::move(accounts).value();
  }

  FakeClock clock_{FromUnixSeconds(1'800'000'000)};
  std::unique_ptr<TestDatabase> db_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<AccountStore> accounts_;
  int64_t acme_ = 0, globex_ = 0;
};

TEST_P(AccountStoreTest, CreatesFindsAndRefusesDuplicates) {
  auto a = accounts_->CreateAccount(
      {"alice", Role::kOrgAdmin, {acme_}, "hash-a", true}, clock_.Now());
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  EXPECT_EQ(a->org_ids, std::vector<int64_t>{acme_});
  EXPECT_TRUE(a->must_change_password);
  auto again = accounts_->CreateAccount(
      {"alice", Role::kViewer, {acme_}, "h", true}, clock_.Now());
  EXPECT_EQ(again.status().code(), StatusCode::kAlreadyExists);
  auto bad_org = accounts_->CreateAccount(
      {"bob", Role::kViewer, {999}, "h", true}, clock_.Now());
  EXPECT_EQ(bad_org.status().code(), StatusCode::kNotFound);
  // The failed create left nothing behind.
  EXPECT_EQ(accounts_->FindAccount("bob").status().code(),
            StatusCode::kNotFound);
  auto found = accounts_->FindAccount("alice");
  ASSERT_TRUE(found.ok());
  EXPECT_EQ(found->role, Role::kOrgAdmin);
  EXPECT_EQ(found->password_hash, "hash-a");
  EXPECT_EQ(accounts_->FindAccount("").status().code(), StatusCode::kNotFound);
}

TEST_P(AccountStoreTest, PasswordAndDisableChangeTheRow) {
  int64_t id =
      accounts_
          ->CreateAccount({"alice", Role::kViewer, {acme_}, "h1", true},
                          clock_.Now())
          ->id;
  ASSERT_TRUE(accounts_->SetPassword(id, "h2", false, clock_.Now()).ok());
  ASSERT_TRUE(accounts_->SetDisabled(id, true).ok());
  auto a = accounts_->FindAccountById(id);
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->password_hash, "h2");
  EXPECT_FALSE(a->must_change_password);
  EXPECT_TRUE(a->disabled);
  EXPECT_TRUE(a->password_changed_at.has_value());
  EXPECT_EQ(accounts_->SetPassword(999, "x", false, clock_.Now()).code(),
            StatusCode::kNotFound);
}

TEST_P(AccountStoreTest, ListingIsScopedToSharedOrganisations) {
  ASSERT_TRUE(
      accounts_
          ->CreateAccount({"op", Role::kOperator, {}, "h", false}, clock_.Now())
          .ok());
  ASSERT_TRUE(accounts_
                  ->CreateAccount({"a1", Role::kViewer, {acme_}, "h", true},
                                  clock_.Now())
                  .ok());
  ASSERT_TRUE(accounts_
                  ->CreateAccount({"g1", Role::kViewer, {globex_}, "h", true},
                                  clock_.Now())
                  .ok());
  auto all = accounts_->ListAccounts({true, {}});
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->size(), 3u);
  auto acme = accounts_->ListAccounts({false, {acme_}});
  ASSERT_TRUE(acme.ok());
  ASSERT_EQ(acme->size(), 1u);
  EXPECT_EQ(acme->front().name, "a1");
}

TEST_P(AccountStoreTest, ApiTokensAndAuditLog) {
  int64_t id =
      accounts_
          ->CreateAccount({"alice", Role::kOrgAdmin, {acme_}, "h", false},
                          clock_.Now())
          ->id;
  NewApiToken t{id,
                "backup script",
                pki::Sha256Hex("secret"),
                "mmr_abcdef",
                Role::kViewer,
                {acme_},
                clock_.Now() + std::chrono::hours(24)};
  auto created = accounts_->CreateApiToken(t, clock_.Now());
  ASSERT_TRUE(created.ok()) << created.status().ToString();
  auto found = accounts_->FindApiToken(pki::Sha256Hex("secret"));
  ASSERT_TRUE(found.ok());
  EXPECT_EQ(found->role, Role::kViewer);
  EXPECT_EQ(found->org_ids, std::vector<int64_t>{acme_});
  EXPECT_EQ(found->account_name, "alice");
  EXPECT_FALSE(found->revoked_at.has_value());
  EXPECT_EQ(accounts_->FindApiToken(pki::Sha256Hex("other")).status().code(),
            StatusCode::kNotFound);
  ASSERT_TRUE(accounts_->RevokeApiToken(id, created->id, clock_.Now()).ok());
  EXPECT_TRUE(accounts_->FindApiToken(pki::Sha256Hex("secret"))
                  ->revoked_at.has_value());
  EXPECT_EQ(accounts_->RevokeApiToken(id + 1, created->id, clock_.Now()).code(),
            StatusCode::kNotFound);

  for (auto org : {std::optional<int64_t>(acme_),
                   std::optional<int64_t>(globex_), std::optional<int64_t>()}) {
    AuditEntry e;
    e.at = clock_.Now();
    e.actor = "alice";
    e.source = "127.0.0.1";
    e.action = "token.create";
    e.target = "<script>alert(1)</script>";
    e.org_id = org;
    e.after_json = R"({"x":1})";
    ASSERT_TRUE(accounts_->AppendAudit(e).ok());
  }
  auto all = accounts_->ListAudit({true, {}}, std::nullopt, 10);
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->size(), 3u);
  EXPECT_GT(all->front().id, all->back().id);  // newest first
  auto acme = accounts_->ListAudit({false, {acme_}}, std::nullopt, 10);
  ASSERT_TRUE(acme.ok());
  ASSERT_EQ(acme->size(), 1u);
  EXPECT_EQ(acme->front().org_id, acme_);
  EXPECT_EQ(acme->front().target, "<script>alert(1)</script>");
  auto page = accounts_->ListAudit({true, {}}, all->front().id, 10);
  EXPECT_EQ(page->size(), 2u);
}

TEST_P(AccountStoreTest, SessionsAreSharedCappedAndPruned) {
  const int64_t id =
      accounts_
          ->CreateAccount({"alice", Role::kViewer, {acme_}, "h", false},
                          clock_.Now())
          ->id;
  // A second store on the same database: another collector.
  auto other = OpenAccountStore(db_->url());
  ASSERT_TRUE(other.ok()) << other.status().ToString();
  const TimePoint t0 = clock_.Now();
  for (int i = 0; i < 3; ++i) {
    StoredSession s{"hash-" + std::to_string(i),  id,
                    "csrf-" + std::to_string(i),  t0,
                    t0 + std::chrono::seconds(i), "10.0.0.1"};
    ASSERT_TRUE(accounts_->CreateSession(s, 3).ok());
  }
  auto seen = (*other)->FindSession("hash-1");
  ASSERT_TRUE(seen.ok()) << seen.status().ToString();
  EXPECT_EQ(seen->csrf_token, "csrf-1");
  EXPECT_EQ(seen->account_id, id);
  // The fourth ends the least recently used one (hash-0).
  ASSERT_TRUE(
      (*other)->CreateSession({"hash-3", id, "c", t0, t0, "cli"}, 3).ok());
  EXPECT_EQ(*accounts_->CountSessions(), 3);
  EXPECT_EQ(accounts_->FindSession("hash-0").status().code(),
            StatusCode::kNotFound);
  EXPECT_EQ(
      accounts_->CreateSession({"hash-x", id + 100, "c", t0, t0, "cli"}, 0)
          .code(),
      StatusCode::kNotFound);
  // Touch never moves last_used back.
  ASSERT_TRUE(
      accounts_->TouchSession("hash-2", t0 + std::chrono::hours(1)).ok());
  ASSERT_TRUE(accounts_->TouchSession("hash-2", t0).ok());
  EXPECT_EQ(accounts_->FindSession("hash-2")->last_used,
            t0 + std::chrono::hours(1));
  ASSERT_TRUE(accounts_->TouchSession("gone", t0).ok());
  // Idle since before t0 + 30 min: hash-1 and hash-3 end.
  auto pruned = accounts_->PruneSessions(t0 + std::chrono::minutes(30),
                                         t0 - std::chrono::hours(1));
  ASSERT_TRUE(pruned.ok());
  EXPECT_EQ(*pruned, 2);
  ASSERT_TRUE(accounts_->RemoveAccountSessions(id).ok());
  EXPECT_EQ(*(*other)->CountSessions(), 0);
  ASSERT_TRUE(accounts_->RemoveSession("never-there").ok());
}

INSTANTIATE_TEST_SUITE_P(Backends, AccountStoreTest,
                         ::testing::Values(Backend::kSqlite,
                                           Backend::kPostgres),
                         [](const ::testing::TestParamInfo<Backend>& info) {
                           return testing::BackendName(info.param);
                         });

}  // namespace
}  // namespace mamori::store
