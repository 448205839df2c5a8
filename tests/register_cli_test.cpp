// Integration tests of `mamori-collector register …`: the real binary on a
// real SQLite file, its exports read back by independent readers (openpyxl
// and Python's csv module under Debian's /usr/bin/python3), imports checked
// in the database.

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/wait.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "collector/pki/crypto.h"
#include "collector/register/csv_format.h"
#include "collector/register/import_file.h"
#include "collector/store/open_store.h"
#include "collector/store/register_port.h"
#include "collector/store/sqlite/sqlite.h"
#include "common/text.h"

namespace mamori::asset_register {
namespace {

using nlohmann::json;

struct CliRun {
  int exit_code = -1;
  std::string out;
  std::string err;
};

std::string Quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) {
    if (c == '\'') {
      q += "'\\''";
    } else {
      q += c;
    }
  }
  return q + "'";
}

class RegisterCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(pki::InitCrypto().ok());
    std::string pattern = ::testing::TempDir() + "mamori_register_cli_XXXXXX";
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    auto opened =
        store::OpenStore(store::SqliteUrl(dir_ + "/collector.db"), clock_);
    ASSERT_TRUE(opened.ok()) << opened.status().ToString();
    store_ = std::move(opened).value();
    ASSERT_TRUE(store_->CreateOrg({"acme", "", std::nullopt, ""}).ok());
    auto reg = store_->OpenRegister(clock_);
    ASSERT_TRUE(reg.ok()) << reg.status().ToString();
    reg_ = std::move(*reg);
    // Tables are read on a connection of the test's own.
    auto db = store::Database::Open(dir_ + "/collector.db", false);
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    db_ = std::make_unique<store::Database>(std::move(*db));
  }
  void TearDown() override {
    reg_.reset();
    db_.reset();
    store_.reset();
    std::filesystem::remove_all(dir_);
  }

  CliRun Cli(const std::vector<std::string>& args) {
    std::string cmd = Quote(MAMORI_COLLECTOR_BIN) + " register";
    for (const auto& a : args) cmd += " " + Quote(a);
    cmd += " --data " + Quote(dir_) + " --actor tester";
    return Shell(cmd);
  }

  CliRun Shell(const std::string& cmd) {
    const std::string out = dir_ + "/stdout", err = dir_ + "/stderr";
    const int status =
        std::system((cmd + " >" + Quote(out) + " 2>" + Quote(err)).c_str());
    CliRun r;
    r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    r.out = ReadFile(out).value_or("");
    r.err = ReadFile(err).value_or("");
    return r;
  }

  json Dump(const std::string& kind, const std::string& path) {
    const CliRun r = Shell("/usr/bin/python3 " + Quote(MAMORI_REGISTER_DUMP) +
                           " " + kind + " " + Quote(path));
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return json::parse(r.out.empty() ? "{}" : r.out);
  }

  int64_t Count(const std::string& sql) {
    auto s = db_->Prepare(sql);
    EXPECT_TRUE(s.ok()) << s.status().ToString();
    if (!s.ok()) return -1;
    EXPECT_TRUE(*s->Step());
    return s->ColumnInt(0);
  }

  void Seed() {
    auto token = store_->CreateToken({"acme", std::nullopt, std::nullopt});
    ASSERT_TRUE(token.ok());
    store::EnrollInput in;
    in.token = token->token;
    in.identity = {"PC-05", "m5", "u5", "SN-5", {}};
    in.os_name = "Windows 11 Pro";
    in.node_key_hash = pki::Sha256Hex("k");
    ASSERT_TRUE(store_->Enroll(in).ok());

    InformationAsset list;
    list.business_area = "営業";
    list.name = "顧客名簿";
    list.note = "=HYPERLINK(\"http://evil.example/\",\"click\")";
    list.users = "+cmd";
    list.owning_department = "営業部";
    list.medium = Medium::kOfficePc;
    list.personal = true;
    list.confidentiality = 2;
    list.integrity = 2;
    list.availability = 1;
    list.retention = "-2+3";
    list.registered_on = "2026-04-01";
    ASSERT_TRUE(*PutAsset(*reg_, "acme", list, "seed"));
    InformationAsset prices;
    prices.business_area = "@SUM(A1:A9)";
    prices.name = "価格表";
    prices.medium = Medium::kExternalServer;
    prices.integrity = 2;
    prices.registered_on = "2025-12-31";
    ASSERT_TRUE(*PutAsset(*reg_, "acme", prices, "seed"));
    ASSERT_TRUE(
        *reg_->Link("acme", "顧客名簿", LinkKind::kDevice, "PC-05", "s"));
    ASSERT_TRUE(
        *reg_->Link("acme", "価格表", LinkKind::kService, "kintone", "s"));
    DeviceEdit edit;
    edit.owner = "山田 太郎";
    edit.location = "本社 2F";
    ASSERT_TRUE(*reg_->EditDevice("acme", "PC-05", edit, "seed"));
  }

  FakeClock clock_{FromUnixSeconds(1'795'392'000)};
  std::string dir_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<store::Database> db_;
  std::unique_ptr<RegisterPort> reg_;
};

TEST_F(RegisterCliTest, XlsxExportReadByOpenpyxl) {
  Seed();
  const std::string path = dir_ + "/register.xlsx";
  const CliRun r =
      Cli({"export", "--org", "acme", "--format", "xlsx", "--out", path});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const json book = Dump("xlsx", path);
  EXPECT_EQ(book["sheets"], json::array({"情報資産台帳", "機器台帳", "関連付け",
                                         "廃棄済み情報資産"}));
  const json& assets = book["cells"]["情報資産台帳"];
  EXPECT_EQ(assets[0],
            json::array({"業務分類", "情報資産名称", "備考", "利用者範囲",
                         "管理部署", "媒体・保存先", "個人情報",
                         "要配慮個人情報", "特定個人情報", "機密性", "完全性",
                         "可用性", "重要度", "保存期限", "登録日"}));
  ASSERT_EQ(assets.size(), 3u);
  // Sorted by business area: "@SUM…" before "営業".
  EXPECT_EQ(assets[1][1], "価格表");
  EXPECT_EQ(assets[1][0], "@SUM(A1:A9)");  // a string cell, never a formula
  EXPECT_EQ(assets[1][5], "社外サーバー");
  EXPECT_EQ(assets[1][12], 2);
  EXPECT_EQ(assets[2][1], "顧客名簿");
  EXPECT_EQ(assets[2][2], "=HYPERLINK(\"http://evil.example/\",\"click\")");
  EXPECT_EQ(assets[2][5], "事務所PC");
  EXPECT_EQ(assets[2][6], "有");
  EXPECT_EQ(assets[2][7], "無");
  EXPECT_EQ(assets[2][9], 2);
  EXPECT_EQ(assets[2][12], 3);  // personal information → 3
  EXPECT_EQ(assets[2][14], "2026-04-01");
  EXPECT_EQ(book["types"]["情報資産台帳"][2][2], "string");
  EXPECT_EQ(book["types"]["情報資産台帳"][2][9], "number");
  EXPECT_EQ(book["types"]["情報資産台帳"][2][14], "date");

  const json& devices = book["cells"]["機器台帳"];
  ASSERT_EQ(devices.size(), 2u);
  EXPECT_EQ(devices[0][0], "機器名");
  EXPECT_EQ(devices[1][0], "PC-05");
  EXPECT_EQ(devices[1][2], "山田 太郎");
  EXPECT_EQ(devices[1][3], "本社 2F");
  const json& links = book["cells"]["関連付け"];
  ASSERT_EQ(links.size(), 3u);
  EXPECT_EQ(links[1], json::array({"価格表", "外部サービス", "kintone"}));
  EXPECT_EQ(links[2], json::array({"顧客名簿", "機器", "PC-05"}));

  const std::string en = dir_ + "/register_en.xlsx";
  ASSERT_EQ(Cli({"export", "--org", "acme", "--format", "xlsx", "--out", en,
                 "--lang", "en"})
                .exit_code,
            0);
  const json book_en = Dump("xlsx", en);
  EXPECT_EQ(book_en["sheets"], json::array({"Information assets", "Devices",
                                            "Links", "Retired assets"}));
  EXPECT_EQ(book_en["cells"]["Information assets"][0][5], "Medium/location");
  EXPECT_EQ(book_en["cells"]["Information assets"][2][5], "office PC");
  EXPECT_EQ(book_en["cells"]["Information assets"][2][1], "顧客名簿");
}

TEST_F(RegisterCliTest, CsvExportHasBomAndNeutralisedFormulas) {
  Seed();
  const std::string path = dir_ + "/register.csv";
  const CliRun r =
      Cli({"export", "--org", "acme", "--format", "csv", "--out", path});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const json csv = Dump("csv", path);
  EXPECT_TRUE(csv["bom"].get<bool>());
  const json& rows = csv["rows"];
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0][0], "業務分類");
  EXPECT_EQ(rows[0][14], "登録日");
  EXPECT_EQ(rows[1][0], "'@SUM(A1:A9)");
  EXPECT_EQ(rows[2][2], "'=HYPERLINK(\"http://evil.example/\",\"click\")");
  EXPECT_EQ(rows[2][3], "'+cmd");
  EXPECT_EQ(rows[2][13], "'-2+3");
  // No cell a spreadsheet would evaluate.
  for (const auto& row : rows) {
    for (const auto& cell : row) {
      const std::string s = cell.get<std::string>();
      ASSERT_TRUE(s.empty() ||
                  std::string("=+-@\t\r").find(s[0]) == std::string::npos)
          << s;
    }
  }
}

TEST_F(RegisterCliTest, ReimportingAnExportIsANoOp) {
  Seed();
  const int64_t history = Count("SELECT COUNT(*) FROM register_history");
  for (const char* format : {"xlsx", "csv"}) {
    for (const char* lang : {"ja", "en"}) {
      const std::string path = dir_ + "/rt." + format;
      ASSERT_EQ(Cli({"export", "--org", "acme", "--format", format, "--out",
                     path, "--lang", lang})
                    .exit_code,
                0);
      const CliRun r = Cli({"import", "--org", "acme", path, "--lang", "en"});
      ASSERT_EQ(r.exit_code, 0) << r.err;
      EXPECT_NE(r.out.find("created 0, updated 0, unchanged 2, links added 0"),
                std::string::npos)
          << format << " " << lang << ": " << r.out;
      EXPECT_EQ(r.err, "") << format << " " << lang;
    }
  }
  EXPECT_EQ(Count("SELECT COUNT(*) FROM register_history"), history);
  auto assets = reg_->ListAssets("acme");
  ASSERT_EQ(assets->size(), 2u);
  EXPECT_EQ((*assets)[1].note,
            "=HYPERLINK(\"http://evil.example/\",\"click\")");
  EXPECT_EQ((*assets)[1].retention, "-2+3");
}

TEST_F(RegisterCliTest, ImportChangesThenEditedFileUpdates) {
  const std::string path = dir_ + "/in.csv";
  std::ofstream(path) << "情報資産名称,媒体・保存先,個人情報,要配慮個人情報,"
                         "特定個人情報,機密性,完全性,可用性,登録日\n"
                         "給与台帳,社内サーバー,有,無,有,3,3,2,2026/4/1\n"
                         "会議室予約,クラウド,無,無,無,1,1,1,\n";
  CliRun dry =
      Cli({"import", "--org", "acme", path, "--dry-run", "--lang", "en"});
  ASSERT_EQ(dry.exit_code, 0) << dry.err;
  EXPECT_NE(dry.out.find("dry run"), std::string::npos);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM register_assets"), 0);

  CliRun r = Cli({"import", "--org", "acme", path, "--lang", "en"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("created 2"), std::string::npos) << r.out;
  auto a = reg_->GetAsset("acme", "給与台帳");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->registered_on, "2026-04-01");
  EXPECT_TRUE(a->my_number);
  EXPECT_EQ(a->importance(), 3);

  CliRun listed = Cli({"list", "--org", "acme", "--format", "json"});
  ASSERT_EQ(listed.exit_code, 0) << listed.err;
  const json j = json::parse(listed.out);
  ASSERT_EQ(j["assets"].size(), 2u);
  EXPECT_EQ(j["assets"][1]["name"], "給与台帳");
  EXPECT_EQ(j["assets"][1]["importance"], 3);
  EXPECT_EQ(j["assets"][0]["medium"], "external_server");

  CliRun history = Cli({"history", "--org", "acme"});
  ASSERT_EQ(history.exit_code, 0);
  EXPECT_NE(history.out.find("tester"), std::string::npos);
  EXPECT_NE(history.out.find("create  asset 給与台帳"), std::string::npos)
      << history.out;
}

TEST_F(RegisterCliTest, OneBadRowRejectsTheWholeFile) {
  Seed();
  const int64_t assets = Count("SELECT COUNT(*) FROM register_assets");
  const int64_t history = Count("SELECT COUNT(*) FROM register_history");
  const std::string path = dir_ + "/bad.csv";
  std::ofstream(path)
      << "\xEF\xBB\xBF"
         "業務分類,情報資産名称,媒体・保存先,個人情報,要配慮個人情報,"
         "特定個人情報,機密性,完全性,可用性\r\n"
         "総務,正しい行,書類,無,無,無,1,1,1\r\n"        // row 2: fine
         "総務,機密性4,書類,無,無,無,4,1,1\r\n"         // row 3: C=4
         "総務,媒体不明,フロッピー,無,無,無,1,1,1\r\n"  // row 4
         "総務,,書類,無,無,無,1,1,1\r\n"                // row 5: no name
         "総務,正しい行,書類,無,無,無,2,1,1\r\n";       // row 6: duplicate
  const CliRun r = Cli({"import", "--org", "acme", path, "--lang", "en"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("nothing was changed"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("CSV row 3, column 機密性: must be 1, 2 or 3"),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("CSV row 4, column 媒体・保存先: unknown medium"),
            std::string::npos);
  EXPECT_NE(
      r.err.find("CSV row 5, column 情報資産名称: asset name is required"),
      std::string::npos);
  EXPECT_NE(r.err.find("CSV row 6, column 情報資産名称: duplicate asset name"),
            std::string::npos);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM register_assets"), assets);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM register_history"), history);
  EXPECT_EQ(reg_->GetAsset("acme", "正しい行").status().code(),
            StatusCode::kNotFound);
}

TEST_F(RegisterCliTest, HostileFilesAreRejectedWithReasons) {
  const std::string zip = dir_ + "/fake.xlsx";
  std::ofstream(zip) << "PK\x03\x04this is not a workbook";
  CliRun r = Cli({"import", "--org", "acme", zip});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("fake.xlsx"), std::string::npos) << r.err;

  const std::string sjis = dir_ + "/sjis.csv";
  std::ofstream(sjis) << "\x8f\xee\x95\xf1,b\r\n";  // Shift_JIS 情報
  r = Cli({"import", "--org", "acme", sjis});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("UTF-8"), std::string::npos) << r.err;

  const std::string sql = dir_ + "/sql.csv";
  std::ofstream(sql)
      << "情報資産名称,媒体・保存先,個人情報,要配慮個人情報,"
         "特定個人情報,機密性,完全性,可用性\n"
         "x'); DROP TABLE register_assets;--,書類,無,無,無,1,1,1\n";
  r = Cli({"import", "--org", "acme", sql});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(
      reg_->GetAsset("acme", "x'); DROP TABLE register_assets;--").ok());
  EXPECT_EQ(Count("SELECT COUNT(*) FROM register_assets"), 1);
}

TEST_F(RegisterCliTest, UsageErrorsExitTwo) {
  EXPECT_EQ(Cli({"export", "--format", "xlsx", "--out", "x"}).exit_code, 2);
  const CliRun bad_format =
      Cli({"export", "--org", "acme", "--format", "ods", "--out", "x"});
  EXPECT_EQ(bad_format.exit_code, 2);
  EXPECT_NE(bad_format.err.find("--format"), std::string::npos);
  EXPECT_EQ(Cli({"list", "--org", "acme", "--lang", "fr"}).exit_code, 2);
  EXPECT_EQ(Cli({"list", "--org", "acme", "--bogus"}).exit_code, 2);
  EXPECT_EQ(Cli({"frobnicate"}).exit_code, 2);
  EXPECT_EQ(Cli({"set", "--org", "acme", "新規", "--c", "4"}).exit_code, 2);
  const CliRun help = Cli({"export", "--help"});
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_NE(help.out.find("--format"), std::string::npos);
  EXPECT_EQ(Cli({"list", "--org", "nope"}).exit_code, 1);
}

TEST_F(RegisterCliTest, SetLinkDeviceAndRisks) {
  Seed();
  CliRun r =
      Cli({"set",         "--org",      "acme", "見積書",      "--medium",
           "書類",        "--personal", "no",   "--sensitive", "no",
           "--my-number", "no",         "--c",  "2",           "--i",
           "1",           "--a",        "1",    "--lang",      "en"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("created (importance 2)"), std::string::npos) << r.out;
  r = Cli({"set", "--org", "acme", "見積書", "--a", "3", "--lang", "en"});
  EXPECT_NE(r.out.find("updated (importance 3)"), std::string::npos) << r.out;
  r = Cli({"link", "--org", "acme", "見積書", "PC-05"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  r = Cli({"link", "--org", "acme", "見積書", "PC-99"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("PC-99"), std::string::npos);
  r = Cli({"device", "--org", "acme", "PC-05", "--retire", "--lang", "en"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  r = Cli({"list", "--org", "acme", "--format", "json"});
  const json j = json::parse(r.out);
  EXPECT_EQ(j["devices"][0]["status"], "retired");
  r = Cli({"risks", "--org", "acme", "--format", "json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const json risks = json::parse(r.out);
  EXPECT_EQ(risks["assets"][0]["importance"], 3);
  EXPECT_FALSE(risks["source"].get<std::string>().empty());
}

// `register retire` / `restore` on the real binary: usage errors exit 2
// naming the flag, refusals exit 1, the retired asset leaves the list and
// the main sheet for the retired sheet (read back by openpyxl, an
// independent reader), the export re-imports unchanged, and restoring
// brings it back; the history names both.
TEST_F(RegisterCliTest, RetireAndRestoreFromTheCommandLine) {
  Seed();
  CliRun r = Cli({"retire", "--org", "acme", "価格表"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--reason"), std::string::npos) << r.err;
  r = Cli({"retire", "--org", "acme", "価格表", "--reason", "x", "--date",
           "2026-02-30"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--date"), std::string::npos) << r.err;
  r = Cli({"retire", "--org", "acme", "価格表", "--reason", "x", "--date",
           "2999-01-01"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("future"), std::string::npos) << r.err;
  r = Cli({"retire", "--org", "acme", "無い資産", "--reason", "x"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("無い資産"), std::string::npos) << r.err;
  const CliRun help = Cli({"retire", "--help"});
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_NE(help.out.find("--reason"), std::string::npos);

  r = Cli({"retire", "--org", "acme", "価格表", "--reason",
           "=HYPERLINK(\"x\") 契約終了", "--date", "2026-03-31", "--lang",
           "en"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("retired (2026-03-31)"), std::string::npos) << r.out;
  r = Cli({"retire", "--org", "acme", "価格表", "--reason", "again"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("already retired"), std::string::npos) << r.err;

  r = Cli({"list", "--org", "acme", "--format", "json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  json list = json::parse(r.out);
  ASSERT_EQ(list["assets"].size(), 1u);
  ASSERT_EQ(list["retired_assets"].size(), 1u);
  EXPECT_EQ(list["retired_assets"][0]["retired"]["retired_by"], "tester");

  const std::string path = dir_ + "/retired.xlsx";
  ASSERT_EQ(Cli({"export", "--org", "acme", "--format", "xlsx", "--out", path})
                .exit_code,
            0);
  const json book = Dump("xlsx", path);
  ASSERT_EQ(book["cells"]["情報資産台帳"].size(), 2u);
  const json& retired = book["cells"]["廃棄済み情報資産"];
  ASSERT_EQ(retired.size(), 2u);
  EXPECT_EQ(retired[0][15], "状態");
  EXPECT_EQ(retired[1][1], "価格表");
  EXPECT_EQ(retired[1][15], "廃棄済");
  EXPECT_EQ(retired[1][16], "2026-03-31");
  EXPECT_EQ(book["types"]["廃棄済み情報資産"][1][16], "date");
  EXPECT_EQ(retired[1][17], "=HYPERLINK(\"x\") 契約終了");  // a string cell
  EXPECT_EQ(book["types"]["廃棄済み情報資産"][1][17], "string");
  EXPECT_EQ(retired[1][18], "tester");
  const int64_t history = Count("SELECT COUNT(*) FROM register_history");
  r = Cli({"import", "--org", "acme", path, "--lang", "en"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("unchanged 2"), std::string::npos) << r.out;
  const std::string csv = dir_ + "/retired.csv";
  ASSERT_EQ(Cli({"export", "--org", "acme", "--format", "csv", "--out", csv})
                .exit_code,
            0);
  const json rows = Dump("csv", csv)["rows"];
  EXPECT_EQ(rows[1][15], "廃棄済");
  EXPECT_EQ(rows[1][17], "'=HYPERLINK(\"x\") 契約終了");
  r = Cli({"import", "--org", "acme", csv, "--lang", "en"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("unchanged 2"), std::string::npos) << r.out;
  EXPECT_EQ(Count("SELECT COUNT(*) FROM register_history"), history);

  r = Cli({"restore", "--org", "acme", "価格表", "--lang", "en"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("restored"), std::string::npos) << r.out;
  EXPECT_EQ(Cli({"restore", "--org", "acme", "価格表"}).exit_code, 1);
  list = json::parse(Cli({"list", "--org", "acme", "--format", "json"}).out);
  EXPECT_EQ(list["assets"].size(), 2u);
  EXPECT_TRUE(list["retired_assets"].empty());
  r = Cli({"history", "--org", "acme", "--limit", "2"});
  EXPECT_NE(r.out.find("restore"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("retire "), std::string::npos) << r.out;
}

TEST_F(RegisterCliTest, TenThousandRowImport) {
  std::vector<InformationAsset> assets;
  for (int i = 0; i < 10000; ++i) {
    InformationAsset a;
    a.business_area = "部門" + std::to_string(i % 37);
    a.name = "資産-" + std::to_string(i);
    a.note = "備考 " + std::to_string(i);
    a.medium = AllMedia()[i % 6];
    a.personal = i % 5 == 0;
    a.confidentiality = 1 + i % 3;
    a.integrity = 1 + (i / 3) % 3;
    a.availability = 1 + (i / 9) % 3;
    a.retention = "5年";
    a.registered_on = "2026-11-23";
    assets.push_back(std::move(a));
  }
  const std::string path = dir_ + "/big.csv";
  std::ofstream(path, std::ios::binary) << AssetsToCsv(assets, true);
  const auto start = std::chrono::steady_clock::now();
  CliRun r = Cli({"import", "--org", "acme", path, "--lang", "en"});
  const auto took =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count();
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("created 10000"), std::string::npos) << r.out;
  EXPECT_EQ(Count("SELECT COUNT(*) FROM register_assets"), 10000);
  // Reported, not asserted: performance figures belong in docs.
  std::cout << "10,000-row CSV import took " << took << " s\n";
  RecordProperty("import_10000_seconds", std::to_string(took));

  const std::string xlsx = dir_ + "/big.xlsx";
  ASSERT_EQ(Cli({"export", "--org", "acme", "--format", "xlsx", "--out", xlsx})
                .exit_code,
            0);
  const auto start2 = std::chrono::steady_clock::now();
  r = Cli({"import", "--org", "acme", xlsx, "--lang", "en"});
  const auto took2 =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start2)
          .count();
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("unchanged 10000"), std::string::npos) << r.out;
  std::cout << "10,000-row XLSX re-import (no-op) took " << took2 << " s\n";
  RecordProperty("reimport_xlsx_10000_seconds", std::to_string(took2));
}

}  // namespace
}  // namespace mamori::asset_register
