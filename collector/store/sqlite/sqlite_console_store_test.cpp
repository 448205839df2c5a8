#include "collector/store/sqlite/sqlite_console_store.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <map>
#include <set>
#include <thread>
#include <vector>

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

// Check results as the grading store writes them; the failing and unknown
// counts, the sort by failing checks and the rule filter read them through
// grading migration 9's indexes.
TEST_F(ConsoleStoreTest, FailingCountsSortAndRuleFilterFromCheckResults) {
  auto page = console_->ListEndpoints({true, {}}, acme_, {}, clock_.Now());
  ASSERT_TRUE(page.ok());
  std::map<std::string, int64_t> ids;
  for (const auto& e : page->endpoints) ids[e.hostname] = e.id;
  const int64_t secret =
      console_->ListEndpoints({true, {}}, globex_, {}, clock_.Now())
          ->endpoints.front()
          .id;
  {
    auto db = Database::Open(path_, /*create=*/false);
    ASSERT_TRUE(db.ok());
    auto put = db->Prepare(
        "INSERT INTO check_results (org_id, host_id, check_id, status, "
        "evidence_json, status_since, evaluated_at, policy_version) VALUES "
        "(?1, ?2, ?3, ?4, '[]', 0, 0, 'v')");
    ASSERT_TRUE(put.ok());
    auto add = [&](int64_t org, int64_t host, const char* check,
                   const char* status) {
      put->Reset();
      put->Bind(1, org).Bind(2, host).Bind(3, check).Bind(4, status);
      ASSERT_TRUE(put->Step().ok());
    };
    // pc-1 fails two checks, pc-2 one (and is unknown on another), pc-4
    // errs; globex's host fails the same check as pc-2.
    add(acme_, ids["pc-1"], "av.present", "fail");
    add(acme_, ids["pc-1"], "fw.on", "fail");
    add(acme_, ids["pc-1"], "disk.enc", "pass");
    add(acme_, ids["pc-2"], "fw.on", "fail");
    add(acme_, ids["pc-2"], "disk.enc", "unknown");
    add(acme_, ids["pc-4"], "av.present", "error");
    add(acme_, ids["pc-4"], "fw.on", "pass");
    add(globex_, secret, "fw.on", "fail");
  }
  EndpointQuery q;
  q.sort = EndpointSort::kFailing;
  q.descending = true;
  q.limit = 3;
  page = console_->ListEndpoints({true, {}}, acme_, q, clock_.Now());
  ASSERT_TRUE(page.ok()) << page.status().ToString();
  ASSERT_EQ(page->endpoints.size(), 3u);
  EXPECT_EQ(page->endpoints[0].hostname, "pc-1");
  EXPECT_EQ(page->endpoints[0].failing, 2);
  EXPECT_EQ(page->endpoints[0].unknown, 0);
  EXPECT_EQ(page->endpoints[1].hostname, "pc-2");
  EXPECT_EQ(page->endpoints[1].failing, 1);
  EXPECT_EQ(page->endpoints[1].unknown, 1);
  EXPECT_EQ(page->endpoints[2].failing, 0);
  auto pc4 = console_->FindEndpoint({true, {}}, acme_, ids["pc-4"],
                                    clock_.Now(), hours(24));
  ASSERT_TRUE(pc4.ok());
  EXPECT_EQ(pc4->failing, 0);
  EXPECT_EQ(pc4->unknown, 1);  // error counts as unknown, never as passing

  q = {};
  q.failing_checks = {"av.present"};
  page = console_->ListEndpoints({true, {}}, acme_, q, clock_.Now());
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->total, 1);  // pc-4's error is not a failure
  EXPECT_EQ(page->endpoints.front().hostname, "pc-1");
  q.failing_checks = {"fw.on", "av.present"};
  page = console_->ListEndpoints({true, {}}, acme_, q, clock_.Now());
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(page->total, 2);  // pc-1 once, pc-2; never globex's host
  for (const auto& e : page->endpoints) EXPECT_NE(e.id, secret);
  page = console_->ListEndpoints({true, {}}, globex_, q, clock_.Now());
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->total, 1);
  EXPECT_EQ(page->endpoints.front().id, secret);

  // The detail's check list, in check order, only the host's own rows.
  auto checks = console_->EndpointChecks({true, {}}, acme_, ids["pc-1"]);
  ASSERT_TRUE(checks.ok());
  ASSERT_EQ(checks->size(), 3u);
  EXPECT_EQ((*checks)[0].check_id, "av.present");
  EXPECT_EQ((*checks)[1].check_id, "disk.enc");
  EXPECT_EQ((*checks)[2].check_id, "fw.on");
  EXPECT_EQ(console_->EndpointChecks({false, {acme_}}, globex_, secret)
                .status()
                .code(),
            StatusCode::kNotFound);
}

// Requests from many threads at once share the pool's readers (more
// callers than readers): every answer is complete and the same.
TEST_F(ConsoleStoreTest, ConcurrentCallersShareThePool) {
  constexpr int kThreads = SqliteConsoleStore::kReaders * 3;
  std::vector<int> totals(kThreads, -1);
  std::vector<int> families(kThreads, -1);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      int total = 0;
      for (int i = 0; i < 20; ++i) {
        auto page =
            console_->ListEndpoints({true, {}}, acme_, {}, clock_.Now());
        if (!page.ok()) return;
        total = static_cast<int>(page->total);
        auto orgs = console_->ListOrgs({true, {}}, clock_.Now(), hours(24));
        if (!orgs.ok() || orgs->size() != 2) return;
        auto f = console_->EndpointFamilies({true, {}}, acme_,
                                            page->endpoints.front().id);
        if (!f.ok()) return;
        families[t] = static_cast<int>(f->size());
      }
      totals[t] = total;
    });
  }
  for (auto& t : threads) t.join();
  for (int t = 0; t < kThreads; ++t) {
    EXPECT_EQ(totals[t], 8) << "thread " << t;
    EXPECT_EQ(families[t], 0) << "thread " << t;
  }
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
