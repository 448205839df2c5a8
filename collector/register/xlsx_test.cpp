#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <sstream>

#include "collector/register/import_file.h"
#include "collector/register/test_workbook.h"
#include "collector/register/xlsx_reader.h"
#include "collector/register/xlsx_writer.h"
#include "common/text.h"

namespace mamori::asset_register {
namespace {

class XlsxTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/mamori_register_xlsx_XXXXXX";
    ASSERT_NE(mkdtemp(pattern), nullptr);
    dir_ = pattern;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string dir_;
};

RegisterSnapshot Sample() {
  RegisterSnapshot s;
  InformationAsset a;
  a.business_area = "営業";
  a.name = "顧客名簿";
  a.note = "=HYPERLINK(\"http://evil\")\n二行目";
  a.users = "営業部員";
  a.owning_department = "営業部";
  a.medium = Medium::kOfficePc;
  a.personal = true;
  a.confidentiality = 2;
  a.integrity = 2;
  a.availability = 1;
  a.retention = "5年";
  a.registered_on = "2026-04-01";
  s.assets.push_back(a);
  InformationAsset b;
  b.name = "Price list";
  b.medium = Medium::kExternalServer;
  b.integrity = 2;
  b.registered_on = "2025-12-31";
  s.assets.push_back(b);
  DeviceAsset d;
  d.host_id = "h1";
  d.name = "PC-05";
  d.owner = "山田";
  d.os = "Windows 11 Pro";
  d.last_seen_unix = 1795392000;
  d.checks = {{"antivirus", "fail"}, {"usb_storage", "pass"}};
  s.devices.push_back(d);
  s.links.push_back({"顧客名簿", LinkKind::kDevice, "PC-05"});
  s.links.push_back({"Price list", LinkKind::kService, "kintone"});
  return s;
}

TEST_F(XlsxTest, WrittenWorkbookReadsBackIdentically) {
  const RegisterSnapshot s = Sample();
  const std::string path = dir_ + "/register.xlsx";
  ASSERT_TRUE(WriteXlsx(s, true, path).ok());
  EXPECT_FALSE(std::filesystem::exists(path + ".tmp"));
  auto bytes = ReadFile(path);
  ASSERT_TRUE(bytes.ok());

  auto tables = ReadXlsx(*bytes);
  ASSERT_TRUE(tables.ok()) << tables.status().ToString();
  ASSERT_EQ(tables->size(), 4u);
  EXPECT_EQ((*tables)[0].sheet, "情報資産台帳");
  EXPECT_EQ((*tables)[1].sheet, "機器台帳");
  EXPECT_EQ((*tables)[2].sheet, "関連付け");
  EXPECT_EQ((*tables)[3].sheet, "廃棄済み情報資産");
  EXPECT_EQ((*tables)[3].rows.size(), 1u);  // headers only
  EXPECT_EQ((*tables)[1].rows[1][0].text, "PC-05");
  EXPECT_EQ((*tables)[1].rows[1][9].text, "fail: antivirus");

  auto plan = PlanImport(*bytes, "2000-01-01");
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  ASSERT_TRUE(plan->errors.empty()) << plan->errors[0].ToString();
  EXPECT_TRUE(plan->warnings.empty());
  ASSERT_EQ(plan->assets.size(), 2u);
  EXPECT_EQ(plan->assets[0].asset, s.assets[0]);
  EXPECT_EQ(plan->assets[1].asset, s.assets[1]);
  ASSERT_EQ(plan->links.size(), 2u);
  EXPECT_EQ(plan->links[0].link, s.links[0]);
  EXPECT_EQ(plan->links[1].link, s.links[1]);
}

// Retired assets leave the main sheet for their own, with the retirement
// columns; the file reads back with their state and nothing else changed.
TEST_F(XlsxTest, RetiredAssetsHaveTheirOwnSheetAndReadBack) {
  RegisterSnapshot s = Sample();
  InformationAsset gone = s.assets[1];
  gone.name = "USB-07 <script>alert(1)</script>";
  gone.retired =
      AssetRetirement{"2026-12-01", "破砕\n=cmd|' /C calc'!A0", "yamada"};
  s.assets.push_back(gone);
  const std::string path = dir_ + "/retired.xlsx";
  ASSERT_TRUE(WriteXlsx(s, true, path).ok());
  auto bytes = ReadFile(path);
  ASSERT_TRUE(bytes.ok());
  auto tables = ReadXlsx(*bytes);
  ASSERT_TRUE(tables.ok()) << tables.status().ToString();
  ASSERT_EQ(tables->size(), 4u);
  EXPECT_EQ((*tables)[0].rows.size(), 3u);  // header + the two in service
  const Table& retired = (*tables)[3];
  ASSERT_EQ(retired.rows.size(), 2u);
  ASSERT_EQ(retired.rows[0].size(), 19u);
  EXPECT_EQ(retired.rows[0][15].text, "状態");
  EXPECT_EQ(retired.rows[1][1].text, gone.name);
  EXPECT_EQ(retired.rows[1][15].text, "廃棄済");
  EXPECT_EQ(retired.rows[1][17].text, gone.retired->reason);
  EXPECT_EQ(retired.rows[1][18].text, "yamada");

  auto plan = PlanImport(*bytes, "2000-01-01");
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  ASSERT_TRUE(plan->errors.empty()) << plan->errors[0].ToString();
  ASSERT_EQ(plan->assets.size(), 3u);
  EXPECT_FALSE(plan->assets[0].listed_retired);
  EXPECT_TRUE(plan->assets[2].listed_retired);
  EXPECT_EQ(plan->assets[2].sheet, "廃棄済み情報資産");
  gone.retired.reset();
  EXPECT_EQ(plan->assets[2].asset, gone);
}

TEST_F(XlsxTest, EnglishWorkbookReadsBack) {
  const RegisterSnapshot s = Sample();
  const std::string path = dir_ + "/register_en.xlsx";
  ASSERT_TRUE(WriteXlsx(s, false, path).ok());
  auto bytes = ReadFile(path);
  ASSERT_TRUE(bytes.ok());
  auto plan = PlanImport(*bytes, "2000-01-01");
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  ASSERT_TRUE(plan->errors.empty()) << plan->errors[0].ToString();
  EXPECT_EQ(plan->asset_sheet, "Information assets");
  ASSERT_EQ(plan->assets.size(), 2u);
  EXPECT_EQ(plan->assets[0].asset, s.assets[0]);
}

TEST_F(XlsxTest, UnwritablePathIsAnError) {
  const Status st = WriteXlsx(Sample(), true, dir_ + "/no/such/dir/x.xlsx");
  EXPECT_FALSE(st.ok());
  EXPECT_NE(st.message().find("x.xlsx"), std::string::npos);
}

TEST(XlsxReaderTest, ReadsStringsNumbersBooleansAndDates) {
  const std::string sheet = R"(<?xml version="1.0" encoding="UTF-8"?>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>
<row r="1"><c r="A1" t="s"><v>0</v></c><c r="C1" t="s"><v>1</v></c></row>
<row r="4"><c r="B4" t="inlineStr"><is><t>インライン</t></is></c><c t="b"><v>1</v></c><c s="1"><v>46349</v></c><c t="s"><v>2</v></c><c t="str"><f>A1</f><v>計算</v></c></row>
</sheetData></worksheet>)";
  auto tables = ReadXlsx(HandMadeWorkbook(sheet));
  ASSERT_TRUE(tables.ok()) << tables.status().ToString();
  ASSERT_EQ(tables->size(), 1u);
  const Table& t = (*tables)[0];
  EXPECT_EQ(t.sheet, "台帳");
  ASSERT_EQ(t.rows.size(), 2u);
  EXPECT_EQ(t.row_numbers[0], 1);
  EXPECT_EQ(t.row_numbers[1], 4);
  ASSERT_EQ(t.rows[0].size(), 3u);
  EXPECT_EQ(t.rows[0][0].text, "顧客名簿");  // furigana skipped
  EXPECT_EQ(t.rows[0][1].text, "");
  EXPECT_EQ(t.rows[0][2].text, "事務所PC");
  ASSERT_EQ(t.rows[1].size(), 6u);
  EXPECT_EQ(t.rows[1][1].text, "インライン");
  EXPECT_EQ(t.rows[1][2].text, "true");
  ASSERT_TRUE(t.rows[1][3].number.has_value());
  EXPECT_EQ(*t.rows[1][3].number, 46349.0);
  EXPECT_EQ(t.rows[1][4].text, "a\rb");
  EXPECT_EQ(t.rows[1][5].text, "計算");
}

TEST(XlsxReaderTest, HostileWorkbooksAreRejected) {
  EXPECT_FALSE(ReadXlsx("PK\x03\x04garbage").ok());
  EXPECT_FALSE(ReadXlsx("not a zip at all").ok());
  const auto bad_index = ReadXlsx(HandMadeWorkbook(
      R"(<worksheet><sheetData><row><c t="s"><v>99</v></c></row></sheetData></worksheet>)"));
  ASSERT_FALSE(bad_index.ok());
  EXPECT_NE(bad_index.status().message().find("out of range"),
            std::string::npos);
  EXPECT_FALSE(ReadXlsx(HandMadeWorkbook("<worksheet><sheetData><row>")).ok());
  const auto bad_number = ReadXlsx(HandMadeWorkbook(
      R"(<worksheet><sheetData><row><c><v>1x</v></c></row></sheetData></worksheet>)"));
  EXPECT_FALSE(bad_number.ok());
  // Billion laughs (&h; is 10^8 bytes): refused by expat's amplification
  // limit or by the decoded-size budget, never read.
  const auto laughs = ReadXlsx(HandMadeWorkbook(
      R"(<?xml version="1.0"?><!DOCTYPE w [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;"><!ENTITY e "&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;"><!ENTITY f "&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;"><!ENTITY g "&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;"><!ENTITY h "&g;&g;&g;&g;&g;&g;&g;&g;&g;&g;">]><worksheet><sheetData><row><c t="inlineStr"><is><t>&h;</t></is></c></row></sheetData></worksheet>)"));
  ASSERT_FALSE(laughs.ok()) << laughs->at(0).rows.at(0).at(0).text.size();
  EXPECT_EQ(laughs.status().code(), StatusCode::kInvalidArgument);
}

TEST(XlsxReaderTest, DecodesOoxmlEscapes) {
  EXPECT_EQ(DecodeOoxmlEscapes("a_x000A_b"), "a\nb");
  EXPECT_EQ(DecodeOoxmlEscapes("_x005F_x0041_"), "_x0041_");
  EXPECT_EQ(DecodeOoxmlEscapes("_xZZZZ_"), "_xZZZZ_");
  EXPECT_EQ(DecodeOoxmlEscapes("_x30A2_"), "ア");
}

}  // namespace
}  // namespace mamori::asset_register
