#include <gtest/gtest.h>

#include <fstream>
#include <iterator>

#include "collector/report/report.h"
#include "collector/report/report_fixture.h"

namespace mamori::report {
namespace {

const TimePoint kNow = FromUnixSeconds(1795132800);

TEST(RenderHtmlTest, JapaneseReportHasEverySection) {
  auto f = MakeFixture("株式会社テスト", 12, kNow);
  const std::string html = RenderReportHtml(
      BuildReportModel(f->report, f->questionnaires, {}, {}), "ja");
  EXPECT_EQ(html.find("template error"), std::string::npos);
  EXPECT_NE(html.find("<html lang=\"ja\">"), std::string::npos);
  EXPECT_NE(html.find("株式会社テスト"), std::string::npos);
  for (const char* label :
       {"作成", "確認", "承認", "規定有無", "浸透状況", "管理方法",
        "技術的対策", "全業種平均", "67.67", "改善計画", "PC-000",
        "definitions_age_hours=100", "@page { size: A4"}) {
    EXPECT_NE(html.find(label), std::string::npos) << label;
  }
  for (const char* rule :
       {"基本方針・対策基準", "ソフトウェア最新化", "ウイルス対策ソフトウェア",
        "パスワード", "電子メール", "無線", "WEB", "物理", "記録媒体",
        "守秘義務"}) {
    EXPECT_NE(html.find(rule), std::string::npos) << rule;
  }
  EXPECT_NE(html.find("<polygon points=\""), std::string::npos);
}

TEST(RenderHtmlTest, EnglishLabels) {
  auto f = MakeFixture("Acme Ltd", 3, kNow);
  const std::string html = RenderReportHtml(
      BuildReportModel(f->report, f->questionnaires, {}, {}), "en");
  for (const char* label :
       {"Prepared", "Checked", "Approved", "Written", "Spread", "Managed",
        "Technical measure", "Improvement plan", "Antivirus"}) {
    EXPECT_NE(html.find(label), std::string::npos) << label;
  }
}

TEST(RenderHtmlTest, HostileNamesAreInert) {
  auto f = MakeFixture("<script>alert('org')</script>&", 8, kNow, true, true);
  const std::string html = RenderReportHtml(
      BuildReportModel(f->report, f->questionnaires, {}, {}), "en");
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_NE(
      html.find("&lt;script&gt;alert(&apos;org&apos;)&lt;/script&gt;&amp;"),
      std::string::npos);
  EXPECT_EQ(html.find('\x1b'), std::string::npos);
  EXPECT_EQ(html.find('\x07'), std::string::npos);
}

TEST(RenderHtmlTest, EmptyOrganisationIsComplete) {
  auto f = MakeFixture("empty", 0, kNow, false);
  const std::string html = RenderReportHtml(
      BuildReportModel(f->report, f->questionnaires, {}, {}), "ja");
  EXPECT_NE(html.find("登録された端末がありません"), std::string::npos);
  EXPECT_NE(html.find("一次診断は未回答です"), std::string::npos);
  EXPECT_NE(html.find("</html>"), std::string::npos);
}

TEST(RenderHtmlTest, TemplateNeverUsesUnescapedValues) {
  std::ifstream in("collector/report/templates/report.html.mustache");
  ASSERT_TRUE(in) << "run from the source tree";
  const std::string text((std::istreambuf_iterator<char>(in)), {});
  EXPECT_EQ(text.find("{{{"), std::string::npos);
  EXPECT_EQ(text.find("{{&"), std::string::npos);
  EXPECT_EQ(text.find("<script"), std::string::npos);
}

}  // namespace
}  // namespace mamori::report
