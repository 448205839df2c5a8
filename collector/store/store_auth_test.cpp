// The Store port's credential, revocation and retention members (issue
// 13.3, 13.4) over every backend (issue #17): a real SQLite file and a real
// PostgreSQL database (skipped without MAMORI_TEST_PG_URL).
#include <gtest/gtest.h>

#include <string>

#include "collector/pki/crypto.h"
#include "collector/store/open_store.h"
#include "collector/store/store.h"
#include "collector/store/testing/test_database.h"

namespace mamori::store {
namespace {

using std::chrono::hours;

using testing::Backend;
using testing::TestDatabase;

class StoreAuthTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    ASSERT_TRUE(pki::InitCrypto().ok());
    if (GetParam() == Backend::kPostgres && !testing::PostgresClusterUrl()) {
      GTEST_SKIP() << "MAMORI_TEST_PG_URL not set (scripts/pg-cluster.sh run)";
    }
    Result<std::unique_ptr<TestDatabase>> db = TestDatabase::Create(GetParam());
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    db_ = std::move(db).value();
    Result<std::unique_ptr<Store>> opened = OpenStore(db_->url(), clock_);
    ASSERT_TRUE(opened.ok()) << opened.status().ToString();
    store_ = std::move(opened).value();
    ASSERT_TRUE(store_->CreateOrg({"acme", "", std::nullopt, ""}).ok());
    ASSERT_TRUE(store_->CreateOrg({"globex", "", std::nullopt, ""}).ok());
  }

  // Enrolls a host in `org` with node key `key`; returns its id.
  int64_t EnrollHost(const std::string& org, const std::string& machine,
                     const std::string& key) {
    Result<CreatedToken> token =
        store_->CreateToken({org, std::nullopt, std::nullopt});
    EXPECT_TRUE(token.ok());
    EnrollInput in;
    in.token = token->token;
    // Two stable identifiers, so enrolling the same machine again
    // re-attaches (identity.h: one alone is only a possible duplicate).
    in.identity.machine_id = machine;
    in.identity.smbios_uuid = "uuid-" + machine;
    in.node_key_hash = pki::Sha256Hex(key);
    Result<EnrollOutcome> enrolled = store_->Enroll(in);
    EXPECT_TRUE(enrolled.ok()) << enrolled.status().ToString();
    return enrolled.ok() ? enrolled->host_id : 0;
  }

  // Stores a one-family report; returns its status code.
  StatusCode Report(int64_t host, const std::string& id, const std::string& key,
                    const std::string& cert_sha256 = "") {
    ReportInput r;
    r.host_id = host;
    r.report_id = id;
    if (cert_sha256.empty()) {
      r.node_key_hash = pki::Sha256Hex(key);
    } else {
      r.authenticated_by_certificate = true;
      r.certificate_sha256 = cert_sha256;
    }
    r.collected_at = ToUnixSeconds(clock_.Now());
    const std::string json = "{\"n\":\"" + id + "\"}";
    r.families.push_back(
        {"system", "STATUS_OK", r.collected_at, json, pki::Sha256Hex(json)});
    std::vector<Result<ReportResult>> results =
        store_->StoreReports(std::span<const ReportInput>(&r, 1));
    return results[0].status().code();
  }

  FakeClock clock_{FromUnixSeconds(1'763'900'000)};
  std::unique_ptr<TestDatabase> db_;
  std::unique_ptr<Store> store_;
};

TEST_P(StoreAuthTest, RevokedHostLosesKeyAndCertificateUntilReEnrolled) {
  const int64_t host = EnrollHost("acme", "m1", "key1");
  const std::string cert = pki::Sha256Hex("certificate one");
  ASSERT_TRUE(store_->SetHostCertificate(host, cert).ok());
  EXPECT_EQ(Report(host, "r1", "key1"), StatusCode::kOk);
  EXPECT_EQ(Report(host, "r2", "", cert), StatusCode::kOk);
  // Another certificate signed by the CA for the same host id is not its
  // current one.
  EXPECT_EQ(Report(host, "r3", "", pki::Sha256Hex("older certificate")),
            StatusCode::kUnauthenticated);

  // Another organisation cannot revoke acme's host.
  EXPECT_EQ(store_->RevokeHost("globex", host).code(), StatusCode::kNotFound);
  EXPECT_EQ(Report(host, "r4", "key1"), StatusCode::kOk);

  ASSERT_TRUE(store_->RevokeHost("acme", host).ok());
  EXPECT_EQ(Report(host, "r5", "key1"), StatusCode::kUnauthenticated);
  EXPECT_EQ(Report(host, "r6", "", cert), StatusCode::kUnauthenticated);
  Result<HostCredential> credential = store_->FindHostCredential(host);
  ASSERT_TRUE(credential.ok());
  EXPECT_TRUE(credential->revoked);
  EXPECT_TRUE(credential->node_key_hash.empty());
  EXPECT_TRUE(credential->cert_sha256.empty());
  EXPECT_TRUE(store_->RevokeHost("acme", host).ok());  // idempotent

  // Enrolling again (a token is an administrator's decision) issues a new
  // key; the old one stays refused.
  clock_.Advance(hours(1));
  EXPECT_EQ(EnrollHost("acme", "m1", "key2"), host);
  EXPECT_EQ(Report(host, "r7", "key1"), StatusCode::kUnauthenticated);
  EXPECT_EQ(Report(host, "r8", "key2"), StatusCode::kOk);
  credential = store_->FindHostCredential(host);
  ASSERT_TRUE(credential.ok());
  EXPECT_FALSE(credential->revoked);
  EXPECT_EQ(store_->FindHostCredential(host + 100).status().code(),
            StatusCode::kNotFound);
}

TEST_P(StoreAuthTest, TokenRevocationIsScopedToOneOrganisation) {
  Result<CreatedToken> acme =
      store_->CreateToken({"acme", std::nullopt, std::nullopt});
  Result<CreatedToken> globex =
      store_->CreateToken({"globex", std::nullopt, std::nullopt});
  ASSERT_TRUE(acme.ok() && globex.ok());
  const std::string globex_prefix = globex->info.prefix;
  // acme's administrator cannot revoke globex's token by prefix, id or value.
  EXPECT_EQ(store_->RevokeToken("acme", globex_prefix).code(),
            StatusCode::kNotFound);
  EXPECT_EQ(store_->RevokeToken("acme", std::to_string(globex->info.id)).code(),
            StatusCode::kNotFound);
  EXPECT_EQ(store_->RevokeToken("acme", globex->token).code(),
            StatusCode::kNotFound);
  EXPECT_EQ(store_->RevokeToken("acme", "mtk_").code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(store_->RevokeToken("nobody", acme->info.prefix).code(),
            StatusCode::kNotFound);
  ASSERT_TRUE(store_->RevokeToken("globex", globex_prefix).ok());
  Result<std::vector<TokenInfo>> tokens = store_->ListTokens("");
  ASSERT_TRUE(tokens.ok());
  for (const TokenInfo& t : *tokens) {
    EXPECT_EQ(t.revoked_at.has_value(), t.org == "globex") << t.org;
  }
}

TEST_P(StoreAuthTest, HistoryIsPrunedPerOrganisationRetention) {
  const int64_t acme_host = EnrollHost("acme", "m1", "k");
  const int64_t globex_host = EnrollHost("globex", "m2", "k");
  ASSERT_TRUE(store_->SetHistoryRetention("acme", 10).ok());
  EXPECT_EQ(store_->SetHistoryRetention("acme", 0).code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(*store_->HistoryRetention("acme"), 10);
  EXPECT_EQ(*store_->HistoryRetention("globex"), kDefaultHistoryDays);
  for (int day = 0; day < 30; ++day) {
    ASSERT_EQ(Report(acme_host, "a" + std::to_string(day), "k"),
              StatusCode::kOk);
    ASSERT_EQ(Report(globex_host, "g" + std::to_string(day), "k"),
              StatusCode::kOk);
    clock_.Advance(hours(24));
  }
  // Each report changed "system": one history row per report and host.
  Result<int64_t> pruned = store_->PruneHistory(5);
  ASSERT_TRUE(pruned.ok()) << pruned.status().ToString();
  EXPECT_EQ(*pruned, 5);
  pruned = store_->PruneHistory(1000);
  ASSERT_TRUE(pruned.ok());
  EXPECT_EQ(*pruned, 30 - 10 - 5);
  EXPECT_EQ(*store_->PruneHistory(1000), 0);
  EXPECT_EQ(store_->FactHistory("acme", acme_host, "system")->size(), 10u);
  EXPECT_EQ(store_->FactHistory("globex", globex_host, "system")->size(), 30u);
}

// Beyond the longest retention whole months go at once (PostgreSQL drops
// their partitions); the rows left are exactly those each organisation
// keeps, on both backends.
TEST_P(StoreAuthTest, HistoryPastEveryRetentionGoesByWholeMonths) {
  const int64_t acme_host = EnrollHost("acme", "m1", "k");
  const int64_t globex_host = EnrollHost("globex", "m2", "k");
  ASSERT_TRUE(store_->SetHistoryRetention("acme", 40).ok());
  ASSERT_TRUE(store_->SetHistoryRetention("globex", 100).ok());
  // One report every 5 days for 200 days: about seven months of history.
  for (int day = 0; day < 200; day += 5) {
    ASSERT_EQ(Report(acme_host, "a" + std::to_string(day), "k"),
              StatusCode::kOk);
    ASSERT_EQ(Report(globex_host, "g" + std::to_string(day), "k"),
              StatusCode::kOk);
    clock_.Advance(hours(24 * 5));
  }
  // Now is day 200: acme keeps reports from day 160 on, globex from day 100.
  int64_t total = 0;
  for (int round = 0; round < 10; ++round) {
    Result<int64_t> pruned = store_->PruneHistory(1000);
    ASSERT_TRUE(pruned.ok()) << pruned.status().ToString();
    total += *pruned;
    if (*pruned == 0) break;
  }
  const size_t acme_kept =
      store_->FactHistory("acme", acme_host, "system")->size();
  const size_t globex_kept =
      store_->FactHistory("globex", globex_host, "system")->size();
  EXPECT_EQ(acme_kept, 8u);     // days 160 … 195
  EXPECT_EQ(globex_kept, 20u);  // days 100 … 195
  EXPECT_EQ(total, static_cast<int64_t>(80 - acme_kept - globex_kept));
  if (GetParam() == Backend::kPostgres) {
    // The months that ended before day 100 (2026-03-03) are gone whole.
    Result<int64_t> old_months = db_->Scalar(
        "SELECT count(*) FROM pg_inherits i JOIN pg_class c ON c.oid = "
        "i.inhrelid WHERE i.inhparent = 'fact_history'::regclass AND "
        "c.relname < 'fact_history_p202603'");
    ASSERT_TRUE(old_months.ok()) << old_months.status().ToString();
    EXPECT_EQ(*old_months, 0);
  }
}

INSTANTIATE_TEST_SUITE_P(Backends, StoreAuthTest,
                         ::testing::Values(Backend::kSqlite,
                                           Backend::kPostgres),
                         [](const ::testing::TestParamInfo<Backend>& info) {
                           return testing::BackendName(info.param);
                         });

}  // namespace
}  // namespace mamori::store
