#include "collector/cli/cmd_grade.h"

#include <gtest/gtest.h>

namespace mamori::collector_cli {
namespace {

// The discrepancy list names its subjects in words: an IPA item by its
// number and title, a rule by its name; an id the questionnaire does not
// know is kept as it is rather than dropped.
TEST(GradeText, DiscrepanciesNameTheirSubjectInWords) {
  policy::Questionnaires q;
  policy::IpaItem item;
  item.number = 1;
  item.title = {
      "パソコンやスマホなど情報機器の OS "
      "やソフトウェアは常に最新の状態にしていますか？",
      "Are the OS and software of PCs and phones always up to date?"};
  q.ipa.items.push_back(item);
  policy::GradeReport r;
  r.org = "example";
  grading::Discrepancy ipa;
  ipa.subject = "ipa:1";
  ipa.answer = "done";
  grading::Discrepancy unknown;
  unknown.subject = "ipa:99";
  unknown.answer = "done";
  r.discrepancies = {ipa, unknown};

  const std::string en = RenderGradeText(r, q, "en");
  EXPECT_NE(en.find("  IPA self-check 1: Are the OS and software"),
            std::string::npos)
      << en;
  EXPECT_EQ(en.find("ipa:1:"), std::string::npos) << en;
  EXPECT_NE(en.find("  ipa:99: "), std::string::npos) << en;
  const std::string ja = RenderGradeText(r, q, "ja");
  EXPECT_NE(ja.find("  IPA 自社診断 1: パソコンやスマホ"), std::string::npos)
      << ja;
}

}  // namespace
}  // namespace mamori::collector_cli
