// Every built-in check against fixture hosts stored through the real store
// (enrolment + report path), with each status covered; plus result history,
// custom policies (a broken one keeps the previous set; a failing query
// gives `error`), answers with history, discrepancies and the grade report.
// Each case runs over both backends (Backends/*: a SQLite file, and a
// PostgreSQL database when MAMORI_TEST_PG_URL names a cluster), and
// SameResultsOnBothBackends grades the same fleet on both and compares
// every result (issue #17).
#include <google/protobuf/message.h>
#include <google/protobuf/util/json_util.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <thread>
#include <tuple>

#include "collector/policy/grading_service.h"
#include "collector/store/open_store.h"
#include "collector/store/sqlite/fact_view_sync.h"
#include "collector/store/sqlite/migrations.h"
#include "collector/store/sqlite/sqlite.h"
#include "collector/store/testing/test_database.h"
#include "common/clock.h"
#include "proto/wire/families.h"

namespace mamori {
namespace {

namespace fs = std::filesystem;
using grading::CheckStatus;

// 2026-11-20T00:00:00Z
const TimePoint kNow = FromUnixSeconds(1795132800);

struct Family {
  std::string name;
  std::string json;  // proto JSON with proto field names
  std::string state = "STATUS_OK";
};

// Parses `json` as the family's proto message (found through the proto
// descriptor, wire/families.h) so a typo in a fixture fails the test instead
// of silently testing nothing.
void ExpectValidProtoJson(const Family& f) {
  const google::protobuf::FieldDescriptor* field = wire::FamilyField(f.name);
  ASSERT_NE(field, nullptr) << f.name << " is not a family of EndpointFacts";
  std::unique_ptr<google::protobuf::Message> m(
      google::protobuf::MessageFactory::generated_factory()
          ->GetPrototype(field->message_type())
          ->New());
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = false;
  auto s =
      google::protobuf::util::JsonStringToMessage(f.json, m.get(), options);
  ASSERT_TRUE(s.ok()) << f.name << ": " << s.ToString();
}

using store::testing::Backend;

class GradingChecksTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    if (GetParam() == Backend::kPostgres &&
        !store::testing::PostgresClusterUrl()) {
      GTEST_SKIP() << "MAMORI_TEST_PG_URL not set (scripts/test.sh sets it)";
    }
    UseBackend(GetParam());
  }
  // A fresh database on `backend` (and a fresh custom-policy directory),
  // with organisations acme and other.
  void UseBackend(Backend backend) {
    TearDown();
    backend_ = backend;
    std::string name =
        ::testing::UnitTest::GetInstance()->current_test_info()->name();
    for (char& c : name) {
      if (c == '/') c = '_';
    }
    dir_ = fs::temp_directory_path() /
           ("mamori-grading-" + std::to_string(::getpid()) + "-" + name);
    fs::remove_all(dir_);
    fs::create_directories(dir_ / "custom");
    auto db = store::testing::TestDatabase::Create(backend);
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    db_ = std::move(*db);
    url_ = db_->url();
    if (backend == Backend::kSqlite) {
      db_path_ = url_.substr(std::string_view("sqlite:").size());
    }
    auto store = store::OpenStore(url_, clock_);
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(*store);
    ASSERT_TRUE(store_->CreateOrg({"acme", "", std::nullopt, ""}).ok());
    ASSERT_TRUE(store_->CreateOrg({"other", "", std::nullopt, ""}).ok());
  }
  void TearDown() override {
    service_.reset();
    store_.reset();
    // Every test leaves a database PRAGMA integrity_check passes (backups
    // and restores refuse one that does not; the device tables once failed).
    if (!db_path_.empty()) {
      auto db = store::Database::Open(db_path_, /*create=*/false);
      EXPECT_TRUE(db.ok()) << db.status().ToString();
      auto check = db.ok() ? db->Prepare("PRAGMA integrity_check")
                           : Result<store::Statement>(db.status());
      EXPECT_TRUE(check.ok());
      for (auto row = check.ok() ? check->Step() : Result<bool>(false);
           row.ok() && *row; row = check->Step()) {
        EXPECT_EQ(check->ColumnText(0), "ok");
      }
    }
    db_.reset();
    if (!dir_.empty()) fs::remove_all(dir_);
  }
  bool OnSqlite() const { return backend_ == Backend::kSqlite; }

  struct Fleet {
    int64_t good = 0, bad = 0, unknown = 0, mystery = 0, mac = 0,
            linux_laptop = 0, foreign = 0;
  };
  void AddFleet(Fleet* fleet);
  // Every result of acme's evaluation by (hostname, check): status and
  // evidence, the shape compared across backends.
  std::map<std::pair<std::string, std::string>, std::string> Graded(
      const policy::GradeReport& report) {
    std::map<int64_t, std::string> names;
    for (const auto& h : report.hosts) names[h.host_id] = h.hostname;
    std::map<std::pair<std::string, std::string>, std::string> out;
    for (const auto& r : report.results) {
      std::string text(grading::CheckStatusName(r.status));
      for (const auto& e : r.evidence) text += "|" + e.name + "=" + e.value;
      out[{names[std::stoll(r.host_id)], r.check_id}] = text;
    }
    return out;
  }

  std::unique_ptr<policy::GradingService> OpenService() {
    auto svc = policy::GradingService::Open({url_, (dir_ / "custom").string()},
                                            clock_);
    EXPECT_TRUE(svc.ok()) << svc.status().ToString();
    return svc.ok() ? std::move(*svc) : nullptr;
  }

  // Enrols a host into `org` and stores one report with `families`
  // collected `age` before kNow.
  int64_t AddHost(const std::string& org, const std::string& name,
                  const std::vector<Family>& families,
                  const std::vector<store::PackageRow>& packages = {},
                  std::chrono::seconds age = std::chrono::hours(2)) {
    auto token = store_->CreateToken({org, std::nullopt, std::nullopt});
    EXPECT_TRUE(token.ok());
    store::EnrollInput in;
    in.token = token->token;
    in.identity.hostname = name;
    in.identity.machine_id = "machine-" + name;
    in.node_key_hash = "key-" + name;
    auto enrolled = store_->Enroll(in);
    EXPECT_TRUE(enrolled.ok()) << enrolled.status().ToString();
    store::ReportInput report;
    report.host_id = enrolled->host_id;
    report.node_key_hash = in.node_key_hash;
    report.report_id = "r-" + name + "-" + std::to_string(++reports_);
    report.collected_at = ToUnixSeconds(kNow - age);
    report.hostname = name;
    for (const Family& f : families) {
      ExpectValidProtoJson(f);
      report.families.push_back(
          {f.name, f.state, report.collected_at, f.json, "sha-" + f.json});
    }
    if (!packages.empty()) {
      report.families.push_back({"packages", "STATUS_OK", report.collected_at,
                                 "{}", "sha-pk-" + name});
      report.packages = packages;
    }
    auto stored =
        store_->StoreReports(std::span<const store::ReportInput>(&report, 1));
    EXPECT_TRUE(stored[0].ok()) << stored[0].status().ToString();
    return enrolled->host_id;
  }

  // Status of `check` for `host` in the report.
  static CheckStatus StatusOf(const policy::GradeReport& r, int64_t host,
                              const std::string& check) {
    for (const auto& c : r.results) {
      if (c.host_id == std::to_string(host) && c.check_id == check)
        return c.status;
    }
    ADD_FAILURE() << "no result for " << check << " on host " << host;
    return CheckStatus::kError;
  }
  static std::string EvidenceOf(const policy::GradeReport& r, int64_t host,
                                const std::string& check,
                                const std::string& name) {
    for (const auto& c : r.results) {
      if (c.host_id != std::to_string(host) || c.check_id != check) continue;
      for (const auto& e : c.evidence) {
        if (e.name == name) return e.value;
      }
    }
    return "<none>";
  }

  void WriteCustom(const std::string& name, const std::string& text) {
    std::ofstream(dir_ / "custom" / name) << text;
  }

  FakeClock clock_{kNow};
  Backend backend_ = Backend::kSqlite;
  fs::path dir_;
  std::unique_ptr<store::testing::TestDatabase> db_;
  std::string url_;
  std::string db_path_;  // the SQLite file (SQLite only)
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<policy::GradingService> service_;
  int reports_ = 0;
};

const std::vector<Family> kGoodLaptop = {
    {"system",
     R"({"os_family":"OS_FAMILY_WINDOWS","os_name":"Windows 11 Enterprise","os_build":26100,"os_edition":"Enterprise","role":"ENDPOINT_ROLE_LAPTOP"})"},
    {"updates",
     R"({"pending_count":0,"security_pending_count":0,"automatic_updates":true,"automatic_updates_evidence":"AUOptions=4","lists_refreshed_at":"2026-11-19T22:00:00Z"})"},
    {"antivirus",
     R"({"products":[{"name":"Microsoft Defender","enabled":true,"realtime_protection":true,"definitions_age_hours":5}]})"},
    {"password_policy",
     R"({"min_length":12,"lockout_threshold":5,"accounts_without_password_count":0})"},
    {"screen_lock",
     R"({"enabled":true,"idle_timeout_seconds":600,"password_required":true,"enforced_by_policy":true,"source":"windows-policy"})"},
    {"wifi",
     R"({"adapters":[{"name":"Wi-Fi"}],"current":{"ssid":"office","security":"WIFI_SECURITY_WPA2","auto_connect":true},"profiles":[{"ssid":"home","security":"WIFI_SECURITY_WPA3","auto_connect":true},{"ssid":"old-cafe","security":"WIFI_SECURITY_WEP","auto_connect":false}]})"},
    {"usb_storage",
     R"({"effective_policy":"USB_STORAGE_POLICY_BLOCKED","evidence":[{"source":"HKLM\\SYSTEM\\CurrentControlSet\\Services\\USBSTOR\\Start","setting":"4","effect":"USB_STORAGE_POLICY_BLOCKED","decisive":true}]})"},
    {"disk_encryption",
     R"({"volumes":[{"device":"C:","state":"ENCRYPTION_STATE_ENCRYPTED","technology":"bitlocker","system_volume":true}]})"},
    {"firewall",
     R"({"active":true,"product":"windows","default_inbound":"FIREWALL_ACTION_DROP"})"},
    {"remote_access", R"({"ssh_installed":false,"rdp_enabled":false})"},
    // A hardened IIS and OpenSSH beyond loopback, a database on
    // loopback.
    {"service_exposure",
     R"({"services":[{"protocol":"tcp","address":"0.0.0.0","port":443,"probe_address":"127.0.0.1","pid":4,"process":"System","kind":"https","probe_state":"ok","tls":{"tls1_0":false,"tls1_1":false,"tls1_2":true,"tls1_3":true,"dh_bits":3072,"certificate":{"chained_to_system_ca":true,"key_type":"RSA","key_bits":2048},"negotiated_version":"TLSv1.3"},"http":{"status_code":200,"server":"Microsoft-IIS","hsts":true,"content_security_policy":true,"csp_frame_ancestors":true,"x_frame_options":true,"x_content_type_options":true,"referrer_policy":true,"frame_protection":true}},{"protocol":"tcp","address":"0.0.0.0","port":22,"process":"sshd.exe","kind":"ssh","probe_state":"ok","ssh":{"banner":"SSH-2.0-OpenSSH_for_Windows_9.5","product":"OpenSSH","strict_kex":true,"chacha20_offered":true}},{"protocol":"tcp","address":"127.0.0.1","port":5432,"loopback_only":true,"kind":"other","probe_state":"ok"},{"protocol":"tcp","address":"0.0.0.0","port":3389,"pid":1204,"process":"svchost.exe","kind":"rdp","probe_state":"ok","rdp":{"negotiated_protocol":"hybrid","nla_required":true}}]})"},
    // Only the router and a Brother printer on this laptop's LAN.
    {"neighbours",
     R"({"source":"GetIpNetTable2","neighbours":[{"ip":"192.168.1.1","mac":"00:00:5e:00:53:01","interface":"Wi-Fi","state":"NEIGHBOUR_STATE_REACHABLE","gateway":true},{"ip":"192.168.1.60","mac":"00:80:77:12:34:56","interface":"Wi-Fi","state":"NEIGHBOUR_STATE_STALE"}],"total_entries":2})"},
};

const std::vector<Family>
    kBadDesktop =
        {
            {"system",
             R"({"os_family":"OS_FAMILY_WINDOWS","os_name":"Windows 10 Pro","os_build":19045,"os_edition":"Professional","role":"ENDPOINT_ROLE_DESKTOP"})"},
            {"updates",
             R"({"pending":[{"name":"KB5031356","security":true,"published_at":"2026-10-01T00:00:00Z"}],"pending_count":2,"security_pending_count":1,"automatic_updates":false})"},
            {"antivirus",
             R"({"products":[{"name":"ESET","enabled":true,"realtime_protection":false,"definitions_age_hours":212}]})"},
            {"password_policy",
             R"({"min_length":4,"lockout_threshold":0,"accounts_without_password":["guest"],"accounts_without_password_count":1})"},
            {"screen_lock",
             R"({"enabled":true,"idle_timeout_seconds":3600,"password_required":true,"enforced_by_policy":true,"source":"windows-policy"})"},
            {"wifi",
             R"({"adapters":[{"name":"Wi-Fi"}],"current":{"ssid":"office","security":"WIFI_SECURITY_WPA2","auto_connect":true},"profiles":[{"ssid":"cafe","security":"WIFI_SECURITY_WEP","auto_connect":true}]})"},
            {"usb_storage",
             R"({"effective_policy":"USB_STORAGE_POLICY_ALLOWED"})"},
            {"disk_encryption",
             R"({"volumes":[{"device":"C:","state":"ENCRYPTION_STATE_NOT_ENCRYPTED","system_volume":true}]})"},
            {"firewall", R"({"active":false,"product":"none"})"},
            {"remote_access",
             R"({"ssh_installed":true,"ssh_password_authentication":true,"rdp_enabled":true,"rdp_nla_required":false})"},
            // Seed 001's findings on one host: old TLS, a self-signed
            // expired certificate, DH 1024, no headers, IIS version, NTLM,
            // an admin page, an SSH server open to Terrapin with SHA-1 key
            // exchange.
            {"service_exposure", R"({"services":[{"protocol":"tcp","address":"0.0.0.0","port":443,"process":"System","kind":"https","probe_state":"ok","tls":{"tls1_0":true,"tls1_1":true,"tls1_2":true,"tls1_3":false,"weak_ciphers":["TLS_RSA_WITH_3DES_EDE_CBC_SHA"],"dh_bits":1024,"certificate":{"self_signed":true,"chained_to_system_ca":false,"expired":true,"key_type":"RSA","key_bits":1024}},"http":{"status_code":401,"server":"Microsoft-IIS/8.5","powered_by":"ASP.NET","version_disclosed":true,"ntlm_offered":true,"admin_paths":["/admin/"]}},{"protocol":"tcp","address":"192.168.1.10","port":22,"process":"sshd.exe","kind":"ssh","probe_state":"ok","ssh":{"banner":"SSH-2.0-OpenSSH_8.1","product":"OpenSSH","version":"8.1","chacha20_offered":true,"terrapin_exposed":true,"weak_kex":["diffie-hellman-group14-sha1"]}},{"protocol":"tcp","address":"0.0.0.0","port":3390,"pid":1208,"process":"svchost.exe","kind":"rdp","probe_state":"ok","rdp":{"negotiated_protocol":"ssl","nla_required":false}}]})"},
            // A Dell PC without the agent on this desktop's LAN.
            {"neighbours",
             R"({"source":"GetIpNetTable2","neighbours":[{"ip":"192.168.1.1","mac":"00:00:5e:00:53:01","interface":"Ethernet","state":"NEIGHBOUR_STATE_REACHABLE","gateway":true},{"ip":"192.168.1.50","mac":"00:14:22:99:99:99","interface":"Ethernet","state":"NEIGHBOUR_STATE_STALE"}],"total_entries":2})"},
};

// A Linux server whose families could not be read or are undetermined.
const std::vector<Family> kUnknownServer = {
    {"system",
     R"({"os_family":"OS_FAMILY_LINUX","os_id":"debian","os_version":"12","role":"ENDPOINT_ROLE_SERVER"})"},
    {"updates", R"({})", "STATUS_ERROR"},
    {"antivirus", R"({"products":[{"name":"ClamAV"}]})"},
    {"password_policy", R"({})", "STATUS_PERMISSION_DENIED"},
    {"screen_lock", R"({})", "STATUS_NOT_APPLICABLE"},
    {"wifi", R"({})", "STATUS_NOT_APPLICABLE"},
    {"usb_storage", R"({})"},
    {"firewall", R"({"product":"nftables"})"},
    {"remote_access", R"({"ssh_installed":true})"},
    // A listener the probe ran out of time on: nothing can be said.
    {"service_exposure",
     R"({"services":[{"protocol":"tcp","address":"0.0.0.0","port":8443,"probe_state":"timeout","probe_message":"connect timed out"}]})"},
    {"neighbours", R"({})", "STATUS_ERROR"},
};

// Windows of a build not in the table, role not determined, nothing else.
const std::vector<Family> kMystery = {
    {"system",
     R"({"os_family":"OS_FAMILY_WINDOWS","os_name":"Windows Insider","os_build":99999,"os_edition":"Professional"})"},
};

const std::vector<Family> kMac = {
    {"system",
     R"({"os_family":"OS_FAMILY_MACOS","os_name":"macOS","role":"ENDPOINT_ROLE_LAPTOP"})"},
};

const std::vector<Family> kLinuxLaptop = {
    {"system",
     R"({"os_family":"OS_FAMILY_LINUX","os_id":"ubuntu","os_version":"22.04","role":"ENDPOINT_ROLE_LAPTOP"})"},
    {"disk_encryption",
     R"({"volumes":[{"device":"/dev/nvme0n1p2","mount_point":"/","state":"ENCRYPTION_STATE_NOT_ENCRYPTED","system_volume":true}]})"},
    {"remote_access",
     R"({"ssh_installed":true,"ssh_password_authentication":false})"},
    // Everything on loopback: nothing exposed, nothing to judge.
    {"service_exposure",
     R"({"services":[{"protocol":"tcp","address":"127.0.0.1","port":631,"loopback_only":true,"process":"cupsd","kind":"http","probe_state":"ok","http":{"status_code":200,"server":"CUPS/2.4","version_disclosed":true}}]})"},
};

// The fleet of EveryBuiltInCheckCoversEachStatus: every built-in check sees
// each of its statuses on some host of acme; software rules set; the
// service open.
void GradingChecksTest::AddFleet(Fleet* fleet) {
  fleet->good = AddHost("acme", "LAPTOP-01", kGoodLaptop,
                        {{"Microsoft Office Professional Plus 2024",
                          "16.0",
                          "x64",
                          "PACKAGE_SOURCE_WINDOWS_UNINSTALL",
                          "Microsoft",
                          "machine",
                          {}},
                         {"Google Chrome",
                          "999.0.1",
                          "x64",
                          "PACKAGE_SOURCE_WINDOWS_UNINSTALL",
                          "Google",
                          "machine",
                          {}},
                         {"FortiClient VPN",
                          "7.2.4",
                          "x64",
                          "PACKAGE_SOURCE_WINDOWS_UNINSTALL",
                          "Fortinet",
                          "machine",
                          {}}});
  fleet->bad = AddHost("acme", "PC-05", kBadDesktop,
                       {{"Microsoft Office Standard 2016",
                         "16.0",
                         "x86",
                         "PACKAGE_SOURCE_WINDOWS_UNINSTALL",
                         "Microsoft",
                         "machine",
                         {}},
                        {"Google Chrome",
                         "120.0.6099",
                         "x64",
                         "PACKAGE_SOURCE_WINDOWS_UNINSTALL",
                         "Google",
                         "machine",
                         {}},
                        {"TeamViewer",
                         "15.49.4",
                         "x64",
                         "PACKAGE_SOURCE_WINDOWS_UNINSTALL",
                         "TeamViewer Germany GmbH",
                         "machine",
                         {}}});
  fleet->unknown = AddHost("acme", "srv-01", kUnknownServer);
  fleet->mystery = AddHost("acme", "PC-X", kMystery);
  fleet->mac = AddHost("acme", "MAC-01", kMac);
  fleet->linux_laptop = AddHost("acme", "ubuntu-lt", kLinuxLaptop);
  // Another organisation's failing host must never show up in acme's results.
  fleet->foreign = AddHost("other", "OTHER-PC", kBadDesktop);

  service_ = OpenService();
  ASSERT_NE(service_, nullptr);
  // Software rules (docs/policies.md, "Software dictionary and rules"):
  // remote access tools banned, the VPN client required, Chrome 121 or
  // later, one Office licence.
  {
    auto software = store::OpenSoftwareStore(url_);
    ASSERT_TRUE(software.ok()) << software.status().ToString();
    auto org = (*software)->OrgId("acme");
    ASSERT_TRUE(org.ok());
    ASSERT_TRUE((*software)
                    ->AddRule(*org, {"ban", "category", "remote_access", ""},
                              "test", kNow)
                    .ok());
    ASSERT_TRUE((*software)
                    ->AddRule(*org, {"require", "title", "forticlient", ""},
                              "test", kNow)
                    .ok());
    ASSERT_TRUE((*software)
                    ->SetFloor(*org, {"google_chrome", "121"}, "test", kNow)
                    .ok());
    ASSERT_TRUE((*software)
                    ->SetLicences(*org, "microsoft_office", 1, "test", kNow)
                    .ok());
  }
}

TEST_P(GradingChecksTest, EveryBuiltInCheckCoversEachStatus) {
  Fleet fleet;
  AddFleet(&fleet);
  if (HasFatalFailure()) return;
  const int64_t good = fleet.good;
  const int64_t bad = fleet.bad;
  const int64_t unknown = fleet.unknown;
  const int64_t mystery = fleet.mystery;
  const int64_t mac = fleet.mac;
  const int64_t linux_laptop = fleet.linux_laptop;
  const int64_t foreign = fleet.foreign;
  auto report = service_->Evaluate("acme");
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  for (const auto& r : report->results) {
    EXPECT_NE(r.host_id, std::to_string(foreign)) << r.check_id;
  }

  using S = CheckStatus;
  struct Expect {
    const char* check;
    int64_t host;
    S status;
  };
  const std::vector<Expect> expectations = {
      {"os_supported", good, S::kPass},
      {"os_supported", bad, S::kFail},
      {"os_supported", mystery, S::kUnknown},
      {"os_supported", mac, S::kNotApplicable},
      {"os_supported", unknown, S::kPass},  // Debian 12: 2028-06-30
      {"security_updates_applied", good, S::kPass},
      {"security_updates_applied", bad, S::kFail},
      {"security_updates_applied", unknown, S::kUnknown},
      {"security_updates_applied", mac, S::kNotApplicable},
      {"automatic_updates_on", good, S::kPass},
      {"automatic_updates_on", bad, S::kFail},
      {"automatic_updates_on", unknown, S::kUnknown},
      {"automatic_updates_on", mac, S::kNotApplicable},
      {"no_unmanaged_pcs", good, S::kPass},
      {"no_unmanaged_pcs", bad, S::kFail},
      {"no_unmanaged_pcs", unknown, S::kUnknown},
      {"no_unmanaged_pcs", mystery, S::kUnknown},  // no table reported
      {"no_unmanaged_pcs", mac, S::kNotApplicable},
      {"office_supported", good, S::kPass},
      {"office_supported", bad, S::kFail},
      {"office_supported", mystery, S::kUnknown},
      {"office_supported", unknown, S::kNotApplicable},
      {"browsers_supported", good,
       S::kUnknown},  // the table is too old to pass
      {"browsers_supported", bad, S::kFail},
      {"browsers_supported", unknown, S::kUnknown},
      {"browsers_supported", mac, S::kNotApplicable},
      {"antivirus_active", good, S::kPass},
      {"antivirus_active", bad, S::kFail},
      {"antivirus_active", unknown, S::kUnknown},
      {"antivirus_active", mac, S::kNotApplicable},
      {"antivirus_definitions_fresh", good, S::kPass},
      {"antivirus_definitions_fresh", bad, S::kFail},
      {"antivirus_definitions_fresh", unknown, S::kUnknown},
      {"antivirus_definitions_fresh", mac, S::kNotApplicable},
      {"password_min_length", good, S::kPass},
      {"password_min_length", bad, S::kFail},
      {"password_min_length", unknown, S::kUnknown},
      {"password_min_length", mac, S::kNotApplicable},
      {"password_lockout", good, S::kPass},
      {"password_lockout", bad, S::kFail},
      {"password_lockout", unknown, S::kUnknown},
      {"no_accounts_without_password", good, S::kPass},
      {"no_accounts_without_password", bad, S::kFail},
      {"no_accounts_without_password", unknown, S::kUnknown},
      {"screen_lock", good, S::kPass},
      {"screen_lock", bad, S::kFail},
      {"screen_lock", unknown, S::kNotApplicable},  // server role
      {"screen_lock", mystery, S::kUnknown},        // role unknown
      {"wifi_secure", good, S::kPass},  // WEP profile not auto-connecting
      {"wifi_secure", bad, S::kFail},
      {"wifi_secure", unknown, S::kNotApplicable},
      {"wifi_secure", mystery, S::kUnknown},
      {"usb_storage_restricted", good, S::kPass},
      {"usb_storage_restricted", bad, S::kFail},
      {"usb_storage_restricted", unknown, S::kUnknown},
      {"usb_storage_restricted", mac, S::kNotApplicable},
      {"disk_encryption_laptops", good, S::kPass},
      {"disk_encryption_laptops", linux_laptop, S::kFail},
      {"disk_encryption_laptops", bad, S::kNotApplicable},  // desktop
      {"disk_encryption_laptops", mystery, S::kUnknown},
      {"firewall_on", good, S::kPass},
      {"firewall_on", bad, S::kFail},
      {"firewall_on", unknown, S::kUnknown},
      {"firewall_on", mac, S::kNotApplicable},
      {"rdp_nla", good, S::kPass},
      {"rdp_nla", bad, S::kFail},
      {"rdp_nla", unknown, S::kUnknown},
      {"rdp_nla", mac, S::kNotApplicable},
      {"ssh_no_password_login", linux_laptop, S::kPass},
      {"ssh_no_password_login", bad, S::kFail},
      {"ssh_no_password_login", unknown, S::kUnknown},
      {"ssh_no_password_login", good, S::kNotApplicable},
      // exposed_services: Windows 10 22H2 ended 2025-10-14 (bad); the
      // server's OS (Debian 12) is supported even though its probe timed out.
      {"exposed_service_supported", good, S::kPass},
      {"exposed_service_supported", bad, S::kFail},
      {"exposed_service_supported", unknown, S::kPass},
      {"exposed_service_supported", mystery, S::kUnknown},
      {"exposed_service_supported", linux_laptop, S::kNotApplicable},
      {"exposed_tls_versions", good, S::kPass},
      {"exposed_tls_versions", bad, S::kFail},
      {"exposed_tls_versions", unknown, S::kUnknown},
      {"exposed_tls_versions", mystery, S::kUnknown},
      {"exposed_tls_versions", linux_laptop, S::kNotApplicable},
      {"exposed_tls_versions", mac, S::kNotApplicable},
      {"exposed_certificate_trusted", good, S::kPass},
      {"exposed_certificate_trusted", bad, S::kFail},
      {"exposed_certificate_trusted", unknown, S::kUnknown},
      {"exposed_certificate_trusted", mystery, S::kUnknown},
      {"exposed_certificate_trusted", linux_laptop, S::kNotApplicable},
      {"exposed_certificate_trusted", mac, S::kNotApplicable},
      {"exposed_frame_protection", good, S::kPass},
      {"exposed_frame_protection", bad, S::kFail},
      {"exposed_frame_protection", unknown, S::kUnknown},
      {"exposed_frame_protection", mystery, S::kUnknown},
      {"exposed_frame_protection", linux_laptop, S::kNotApplicable},
      {"exposed_frame_protection", mac, S::kNotApplicable},
      {"exposed_ssh_terrapin", good, S::kPass},
      {"exposed_ssh_terrapin", bad, S::kFail},
      {"exposed_ssh_terrapin", unknown, S::kUnknown},
      {"exposed_ssh_terrapin", mystery, S::kUnknown},
      {"exposed_ssh_terrapin", linux_laptop, S::kNotApplicable},
      {"exposed_ssh_terrapin", mac, S::kNotApplicable},
      {"exposed_rdp_nla", good, S::kPass},
      {"exposed_rdp_nla", bad, S::kFail},
      {"exposed_rdp_nla", unknown, S::kUnknown},
      {"exposed_rdp_nla", mystery, S::kUnknown},
      {"exposed_rdp_nla", linux_laptop, S::kNotApplicable},
      {"exposed_rdp_nla", mac, S::kNotApplicable},
      {"exposed_tls_dh_strength", good, S::kPass},
      {"exposed_tls_dh_strength", bad, S::kFail},
      {"exposed_tls_dh_strength", unknown, S::kUnknown},
      {"exposed_tls_dh_strength", mystery, S::kUnknown},
      {"exposed_tls_dh_strength", linux_laptop, S::kNotApplicable},
      {"exposed_tls_dh_strength", mac, S::kNotApplicable},
      {"exposed_ssh_algorithms", good, S::kPass},
      {"exposed_ssh_algorithms", bad, S::kFail},
      {"exposed_ssh_algorithms", unknown, S::kUnknown},
      {"exposed_ssh_algorithms", mystery, S::kUnknown},
      {"exposed_ssh_algorithms", linux_laptop, S::kNotApplicable},
      {"exposed_ssh_algorithms", mac, S::kNotApplicable},
      {"exposed_http_headers", good, S::kPass},
      {"exposed_http_headers", bad, S::kFail},
      {"exposed_http_headers", unknown, S::kUnknown},
      {"exposed_http_headers", mystery, S::kUnknown},
      {"exposed_http_headers", linux_laptop, S::kNotApplicable},
      {"exposed_http_headers", mac, S::kNotApplicable},
      {"exposed_version_disclosure", good, S::kPass},
      {"exposed_version_disclosure", bad, S::kFail},
      {"exposed_version_disclosure", unknown, S::kUnknown},
      {"exposed_version_disclosure", mystery, S::kUnknown},
      {"exposed_version_disclosure", linux_laptop, S::kNotApplicable},
      {"exposed_version_disclosure", mac, S::kNotApplicable},
      {"exposed_ntlm", good, S::kPass},
      {"exposed_ntlm", bad, S::kFail},
      {"exposed_ntlm", unknown, S::kUnknown},
      {"exposed_ntlm", mystery, S::kUnknown},
      {"exposed_ntlm", linux_laptop, S::kNotApplicable},
      {"exposed_ntlm", mac, S::kNotApplicable},
      {"exposed_admin_pages", good, S::kPass},
      {"exposed_admin_pages", bad, S::kFail},
      {"exposed_admin_pages", unknown, S::kUnknown},
      {"exposed_admin_pages", mystery, S::kUnknown},
      {"exposed_admin_pages", linux_laptop, S::kNotApplicable},
      {"exposed_admin_pages", mac, S::kNotApplicable},
      {"software_not_banned", good, S::kPass},
      {"software_not_banned", bad, S::kFail},  // TeamViewer
      {"software_not_banned", unknown, S::kUnknown},
      {"software_not_banned", mac, S::kNotApplicable},
      {"required_software_present", good, S::kPass},
      {"required_software_present", bad, S::kFail},  // no FortiClient
      {"required_software_present", unknown, S::kUnknown},
      {"required_software_present", mac, S::kNotApplicable},
      {"software_version_floors", good, S::kPass},
      {"software_version_floors", bad, S::kFail},  // Chrome 120 < 121
      {"software_version_floors", unknown, S::kUnknown},
      {"software_version_floors", mac, S::kNotApplicable},
      // Office on both PCs against one licence: both fail; nothing passes
      // here (SoftwareChecksTest has the pass).
      {"licences_within_count", good, S::kFail},
      {"licences_within_count", bad, S::kFail},
      {"licences_within_count", unknown, S::kUnknown},
      {"licences_within_count", mac, S::kNotApplicable},
      {"licences_within_count", linux_laptop, S::kUnknown},
  };
  for (const Expect& e : expectations) {
    EXPECT_EQ(StatusOf(*report, e.host, e.check), e.status)
        << e.check << " on host " << e.host << " (want "
        << grading::CheckStatusName(e.status) << ")";
  }
  // Every built-in check appears in the expectations with all four statuses
  // except where the check cannot produce one (noted above).
  std::map<std::string, std::set<S>> seen;
  for (const Expect& e : expectations) seen[e.check].insert(e.status);
  for (const auto& c : service_->policies().checks) {
    EXPECT_GE(seen[c.id].size(), 3u) << c.id;
  }

  // Evidence carries the values the check used.
  EXPECT_EQ(EvidenceOf(*report, bad, "antivirus_definitions_fresh",
                       "definitions_age_hours"),
            "212.0");
  EXPECT_EQ(EvidenceOf(*report, bad, "antivirus_definitions_fresh", "product"),
            "ESET");
  EXPECT_EQ(EvidenceOf(*report, bad, "exposed_tls_versions", "services"),
            "0.0.0.0:443 System TLS1.0 TLS1.1");
  EXPECT_EQ(EvidenceOf(*report, bad, "exposed_ssh_terrapin", "services"),
            "192.168.1.10:22 OpenSSH 8.1");
  EXPECT_EQ(EvidenceOf(*report, bad, "exposed_rdp_nla", "services"),
            "0.0.0.0:3390 svchost.exe ssl no-NLA");
  EXPECT_EQ(EvidenceOf(*report, good, "exposed_rdp_nla", "services"),
            "0.0.0.0:3389 svchost.exe hybrid NLA");
  EXPECT_EQ(EvidenceOf(*report, bad, "exposed_admin_pages", "services"),
            "0.0.0.0:443 /admin/");
  EXPECT_EQ(EvidenceOf(*report, bad, "wifi_secure", "weak_networks"),
            "cafe=wep");
  EXPECT_EQ(
      EvidenceOf(*report, bad, "usb_storage_restricted", "effective_policy"),
      "allowed");
  if (OnSqlite()) {
    EXPECT_EQ(EvidenceOf(*report, bad, "no_unmanaged_pcs", "devices"),
              "00:14:22:99:99:99 192.168.1.50 Dell Inc. [PC-05]");
  }
  EXPECT_EQ(EvidenceOf(*report, bad, "os_supported", "end_of_support"),
            "2025-10-14");
  EXPECT_EQ(
      EvidenceOf(*report, bad, "office_supported", "unsupported_products"),
      "Microsoft Office Standard 2016 (2025-10-14)");
  EXPECT_EQ(
      EvidenceOf(*report, bad, "no_accounts_without_password", "accounts"),
      R"(["guest"])");
  EXPECT_EQ(EvidenceOf(*report, good, "usb_storage_restricted", "setting"),
            "4");
}

// exposed_rdp_nla judges what the RDP probe learnt (the service_exposure
// family's rdp.nla_required), on both backends: NLA required passes, TLS
// alone accepted fails, and whatever was not learnt is unknown, never pass.
TEST_P(GradingChecksTest, ExposedRdpNlaIsJudgedFromTheProbe) {
  const std::string windows =
      R"({"os_family":"OS_FAMILY_WINDOWS","os_name":"Windows 11 Pro","os_build":26100,"os_edition":"Professional","role":"ENDPOINT_ROLE_DESKTOP"})";
  auto rdp = [](const std::string& address, const std::string& rdp_json,
                const std::string& state = "ok") {
    return R"({"protocol":"tcp","address":")" + address +
           R"(","port":3389,"process":"svchost.exe","kind":"rdp","probe_state":")" +
           state + R"(","rdp":)" + rdp_json + "}";
  };
  auto host = [&](const std::string& name, const std::string& services,
                  const std::string& state = "STATUS_OK") {
    return AddHost(
        "acme", name,
        {{"system", windows},
         {"service_exposure", R"({"services":[)" + services + "]}", state}});
  };
  const int64_t on = host(
      "NLA-ON", rdp("0.0.0.0",
                    R"({"negotiated_protocol":"hybrid","nla_required":true})"));
  const int64_t off =
      host("NLA-OFF",
           rdp("::", R"({"negotiated_protocol":"ssl","nla_required":false})"));
  // Legacy RDP security (no TLS at all) refuses nothing: no NLA.
  const int64_t legacy = host(
      "LEGACY",
      rdp("0.0.0.0", R"({"negotiated_protocol":"rdp","nla_required":false})"));
  // The second request (TLS alone) got no answer: not learnt.
  const int64_t not_learnt =
      host("NOT-LEARNT", rdp("0.0.0.0", R"({"negotiated_protocol":"hybrid"})"));
  // One RDP listener with NLA and one the probe could not finish.
  const int64_t timed_out = host(
      "TIMED-OUT",
      rdp("0.0.0.0",
          R"({"negotiated_protocol":"hybrid","nla_required":true})") +
          R"(,{"protocol":"tcp","address":"0.0.0.0","port":3390,"process":"svchost.exe","probe_state":"timeout"})");
  // Without NLA but reachable over loopback only: not exposed.
  const int64_t loopback = host(
      "LOOPBACK",
      R"({"protocol":"tcp","address":"127.0.0.1","port":3389,"loopback_only":true,"process":"svchost.exe","kind":"rdp","probe_state":"ok","rdp":{"negotiated_protocol":"ssl","nla_required":false}})");
  const int64_t no_rdp = host(
      "NO-RDP",
      R"({"protocol":"tcp","address":"0.0.0.0","port":22,"process":"sshd.exe","kind":"ssh","probe_state":"ok","ssh":{"product":"OpenSSH","strict_kex":true}})");
  const int64_t missing = AddHost("acme", "MISSING", {{"system", windows}});
  const int64_t failed = host("FAILED", "", "STATUS_ERROR");
  service_ = OpenService();
  ASSERT_NE(service_, nullptr);
  auto report = service_->Evaluate("acme");
  ASSERT_TRUE(report.ok()) << report.status().ToString();

  using S = CheckStatus;
  const std::string check = "exposed_rdp_nla";
  EXPECT_EQ(StatusOf(*report, on, check), S::kPass);
  EXPECT_EQ(StatusOf(*report, off, check), S::kFail);
  EXPECT_EQ(StatusOf(*report, legacy, check), S::kFail);
  EXPECT_EQ(StatusOf(*report, not_learnt, check), S::kUnknown);
  EXPECT_EQ(StatusOf(*report, timed_out, check), S::kUnknown);
  EXPECT_EQ(StatusOf(*report, loopback, check), S::kNotApplicable);
  EXPECT_EQ(StatusOf(*report, no_rdp, check), S::kNotApplicable);
  EXPECT_EQ(StatusOf(*report, missing, check), S::kUnknown);
  EXPECT_EQ(StatusOf(*report, failed, check), S::kUnknown);
  EXPECT_EQ(EvidenceOf(*report, off, check, "services"),
            ":::3389 svchost.exe ssl no-NLA");
  EXPECT_EQ(EvidenceOf(*report, not_learnt, check, "services"),
            "0.0.0.0:3389 svchost.exe hybrid NLA-unknown");
  // No exposed RDP listener: the evidence column is there, empty (NULL).
  EXPECT_EQ(EvidenceOf(*report, loopback, check, "services"), "null");
}

// Issue #12: the fact views generated from their declarations give every
// built-in check exactly the results the hand-written views of the shipped
// migrations gave, on the same stored fixtures: status and evidence per host
// and check.
TEST_P(GradingChecksTest, GeneratedViewsGiveTheShippedViewsResults) {
  if (!OnSqlite()) {
    GTEST_SKIP() << "compares SQLite's generated views with its shipped ones";
  }
  AddHost("acme", "LAPTOP-01", kGoodLaptop,
          {{"Microsoft Office Professional Plus 2024",
            "16.0",
            "x64",
            "PACKAGE_SOURCE_WINDOWS_UNINSTALL",
            "Microsoft",
            "machine",
            {}},
           {"Google Chrome",
            "999.0.1",
            "x64",
            "PACKAGE_SOURCE_WINDOWS_UNINSTALL",
            "Google",
            "machine",
            {}}});
  AddHost("acme", "PC-05", kBadDesktop,
          {{"Microsoft Office Standard 2016",
            "16.0",
            "x86",
            "PACKAGE_SOURCE_WINDOWS_UNINSTALL",
            "Microsoft",
            "machine",
            {}},
           {"Google Chrome",
            "120.0.6099",
            "x64",
            "PACKAGE_SOURCE_WINDOWS_UNINSTALL",
            "Google",
            "machine",
            {}}});
  AddHost("acme", "srv-01", kUnknownServer);
  AddHost("acme", "PC-X", kMystery);
  AddHost("acme", "MAC-01", kMac);
  AddHost("acme", "ubuntu-lt", kLinuxLaptop);
  AddHost("other", "OTHER-PC", kBadDesktop);
  service_ = OpenService();
  ASSERT_NE(service_, nullptr);

  using Row = std::tuple<std::string, std::string, std::string, std::string>;
  auto results = [&] {
    auto report = service_->Evaluate("acme");
    EXPECT_TRUE(report.ok()) << report.status().ToString();
    std::set<Row> rows;
    if (!report.ok()) return rows;
    for (const auto& r : report->results) {
      // It reads rdp_* columns appended to v_exposed_services after the
      // shipped views: on those it is an error by design.
      if (r.check_id == "exposed_rdp_nla") continue;
      std::string evidence;
      for (const auto& e : r.evidence) evidence += e.name + "=" + e.value + ";";
      rows.insert({r.check_id, r.host_id,
                   std::string(grading::CheckStatusName(r.status)), evidence});
    }
    return rows;
  };
  const std::set<Row> generated = results();
  ASSERT_GT(generated.size(), 100u);

  // The shipped views' text, from a database the migrations alone made.
  std::map<std::string, std::string> shipped;
  {
    auto scratch = store::Database::Open((dir_ / "shipped.db").string());
    ASSERT_TRUE(scratch.ok());
    ASSERT_TRUE(
        store::ApplyMigrations(*scratch, store::AllMigrationModules(), clock_)
            .ok());
    for (const auto& v :
         store::RenderFactViews(store::SqliteFactViewDialect())) {
      auto q =
          scratch->Prepare("SELECT sql FROM sqlite_master WHERE name = ?1");
      ASSERT_TRUE(q.ok());
      q->Bind(1, v.name);
      ASSERT_TRUE(q->Step().value_or(false)) << v.name;
      shipped[v.name] = q->ColumnText(0);
    }
  }
  auto db = store::Database::Open(db_path_, /*create=*/false);
  ASSERT_TRUE(db.ok());
  int swapped = 0;
  {
    std::string sql = "BEGIN;";
    for (const auto& [name, text] : shipped) sql += "DROP VIEW " + name + ";";
    for (const auto& v :
         store::RenderFactViews(store::SqliteFactViewDialect())) {
      sql += shipped[v.name] + ";";
      swapped += shipped[v.name] != v.sql;
    }
    ASSERT_TRUE(db->Exec(sql + "COMMIT;").ok());
  }
  EXPECT_GE(swapped, 20);
  EXPECT_EQ(results(), generated);

  // And back: the sync finds them all to recreate and the rows unchanged.
  auto synced = store::SyncFactViews(*db);
  ASSERT_TRUE(synced.ok()) << synced.status().ToString();
  EXPECT_EQ(synced->views_recreated, swapped);
  EXPECT_EQ(synced->rows_refreshed, 0);
  EXPECT_EQ(results(), generated);
}

// security_updates_applied passes only on positive evidence (issue #13):
// the Debian 12 machine with 88 pending security updates that passed
// because some package was installed yesterday is "unknown" now.
TEST_P(GradingChecksTest, SecurityUpdatesPassOnlyOnPositiveEvidence) {
  const std::string linux_system =
      R"({"os_family":"OS_FAMILY_LINUX","os_id":"debian","os_version":"12","role":"ENDPOINT_ROLE_SERVER"})";
  std::string pending88;
  for (int i = 0; i < 88; ++i) {
    pending88 += std::string(i ? "," : "") + R"({"name":"pkg)" +
                 std::to_string(i) +
                 R"(","candidate_version":"1.1","security":true})";
  }
  auto updates = [&](const std::string& extra) -> std::vector<Family> {
    return {
        {"system", linux_system},
        {"updates",
         R"({"pending":[)" + pending88 +
             R"(],"pending_count":88,"security_pending_count":88,"method":"UPDATE_METHOD_LIBAPT")" +
             extra + "}"}};
  };
  // kNow is 2026-11-20; facts are collected two hours before.
  const std::string fresh_lists =
      R"(,"lists_refreshed_at":"2026-11-19T06:00:00Z")";
  const int64_t false_pass = AddHost(
      "acme", "DEB-INSTALLED-YESTERDAY",
      updates(fresh_lists + R"(,"last_install_at":"2026-11-19T09:12:04Z")"));
  const int64_t recent_run = AddHost(
      "acme", "DEB-UPGRADED",
      updates(
          fresh_lists +
          R"(,"last_complete_update_at":"2026-11-17T03:00:10Z","last_complete_update_evidence":"/var/log/apt/history.log: apt-get -y dist-upgrade")"));
  const int64_t old_run = AddHost(
      "acme", "DEB-OLD-RUN",
      updates(
          fresh_lists +
          R"(,"last_complete_update_at":"2026-09-01T03:00:10Z","last_install_at":"2026-11-19T09:00:00Z")"));
  const int64_t future_run =
      AddHost("acme", "DEB-FUTURE-RUN",
              updates(fresh_lists +
                      R"(,"last_complete_update_at":"9999-12-31T23:59:59Z")"));
  const int64_t stale_lists = AddHost(
      "acme", "DEB-STALE-LISTS",
      {{"system", linux_system},
       {"updates",
        R"({"pending_count":0,"security_pending_count":0,"lists_refreshed_at":"2026-08-01T00:00:00Z","last_complete_update_at":"2026-11-19T03:00:00Z"})"}});
  const int64_t no_lists = AddHost(
      "acme", "DEB-NO-LISTS",
      {{"system", linux_system},
       {"updates", R"({"pending_count":0,"security_pending_count":0})"}});
  const int64_t future_published = AddHost(
      "acme", "WIN-FUTURE-DATE",
      {{"system", linux_system},
       {"updates",
        R"({"pending":[{"name":"KB1","security":true,"published_at":"9999-01-01T00:00:00Z"}],"pending_count":1,"security_pending_count":1,"lists_refreshed_at":"2026-11-19T22:00:00Z"})"}});
  const int64_t dated_recent = AddHost(
      "acme", "RHEL-DATED",
      {{"system", linux_system},
       {"updates",
        R"({"pending":[{"name":"openssl","security":true,"published_at":"2026-11-15T00:00:00Z"}],"pending_count":1,"security_pending_count":1,"lists_refreshed_at":"2026-11-19T22:00:00Z"})"}});

  // First listed by the collector 20 days ago and still pending: proves
  // "too long" although a complete run (which kept it back) is recent.
  clock_.Set(kNow - std::chrono::hours(24 * 20));
  const int64_t kept_back = AddHost(
      "acme", "DEB-KEPT-BACK", updates(fresh_lists), {}, std::chrono::hours(2));
  clock_.Set(kNow);
  {
    store::ReportInput report;
    report.host_id = kept_back;
    report.node_key_hash = "key-DEB-KEPT-BACK";
    report.report_id = "r-kept-back-2";
    report.collected_at = ToUnixSeconds(kNow - std::chrono::hours(1));
    const std::vector<Family> again = updates(
        fresh_lists + R"(,"last_complete_update_at":"2026-11-19T03:00:00Z")");
    report.families.push_back({again[1].name, again[1].state,
                               report.collected_at, again[1].json,
                               "sha-kept-back-2"});
    auto stored =
        store_->StoreReports(std::span<const store::ReportInput>(&report, 1));
    ASSERT_TRUE(stored[0].ok()) << stored[0].status().ToString();
  }

  service_ = OpenService();
  ASSERT_NE(service_, nullptr);
  auto report = service_->Evaluate("acme");
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  const std::string kCheck = "security_updates_applied";
  EXPECT_EQ(StatusOf(*report, false_pass, kCheck), CheckStatus::kUnknown);
  EXPECT_EQ(StatusOf(*report, recent_run, kCheck), CheckStatus::kPass);
  EXPECT_EQ(
      EvidenceOf(*report, recent_run, kCheck, "last_complete_update_source"),
      "/var/log/apt/history.log: apt-get -y dist-upgrade");
  EXPECT_EQ(StatusOf(*report, old_run, kCheck), CheckStatus::kUnknown);
  EXPECT_EQ(StatusOf(*report, future_run, kCheck), CheckStatus::kUnknown);
  EXPECT_EQ(StatusOf(*report, stale_lists, kCheck), CheckStatus::kUnknown);
  EXPECT_EQ(StatusOf(*report, no_lists, kCheck), CheckStatus::kUnknown);
  EXPECT_EQ(StatusOf(*report, future_published, kCheck), CheckStatus::kUnknown);
  EXPECT_EQ(StatusOf(*report, dated_recent, kCheck), CheckStatus::kPass);
  EXPECT_EQ(StatusOf(*report, kept_back, kCheck), CheckStatus::kFail);
  EXPECT_EQ(
      EvidenceOf(*report, kept_back, kCheck, "oldest_security_first_reported"),
      "2026-10-31 00:00:00");
  service_.reset();

  // A failed collection forgets no first listing; an installed update does.
  auto listed = [&]() -> int64_t {
    // The first-listing table, the same on both backends.
    auto n = db_->Scalar(
        "SELECT count(*) FROM evidence_pending_first_listed WHERE host_id = " +
        std::to_string(kept_back));
    EXPECT_TRUE(n.ok()) << n.status().ToString();
    return n.value_or(-1);
  };
  auto store_updates = [&](const std::string& id, const std::string& json,
                           const std::string& state) {
    store::ReportInput r;
    r.host_id = kept_back;
    r.node_key_hash = "key-DEB-KEPT-BACK";
    r.report_id = id;
    r.collected_at = ToUnixSeconds(kNow);
    r.families.push_back({"updates", state, r.collected_at, json, "sha-" + id});
    auto stored =
        store_->StoreReports(std::span<const store::ReportInput>(&r, 1));
    ASSERT_TRUE(stored[0].ok()) << stored[0].status().ToString();
  };
  EXPECT_EQ(listed(), 88);
  store_updates("r-kept-back-error", "{}", "STATUS_ERROR");
  EXPECT_EQ(listed(), 88);
  store_updates(
      "r-kept-back-installed",
      R"({"pending":[{"name":"pkg7","candidate_version":"1.1","security":true},{"name":"pkg7","candidate_version":"1.1","security":true}],"pending_count":2,"security_pending_count":2})",
      "STATUS_OK");
  EXPECT_EQ(listed(), 1);
}

// Issue #13.10's proxy review: screen_lock, firewall_on and
// automatic_updates_on pass only on positive evidence; what a user may
// change, rules under an accept policy, or settings no timer runs are
// unknown or fail, never pass.
TEST_P(GradingChecksTest, ProxyChecksPassOnlyOnPositiveEvidence) {
  const std::string linux_laptop =
      R"({"os_family":"OS_FAMILY_LINUX","os_id":"debian","os_version":"12","role":"ENDPOINT_ROLE_LAPTOP"})";
  auto host = [&](const std::string& name, const std::string& family,
                  const std::string& json) {
    return AddHost("acme", name, {{"system", linux_laptop}, {family, json}});
  };
  // GNOME's compliant defaults, nothing locked: each user may turn the
  // lock off, and per-user settings are not read.
  const int64_t lock_defaults = host(
      "LOCK-DEFAULTS", "screen_lock",
      R"({"enabled":true,"idle_timeout_seconds":300,"password_required":true,"enforced_by_policy":false,"source":"gnome"})");
  // Lax and unlocked: still says nothing about any one user.
  const int64_t lock_lax_unlocked = host(
      "LOCK-LAX-UNLOCKED", "screen_lock",
      R"({"enabled":false,"idle_timeout_seconds":0,"password_required":false,"enforced_by_policy":false,"source":"gnome"})");
  const int64_t lock_enforced_long = host(
      "LOCK-ENFORCED-LONG", "screen_lock",
      R"({"enabled":true,"idle_timeout_seconds":3600,"password_required":true,"enforced_by_policy":true,"source":"gnome"})");
  const int64_t lock_enforced = host(
      "LOCK-ENFORCED", "screen_lock",
      R"({"enabled":true,"idle_timeout_seconds":300,"password_required":true,"enforced_by_policy":true,"source":"kde"})");
  // An agent from before issue 13 called one accepting rule "active".
  const int64_t fw_rules_only = host(
      "FW-RULES-ONLY", "firewall",
      R"({"active":true,"product":"nftables","default_inbound":"FIREWALL_ACTION_ACCEPT","rule_count":1})");
  const int64_t fw_undecided = host(
      "FW-UNDECIDED", "firewall",
      R"({"product":"nftables","default_inbound":"FIREWALL_ACTION_ACCEPT","rule_count":12})");
  const int64_t fw_accepting = host(
      "FW-UFW-ACCEPT", "firewall",
      R"({"active":false,"product":"ufw","default_inbound":"FIREWALL_ACTION_ACCEPT"})");
  const int64_t fw_refusing = host(
      "FW-DROP", "firewall",
      R"({"active":true,"product":"nftables","default_inbound":"FIREWALL_ACTION_DROP","rule_count":12})");
  const int64_t au_masked = host(
      "AU-MASKED", "updates",
      R"({"automatic_updates":false,"automatic_updates_evidence":"APT::Periodic::Unattended-Upgrade=1; unattended-upgrades installed; apt-daily-upgrade.timer masked"})");
  const int64_t au_no_timer = host(
      "AU-NO-TIMER", "updates",
      R"({"automatic_updates_evidence":"APT::Periodic::Unattended-Upgrade=1; unattended-upgrades installed; no apt-daily-upgrade.timer: what runs unattended-upgrade is not known"})");
  const int64_t au_on = host(
      "AU-ON", "updates",
      R"({"automatic_updates":true,"automatic_updates_evidence":"APT::Periodic::Unattended-Upgrade=1; unattended-upgrades installed; apt-daily-upgrade.timer enabled"})");

  service_ = OpenService();
  ASSERT_NE(service_, nullptr);
  auto report = service_->Evaluate("acme");
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(StatusOf(*report, lock_defaults, "screen_lock"),
            CheckStatus::kUnknown);
  EXPECT_EQ(StatusOf(*report, lock_lax_unlocked, "screen_lock"),
            CheckStatus::kUnknown);
  EXPECT_EQ(StatusOf(*report, lock_enforced_long, "screen_lock"),
            CheckStatus::kFail);
  EXPECT_EQ(StatusOf(*report, lock_enforced, "screen_lock"),
            CheckStatus::kPass);
  EXPECT_EQ(
      EvidenceOf(*report, lock_defaults, "screen_lock", "enforced_by_policy"),
      "0");
  EXPECT_EQ(StatusOf(*report, fw_rules_only, "firewall_on"),
            CheckStatus::kUnknown);
  EXPECT_EQ(StatusOf(*report, fw_undecided, "firewall_on"),
            CheckStatus::kUnknown);
  EXPECT_EQ(StatusOf(*report, fw_accepting, "firewall_on"), CheckStatus::kFail);
  EXPECT_EQ(StatusOf(*report, fw_refusing, "firewall_on"), CheckStatus::kPass);
  EXPECT_EQ(StatusOf(*report, au_masked, "automatic_updates_on"),
            CheckStatus::kFail);
  EXPECT_EQ(StatusOf(*report, au_no_timer, "automatic_updates_on"),
            CheckStatus::kUnknown);
  EXPECT_EQ(StatusOf(*report, au_on, "automatic_updates_on"),
            CheckStatus::kPass);
}

TEST_P(GradingChecksTest, ParameterOverridesChangeVerdicts) {
  const int64_t good = AddHost("acme", "LAPTOP-01", kGoodLaptop,
                               {{"Google Chrome",
                                 "999.0.1",
                                 "x64",
                                 "PACKAGE_SOURCE_WINDOWS_UNINSTALL",
                                 "Google",
                                 "machine",
                                 {}}});
  service_ = OpenService();
  ASSERT_NE(service_, nullptr);
  auto before = service_->Evaluate("acme");
  ASSERT_TRUE(before.ok());
  EXPECT_EQ(StatusOf(*before, good, "browsers_supported"),
            CheckStatus::kUnknown);
  EXPECT_EQ(StatusOf(*before, good, "antivirus_definitions_fresh"),
            CheckStatus::kPass);

  ASSERT_TRUE(
      service_
          ->ImportAnswers("acme",
                          {"params.yaml",
                           "parameters:\n"
                           "  browsers_supported: {max_table_age_days: 3650}\n"
                           "  antivirus_definitions_fresh: "
                           "{max_definitions_age_hours: 4}\n"},
                          "tester")
          .ok());
  auto after = service_->Evaluate("acme");
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(StatusOf(*after, good, "browsers_supported"), CheckStatus::kPass);
  EXPECT_EQ(StatusOf(*after, good, "antivirus_definitions_fresh"),
            CheckStatus::kFail);
}

TEST_P(GradingChecksTest, ResultsKeepHistoryAndStatusSince) {
  const int64_t host = AddHost("acme", "PC-05", kBadDesktop);
  service_ = OpenService();
  ASSERT_NE(service_, nullptr);
  ASSERT_TRUE(service_->Evaluate("acme").ok());
  clock_.Advance(std::chrono::hours(1));
  ASSERT_TRUE(service_->Evaluate("acme").ok());  // nothing changed
  auto org = service_->store().OrgId("acme");
  ASSERT_TRUE(org.ok());
  auto count = service_->store().ResultHistoryCount(*org, host,
                                                    "usb_storage_restricted");
  ASSERT_TRUE(count.ok());
  EXPECT_EQ(*count, 1);

  std::vector<Family> fixed = kBadDesktop;
  fixed[6] = {"usb_storage",
              R"({"effective_policy":"USB_STORAGE_POLICY_BLOCKED"})"};
  store::ReportInput report;
  // Report again for the same host through the store.
  report.host_id = host;
  report.node_key_hash = "key-PC-05";
  report.report_id = "second";
  report.collected_at = ToUnixSeconds(clock_.Now());
  report.families.push_back({"usb_storage", "STATUS_OK", report.collected_at,
                             fixed[6].json, "sha-fixed"});
  ASSERT_TRUE(
      store_->StoreReports(std::span<const store::ReportInput>(&report, 1))[0]
          .ok());
  auto r = service_->Evaluate("acme");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(StatusOf(*r, host, "usb_storage_restricted"), CheckStatus::kPass);
  EXPECT_EQ(*service_->store().ResultHistoryCount(*org, host,
                                                  "usb_storage_restricted"),
            2);
  auto history = service_->store().GradeHistory(*org, 10);
  ASSERT_TRUE(history.ok());
  EXPECT_EQ(history->size(), 3u);
  EXPECT_EQ(history->front().policy_version, service_->policies().version);
}

const char* kCustomCheck = R"(checks:
  - id: custom_hostname_set
    rule: basic_policy
    title: {ja: ホスト名, en: Host name}
    description: {ja: 説明, en: Host name is set}
    remediation: {ja: 設定する, en: Set it}
    platforms: [windows, linux]
    roles: [workstation, laptop, server]
    query: |
      SELECT host_id, CASE WHEN hostname <> '' THEN 'pass' ELSE 'fail' END AS status,
             hostname
      FROM v_hosts WHERE org_id = :org_id
)";

TEST_P(GradingChecksTest, CustomPolicyBrokenEditKeepsThePreviousVersion) {
  const int64_t host = AddHost("acme", "PC-05", kBadDesktop);
  WriteCustom("site.yaml", kCustomCheck);
  service_ = OpenService();
  ASSERT_NE(service_, nullptr);
  ASSERT_NE(service_->policies().Find("custom_hostname_set"), nullptr);
  const std::string version = service_->policies().version;

  // Unknown view: does not prepare; refused with file, line and key.
  std::string broken = kCustomCheck;
  broken.replace(broken.find("FROM v_hosts"), 12, "FROM v_nothing");
  WriteCustom("site.yaml", broken);
  Status s = service_->ReloadCustomPolicies();
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("site.yaml:2: checks[custom_hostname_set].query"),
            std::string::npos)
      << s.message();
  EXPECT_NE(s.message().find("v_nothing"), std::string::npos);
  EXPECT_EQ(service_->policies().version, version);
  ASSERT_NE(service_->policies().Find("custom_hostname_set"), nullptr);

  // A restart with the broken file falls back to the stored last good set.
  service_.reset();
  service_ = OpenService();
  ASSERT_NE(service_, nullptr);
  EXPECT_FALSE(service_->custom_policy_error().ok());
  ASSERT_NE(service_->policies().Find("custom_hostname_set"), nullptr);
  auto r = service_->Evaluate("acme");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(StatusOf(*r, host, "custom_hostname_set"), CheckStatus::kPass);

  // Other refusals: writes, missing :org_id, undeclared parameters, clashes.
  for (const auto& [from, to, expect] :
       std::vector<std::tuple<std::string, std::string, std::string>>{
           {"SELECT host_id, CASE", "DELETE FROM hosts; SELECT host_id, CASE",
            "single statement"},
           {"WHERE org_id = :org_id", "WHERE 1 = 1", "must filter on :org_id"},
           {"WHERE org_id = :org_id", "WHERE org_id = :org_id AND :limit > 0",
            "not a declared parameter"},
           {"id: custom_hostname_set", "id: os_supported", "built-in check"},
           {"AS status", "AS verdict", "column named status"},
           // Issue #12: SQLite-only SQL, named with the line in the query.
           {"AS status,", "AS status, json_extract ( 'x', '$') AS j,",
            "line 1 of the query: 'json_extract('"},
           {"WHERE org_id = :org_id", "WHERE org_id IS NOT 0",
            "'IS NOT 0' is outside the check dialect"},
           {"hostname\n", "group_concat(hostname, ',')\n",
            "line 2 of the query: 'group_concat(' is outside the check "
            "dialect: a SQLite-only function; use string_agg"},
       }) {
    std::string text = kCustomCheck;
    text.replace(text.find(from), from.size(), to);
    WriteCustom("site.yaml", text);
    Status st = service_->ReloadCustomPolicies();
    EXPECT_FALSE(st.ok()) << to;
    EXPECT_NE(st.message().find(expect), std::string::npos) << st.message();
    EXPECT_NE(service_->policies().Find("custom_hostname_set"), nullptr);
  }
}

// Issue #13 point 6: the views hold only the graded organisation's rows,
// whatever the check's own WHERE says, and nothing but the views and the
// reference tables can be read.
TEST_P(GradingChecksTest, CheckSandboxScopesRowsToTheOrganisation) {
  const int64_t host = AddHost("acme", "PC-ACME", kBadDesktop);
  AddHost("other", "PC-OTHER", kBadDesktop);
  std::string text = kCustomCheck;
  const std::string from =
      "SELECT host_id, CASE WHEN hostname <> '' THEN 'pass' ELSE 'fail' END "
      "AS status,\n             hostname\n      FROM v_hosts WHERE org_id = "
      ":org_id";
  ASSERT_NE(text.find(from), std::string::npos);
  // Mentions :org_id but does not filter on it.
  text.replace(text.find(from), from.size(),
               "SELECT host_id, 'pass' AS status,\n"
               "             (SELECT string_agg(hostname, ',') FROM v_hosts)"
               " AS visible_hosts,\n"
               "             (SELECT count(*) FROM v_packages) + (SELECT "
               "count(*) FROM v_hosts) AS visible_rows\n"
               "      FROM v_hosts WHERE org_id = :org_id OR 1 = 1");
  WriteCustom("site.yaml", text);
  service_ = OpenService();
  ASSERT_NE(service_, nullptr);
  ASSERT_TRUE(service_->custom_policy_error().ok())
      << service_->custom_policy_error().message();
  auto r = service_->Evaluate("acme");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(StatusOf(*r, host, "custom_hostname_set"), CheckStatus::kPass);
  EXPECT_EQ(EvidenceOf(*r, host, "custom_hostname_set", "visible_hosts"),
            "PC-ACME");
  EXPECT_EQ(EvidenceOf(*r, host, "custom_hostname_set", "visible_rows"), "1");

  // Reads outside the views are refused at load, naming what was read.
  const std::vector<std::pair<std::string, std::string>> refused =
      OnSqlite()
          ? std::vector<std::pair<std::string, std::string>>{
                {"FROM (SELECT id AS host_id, hostname, org_id FROM hosts)",
                 "reads hosts."},
                {"FROM main.v_hosts", "reads v_hosts."},
                {"FROM v_hosts, (SELECT max(sql) AS n FROM sqlite_master)",
                 "reads sqlite_master.sql"},
                {"FROM v_hosts, (SELECT max(payload_json) AS n FROM "
                 "host_facts)",
                 "reads host_facts.payload_json"},
                // Row counts are every organisation's too.
                {"FROM v_hosts, (SELECT count(*) AS n FROM tokens)",
                 "reads tokens,"},
                {"FROM v_hosts, (SELECT 1 AS n FROM host_facts LIMIT 1)",
                 "reads host_facts,"},
            }
          : std::vector<std::pair<std::string, std::string>>{
                {"FROM (SELECT id AS host_id, hostname, org_id FROM hosts) x",
                 "reads hosts,"},
                {"FROM public.v_hosts", "reads v_hosts,"},
                {"FROM v_hosts, (SELECT count(*) AS n FROM pg_authid) x",
                 "reads pg_authid,"},
                {"FROM v_hosts, (SELECT max(sha256) AS n FROM host_facts) x",
                 "reads host_facts,"},
            };
  for (const auto& [from_clause, expect] : refused) {
    std::string bad = kCustomCheck;
    bad.replace(bad.find("FROM v_hosts"), 12, from_clause);
    WriteCustom("site.yaml", bad);
    Status st = service_->ReloadCustomPolicies();
    EXPECT_FALSE(st.ok()) << from_clause;
    EXPECT_NE(st.message().find("not a fact view"), std::string::npos)
        << st.message();
    EXPECT_NE(st.message().find(expect), std::string::npos) << st.message();
  }
}

// Issue #13 point 6: a runaway query is stopped by the time limit and gives
// `error`, and runs outside the write lock: a report is stored meanwhile.
TEST_P(GradingChecksTest, RunawayCheckEndsAsErrorWhileAReportIsStored) {
  const int64_t host = AddHost("acme", "PC-05", kBadDesktop);
  std::string text = kCustomCheck;
  const std::string from = "FROM v_hosts WHERE org_id = :org_id";
  text.replace(text.find(from), from.size(),
               "FROM v_hosts WHERE org_id = :org_id AND (WITH RECURSIVE "
               "c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT "
               "max(x) FROM c) > 0");
  WriteCustom("site.yaml", text);
  auto svc = policy::GradingService::Open(
      {url_, (dir_ / "custom").string(), std::chrono::milliseconds(2000)},
      clock_);
  ASSERT_TRUE(svc.ok()) << svc.status().ToString();
  service_ = std::move(*svc);

  std::atomic<bool> evaluating{true};
  Result<policy::GradeReport> result = InternalError("not run");
  const auto started = std::chrono::steady_clock::now();
  std::thread grading([&] {
    result = service_->Evaluate("acme");
    evaluating = false;
  });
  // While the runaway query runs, another host enrolls and reports.
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  const bool running_before = evaluating;
  AddHost("acme", "PC-06", kGoodLaptop);
  const bool running_after = evaluating;
  grading.join();
  const auto elapsed = std::chrono::steady_clock::now() - started;

  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_TRUE(running_before);
  EXPECT_TRUE(running_after) << "the report waited for the check";
  EXPECT_LT(elapsed, std::chrono::seconds(5));
  EXPECT_EQ(StatusOf(*result, host, "custom_hostname_set"),
            CheckStatus::kError);
  EXPECT_NE(EvidenceOf(*result, host, "custom_hostname_set", "error")
                .find("time limit"),
            std::string::npos);
}

TEST_P(GradingChecksTest, QueryFailingAtRunTimeGivesError) {
  const int64_t host = AddHost("acme", "PC-05", kBadDesktop);
  std::string text = kCustomCheck;
  // abs() of the smallest integer overflows when the row is evaluated
  // (PostgreSQL folds constants when it plans, so there the value comes
  // from a column; SQLite would turn that subtraction into a real).
  const std::string from = "WHERE org_id = :org_id";
  text.replace(text.find(from), from.size(),
               OnSqlite() ? "WHERE org_id = :org_id AND "
                            "abs(-9223372036854775807 - 1) > 0"
                          : "WHERE org_id = :org_id AND "
                            "abs(-9223372036854775807 - org_id) > 0");
  WriteCustom("site.yaml", text);
  service_ = OpenService();
  ASSERT_NE(service_, nullptr);
  auto r = service_->Evaluate("acme");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(StatusOf(*r, host, "custom_hostname_set"), CheckStatus::kError);
  EXPECT_NE(EvidenceOf(*r, host, "custom_hostname_set", "error")
                .find(OnSqlite() ? "overflow" : "out of range"),
            std::string::npos);
}

TEST_P(GradingChecksTest, AnswersHistoryDiscrepanciesAndGrades) {
  // 4 of 5 PCs have stale definitions while the answer claims the rule is
  // enforced by software.
  for (int i = 0; i < 4; ++i)
    AddHost("acme", "PC-0" + std::to_string(i), kBadDesktop);
  AddHost("acme", "LAPTOP-01", kGoodLaptop);
  service_ = OpenService();
  ASSERT_NE(service_, nullptr);
  const std::string answers = R"(answered_by: 総務 山田
second_diagnosis:
  antivirus: {written: yes, spread: spread, managed: no, technical: yes}
  software_updates: {written: no, spread: unknown, managed: no, technical: yes}
  removable_media: {written: yes, spread: partly, managed: no, technical: no}
first_diagnosis:
  mgmt_basic_policy: 5
  mgmt_leadership: 4
  org_training: 0
ipa:
  2: done
  9: dont_know
)";
  ASSERT_TRUE(
      service_->ImportAnswers("acme", {"answers.yaml", answers}, "cli").ok());
  auto r = service_->Evaluate("acme");
  ASSERT_TRUE(r.ok()) << r.status().ToString();

  const auto& av = r->rules[2];
  ASSERT_EQ(av.grade.rule, "antivirus");
  ASSERT_TRUE(av.grade.measure.has_value());
  EXPECT_EQ(av.grade.measure->passing, 1);
  EXPECT_EQ(av.grade.measure->in_scope, 5);
  EXPECT_EQ(av.grade.technical_source, grading::TechnicalSource::kEvidence);
  EXPECT_EQ(av.grade.grade, grading::Grade::kB);  // written + spread, no lift
  // The seeds' worked example, but with evidence: updates fail on 4 PCs.
  EXPECT_EQ(r->rules[1].grade.grade, grading::Grade::kD);

  bool av_claim = false;
  bool ipa_claim = false;
  for (const auto& d : r->discrepancies) {
    if (d.subject == "antivirus") {
      av_claim = true;
      EXPECT_EQ(d.direction,
                grading::Discrepancy::Direction::kClaimedNotMeasured);
      EXPECT_EQ(d.endpoints.size(), 4u);
    }
    if (d.subject == "ipa:2") ipa_claim = true;
  }
  EXPECT_TRUE(av_claim);
  EXPECT_TRUE(ipa_claim);
  ASSERT_TRUE(r->first_diagnosis.has_value());
  EXPECT_EQ(r->first_diagnosis->categories[0].average_tenths, 45);
  EXPECT_FALSE(r->first_diagnosis->categories[1].grade.has_value());  // all 0
  ASSERT_TRUE(r->ipa.has_value());
  EXPECT_EQ(r->ipa->total, 3);
  EXPECT_FALSE(r->ipa->complete);
  ASSERT_FALSE(r->improvements.empty());
  EXPECT_EQ(r->improvements.front().rule, "basic_policy");

  // Changing one answer keeps the previous as history; the same answer again
  // adds nothing.
  ASSERT_TRUE(service_
                  ->ImportAnswers("acme",
                                  {"a2.yaml",
                                   "second_diagnosis:\n  antivirus: "
                                   "{written: yes, spread: spread, "
                                   "managed: yes, technical: yes}\n"},
                                  "cli")
                  .ok());
  ASSERT_TRUE(
      service_->ImportAnswers("acme", {"a3.yaml", answers}, "cli").ok());
  auto org = service_->store().OrgId("acme");
  EXPECT_EQ(*service_->store().AnswerHistoryCount(*org, "second_diagnosis",
                                                  "antivirus"),
            3);
  EXPECT_EQ(*service_->store().AnswerHistoryCount(*org, "ipa", "2"), 1);

  // A bad file changes nothing.
  EXPECT_FALSE(
      service_
          ->ImportAnswers(
              "acme", {"bad.yaml", "ipa:\n  2: not_done\n  30: done\n"}, "cli")
          .ok());
  auto exported = service_->ExportAnswers("acme", policy::AnswerFormat::kYaml);
  ASSERT_TRUE(exported.ok());
  EXPECT_NE(exported->find("2: done"), std::string::npos) << *exported;
  EXPECT_FALSE(
      service_
          ->ImportAnswers("acme", {"x.yaml", "organisation: other\n"}, "cli")
          .ok());
}

// Issue #17: the built-in checks give identical results, evidence included,
// on the same fleet stored in PostgreSQL and in SQLite. Compared from the
// postgres case (the sqlite case alone has nothing to compare with).
TEST_P(GradingChecksTest, SameResultsOnBothBackends) {
  if (OnSqlite()) GTEST_SKIP() << "compared in the postgres case";
  Fleet fleet;
  AddFleet(&fleet);
  if (HasFatalFailure()) return;
  auto on_postgres = service_->Evaluate("acme");
  ASSERT_TRUE(on_postgres.ok()) << on_postgres.status().ToString();
  const auto postgres = Graded(*on_postgres);

  UseBackend(Backend::kSqlite);
  if (HasFatalFailure()) return;
  AddFleet(&fleet);
  if (HasFatalFailure()) return;
  auto on_sqlite = service_->Evaluate("acme");
  ASSERT_TRUE(on_sqlite.ok()) << on_sqlite.status().ToString();
  const auto sqlite = Graded(*on_sqlite);

  // Every check ran on both (none refused on one backend only), the
  // unmanaged-PC check too (the fleet has a host that sees an unmanaged Dell
  // and one that sees only a printer and the router).
  EXPECT_GT(sqlite.size(), 100u);
  int differing = 0;
  std::set<std::string> device_statuses;
  for (const auto& [key, text] : sqlite) {
    auto it = postgres.find(key);
    if (key.second == "no_unmanaged_pcs") {
      device_statuses.insert(text.substr(0, text.find('|')));
    }
    if (it == postgres.end()) {
      ADD_FAILURE() << key.first << " " << key.second << ": only on SQLite";
      continue;
    }
    if (it->second != text) {
      ++differing;
      ADD_FAILURE() << key.first << " " << key.second
                    << "\n  sqlite:   " << text
                    << "\n  postgres: " << it->second;
    }
  }
  EXPECT_EQ(differing, 0);
  EXPECT_TRUE(device_statuses.count("fail") && device_statuses.count("pass"))
      << "no_unmanaged_pcs needs a failing and a passing host";
  EXPECT_EQ(postgres.size(), sqlite.size());
  EXPECT_EQ(on_postgres->overall.has_value(), on_sqlite->overall.has_value());
  if (on_postgres->overall && on_sqlite->overall) {
    EXPECT_EQ(*on_postgres->overall, *on_sqlite->overall);
  }
}

INSTANTIATE_TEST_SUITE_P(Backends, GradingChecksTest,
                         ::testing::Values(Backend::kSqlite,
                                           Backend::kPostgres),
                         [](const ::testing::TestParamInfo<Backend>& info) {
                           return store::testing::BackendName(info.param);
                         });

TEST(EvaluationScheduler, DebouncesPerOrganisation) {
  policy::EvaluationScheduler s(std::chrono::seconds(2));
  s.MarkDirty(1, kNow);
  s.MarkDirty(2, kNow);
  s.MarkDirty(1, kNow + std::chrono::seconds(1));
  EXPECT_TRUE(s.TakeDue(kNow + std::chrono::milliseconds(1999)).empty());
  EXPECT_EQ(s.TakeDue(kNow + std::chrono::seconds(2)), std::vector<int64_t>{2});
  EXPECT_TRUE(s.pending());
  EXPECT_EQ(s.TakeDue(kNow + std::chrono::seconds(3)), std::vector<int64_t>{1});
  EXPECT_FALSE(s.pending());
}

// A large organisation's hosts report around the clock, so it is never quiet
// for the debounce interval; it must still be graded, once per max_delay.
TEST(EvaluationScheduler, OrganisationThatNeverGoesQuietIsEvaluatedAtMaxDelay) {
  policy::EvaluationScheduler s(std::chrono::seconds(2),
                                std::chrono::seconds(60));
  std::vector<int> evaluated_at;
  for (int second = 0; second <= 150; ++second) {
    const TimePoint now = kNow + std::chrono::seconds(second);
    s.MarkDirty(5, now);  // a report every second
    if (!s.TakeDue(now).empty()) evaluated_at.push_back(second);
  }
  // Each window starts at the first change after an evaluation.
  EXPECT_EQ(evaluated_at, (std::vector<int>{60, 121}));
  EXPECT_TRUE(s.pending());
  // Quiet again: the ordinary debounce applies.
  EXPECT_EQ(s.TakeDue(kNow + std::chrono::seconds(152)),
            std::vector<int64_t>{5});
  EXPECT_FALSE(s.pending());
}

}  // namespace
}  // namespace mamori
