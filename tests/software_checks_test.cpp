// The software rules end to end on a real SQLite file: fixture hosts stored
// through the real enrolment and report path, rules set through the
// software port, the built-in software checks run by GradingService (the
// dictionary synced by GradingService::Open), and the ledger's CSV and XLSX
// exports with hostile titles.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "collector/policy/grading_service.h"
#include "collector/register/xlsx_reader.h"
#include "collector/software/dictionary.h"
#include "collector/software/ledger.h"
#include "collector/store/open_store.h"
#include "common/clock.h"
#include "common/text.h"

namespace mamori {
namespace {

namespace fs = std::filesystem;
using grading::CheckStatus;

// 2026-11-20T00:00:00Z
const TimePoint kNow = FromUnixSeconds(1795132800);

constexpr char kWindowsLaptop[] =
    R"({"os_family":"OS_FAMILY_WINDOWS","os_name":"Windows 11 Pro","os_build":26100,"os_edition":"Professional","role":"ENDPOINT_ROLE_LAPTOP"})";
constexpr char kLinuxServer[] =
    R"({"os_family":"OS_FAMILY_LINUX","os_id":"debian","os_name":"Debian GNU/Linux","os_version":"12","role":"ENDPOINT_ROLE_SERVER"})";

store::PackageRow Win(const std::string& name, const std::string& version,
                      const std::string& publisher) {
  return {name,      version,   "x64",       "PACKAGE_SOURCE_WINDOWS_UNINSTALL",
          publisher, "machine", std::nullopt};
}
store::PackageRow Deb(const std::string& name, const std::string& version) {
  return {name,     version, "amd64",     "PACKAGE_SOURCE_DPKG",
          "Debian", "",      std::nullopt};
}

class SoftwareChecksTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("mamori-software-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    url_ = store::SqliteUrl((dir_ / "collector.db").string());
    auto store = store::OpenStore(url_, clock_);
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(*store);
    ASSERT_TRUE(store_->CreateOrg({"acme", "", std::nullopt, ""}).ok());
    ASSERT_TRUE(store_->CreateOrg({"other", "", std::nullopt, ""}).ok());
  }
  void TearDown() override {
    store_.reset();
    fs::remove_all(dir_);
  }

  // Enrols `name` into `org` with a system family and, unless
  // `packages_collected` is false, the package list.
  int64_t AddHost(const std::string& org, const std::string& name,
                  const char* system,
                  const std::vector<store::PackageRow>& packages,
                  bool packages_collected = true) {
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
    report.report_id = "r-" + name;
    report.collected_at = ToUnixSeconds(kNow - std::chrono::hours(1));
    report.hostname = name;
    report.families.push_back(
        {"system", "STATUS_OK", report.collected_at, system, "sha-" + name});
    if (packages_collected) {
      report.families.push_back({"packages", "STATUS_OK", report.collected_at,
                                 "{}", "sha-pk-" + name});
      report.packages = packages;
    } else {
      report.families.push_back({"packages", "STATUS_PERMISSION_DENIED",
                                 report.collected_at, "{}", "sha-pk-" + name});
    }
    auto stored =
        store_->StoreReports(std::span<const store::ReportInput>(&report, 1));
    EXPECT_TRUE(stored[0].ok()) << stored[0].status().ToString();
    return enrolled->host_id;
  }

  std::unique_ptr<policy::GradingService> OpenService() {
    auto svc = policy::GradingService::Open({url_, ""}, clock_);
    EXPECT_TRUE(svc.ok()) << svc.status().ToString();
    return svc.ok() ? std::move(*svc) : nullptr;
  }

  std::unique_ptr<store::SoftwarePort> Port() {
    auto port = store::OpenSoftwareStore(url_);
    EXPECT_TRUE(port.ok()) << port.status().ToString();
    return port.ok() ? std::move(*port) : nullptr;
  }

  static const grading::CheckResult* Result(const policy::GradeReport& r,
                                            int64_t host,
                                            const std::string& check) {
    for (const auto& c : r.results) {
      if (c.host_id == std::to_string(host) && c.check_id == check) return &c;
    }
    return nullptr;
  }
  static CheckStatus StatusOf(const policy::GradeReport& r, int64_t host,
                              const std::string& check) {
    const auto* c = Result(r, host, check);
    if (c == nullptr) {
      ADD_FAILURE() << "no result for " << check << " on host " << host;
      return CheckStatus::kError;
    }
    return c->status;
  }
  static std::string EvidenceOf(const policy::GradeReport& r, int64_t host,
                                const std::string& check,
                                const std::string& name) {
    if (const auto* c = Result(r, host, check)) {
      for (const auto& e : c->evidence) {
        if (e.name == name) return e.value;
      }
    }
    return "<none>";
  }

  FakeClock clock_{kNow};
  fs::path dir_;
  std::string url_;
  std::unique_ptr<store::Store> store_;
};

constexpr const char* kSoftwareChecks[] = {
    "software_not_banned", "required_software_present",
    "software_version_floors", "licences_within_count"};

TEST_F(SoftwareChecksTest, BannedRequiredFloorsAndLicencesWithEvidence) {
  // pc-01: TeamViewer, Office, no VPN client. pc-02: an old FortiClient and
  // Office. pc-03: its package list could not be read. srv-01: a Debian
  // server. The other organisation's PC has TeamViewer and Office too.
  const int64_t pc1 =
      AddHost("acme", "pc-01", kWindowsLaptop,
              {Win("TeamViewer", "15.49.4", "TeamViewer Germany GmbH"),
               Win("Microsoft Office Home and Business 2021", "16.0.14332",
                   "Microsoft Corporation"),
               Win("7-Zip 23.01 (x64)", "23.01", "Igor Pavlov")});
  const int64_t pc2 =
      AddHost("acme", "pc-02", kWindowsLaptop,
              {Win("FortiClient VPN", "7.0.1.0083", "Fortinet Technologies"),
               Win("Microsoft Office Home and Business 2021", "16.0.14332",
                   "Microsoft Corporation")});
  const int64_t pc3 = AddHost("acme", "pc-03", kWindowsLaptop, {},
                              /*packages_collected=*/false);
  const int64_t srv = AddHost(
      "acme", "srv-01", kLinuxServer,
      {Deb("openssh-server", "1:9.2p1-2"), Deb("libvncserver1", "0.9.14")});
  const int64_t other =
      AddHost("other", "pc-x", kWindowsLaptop,
              {Win("TeamViewer", "15.49.4", "TeamViewer Germany GmbH"),
               Win("Microsoft Office Home and Business 2021", "16.0.14332",
                   "Microsoft Corporation")});

  auto svc = OpenService();
  ASSERT_NE(svc, nullptr);

  // Without rules every software check is not applicable, for every host,
  // the uninventoried one too: an organisation that set nothing is not
  // graded on software.
  {
    auto r = svc->Evaluate("acme");
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    for (const char* check : kSoftwareChecks) {
      for (int64_t host : {pc1, pc2, pc3, srv}) {
        EXPECT_EQ(StatusOf(*r, host, check), CheckStatus::kNotApplicable)
            << check << " on " << host << " "
            << EvidenceOf(*r, host, check, "reason");
      }
    }
  }

  auto port = Port();
  ASSERT_NE(port, nullptr);
  auto acme = port->OrgId("acme");
  ASSERT_TRUE(acme.ok());
  ASSERT_TRUE(port->AddRule(*acme, {"ban", "category", "remote_access", ""},
                            "admin", kNow)
                  .ok());
  ASSERT_TRUE(port->AddRule(*acme,
                            {"require", "title", "forticlient", "windows"},
                            "admin", kNow)
                  .ok());
  ASSERT_TRUE(
      port->SetFloor(*acme, {"forticlient", "7.2"}, "admin", kNow).ok());
  ASSERT_TRUE(
      port->SetLicences(*acme, "microsoft_office", 1, "admin", kNow).ok());

  auto r = svc->Evaluate("acme");
  ASSERT_TRUE(r.ok()) << r.status().ToString();

  // Banned: TeamViewer on pc-01, named with its version; a VNC library on
  // the server is not a remote access tool.
  EXPECT_EQ(StatusOf(*r, pc1, "software_not_banned"), CheckStatus::kFail);
  EXPECT_EQ(EvidenceOf(*r, pc1, "software_not_banned", "banned_software"),
            "TeamViewer 15.49.4 (teamviewer)");
  EXPECT_EQ(StatusOf(*r, pc2, "software_not_banned"), CheckStatus::kPass);
  EXPECT_EQ(StatusOf(*r, pc3, "software_not_banned"), CheckStatus::kUnknown);
  EXPECT_EQ(StatusOf(*r, srv, "software_not_banned"), CheckStatus::kPass);

  // Required: the Windows-only VPN client is missing on pc-01.
  EXPECT_EQ(StatusOf(*r, pc1, "required_software_present"), CheckStatus::kFail);
  EXPECT_EQ(
      EvidenceOf(*r, pc1, "required_software_present", "missing_software"),
      "title forticlient");
  EXPECT_EQ(StatusOf(*r, pc2, "required_software_present"), CheckStatus::kPass);
  EXPECT_EQ(StatusOf(*r, pc3, "required_software_present"),
            CheckStatus::kUnknown);
  EXPECT_EQ(StatusOf(*r, srv, "required_software_present"),
            CheckStatus::kNotApplicable);

  // Floors: FortiClient 7.0.1 is below 7.2.
  EXPECT_EQ(StatusOf(*r, pc2, "software_version_floors"), CheckStatus::kFail);
  EXPECT_EQ(EvidenceOf(*r, pc2, "software_version_floors", "below_floor"),
            "FortiClient VPN 7.0.1.0083 < 7.2");
  EXPECT_EQ(StatusOf(*r, pc1, "software_version_floors"),
            CheckStatus::kNotApplicable);
  EXPECT_EQ(StatusOf(*r, pc3, "software_version_floors"),
            CheckStatus::kUnknown);

  // Licences: Office on two of acme's PCs against one licence; the other
  // organisation's install is not counted.
  for (int64_t host : {pc1, pc2}) {
    EXPECT_EQ(StatusOf(*r, host, "licences_within_count"), CheckStatus::kFail);
    EXPECT_EQ(EvidenceOf(*r, host, "licences_within_count", "over_deployed"),
              "microsoft_office 2/1");
  }
  EXPECT_EQ(StatusOf(*r, srv, "licences_within_count"),
            CheckStatus::kNotApplicable);
  EXPECT_EQ(StatusOf(*r, pc3, "licences_within_count"), CheckStatus::kUnknown);

  // The software topic and the floor check reach the grade report.
  bool topic = false;
  for (const auto& t : r->topics) topic |= t.topic == "software";
  EXPECT_TRUE(topic);
  bool floor_in_rule = false;
  for (const auto& rule : r->rules) {
    for (const auto* c : rule.checks) {
      floor_in_rule |= rule.grade.rule == "software_updates" &&
                       c->id == "software_version_floors";
    }
  }
  EXPECT_TRUE(floor_in_rule);

  // The other organisation set no rules: acme's never leak into it.
  auto o = svc->Evaluate("other");
  ASSERT_TRUE(o.ok());
  EXPECT_EQ(StatusOf(*o, other, "software_not_banned"),
            CheckStatus::kNotApplicable);
  EXPECT_EQ(StatusOf(*o, other, "licences_within_count"),
            CheckStatus::kNotApplicable);

  // Two licences more: within count. A PC reporting AnyDesk after the
  // dictionary was synced is matched on arrival (the trigger path).
  ASSERT_TRUE(
      port->SetLicences(*acme, "microsoft_office", 3, "admin", kNow).ok());
  const int64_t pc4 = AddHost("acme", "pc-04", kWindowsLaptop,
                              {Win("AnyDesk", "8.0.9", "philandro Software"),
                               Win("FortiClient VPN", "7.2.4", "Fortinet")});
  auto again = svc->Evaluate("acme");
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(StatusOf(*again, pc1, "licences_within_count"), CheckStatus::kPass);
  EXPECT_EQ(StatusOf(*again, pc4, "software_not_banned"), CheckStatus::kFail);
  EXPECT_EQ(EvidenceOf(*again, pc4, "software_not_banned", "banned_software"),
            "AnyDesk 8.0.9 (anydesk)");
  EXPECT_EQ(StatusOf(*again, pc4, "software_version_floors"),
            CheckStatus::kPass);
  EXPECT_EQ(StatusOf(*again, pc4, "required_software_present"),
            CheckStatus::kPass);
}

// The store's LIKE matching (bulk re-match and the trigger on new
// packages) agrees with the dictionary's own glob matching, name by name.
TEST_F(SoftwareChecksTest, StoreMatchesAgreeWithTheDictionary) {
  const std::vector<store::PackageRow> before = {
      Win("TeamViewer 15", "1", "TeamViewer Germany GmbH"),
      Win("teamviewer", "2", "x"),
      Win("トレンドマイクロ ウイルスバスター クラウド", "17.0", "Trend Micro"),
      Win("一太郎2024", "1", "JUSTSYSTEMS"),
      Win("ZERO スーパーセキュリティ", "1", "SOURCENEXT"),
      Win("µTorrent", "3.6", "BitTorrent Inc."),
      Win("+Lhaca", "1.20", "x"),
      Win("Zoom (64-bit)", "6.0", "Zoom"),
      Win("Zoom", "6.0", "Zoom"),
      Win("ZoomIt", "8.0", "Sysinternals"),
      Win("LINE", "9.0", "LY Corporation"),
      Win("LINE", "9.1", "Somebody"),
      Win("Microsoft Edge WebView2 Runtime", "120", "Microsoft"),
      Deb("libvncserver1", "0.9"),
      Deb("transmission-gtk", "4.0"),
      Deb("100%_sure", "1"),
  };
  AddHost("acme", "pc-a", kWindowsLaptop, before);
  ASSERT_TRUE(software::SyncBuiltinDictionary(url_).ok());  // bulk path
  // The same names again on a second host, as new catalogue rows (another
  // version): the trigger path.
  std::vector<store::PackageRow> after = before;
  for (auto& p : after) p.version += ".1";
  AddHost("acme", "pc-b", kWindowsLaptop, after);
  auto dictionary = software::BuiltinDictionary();
  ASSERT_TRUE(dictionary.ok());
  auto port = Port();
  auto acme = port->OrgId("acme");
  ASSERT_TRUE(acme.ok());
  auto inventory = port->Inventory(*acme);
  ASSERT_TRUE(inventory.ok());
  for (const std::string host : {"pc-a", "pc-b"}) {
    std::set<std::string> stored, expected;
    for (const auto& i : inventory->installs) {
      if (i.hostname == host)
        stored.insert(i.package + "|" + i.publisher + "=" + i.title);
    }
    for (const auto& p : before) {
      if (const auto* t = (*dictionary)->Match(p.name, p.publisher)) {
        expected.insert(p.name + "|" + p.publisher + "=" + t->id);
      }
    }
    EXPECT_EQ(stored, expected) << host;
  }
  EXPECT_GE(inventory->installs.size(), 20u);
}

TEST_F(SoftwareChecksTest, RuleChangesAreAuditedAndRefusedTwice) {
  auto port = Port();
  ASSERT_NE(port, nullptr);
  auto acme = port->OrgId("acme");
  ASSERT_TRUE(acme.ok());
  EXPECT_EQ(port->OrgId("nobody").status().code(), StatusCode::kNotFound);
  const store::SoftwareRule ban{"ban", "title", "dropbox", ""};
  ASSERT_TRUE(port->AddRule(*acme, ban, "alice", kNow).ok());
  EXPECT_EQ(port->AddRule(*acme, ban, "alice", kNow).code(),
            StatusCode::kAlreadyExists);
  ASSERT_TRUE(port->RemoveRule(*acme, ban, "bob", kNow).ok());
  EXPECT_EQ(port->RemoveRule(*acme, ban, "bob", kNow).code(),
            StatusCode::kNotFound);
  EXPECT_EQ(port->SetLicences(*acme, "zoom", -1, "bob", kNow).code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(port->SetFloor(*acme, {"zoom", ""}, "bob", kNow).code(),
            StatusCode::kNotFound);
  auto history = port->History(*acme, 10);
  ASSERT_TRUE(history.ok());
  ASSERT_EQ(history->size(), 2u);
  EXPECT_EQ((*history)[0].who, "bob");
  EXPECT_EQ((*history)[0].action, "rule_removed");
  EXPECT_EQ((*history)[1].action, "rule_added");
  EXPECT_EQ((*history)[1].detail, "ban title dropbox");
  // Another organisation sees none of it.
  auto other = port->OrgId("other");
  ASSERT_TRUE(other.ok());
  auto other_history = port->History(*other, 10);
  ASSERT_TRUE(other_history.ok());
  EXPECT_TRUE(other_history->empty());
}

TEST_F(SoftwareChecksTest, LedgerExportsKeepHostileTitlesInert) {
  AddHost("acme", "=HYPERLINK(\"http://x\",\"pc\")", kWindowsLaptop,
          {Win("TeamViewer <script>alert(1)</script>", "=1+1", "@SUM(A1:A9)"),
           Win("Lhaplus", "1.74", "+cmd|' /C calc'!A0")});
  AddHost("acme", "pc-utf8", kWindowsLaptop,
          {Win("Lhaplus", "1.74\xff", "Schezo")});
  AddHost("acme", "pc-unknown", kWindowsLaptop, {},
          /*packages_collected=*/false);
  ASSERT_TRUE(software::SyncBuiltinDictionary(url_).ok());
  auto port = Port();
  ASSERT_NE(port, nullptr);
  auto acme = port->OrgId("acme");
  ASSERT_TRUE(acme.ok());
  ASSERT_TRUE(port->SetLicences(*acme, "lhaplus", 1, "admin", kNow).ok());
  auto inventory = port->Inventory(*acme);
  ASSERT_TRUE(inventory.ok()) << inventory.status().ToString();
  EXPECT_EQ(inventory->hosts, 3);
  EXPECT_EQ(inventory->hosts_without_inventory,
            (std::vector<std::string>{"pc-unknown"}));
  auto rules = port->LoadRules(*acme);
  ASSERT_TRUE(rules.ok());
  auto dictionary = software::BuiltinDictionary();
  ASSERT_TRUE(dictionary.ok());
  const software::Ledger ledger =
      software::BuildLedger(**dictionary, *rules, *inventory, true);
  const software::LedgerRow* lhaplus = nullptr;
  for (const auto& row : ledger.rows) {
    if (row.title == "lhaplus") lhaplus = &row;
  }
  ASSERT_NE(lhaplus, nullptr);
  EXPECT_EQ(lhaplus->installed, 2);
  EXPECT_EQ(lhaplus->OverDeployed(), 1);
  EXPECT_EQ(lhaplus->category_name, "圧縮・解凍ソフト");

  const std::string csv = software::LedgerToCsv(ledger);
  EXPECT_EQ(csv.substr(0, 3), "\xEF\xBB\xBF");
  EXPECT_TRUE(IsValidUtf8(csv));
  for (const char* formula : {"=1+1", "=HYPERLINK", "@SUM", "+cmd"}) {
    // Each appears only behind the neutralising apostrophe.
    size_t at = 0;
    int seen = 0;
    while ((at = csv.find(formula, at)) != std::string::npos) {
      ++seen;
      ASSERT_GT(at, 0u);
      EXPECT_EQ(csv[at - 1], '\'') << formula << " in " << csv;
      ++at;
    }
    (void)seen;
  }

  const std::string path = (dir_ / "ledger.xlsx").string();
  ASSERT_TRUE(software::WriteLedgerXlsx(ledger, path).ok());
  EXPECT_EQ(fs::status(path).permissions() & fs::perms::all,
            fs::perms::owner_read | fs::perms::owner_write);
  std::ifstream in(path, std::ios::binary);
  std::stringstream bytes;
  bytes << in.rdbuf();
  auto sheets = asset_register::ReadXlsx(bytes.str());
  ASSERT_TRUE(sheets.ok()) << sheets.status().ToString();
  ASSERT_EQ(sheets->size(), 3u);
  EXPECT_EQ((*sheets)[0].sheet, "ソフトウェア台帳");
  // The installs sheet keeps the hostile strings as plain text cells: no
  // number, exactly the text (a formula would come back as its result).
  bool script_seen = false, formula_seen = false;
  for (const auto& row : (*sheets)[1].rows) {
    for (const auto& cell : row) {
      EXPECT_TRUE(IsValidUtf8(cell.text));
      if (cell.text == "TeamViewer <script>alert(1)</script>") {
        script_seen = true;
      }
      if (cell.text == "=1+1") {
        formula_seen = true;
        EXPECT_FALSE(cell.number.has_value());
      }
    }
  }
  EXPECT_TRUE(script_seen);
  EXPECT_TRUE(formula_seen);
  ASSERT_EQ((*sheets)[2].rows.size(), 2u);
  EXPECT_EQ((*sheets)[2].rows[1][0].text, "pc-unknown");
}

}  // namespace
}  // namespace mamori
