#include "collector/software/ledger.h"

#include <gtest/gtest.h>

#include "common/text.h"

namespace mamori::software {
namespace {

const Dictionary& Builtin() {
  auto d = BuiltinDictionary();
  EXPECT_TRUE(d.ok());
  return **d;
}

store::SoftwareInstall Install(const std::string& title, int64_t host,
                               const std::string& hostname,
                               const std::string& package,
                               const std::string& version) {
  return {title, host, hostname, "windows", package, version, "Vendor"};
}

TEST(LedgerTest, CountsHostsAgainstLicencesRulesAndFloors) {
  store::SoftwareInventory inv;
  inv.hosts = 4;
  inv.hosts_without_inventory = {"pc-04"};
  inv.installs = {
      Install("microsoft_office", 1, "pc-01", "Microsoft Office Home", "16.0"),
      // Two packages of one title on one host count once.
      Install("microsoft_office", 1, "pc-01", "Microsoft Office Proof", "16.0"),
      Install("microsoft_office", 2, "pc-02", "Microsoft Office Home", "15.0"),
      Install("microsoft_office", 3, "pc-03", "Microsoft Office Home", "16.0"),
      Install("teamviewer", 2, "pc-02", "TeamViewer", "15.49.4"),
  };
  store::SoftwareRules rules;
  rules.rules = {{"ban", "category", "remote_access", ""},
                 {"require", "title", "forticlient", "windows"}};
  rules.licences = {{"microsoft_office", 2}};
  rules.floors = {{"microsoft_office", "16.0"}};
  const Ledger ledger = BuildLedger(Builtin(), rules, inv, /*japanese=*/false);
  ASSERT_EQ(ledger.rows.size(), 3u);
  const LedgerRow* office = nullptr;
  const LedgerRow* tv = nullptr;
  const LedgerRow* vpn = nullptr;
  for (const auto& r : ledger.rows) {
    if (r.title == "microsoft_office") office = &r;
    if (r.title == "teamviewer") tv = &r;
    if (r.title == "forticlient") vpn = &r;
  }
  ASSERT_NE(office, nullptr);
  ASSERT_NE(tv, nullptr);
  ASSERT_NE(vpn, nullptr);
  EXPECT_EQ(office->installed, 3);
  EXPECT_EQ(office->owned, 2);
  EXPECT_EQ(office->OverDeployed(), 1);
  EXPECT_EQ(office->below_floor, 1);
  EXPECT_EQ(office->versions, (std::vector<std::string>{"15.0", "16.0"}));
  EXPECT_EQ(office->hosts,
            (std::vector<std::string>{"pc-01", "pc-02", "pc-03"}));
  EXPECT_EQ(tv->rule, "banned (category)");
  EXPECT_EQ(tv->category_name, "Remote access tools");
  EXPECT_EQ(vpn->installed, 0);
  EXPECT_EQ(vpn->rule, "required (windows)");
  EXPECT_EQ(ledger.hosts_without_inventory,
            (std::vector<std::string>{"pc-04"}));
}

TEST(LedgerTest, CsvIsBomPrefixedAndHostileTextIsInert) {
  store::SoftwareInventory inv;
  inv.hosts = 1;
  inv.installs = {
      {"teamviewer", 1, "=HYPERLINK(\"http://evil\",\"x\")", "windows",
       "TeamViewer", "<script>alert(1)</script>", "+cmd|' /C calc'!A0"},
      {"teamviewer", 2, "pc-\xff\xfe", "windows", "TeamViewer", "1\xc3",
       "@SUM(1)"},
  };
  const Ledger ledger = BuildLedger(Builtin(), {}, inv, /*japanese=*/true);
  const std::string csv = LedgerToCsv(ledger);
  ASSERT_GE(csv.size(), 3u);
  EXPECT_EQ(csv.substr(0, 3), "\xEF\xBB\xBF");
  EXPECT_NE(csv.find("カテゴリ"), std::string::npos);
  // Formula-looking cells start with an apostrophe inside their quotes.
  EXPECT_NE(csv.find("'=HYPERLINK"), std::string::npos) << csv;
  EXPECT_EQ(csv.find(",=HYPERLINK"), std::string::npos);
  EXPECT_EQ(csv.find("\"=HYPERLINK"), std::string::npos);
  EXPECT_NE(csv.find("'+cmd"), std::string::npos) << csv;
  EXPECT_EQ(csv.find(",+cmd"), std::string::npos);
  // Invalid UTF-8 never reaches the file.
  EXPECT_TRUE(IsValidUtf8(csv));
  EXPECT_EQ(csv.find("\xff"), std::string::npos);
}

}  // namespace
}  // namespace mamori::software
