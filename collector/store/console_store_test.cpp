// The ConsoleStore port's contract over every backend (issue #17): the same
// cases on SQLite and PostgreSQL (skipped without MAMORI_TEST_PG_URL;
// scripts/test.sh runs them under scripts/pg-cluster.sh).
#include "collector/store/console_store.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>
#include <thread>
#include <vector>

#include "collector/pki/crypto.h"
#include "collector/store/grading_port.h"
#include "collector/store/open_store.h"
#include "collector/store/testing/test_database.h"

namespace mamori::store {
namespace {

using std::chrono::hours;
using testing::Backend;
using testing::TestDatabase;

class ConsoleStoreTest : public ::testing::TestWithParam<Backend> {
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
    for (int i = 0; i < 7; ++i) {
      acme_hosts_.push_back(Enroll("acme", "pc-" + std::to_string(i)));
    }
    Enroll("acme", "<img src=x onerror=alert(1)>");
    Enroll("globex", "secret-host");
    auto console = OpenConsoleStore(db_->url());
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

  // Stores one report of `host` carrying the packages.
  void ReportPackages(
      int64_t host, const std::string& report_id,
      const std::vector<std::pair<std::string, std::string>>& packages) {
    ReportInput r;
    r.host_id = host;
    r.node_key_hash = pki::Sha256Hex("k");
    r.report_id = report_id;
    r.collected_at = ToUnixSeconds(clock_.Now());
    const std::string json = R"({"n":")" + report_id + R"("})";
    r.families.push_back({"packages", "STATUS_OK", r.collected_at, json,
                          pki::Sha256Hex(json), nullptr});
    for (const auto& [name, version] : packages) {
      r.packages.push_back({name, version, "amd64", "PACKAGE_SOURCE_DPKG", "",
                            "", std::nullopt});
    }
    std::vector<Result<ReportResult>> stored =
        store_->StoreReports(std::span<const ReportInput>(&r, 1));
    ASSERT_EQ(stored.size(), 1u);
    ASSERT_TRUE(stored[0].ok()) << stored[0].status().ToString();
    EXPECT_EQ(stored[0]->outcome, ReportOutcome::kStored);
  }

  FakeClock clock_{FromUnixSeconds(1'800'000'000)};
  std::unique_ptr<TestDatabase> db_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<ConsoleStore> console_;
  int64_t acme_ = 0, globex_ = 0;
  std::vector<int64_t> acme_hosts_;  // pc-0 … pc-6
};

TEST_P(ConsoleStoreTest, OrganisationsOutsideTheScopeAreNotFound) {
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

TEST_P(ConsoleStoreTest, CursorPagesVisitEveryHostOnceInOrder) {
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

TEST_P(ConsoleStoreTest, FiltersAndBadCursors) {
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

TEST_P(ConsoleStoreTest, TokensAreScopedToo) {
  auto tokens = store_->ListTokens("globex");
  ASSERT_TRUE(tokens.ok());
  const int64_t token = tokens->front().id;
  EXPECT_EQ(console_->TokenOrg({false, {acme_}}, token).status().code(),
            StatusCode::kNotFound);
  EXPECT_EQ(*console_->TokenOrg({false, {globex_}}, token), globex_);
}

TEST_P(ConsoleStoreTest, FailingChecksFilterSortAndCount) {
  auto grading = store_->OpenGrading();
  ASSERT_TRUE(grading.ok()) << grading.status().ToString();
  std::vector<grading::CheckResult> results;
  for (size_t i = 0; i < acme_hosts_.size(); ++i) {
    grading::CheckResult r;
    r.check_id = "antivirus.present";
    r.host_id = std::to_string(acme_hosts_[i]);
    r.status = i == 2   ? grading::CheckStatus::kFail
               : i == 4 ? grading::CheckStatus::kUnknown
                        : grading::CheckStatus::kPass;
    r.evidence = {{"product", "<b>none</b>"}};
    r.collected_at = clock_.Now();
    results.push_back(std::move(r));
  }
  ASSERT_TRUE(
      (*grading)->SaveResults(acme_, &results, "v1", clock_.Now()).ok());

  EndpointQuery q;
  q.failing_checks = {"antivirus.present", "x'); DROP TABLE hosts; --"};
  auto page = console_->ListEndpoints({true, {}}, acme_, q, clock_.Now());
  ASSERT_TRUE(page.ok()) << page.status().ToString();
  ASSERT_EQ(page->total, 1);
  EXPECT_EQ(page->endpoints.front().id, acme_hosts_[2]);
  EXPECT_EQ(page->endpoints.front().failing, 1);

  q = {};
  q.sort = EndpointSort::kFailing;
  q.descending = true;
  page = console_->ListEndpoints({true, {}}, acme_, q, clock_.Now());
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(page->endpoints.front().id, acme_hosts_[2]);

  auto host = console_->FindEndpoint({false, {acme_}}, acme_, acme_hosts_[4],
                                     clock_.Now(), hours(24));
  ASSERT_TRUE(host.ok()) << host.status().ToString();
  EXPECT_EQ(host->unknown, 1);
  EXPECT_EQ(host->failing, 0);
  auto checks =
      console_->EndpointChecks({false, {acme_}}, acme_, acme_hosts_[2]);
  ASSERT_TRUE(checks.ok());
  ASSERT_EQ(checks->size(), 1u);
  EXPECT_EQ(checks->front().status, "fail");
  EXPECT_NE(checks->front().evidence_json.find("<b>none</b>"),
            std::string::npos);
  EXPECT_EQ(console_->EndpointChecks({false, {globex_}}, acme_, acme_hosts_[2])
                .status()
                .code(),
            StatusCode::kNotFound);
}

TEST_P(ConsoleStoreTest, SoftwareAcrossTheOrganisationAndOneHost) {
  ReportPackages(acme_hosts_[0], "r0",
                 {{"bash", "5.2"}, {"Zoom", "6.0"}, {"openssl", "3.0"}});
  ReportPackages(acme_hosts_[1], "r1", {{"bash", "5.2"}, {"openssl", "3.1"}});
  ReportPackages(acme_hosts_[3], "r3", {{"bash", "5.2"}, {"apt", "2.6"}});

  auto all = console_->OrgSoftware({false, {acme_}}, acme_, "", 100);
  ASSERT_TRUE(all.ok()) << all.status().ToString();
  std::vector<std::string> listed;
  for (const SoftwareSummary& s : *all)
    listed.push_back(s.name + " " + s.version);
  // By name without case, then version.
  EXPECT_EQ(listed,
            (std::vector<std::string>{"apt 2.6", "bash 5.2", "openssl 3.0",
                                      "openssl 3.1", "Zoom 6.0"}));
  EXPECT_EQ((*all)[1].hosts, 3);
  ASSERT_EQ((*all)[1].endpoints.size(), 3u);
  EXPECT_EQ((*all)[1].endpoints[0],
            std::make_pair(acme_hosts_[0], std::string("pc-0")));
  EXPECT_EQ((*all)[1].endpoints[2].second, "pc-3");

  auto found = console_->OrgSoftware({true, {}}, acme_, "SSL", 100);
  ASSERT_TRUE(found.ok());
  EXPECT_EQ(found->size(), 2u);
  auto limited = console_->OrgSoftware({true, {}}, acme_, "", 2);
  ASSERT_TRUE(limited.ok());
  EXPECT_EQ(limited->size(), 2u);
  EXPECT_EQ(
      console_->OrgSoftware({false, {globex_}}, acme_, "", 10).status().code(),
      StatusCode::kNotFound);
  EXPECT_EQ(console_->OrgSoftware({true, {}}, 999, "", 10).status().code(),
            StatusCode::kNotFound);

  auto one =
      console_->EndpointSoftware({true, {}}, acme_, acme_hosts_[0], "o", 10);
  ASSERT_TRUE(one.ok()) << one.status().ToString();
  ASSERT_EQ(one->size(), 2u);  // Zoom, openssl: by byte, capitals first
  EXPECT_EQ(one->front().name, "Zoom");
  EXPECT_EQ(one->back().version, "3.0");
}

TEST_P(ConsoleStoreTest, HostileSearchTextFindsNothingAndBreaksNothing) {
  for (const std::string& search :
       {std::string("%"), std::string("_"), std::string("\\"),
        std::string("'; DELETE FROM hosts; --"), std::string("\xff\xfe"),
        std::string(4096, 'a')}) {
    EndpointQuery q;
    q.search = search;
    auto page = console_->ListEndpoints({true, {}}, acme_, q, clock_.Now());
    if (page.ok()) {
      EXPECT_EQ(page->total, 0) << search;
    } else {
      // PostgreSQL refuses text that is not UTF-8; the console never sends
      // it (http.cpp checks parameters first).
      EXPECT_EQ(page.status().code(), StatusCode::kInvalidArgument) << search;
    }
  }
  EXPECT_EQ(
      console_->ListOrgs({true, {}}, clock_.Now(), hours(24))->front().hosts,
      8);
}

// The search finds exactly the hosts whose name, OS text or serial contains
// the text (ASCII case folded), whether it goes through the trigram index
// (three characters or more) or reads every host (shorter); the search
// syntax of the index (FTS5 on SQLite: quotes, *, :, ^, NEAR, AND/OR) is
// matched as text, never interpreted; and a renamed host is found by its
// new name only (the index follows hosts).
TEST_P(ConsoleStoreTest, SearchMatchesSubstringsWithOrWithoutTheIndex) {
  for (const char* name : {"会計-ノートPC", "ab\"cd", "x*y NEAR(a b)",
                           "os:fake", "^caret", "pc-1 OR pc-2", "Straße-ü"}) {
    Enroll("acme", name);
  }
  struct Host {
    std::string hostname, os, serial;
  };
  std::vector<Host> hosts;
  {
    EndpointQuery all;
    all.limit = 500;
    auto page = console_->ListEndpoints({true, {}}, acme_, all, clock_.Now());
    ASSERT_TRUE(page.ok()) << page.status().ToString();
    ASSERT_EQ(page->total, 15);
    for (const EndpointSummary& e : page->endpoints) {
      hosts.push_back({e.hostname, e.os_name + " " + e.os_version, e.serial});
    }
  }
  auto lower = [](std::string t) {
    for (char& c : t) {
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    }
    return t;
  };
  for (const char* text_chars : {"pc-",
                                 "PC-1",
                                 "c-",
                                 "c",
                                 "会計",
                                 "会",
                                 "ノートpc",
                                 "\"",
                                 "b\"c",
                                 "ab\"cd",
                                 "*",
                                 "x*y",
                                 "NEAR(",
                                 "NEAR(a b)",
                                 "os:",
                                 "os:fake",
                                 "^ca",
                                 "^",
                                 "DEBIAN gnu",
                                 "windows 11",
                                 "s-pc-3",
                                 "S-PC",
                                 "pc-1 OR pc-2",
                                 "1 OR",
                                 "OR",
                                 "AND",
                                 "pc AND",
                                 "-pc",
                                 "%",
                                 "_",
                                 "\\",
                                 "'",
                                 "ße-ü",
                                 "' OR 1=1 --",
                                 "zz-none",
                                 "e-\xc3\xbc"}) {
    const std::string text = text_chars;
    std::set<std::string> expected;
    for (const Host& h : hosts) {
      const std::string needle = lower(text);
      if (lower(h.hostname).find(needle) != std::string::npos ||
          lower(h.os).find(needle) != std::string::npos ||
          lower(h.serial).find(needle) != std::string::npos) {
        expected.insert(h.hostname);
      }
    }
    EndpointQuery q;
    q.search = text;
    q.limit = 500;
    auto page = console_->ListEndpoints({true, {}}, acme_, q, clock_.Now());
    ASSERT_TRUE(page.ok()) << text << ": " << page.status().ToString();
    std::set<std::string> found;
    for (const EndpointSummary& e : page->endpoints) found.insert(e.hostname);
    EXPECT_EQ(found, expected) << text;
    EXPECT_EQ(page->total, static_cast<int64_t>(expected.size())) << text;
  }
  // os= tests the OS name only, not its version: "debian gnu/linux 12".
  for (const auto& [os, total] :
       std::vector<std::pair<std::string, int64_t>>{{"GNU/Linux", 14},
                                                    {"windows", 1},
                                                    {"win", 1},
                                                    {"Linux 12", 0},
                                                    {"\"", 0},
                                                    {"11", 1},
                                                    {"12", 0}}) {
    EndpointQuery q;
    q.os = os;
    auto page = console_->ListEndpoints({true, {}}, acme_, q, clock_.Now());
    ASSERT_TRUE(page.ok()) << os << ": " << page.status().ToString();
    EXPECT_EQ(page->total, total) << os;
  }

  // The same machine enrolls again under a new name: one host, found by
  // the new name only.
  auto token = store_->CreateToken({"acme", std::nullopt, std::nullopt});
  ASSERT_TRUE(token.ok());
  EnrollInput in;
  in.token = token->token;
  in.identity = {"renamed-old", "m-r", "u-r", "s-r", {}};
  in.os_name = "Debian GNU/Linux";
  in.os_version = "12";
  in.node_key_hash = pki::Sha256Hex("k");
  auto first = store_->Enroll(in);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  in.identity.hostname = "renamed-new";
  in.previous_host_id = first->host_id;
  in.previous_node_key_hash = pki::Sha256Hex("k");
  auto again = store_->Enroll(in);
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  ASSERT_EQ(again->host_id, first->host_id);
  EndpointQuery q;
  q.search = "renamed-old";
  EXPECT_EQ(console_->ListEndpoints({true, {}}, acme_, q, clock_.Now())->total,
            0);
  q.search = "renamed-new";
  auto page = console_->ListEndpoints({true, {}}, acme_, q, clock_.Now());
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->total, 1);
  EXPECT_EQ(page->endpoints.front().id, first->host_id);
  q.search = "renamed";
  EXPECT_EQ(console_->ListEndpoints({true, {}}, acme_, q, clock_.Now())->total,
            1);
  // Another organisation's host is never found.
  q.search = "secret-host";
  EXPECT_EQ(console_->ListEndpoints({true, {}}, acme_, q, clock_.Now())->total,
            0);
}

// Several hosts with failing, unknown and erring results: the failing and
// unknown counts, the sort by failing checks and the rule filter (grading
// migration 9's indexes on SQLite), never another organisation's host, and
// the detail's check list in check order.
TEST_P(ConsoleStoreTest, FailingCountsSortAndRuleFilterAcrossHosts) {
  auto grading = store_->OpenGrading();
  ASSERT_TRUE(grading.ok()) << grading.status().ToString();
  const int64_t pc1 = acme_hosts_[1], pc2 = acme_hosts_[2],
                pc4 = acme_hosts_[4];
  const int64_t secret =
      console_->ListEndpoints({true, {}}, globex_, {}, clock_.Now())
          ->endpoints.front()
          .id;
  auto result = [&](int64_t host, const char* check,
                    grading::CheckStatus status) {
    grading::CheckResult r;
    r.check_id = check;
    r.host_id = std::to_string(host);
    r.status = status;
    r.collected_at = clock_.Now();
    return r;
  };
  using grading::CheckStatus;
  // pc-1 fails two checks, pc-2 one (and is unknown on another), pc-4 errs;
  // globex's host fails the same check as pc-2.
  std::vector<grading::CheckResult> acme = {
      result(pc1, "av.present", CheckStatus::kFail),
      result(pc1, "fw.on", CheckStatus::kFail),
      result(pc1, "disk.enc", CheckStatus::kPass),
      result(pc2, "fw.on", CheckStatus::kFail),
      result(pc2, "disk.enc", CheckStatus::kUnknown),
      result(pc4, "av.present", CheckStatus::kError),
      result(pc4, "fw.on", CheckStatus::kPass)};
  ASSERT_TRUE((*grading)->SaveResults(acme_, &acme, "v1", clock_.Now()).ok());
  std::vector<grading::CheckResult> globex = {
      result(secret, "fw.on", CheckStatus::kFail)};
  ASSERT_TRUE(
      (*grading)->SaveResults(globex_, &globex, "v1", clock_.Now()).ok());

  EndpointQuery q;
  q.sort = EndpointSort::kFailing;
  q.descending = true;
  q.limit = 3;
  auto page = console_->ListEndpoints({true, {}}, acme_, q, clock_.Now());
  ASSERT_TRUE(page.ok()) << page.status().ToString();
  ASSERT_EQ(page->endpoints.size(), 3u);
  EXPECT_EQ(page->endpoints[0].id, pc1);
  EXPECT_EQ(page->endpoints[0].failing, 2);
  EXPECT_EQ(page->endpoints[0].unknown, 0);
  EXPECT_EQ(page->endpoints[1].id, pc2);
  EXPECT_EQ(page->endpoints[1].failing, 1);
  EXPECT_EQ(page->endpoints[1].unknown, 1);
  EXPECT_EQ(page->endpoints[2].failing, 0);
  auto host =
      console_->FindEndpoint({true, {}}, acme_, pc4, clock_.Now(), hours(24));
  ASSERT_TRUE(host.ok()) << host.status().ToString();
  EXPECT_EQ(host->failing, 0);
  EXPECT_EQ(host->unknown, 1);  // an error counts as unknown, never passing

  q = {};
  q.failing_checks = {"av.present"};
  page = console_->ListEndpoints({true, {}}, acme_, q, clock_.Now());
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->total, 1);  // pc-4's error is not a failure
  EXPECT_EQ(page->endpoints.front().id, pc1);
  q.failing_checks = {"fw.on", "av.present"};
  page = console_->ListEndpoints({true, {}}, acme_, q, clock_.Now());
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(page->total, 2);  // pc-1 once, pc-2; never globex's host
  for (const auto& e : page->endpoints) EXPECT_NE(e.id, secret);
  page = console_->ListEndpoints({true, {}}, globex_, q, clock_.Now());
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->total, 1);
  EXPECT_EQ(page->endpoints.front().id, secret);

  // A later run: pc-1's firewall passes now, pc-4's error became a
  // failure; the counts follow (and unchanged results change nothing).
  std::vector<grading::CheckResult> later = {
      result(pc1, "av.present", CheckStatus::kFail),
      result(pc1, "fw.on", CheckStatus::kPass),
      result(pc1, "disk.enc", CheckStatus::kPass),
      result(pc2, "fw.on", CheckStatus::kFail),
      result(pc2, "disk.enc", CheckStatus::kUnknown),
      result(pc4, "av.present", CheckStatus::kFail),
      result(pc4, "fw.on", CheckStatus::kPass)};
  clock_.Advance(std::chrono::seconds(60));
  ASSERT_TRUE((*grading)->SaveResults(acme_, &later, "v1", clock_.Now()).ok());
  q = {};
  q.sort = EndpointSort::kFailing;
  q.descending = true;
  q.limit = 4;
  page = console_->ListEndpoints({true, {}}, acme_, q, clock_.Now());
  ASSERT_TRUE(page.ok()) << page.status().ToString();
  ASSERT_EQ(page->endpoints.size(), 4u);
  // Three hosts fail one check each now: by id, descending, among equals.
  EXPECT_EQ(page->endpoints[0].id, pc4);
  EXPECT_EQ(page->endpoints[0].failing, 1);
  EXPECT_EQ(page->endpoints[0].unknown, 0);
  EXPECT_EQ(page->endpoints[1].id, pc2);
  EXPECT_EQ(page->endpoints[1].unknown, 1);
  EXPECT_EQ(page->endpoints[2].id, pc1);
  EXPECT_EQ(page->endpoints[2].failing, 1);
  EXPECT_EQ(page->endpoints[3].failing, 0);
  // The next page after the cursor carries on in the same order.
  q.cursor = page->next_cursor;
  ASSERT_FALSE(q.cursor.empty());
  auto next = console_->ListEndpoints({true, {}}, acme_, q, clock_.Now());
  ASSERT_TRUE(next.ok()) << next.status().ToString();
  EXPECT_EQ(next->endpoints.size(), 4u);  // 8 hosts in acme
  for (const auto& e : next->endpoints) EXPECT_EQ(e.failing, 0);

  auto checks = console_->EndpointChecks({true, {}}, acme_, pc1);
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

// Requests from more threads than the store keeps connections for (the
// SQLite store leases one of a small pool): every answer is complete and
// the same.
TEST_P(ConsoleStoreTest, ConcurrentCallersGetCompleteAnswers) {
  constexpr int kThreads = 9;
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

INSTANTIATE_TEST_SUITE_P(Backends, ConsoleStoreTest,
                         ::testing::Values(Backend::kSqlite,
                                           Backend::kPostgres),
                         [](const ::testing::TestParamInfo<Backend>& info) {
                           return testing::BackendName(info.param);
                         });

}  // namespace
}  // namespace mamori::store
