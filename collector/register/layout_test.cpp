#include "collector/register/layout.h"

#include <gtest/gtest.h>

#include "collector/register/csv_format.h"

namespace mamori::asset_register {
namespace {

// Builds a table from text rows; the first row is the header.
Table MakeTable(const std::vector<std::vector<std::string>>& rows) {
  Table t;
  t.sheet = "CSV";
  for (size_t i = 0; i < rows.size(); ++i) {
    t.row_numbers.push_back(static_cast<int64_t>(i + 1));
    std::vector<Cell> cells;
    for (const auto& s : rows[i]) cells.push_back(Cell{s, std::nullopt});
    t.rows.push_back(std::move(cells));
  }
  return t;
}

std::vector<std::string> Row(std::string name, std::string medium,
                             std::string c, std::string date = "2026-04-01") {
  return {"営業", name, "",  "営業部員", "営業部", medium, "有", "無",
          "無",   c,    "2", "1",        "3",      "5年",  date};
}

TEST(LayoutTest, ParsesJapaneseRows) {
  const Table t =
      MakeTable({AssetHeaders(true), Row("顧客名簿", "事務所PC", "3"),
                 Row("見積書", "書類", "1", "")});
  std::vector<ImportError> errors;
  std::vector<std::string> warnings;
  const auto parsed = ParseAssetTable(t, "2026-11-23", &errors, &warnings);
  ASSERT_TRUE(errors.empty()) << errors[0].ToString();
  ASSERT_EQ(parsed.size(), 2u);
  EXPECT_EQ(parsed[0].asset.name, "顧客名簿");
  EXPECT_EQ(parsed[0].asset.medium, Medium::kOfficePc);
  EXPECT_TRUE(parsed[0].asset.personal);
  EXPECT_EQ(parsed[0].asset.confidentiality, 3);
  EXPECT_EQ(parsed[0].asset.importance(), 3);
  EXPECT_EQ(parsed[0].row, 2);
  EXPECT_EQ(parsed[1].asset.registered_on, "2026-11-23");
  EXPECT_TRUE(warnings.empty());
}

TEST(LayoutTest, AcceptsEnglishHeadersInAnyOrder) {
  std::vector<std::string> headers = AssetHeaders(false);
  InformationAsset payroll;
  payroll.name = "Payroll";
  payroll.medium = Medium::kExternalServer;
  payroll.my_number = true;
  payroll.registered_on = "2025-01-02";
  std::vector<std::string> row = AssetRowText(payroll, false);
  std::swap(headers[0], headers[14]);
  std::swap(row[0], row[14]);
  std::vector<ImportError> errors;
  std::vector<std::string> warnings;
  const auto parsed = ParseAssetTable(MakeTable({headers, row}), "2026-11-23",
                                      &errors, &warnings);
  ASSERT_TRUE(errors.empty()) << errors[0].ToString();
  ASSERT_EQ(parsed.size(), 1u);
  EXPECT_EQ(parsed[0].asset.name, "Payroll");
  EXPECT_TRUE(parsed[0].asset.my_number);
  EXPECT_EQ(parsed[0].asset.registered_on, "2025-01-02");
}

TEST(LayoutTest, EachBadRowIsNamedWithColumnAndReason) {
  const Table t = MakeTable(
      {AssetHeaders(true), Row("顧客名簿", "事務所PC", "4"),
       Row("見積書", "フロッピー", "1"), Row("", "書類", "1"),
       Row("顧客名簿", "書類", "1"), Row("契約書", "書類", "1", "2026-02-30")});
  std::vector<ImportError> errors;
  std::vector<std::string> warnings;
  const auto parsed = ParseAssetTable(t, "2026-11-23", &errors, &warnings);
  ASSERT_EQ(errors.size(), 5u);
  EXPECT_EQ(errors[0].row, 2);
  EXPECT_EQ(errors[0].column, "機密性");
  EXPECT_NE(errors[0].reason.find("1, 2 or 3"), std::string::npos);
  EXPECT_EQ(errors[1].row, 3);
  EXPECT_EQ(errors[1].column, "媒体・保存先");
  EXPECT_NE(errors[1].reason.find("フロッピー"), std::string::npos);
  EXPECT_EQ(errors[2].row, 4);
  EXPECT_EQ(errors[2].column, "情報資産名称");
  EXPECT_EQ(errors[3].row, 5);
  EXPECT_NE(errors[3].reason.find("first on row 2"), std::string::npos);
  EXPECT_EQ(errors[4].row, 6);
  EXPECT_EQ(errors[4].column, "登録日");
  EXPECT_EQ(errors[0].ToString(),
            "CSV row 2, column 機密性: must be 1, 2 or 3, got \"4\"");
}

TEST(LayoutTest, MissingRequiredColumnAndUnknownHeader) {
  std::vector<std::string> headers = AssetHeaders(true);
  headers[9] = "秘密度";  // not a known header; 機密性 is then missing
  std::vector<ImportError> errors;
  std::vector<std::string> warnings;
  const auto parsed =
      ParseAssetTable(MakeTable({headers, Row("a", "書類", "1")}), "2026-11-23",
                      &errors, &warnings);
  EXPECT_TRUE(parsed.empty());
  ASSERT_EQ(errors.size(), 2u);
  EXPECT_EQ(errors[0].reason, "unknown column header");
  EXPECT_EQ(errors[1].reason, "required column is missing");
  EXPECT_EQ(errors[1].column, "機密性 / Confidentiality");
}

TEST(LayoutTest, BlankFlagIsAnErrorNotNo) {
  auto row = Row("a", "書類", "1");
  row[7] = "";
  std::vector<ImportError> errors;
  std::vector<std::string> warnings;
  (void)ParseAssetTable(MakeTable({AssetHeaders(true), row}), "2026-11-23",
                        &errors, &warnings);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].column, "要配慮個人情報");
}

TEST(LayoutTest, HostileTextIsRejected) {
  auto row =
      Row("a\x01"
          "b",
          "書類", "1");
  row[2] = std::string("\xff\xfe", 2);
  row[3] = std::string(kMaxShortText + 1, 'x');
  std::vector<ImportError> errors;
  std::vector<std::string> warnings;
  (void)ParseAssetTable(MakeTable({AssetHeaders(true), row}), "2026-11-23",
                        &errors, &warnings);
  ASSERT_EQ(errors.size(), 3u);
  EXPECT_EQ(errors[0].column, "情報資産名称");
  EXPECT_EQ(errors[1].reason, "not valid UTF-8");
  EXPECT_NE(errors[2].reason.find("longer than"), std::string::npos);
}

TEST(LayoutTest, TypedImportanceIsRecomputedWithAWarning) {
  auto row = Row("a", "書類", "1");
  row[6] = "無";
  row[10] = "1";
  row[12] = "3";  // C/I/A all 1, no flags: the rule says 1
  std::vector<ImportError> errors;
  std::vector<std::string> warnings;
  const auto parsed = ParseAssetTable(MakeTable({AssetHeaders(true), row}),
                                      "2026-11-23", &errors, &warnings);
  ASSERT_TRUE(errors.empty());
  EXPECT_EQ(parsed[0].asset.importance(), 1);
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_NE(warnings[0].find("ignored"), std::string::npos);
}

TEST(LayoutTest, NumericCellsAndFullWidthDigits) {
  Table t = MakeTable({AssetHeaders(true), Row("a", "書類", "３")});
  t.rows[1][10] = Cell{"2", 2.0};
  t.rows[1][14] = Cell{"46349", 46349.0};  // Excel serial of 2026-11-23
  std::vector<ImportError> errors;
  std::vector<std::string> warnings;
  const auto parsed = ParseAssetTable(t, "2000-01-01", &errors, &warnings);
  ASSERT_TRUE(errors.empty()) << errors[0].ToString();
  EXPECT_EQ(parsed[0].asset.confidentiality, 3);
  EXPECT_EQ(parsed[0].asset.integrity, 2);
  EXPECT_EQ(parsed[0].asset.registered_on, "2026-11-23");
}

TEST(LayoutTest, ExcelSerials) {
  EXPECT_EQ(ExcelSerialToIsoDate(25569), "1970-01-01");
  EXPECT_EQ(ExcelSerialToIsoDate(46349.75), "2026-11-23");
  EXPECT_EQ(IsoDateToExcelSerial("2026-11-23"), 46349.0);
  EXPECT_EQ(ExcelSerialToIsoDate(-1), std::nullopt);
  EXPECT_EQ(IsoDateToExcelSerial("2026-11-31"), std::nullopt);
}

TEST(LayoutTest, LinksNeedAKnownKind) {
  const Table t = MakeTable({LinkHeaders(true),
                             {"顧客名簿", "機器", "PC-05"},
                             {"顧客名簿", "外部サービス", "kintone"},
                             {"顧客名簿", "機器", "PC-05"},
                             {"顧客名簿", "倉庫", "B棟"}});
  std::vector<ImportError> errors;
  const auto links = ParseLinkTable(t, &errors);
  ASSERT_EQ(links.size(), 2u);
  EXPECT_EQ(links[1].link.kind, LinkKind::kService);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].row, 5);
  EXPECT_EQ(errors[0].column, "種別");
}

// The status column: blank and 使用中 are in service, 廃棄済 retired,
// anything else an error naming the column; on the retired sheet a row that
// says in service is an error.
TEST(LayoutTest, StatusColumnGivesTheListedState) {
  std::vector<std::string> headers = AssetHeaders(true);
  headers.push_back("状態");
  auto row = [](std::string name, std::string status) {
    std::vector<std::string> r = Row(std::move(name), "事務所PC", "1");
    r.push_back(std::move(status));
    return r;
  };
  std::vector<ImportError> errors;
  std::vector<std::string> warnings;
  auto parsed = ParseAssetTable(
      MakeTable({headers, row("A", ""), row("B", "使用中"), row("C", "廃棄済"),
                 row("D", "Retired"), row("E", "捨てた")}),
      "2026-11-23", &errors, &warnings);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].row, 6);
  EXPECT_EQ(errors[0].column, "状態");
  ASSERT_EQ(parsed.size(), 4u);
  EXPECT_FALSE(parsed[0].listed_retired);
  EXPECT_FALSE(parsed[1].listed_retired);
  EXPECT_TRUE(parsed[2].listed_retired);
  EXPECT_TRUE(parsed[3].listed_retired);

  errors.clear();
  parsed =
      ParseAssetTable(MakeTable({headers, row("A", ""), row("B", "使用中")}),
                      "2026-11-23", &errors, &warnings, true);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].row, 3);
  ASSERT_EQ(parsed.size(), 1u);
  EXPECT_TRUE(parsed[0].listed_retired);  // the sheet says so
}

TEST(LayoutTest, RetirementIsCheckedBeforeItIsStored) {
  std::string field;
  AssetRetirement r{"2026-12-07", "returned to the lessor", "yamada"};
  EXPECT_EQ(RetirementProblem(r, "2026-12-07", &field), "");
  r.retired_on = "2026-12-08";  // Japan is ahead of UTC: allowed
  EXPECT_EQ(RetirementProblem(r, "2026-12-07", &field), "");
  r.retired_on = "2026-12-09";
  EXPECT_NE(RetirementProblem(r, "2026-12-07", &field), "");
  EXPECT_EQ(field, "retired_on");
  for (const char* bad : {"2026-02-30", "07/12/2026", "", "yesterday"}) {
    r.retired_on = bad;
    EXPECT_NE(RetirementProblem(r, "2026-12-07", &field), "") << bad;
    EXPECT_EQ(field, "retired_on");
  }
  r.retired_on = "2026-01-31";
  for (std::string bad : {std::string("  "), std::string("\xff\xfe"),
                          std::string(kMaxNoteText + 1, 'x')}) {
    r.reason = bad;
    EXPECT_NE(RetirementProblem(r, "2026-12-07", &field), "");
    EXPECT_EQ(field, "reason");
  }
}

TEST(LayoutTest, AnImportNeverChangesTheRetiredState) {
  ParsedAsset row;
  row.asset.name = "PC-05 の顧客名簿";
  InformationAsset stored = row.asset;
  EXPECT_EQ(ImportedStateProblem(row, &stored), "");
  EXPECT_EQ(ImportedStateProblem(row, nullptr), "");
  row.listed_retired = true;
  EXPECT_NE(ImportedStateProblem(row, nullptr).find("does not create"),
            std::string::npos);
  EXPECT_NE(ImportedStateProblem(row, &stored).find("does not retire"),
            std::string::npos);
  stored.retired = AssetRetirement{"2026-12-01", "deleted", "yamada"};
  EXPECT_EQ(ImportedStateProblem(row, &stored), "");
  row.listed_retired = false;
  EXPECT_NE(ImportedStateProblem(row, &stored).find("does not restore"),
            std::string::npos);
}

}  // namespace
}  // namespace mamori::asset_register
