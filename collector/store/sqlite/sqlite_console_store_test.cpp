#include "collector/store/sqlite/sqlite_console_store.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <set>

#include "collector/pki/crypto.h"
#include "collector/store/sqlite/sqlite_store.h"

namespace mamori::store {
namespace {

using std::chrono::hours;

std::string TempDbPath() {
  std::string pattern = ::testing::TempDir() + "mamori_console_XXXXXX";
  char* dir = mkdtemp(pattern.data());
  EXPECT_NE(dir, nullptr);
  return std::string(dir) + "/collector.db";
}

class ConsoleStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(pki::InitCrypto().ok());
    path_ = TempDbPath();
    auto store = SqliteStore::Open(path_, clock_);
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(store).value();
    acme_ = store_->CreateOrg({"acme", "", std::nullopt, ""})->id;
    globex_ = store_->CreateOrg({"globex", "", std::nullopt, ""})->id;
    for (int i = 0; i < 7; ++i) Enroll("acme", "pc-" + std::to_string(i));
    Enroll("acme", "<img src=x onerror=alert(1)>");
    Enroll("globex", "secret-host");
    auto console = SqliteConsoleStore::Open(path_);
    ASSERT_TRUE(console.ok()) << console.status().ToString();
    console_ = std::move(console).value();
  }

  int64_t Enroll(const std::string& org, const std::string& hostname) {
    auto token = store_->CreateToken({org, std::nullopt, std::nullopt});
    EXPECT_TRUE(token.ok());
    EnrollInput in;
    in.token = token->token;
    in.identity = {
        hostname, "m-" + hostname, "u-" + hostname, "s-" + hostname, {}};
    in.os_name = hostname == "pc-3" ? "Windows 11 Pro" : "Debian GNU/Linux";
    in.os_version = "12";
    in.node_key_hash = pki::Sha256Hex("k");
    auto out = store_->Enroll(in);
    EXPECT_TRUE(out.ok()) << out.status().ToString();
    clock_.Advance(std::chrono::seconds(10));
    return out.ok() ? out->host_id : 0;
  }

  FakeClock clock_{FromUnixSeconds(1'800'000'000)};
  std::string path_;
  std::unique_ptr<SqliteStore> store_;
  std::unique_ptr<SqliteConsoleStore> console_;
  int64_t acme_ = 0, globex_ = 0;
};

TEST_F(ConsoleStoreTest, OrganisationsOutsideTheScopeAreNotFound) {
  OrgScope acme_only{false, {acme_}};
  auto orgs = console_->ListOrgs(acme_only, clock_.Now(), hours(24));
  ASSERT_TRUE(orgs.ok()) << orgs.status().ToString();
  ASSERT_EQ(orgs->size(), 1u);
  EXPECT_EQ(orgs->front().name, "acme");
  EXPECT_EQ(orgs->front().hosts, 8);
  EXPECT_EQ(console_->ListOrgs({true, {}}, clock_.Now(), hours(24))->size(),
            2u);
  EXPECT_EQ(console_->ListOrgs({false, {}}, clock_.Now(), hours(24))->size(),
            0u);
  EXPECT_EQ(console_->FindOrg(acme_only, globex_, clock_.Now(), hours(24))
                .status()
                .code(),
            StatusCode::kNotFound);
  EXPECT_EQ(console_->FindOrg({true, {}}, 999, clock_.Now(), hours(24))
                .status()
                .code(),
            StatusCode::kNotFound);
  EndpointQuery q;
  EXPECT_EQ(console_->ListEndpoints(acme_only, globex_, q, clock_.Now())
                .status()
                .code(),
            StatusCode::kNotFound);
  // A host of globex asked for under acme's id is not found either.
  auto page = console_->ListEndpoints({true, {}}, globex_, q, clock_.Now());
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->endpoints.size(), 1u);
  const int64_t secret = page->endpoints.front().id;
  EXPECT_EQ(
      console_->FindEndpoint(acme_only, acme_, secret, clock_.Now(), hours(24))
          .status()
          .code(),
      StatusCode::kNotFound);
  EXPECT_EQ(
      console_->EndpointFamilies(acme_only, globex_, secret).status().code(),
      StatusCode::kNotFound);
  EXPECT_EQ(console_->EndpointSoftware(acme_only, acme_, secret, "", 10)
                .status()
                .code(),
            StatusCode::kNotFound);
}

TEST_F(ConsoleStoreTest, CursorPagesVisitEveryHostOnceInOrder) {
  for (bool descending : {false, true}) {
    for (EndpointSort sort : {EndpointSort::kHostname, EndpointSort::kLastSeen,
                              EndpointSort::kOs, EndpointSort::kFailing}) {
      EndpointQuery q;
      q.limit = 3;
      q.sort = sort;
      q.descending = descending;
      std::vector<int64_t> seen;
      std::vector<std::string> names;
      for (int pages = 0; pages < 10; ++pages) {
        auto page = console_->ListEndpoints({true, {}}, acme_, q, clock_.Now());
        ASSERT_TRUE(page.ok()) << page.status().ToString();
        EXPECT_EQ(page->total, 8);
        for (const auto& e : page->endpoints) {
          seen.push_back(e.id);
          names.push_back(e.hostname);
        }
        if (page->next_cursor.empty()) break;
        q.cursor = page->next_cursor;
      }
      EXPECT_EQ(seen.size(), 8u);
      EXPECT_EQ(std::set<int64_t>(seen.begin(), seen.end()).size(), 8u);
      if (sort == EndpointSort::kHostname) {
        std::vector<std::string> sorted = names;
        std::sort(sorted.begin(), sorted.end());
        if (descending) std::reverse(sorted.begin(), sorted.end());
        EXPECT_EQ(names, sorted);
      }
    }
  }
}

TEST_F(ConsoleStoreTest, FiltersAndBadCursors) {
  EndpointQuery q;
  q.search = "ONERROR";
  auto page = console_->ListEndpoints({true, {}}, acme_, q, clock_.Now());
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->total, 1);
  EXPECT_EQ(page->endpoints.front().hostname, "<img src=x onerror=alert(1)>");
  q = {};
  q.os = "windows";
  EXPECT_EQ(console_->ListEndpoints({true, {}}, acme_, q, clock_.Now())->total,
            1);
  q = {};
  q.search = "' OR 1=1 --";
  EXPECT_EQ(console_->ListEndpoints({true, {}}, acme_, q, clock_.Now())->total,
            0);
  q = {};
  q.silent_only = true;
  // Hosts were enrolled 10 s apart: six of acme's were last seen more than
  // 35 s ago.
  q.silent_after = std::chrono::seconds(35);
  EXPECT_EQ(console_->ListEndpoints({true, {}}, acme_, q, clock_.Now())->total,
            6);
  q = {};
  q.failing_checks = {"antivirus.present"};
  EXPECT_EQ(console_->ListEndpoints({true, {}}, acme_, q, clock_.Now())->total,
            0);
  q = {};
  q.cursor = "zz";
  EXPECT_EQ(console_->ListEndpoints({true, {}}, acme_, q, clock_.Now())
                .status()
                .code(),
            StatusCode::kInvalidArgument);
  q.cursor = "69311f31";  // an integer cursor for a text sort
  EXPECT_EQ(console_->ListEndpoints({true, {}}, acme_, q, clock_.Now())
                .status()
                .code(),
            StatusCode::kInvalidArgument);
  q = {};
  q.limit = 0;
  EXPECT_EQ(console_->ListEndpoints({true, {}}, acme_, q, clock_.Now())
                .status()
                .code(),
            StatusCode::kInvalidArgument);
}

TEST_F(ConsoleStoreTest, TokensAreScopedToo) {
  auto tokens = store_->ListTokens("globex");
  ASSERT_TRUE(tokens.ok());
  const int64_t token = tokens->front().id;
  EXPECT_EQ(console_->TokenOrg({false, {acme_}}, token).status().code(),
            StatusCode::kNotFound);
  EXPECT_EQ(*console_->TokenOrg({false, {globex_}}, token), globex_);
}

}  // namespace
}  // namespace mamori::store
