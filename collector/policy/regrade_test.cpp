// serve's re-grade (GradingService::EvaluateOrgId: each check's results
// stored and folded into per-rule tallies as soon as its query has run) must
// store exactly what a full evaluation (Evaluate: every result held, the
// rules measured with MeasureTechnical over all of them) stores: the same
// check_results rows, the same history rows and the same grade snapshots.
// Two copies of one multi-host database are graded the same three times,
// one copy each way, and every stored row is compared.
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include "collector/policy/grading_service.h"
#include "collector/store/open_store.h"
#include "common/clock.h"

namespace mamori {
namespace {

namespace fs = std::filesystem;

// 2026-11-20T00:00:00Z
const TimePoint kNow = FromUnixSeconds(1795132800);

struct Family {
  std::string name;
  std::string json;
  std::string state = "STATUS_OK";
};

const std::vector<Family> kGood = {
    {"system",
     R"({"os_family":"OS_FAMILY_WINDOWS","os_name":"Windows 11 Enterprise","os_build":26100,"os_edition":"Enterprise","role":"ENDPOINT_ROLE_LAPTOP"})"},
    {"updates",
     R"({"pending_count":0,"security_pending_count":0,"automatic_updates":true})"},
    {"antivirus",
     R"({"products":[{"name":"Microsoft Defender","enabled":true,"realtime_protection":true,"definitions_age_hours":5}]})"},
    {"password_policy",
     R"({"min_length":12,"lockout_threshold":5,"accounts_without_password_count":0})"},
    {"screen_lock",
     R"({"enabled":true,"idle_timeout_seconds":600,"password_required":true})"},
    {"wifi",
     R"({"adapters":[{"name":"Wi-Fi"}],"current":{"ssid":"office","security":"WIFI_SECURITY_WPA2","auto_connect":true},"profiles":[{"ssid":"home","security":"WIFI_SECURITY_WPA3","auto_connect":true}]})"},
    {"usb_storage", R"({"effective_policy":"USB_STORAGE_POLICY_BLOCKED"})"},
    {"disk_encryption",
     R"({"volumes":[{"device":"C:","state":"ENCRYPTION_STATE_ENCRYPTED","system_volume":true}]})"},
    {"firewall", R"({"active":true,"product":"windows"})"},
    {"remote_access", R"({"ssh_installed":false,"rdp_enabled":false})"},
};

const std::vector<Family> kBad = {
    {"system",
     R"({"os_family":"OS_FAMILY_WINDOWS","os_name":"Windows 10 Pro","os_build":19045,"os_edition":"Professional","role":"ENDPOINT_ROLE_DESKTOP"})"},
    {"updates",
     R"({"pending":[{"name":"KB5031356","security":true,"published_at":"2026-10-01T00:00:00Z"}],"pending_count":2,"security_pending_count":1,"automatic_updates":false})"},
    {"antivirus",
     R"({"products":[{"name":"ESET \"NOD32\"\n","enabled":true,"realtime_protection":false,"definitions_age_hours":212}]})"},
    {"password_policy",
     R"({"min_length":4,"lockout_threshold":0,"accounts_without_password":["guest"],"accounts_without_password_count":1})"},
    {"screen_lock",
     R"({"enabled":true,"idle_timeout_seconds":3600,"password_required":true})"},
    {"wifi",
     R"({"adapters":[{"name":"Wi-Fi"}],"profiles":[{"ssid":"カフェ","security":"WIFI_SECURITY_WEP","auto_connect":true}]})"},
    {"usb_storage", R"({"effective_policy":"USB_STORAGE_POLICY_ALLOWED"})"},
    {"disk_encryption",
     R"({"volumes":[{"device":"C:","state":"ENCRYPTION_STATE_NOT_ENCRYPTED","system_volume":true}]})"},
    {"firewall", R"({"active":false,"product":"none"})"},
    {"remote_access",
     R"({"ssh_installed":true,"ssh_password_authentication":true,"rdp_enabled":true,"rdp_nla_required":false})"},
};

// A Linux server whose families could not be read or are undetermined.
const std::vector<Family> kUnknown = {
    {"system",
     R"({"os_family":"OS_FAMILY_LINUX","os_id":"debian","os_version":"12","role":"ENDPOINT_ROLE_SERVER"})"},
    {"updates", R"({})", "STATUS_ERROR"},
    {"antivirus", R"({"products":[{"name":"ClamAV"}]})"},
    {"password_policy", R"({})", "STATUS_PERMISSION_DENIED"},
    {"screen_lock", R"({})", "STATUS_NOT_APPLICABLE"},
    {"firewall", R"({"product":"nftables"})"},
};

// Role unknown, nothing but the system family.
const std::vector<Family> kMystery = {
    {"system",
     R"({"os_family":"OS_FAMILY_WINDOWS","os_name":"Windows Insider","os_build":99999,"os_edition":"Professional"})"},
};

std::vector<store::PackageRow> PackagesOf(int i) {
  std::vector<store::PackageRow> out = {
      {"lib-shared", "1.0", "amd64", "PACKAGE_SOURCE_DPKG", "", "", {}}};
  if (i % 3 == 0) {
    out.push_back({i % 2 == 0 ? "Microsoft Office Standard 2016"
                              : "Microsoft Office Professional Plus 2024",
                   "16.0",
                   "x64",
                   "PACKAGE_SOURCE_WINDOWS_UNINSTALL",
                   "Microsoft",
                   "machine",
                   {}});
  }
  if (i % 4 == 1) {
    out.push_back({"Google Chrome",
                   i % 8 == 1 ? "120.0.6099" : "999.0.1",
                   "x64",
                   "PACKAGE_SOURCE_WINDOWS_UNINSTALL",
                   "Google",
                   "machine",
                   {}});
  }
  if (i % 4 == 2) {
    out.push_back({"firefox-esr",
                   "128.5.0esr-1~deb12u1",
                   "amd64",
                   "PACKAGE_SOURCE_DPKG",
                   "",
                   "",
                   {}});
  }
  return out;
}

struct Host {
  int64_t id = 0;
  std::string key;
};

class RegradeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("mamori-regrade-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string PathOf(const std::string& name) {
    return (dir_ / (name + ".db")).string();
  }

  // Stores one report for `host` with `families` collected `age` before the
  // clock's time.
  void Report(store::Store& store, const Host& host, int i,
              const std::vector<Family>& families, std::chrono::seconds age) {
    store::ReportInput r;
    r.host_id = host.id;
    r.node_key_hash = host.key;
    r.report_id = "r" + std::to_string(++reports_);
    r.collected_at = ToUnixSeconds(clock_.Now() - age);
    r.hostname = "PC-" + std::to_string(i);
    for (const Family& f : families) {
      r.families.push_back(
          {f.name, f.state, r.collected_at, f.json, "sha-" + f.json});
    }
    r.packages = PackagesOf(i);
    r.families.push_back(
        {"packages", "STATUS_OK", r.collected_at, "{}",
         "sha-pk-" + std::to_string(i) + "-" + std::to_string(reports_)});
    auto stored =
        store.StoreReports(std::span<const store::ReportInput>(&r, 1));
    ASSERT_TRUE(stored[0].ok()) << stored[0].status().ToString();
  }

  // Every stored row of the grading tables, as text, in a stable order.
  std::vector<std::string> Dump(const std::string& path) {
    sqlite3* db = nullptr;
    EXPECT_EQ(sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr),
              SQLITE_OK);
    std::vector<std::string> out;
    for (const char* sql :
         {"SELECT 'r', org_id, host_id, check_id, status, evidence_json, "
          "collected_at, status_since, evaluated_at, policy_version FROM "
          "check_results ORDER BY host_id, check_id",
          "SELECT 'h', org_id, host_id, check_id, status, evidence_json, "
          "collected_at, evaluated_at, policy_version FROM "
          "check_result_history ORDER BY id",
          "SELECT 'g', org_id, evaluated_at, policy_version, overall, "
          "rules_json FROM grade_history ORDER BY id",
          "SELECT 'c', org_id, subject, evaluated_at, pass, fail, unknown, "
          "not_applicable, error, measure_json, failing_json FROM "
          "grade_counts ORDER BY org_id, subject"}) {
      sqlite3_stmt* st = nullptr;
      EXPECT_EQ(sqlite3_prepare_v2(db, sql, -1, &st, nullptr), SQLITE_OK)
          << sqlite3_errmsg(db);
      while (sqlite3_step(st) == SQLITE_ROW) {
        std::string row;
        for (int c = 0; c < sqlite3_column_count(st); ++c) {
          const auto* t =
              reinterpret_cast<const char*>(sqlite3_column_text(st, c));
          row += t == nullptr ? "NULL" : t;
          row += '|';
        }
        out.push_back(std::move(row));
      }
      sqlite3_finalize(st);
    }
    sqlite3_close(db);
    return out;
  }

  FakeClock clock_{kNow};
  fs::path dir_;
  int reports_ = 0;
};

TEST_F(RegradeTest, SnapshotOnlyRegradeStoresExactlyWhatEvaluateStores) {
  constexpr int kHosts = 40;
  std::vector<Host> hosts;
  {
    auto store = store::OpenStore(store::SqliteUrl(PathOf("full")), clock_);
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    ASSERT_TRUE((*store)->CreateOrg({"acme", "", std::nullopt, ""}).ok());
    ASSERT_TRUE((*store)->CreateOrg({"other", "", std::nullopt, ""}).ok());
    for (int i = 0; i < kHosts + 2; ++i) {
      // The last two hosts: one of another organisation, one of acme that
      // never reports (it lowers coverage only).
      const std::string org = i == kHosts ? "other" : "acme";
      auto token = (*store)->CreateToken({org, std::nullopt, std::nullopt});
      ASSERT_TRUE(token.ok());
      store::EnrollInput in;
      in.token = token->token;
      in.identity.hostname = "PC-" + std::to_string(i);
      in.identity.machine_id = "m-" + std::to_string(i);
      in.node_key_hash = "key-" + std::to_string(i);
      auto e = (*store)->Enroll(in);
      ASSERT_TRUE(e.ok()) << e.status().ToString();
      hosts.push_back({e->host_id, in.node_key_hash});
      if (i == kHosts + 1) continue;
      const auto& families = i % 5 == 0    ? kBad
                             : i % 7 == 0  ? kUnknown
                             : i % 11 == 0 ? kMystery
                                           : kGood;
      // Some evidence is stale, some far too old.
      const auto age = i % 6 == 0    ? std::chrono::hours(24 * 10)
                       : i % 13 == 0 ? std::chrono::hours(24 * 20)
                                     : std::chrono::hours(2);
      Report(**store, hosts.back(), i, families, age);
    }
  }
  fs::copy_file(PathOf("full"), PathOf("regrade"));

  // Base grades B and C, so a rule's grade shows whether its technical
  // measure is in place (+1 rank); a pass rate of 60 % is enough.
  const std::string answers = R"(second_diagnosis:
  antivirus: {written: yes, spread: spread, managed: no, technical: yes}
  software_updates: {written: yes, spread: spread, managed: no, technical: no}
  removable_media: {written: yes, spread: partly, managed: no}
  wifi: {written: yes, spread: spread, managed: no}
  passwords: {written: yes, spread: spread, managed: no, technical: yes}
  physical_access: {written: yes, spread: spread, managed: no}
  web_browsing: {written: yes, spread: spread, managed: no}
settings:
  min_pass_percent: 60
)";
  auto full = policy::GradingService::Open({PathOf("full"), ""}, clock_);
  auto regrade = policy::GradingService::Open({PathOf("regrade"), ""}, clock_);
  ASSERT_TRUE(full.ok()) << full.status().ToString();
  ASSERT_TRUE(regrade.ok()) << regrade.status().ToString();
  for (auto* svc : {full->get(), regrade->get()}) {
    ASSERT_TRUE(svc->ImportAnswers("acme", {"a.yaml", answers}, "t").ok());
  }
  auto org = (*regrade)->store().OrgId("acme");
  ASSERT_TRUE(org.ok());

  std::set<grading::CheckStatus> statuses;
  auto grade_both = [&] {
    auto report = (*full)->Evaluate("acme");
    ASSERT_TRUE(report.ok()) << report.status().ToString();
    for (const auto& r : report->results) statuses.insert(r.status);
    ASSERT_TRUE((*regrade)->EvaluateOrgId(*org).ok());
  };
  grade_both();

  // Changes: two hosts turn good and bad, one host's facts become stale,
  // every other host reports again with nothing changed but the time.
  clock_.Advance(std::chrono::hours(1));
  for (const std::string name : {"full", "regrade"}) {
    auto store = store::OpenStore(store::SqliteUrl(PathOf(name)), clock_);
    ASSERT_TRUE(store.ok());
    const int saved = reports_;
    for (int i = 0; i < kHosts; ++i) {
      if (i == 6) continue;  // stays stale
      const auto& families = i == 5        ? kGood
                             : i == 1      ? kBad
                             : i % 5 == 0  ? kBad
                             : i % 7 == 0  ? kUnknown
                             : i % 11 == 0 ? kMystery
                                           : kGood;
      Report(**store, hosts[static_cast<size_t>(i)], i, families,
             std::chrono::minutes(30));
    }
    if (name == "full") reports_ = saved;
  }
  clock_.Advance(std::chrono::hours(24 * 3));
  grade_both();
  // Nothing changed: rows stay as they are.
  clock_.Advance(std::chrono::minutes(10));
  grade_both();

  const auto want = Dump(PathOf("full"));
  const auto got = Dump(PathOf("regrade"));
  EXPECT_EQ(got, want);
  // The fixture exercises what it claims to: pass, fail, unknown and
  // not_applicable results, history rows beyond the first round's, three
  // snapshots, the last with measures both in place and not.
  EXPECT_GE(statuses.size(), 4u);
  EXPECT_GT(std::count_if(want.begin(), want.end(),
                          [](const std::string& r) { return r[0] == 'h'; }),
            static_cast<long>(kHosts * 15));
  std::vector<std::string> snapshots;
  for (const std::string& row : want) {
    if (row[0] == 'g') snapshots.push_back(row);
  }
  ASSERT_EQ(snapshots.size(), 3u);
  // Rules answered up to B: some measured in place (A), some not (B).
  for (const char* grade : {"\"A\"", "\"B\""}) {
    EXPECT_NE(snapshots.back().find(grade), std::string::npos)
        << grade << " in " << snapshots.back();
  }
  // Grade counts (the console's graded pages) were written with the runs:
  // ten rules' measures and a row per check, with failing hosts.
  EXPECT_GE(std::count_if(want.begin(), want.end(),
                          [](const std::string& r) {
                            return r.rfind("c|1|rule:", 0) == 0;
                          }),
            10);
  EXPECT_TRUE(std::any_of(want.begin(), want.end(), [](const std::string& r) {
    return r[0] == 'c' && r.find("\"hostname\":\"PC-") != std::string::npos;
  }));

  // What the pages fold from the counts and the current answers is what
  // the report from every stored result says: grades, measures (without
  // their endpoints), discrepancies and improvements (counted).
  auto stored = (*full)->Report("acme");
  ASSERT_TRUE(stored.ok()) << stored.status().ToString();
  auto counts = (*regrade)->store().LoadGradeCounts(*org);
  ASSERT_TRUE(counts.ok()) << counts.status().ToString();
  ASSERT_TRUE(counts->has_value());
  auto answers_now = (*regrade)->store().LoadAnswers(*org);
  ASSERT_TRUE(answers_now.ok());
  auto folded = (*regrade)->FromCounts(**counts, *answers_now);
  ASSERT_TRUE(folded.ok()) << folded.status().ToString();
  ASSERT_EQ(folded->rules.size(), stored->rules.size());
  EXPECT_EQ(folded->overall, stored->overall);
  for (size_t i = 0; i < stored->rules.size(); ++i) {
    const grading::RuleGrade& a = folded->rules[i].grade;
    const grading::RuleGrade& b = stored->rules[i].grade;
    EXPECT_EQ(a.rule, b.rule);
    EXPECT_EQ(a.grade, b.grade) << b.rule;
    EXPECT_EQ(a.technical_source, b.technical_source) << b.rule;
    ASSERT_EQ(a.measure.has_value(), b.measure.has_value()) << b.rule;
    if (!b.measure) continue;
    EXPECT_EQ(a.measure->verdict, b.measure->verdict) << b.rule;
    EXPECT_EQ(a.measure->reporting, b.measure->reporting) << b.rule;
    EXPECT_EQ(a.measure->passing, b.measure->passing) << b.rule;
    EXPECT_EQ(a.measure->failing, b.measure->failing) << b.rule;
    EXPECT_EQ(a.measure->unknown, b.measure->unknown) << b.rule;
    EXPECT_EQ(a.measure->long_unknown, b.measure->long_unknown) << b.rule;
    EXPECT_EQ(a.measure->fresh_failing, b.measure->fresh_failing) << b.rule;
  }
  ASSERT_EQ(folded->discrepancies.size(), stored->discrepancies.size());
  for (size_t i = 0; i < stored->discrepancies.size(); ++i) {
    EXPECT_EQ(folded->discrepancies[i].subject,
              stored->discrepancies[i].subject);
    EXPECT_EQ(folded->discrepancies[i].direction,
              stored->discrepancies[i].direction);
  }
  ASSERT_EQ(folded->improvements.size(), stored->improvements.size());
  bool fixes = false;
  for (size_t i = 0; i < stored->improvements.size(); ++i) {
    const grading::Improvement& a = folded->improvements[i];
    const grading::Improvement& b = stored->improvements[i];
    EXPECT_EQ(a.kind, b.kind);
    EXPECT_EQ(a.rule, b.rule);
    EXPECT_EQ(a.check_id, b.check_id);
    EXPECT_EQ(a.endpoint_count, static_cast<int>(b.endpoints.size()))
        << b.check_id;
    fixes = fixes || !b.endpoints.empty();
  }
  EXPECT_TRUE(fixes) << "the fixture has failing endpoints to fix";
}

}  // namespace
}  // namespace mamori
