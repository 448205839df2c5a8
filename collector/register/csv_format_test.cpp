#include "collector/register/csv_format.h"

#include <gtest/gtest.h>

namespace mamori::asset_register {
namespace {

TEST(CsvTest, NeutralisesFormulaStarts) {
  EXPECT_EQ(NeutraliseCell("=HYPERLINK(\"http://x\",\"y\")"),
            "'=HYPERLINK(\"http://x\",\"y\")");
  EXPECT_EQ(NeutraliseCell("+cmd"), "'+cmd");
  EXPECT_EQ(NeutraliseCell("-2+3"), "'-2+3");
  EXPECT_EQ(NeutraliseCell("@SUM(A1)"), "'@SUM(A1)");
  EXPECT_EQ(NeutraliseCell("\tx"), "'\tx");
  EXPECT_EQ(NeutraliseCell("\rx"), "'\rx");
  EXPECT_EQ(NeutraliseCell("'quoted"), "''quoted");
  EXPECT_EQ(NeutraliseCell("顧客=名簿"), "顧客=名簿");
  EXPECT_EQ(NeutraliseCell(""), "");
  for (std::string_view s : {"=1+1", "'x", "''", "plain", "-", "@"}) {
    EXPECT_EQ(RestoreCell(NeutraliseCell(s)), s);
  }
}

TEST(CsvTest, EncodesWithBomCrlfAndQuoting) {
  const std::string csv =
      EncodeCsv({{"a", "b,c", "say \"hi\""}, {"line\nbreak", "=1+1", ""}});
  EXPECT_EQ(csv,
            "\xEF\xBB\xBF"
            "a,\"b,c\",\"say \"\"hi\"\"\"\r\n"
            "\"line\nbreak\",'=1+1,\r\n");
}

TEST(CsvTest, DecodeReversesEncode) {
  const std::vector<std::vector<std::string>> rows = {
      {"業務分類", "情報資産名称", "備考"},
      {"営業", "顧客名簿, 2026年", "=HYPERLINK(\"http://evil\")"},
      {" spaced ", "multi\r\nline", "'apostrophe"},
      {"", "-2+3", "@SUM(A1)"}};
  auto table = DecodeCsv(EncodeCsv(rows), "CSV");
  ASSERT_TRUE(table.ok()) << table.status().ToString();
  ASSERT_EQ(table->rows.size(), rows.size());
  for (size_t r = 0; r < rows.size(); ++r) {
    ASSERT_EQ(table->rows[r].size(), rows[r].size()) << r;
    EXPECT_EQ(table->row_numbers[r], static_cast<int64_t>(r + 1));
    for (size_t c = 0; c < rows[r].size(); ++c) {
      EXPECT_EQ(table->rows[r][c].text, rows[r][c]) << r << "," << c;
    }
  }
}

TEST(CsvTest, MalformedQuotingNamesTheRecord) {
  auto table = DecodeCsv("a,b\r\nc,\"d\r\n", "CSV");
  ASSERT_FALSE(table.ok());
  EXPECT_EQ(table.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(table.status().message().find("record 2"), std::string::npos);

  auto stray = DecodeCsv("a,b\r\nc,d\"e\"f\r\n", "CSV");
  EXPECT_FALSE(stray.ok());
}

TEST(CsvTest, InvalidUtf8NamesTheLine) {
  auto table = DecodeCsv("a,b\r\n\x82\xa0,c\r\n", "CSV");  // Shift_JIS bytes
  ASSERT_FALSE(table.ok());
  EXPECT_NE(table.status().message().find("line 2"), std::string::npos);
}

TEST(CsvTest, AssetsToCsvUsesIpaOrder) {
  InformationAsset a;
  a.name = "顧客名簿";
  a.medium = Medium::kOfficePc;
  a.personal = true;
  a.registered_on = "2026-11-23";
  const std::string csv = AssetsToCsv({a}, true);
  EXPECT_EQ(csv.substr(0, 3), "\xEF\xBB\xBF");
  EXPECT_NE(
      csv.find("業務分類,情報資産名称,備考,利用者範囲,管理部署,媒体・保存先,"
               "個人情報,要配慮個人情報,特定個人情報,機密性,完全性,可用性,"
               "重要度,保存期限,登録日,状態,廃棄日,廃棄理由,廃棄者\r\n"),
      std::string::npos);
  EXPECT_NE(csv.find(",顧客名簿,,,,事務所PC,有,無,無,1,1,1,3,,2026-11-23,"
                     "使用中,,,\r\n"),
            std::string::npos);
}

// A retired asset is written with its status, date, reason and who; the
// hostile reason is neutralised like any cell, and reading the file back
// gives the state (the details are the register's, not the file's).
TEST(CsvTest, RetiredAssetsRoundTripWithTheirStatus) {
  InformationAsset kept;
  kept.name = "顧客名簿";
  kept.registered_on = "2026-11-23";
  InformationAsset gone = kept;
  gone.name = "USB-07";
  gone.medium = Medium::kRemovableMedia;
  gone.retired =
      AssetRetirement{"2026-12-01", "=HYPERLINK(\"http://x\")", "yamada"};
  const std::string csv = AssetsToCsv({kept, gone}, false);
  EXPECT_NE(csv.find(",Status,Retired on,Retirement reason,Retired by\r\n"),
            std::string::npos);
  EXPECT_NE(csv.find(",retired,2026-12-01,\"'=HYPERLINK(\"\"http://x\"\")\","
                     "yamada\r\n"),
            std::string::npos)
      << csv;
  auto table = DecodeCsv(csv, "CSV");
  ASSERT_TRUE(table.ok()) << table.status().ToString();
  std::vector<ImportError> errors;
  std::vector<std::string> warnings;
  auto rows = ParseAssetTable(*table, "2000-01-01", &errors, &warnings);
  ASSERT_TRUE(errors.empty()) << errors[0].ToString();
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_FALSE(rows[0].listed_retired);
  EXPECT_TRUE(rows[1].listed_retired);
  EXPECT_EQ(rows[1].column, "Status");
  gone.retired.reset();
  EXPECT_EQ(rows[1].asset, gone);
}

}  // namespace
}  // namespace mamori::asset_register
