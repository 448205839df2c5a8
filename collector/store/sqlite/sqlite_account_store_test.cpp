#include "collector/store/sqlite/sqlite_account_store.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include "collector/pki/crypto.h"
#include "collector/store/sqlite/sqlite_store.h"

namespace mamori::store {
namespace {

std::string TempDbPath() {
  std::string pattern = ::testing::TempDir() + "mamori_accounts_XXXXXX";
  char* dir = mkdtemp(pattern.data());
  EXPECT_NE(dir, nullptr);
  return std::string(dir) + "/collector.db";
}

class AccountStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(pki::InitCrypto().ok());
    path_ = TempDbPath();
    auto store = SqliteStore::Open(path_, clock_);
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(store).value();
    acme_ = store_->CreateOrg({"acme", "", std::nullopt, ""})->id;
    globex_ = store_->CreateOrg({"globex", "", std::nullopt, ""})->id;
    auto accounts = SqliteAccountStore::Open(path_);
    ASSERT_TRUE(accounts.ok()) << accounts.status().ToString();
    accounts_ = std::move(accounts).value();
  }

  FakeClock clock_{FromUnixSeconds(1'800'000'000)};
  std::string path_;
  std::unique_ptr<SqliteStore> store_;
  std::unique_ptr<SqliteAccountStore> accounts_;
  int64_t acme_ = 0, globex_ = 0;
};

TEST_F(AccountStoreTest, CreatesFindsAndRefusesDuplicates) {
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

TEST_F(AccountStoreTest, PasswordAndDisableChangeTheRow) {
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

TEST_F(AccountStoreTest, ListingIsScopedToSharedOrganisations) {
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

TEST_F(AccountStoreTest, ApiTokensAndAuditLog) {
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

}  // namespace
}  // namespace mamori::store
