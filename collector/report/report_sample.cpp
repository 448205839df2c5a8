// mamori_report_sample OUT_DIR [HOSTS]: writes the fixture organisation's
// report (report_fixture.h) as report_{ja,en}.{pdf,html}, plus
// hostile_en.pdf (hostile names) and empty_ja.pdf (no hosts, no answers),
// for tests/report_pdf_test.sh and for looking at the layout.
#include <cstdio>
#include <fstream>
#include <iostream>
#include <string>

#include "collector/report/report.h"
#include "collector/report/report_fixture.h"

namespace {

bool Write(const std::string& path, const std::string& content) {
  std::ofstream f(path, std::ios::binary);
  f << content;
  return static_cast<bool>(f);
}

}  // namespace

int main(int argc, char** argv) {
  using namespace mamori;
  if (argc < 2) {
    std::cerr << "usage: mamori_report_sample OUT_DIR [HOSTS]\n";
    return 2;
  }
  const std::string dir = argv[1];
  const int hosts = argc > 2 ? std::atoi(argv[2]) : 12;
  // 2026-11-20T00:00:00Z
  const TimePoint now = FromUnixSeconds(1795132800);
  std::vector<store::GradeSnapshot> history = {
      {now, "v", "C",
       R"({"basic_policy":"A","software_updates":"B","antivirus":"B",)"
       R"("passwords":"D","email":"D","wifi":"D","web_browsing":"C",)"
       R"("physical_access":"D","removable_media":"C","confidentiality":"B"})"},
      {now - std::chrono::hours(24 * 30), "v", "D",
       R"({"basic_policy":"B","software_updates":"D","antivirus":"D",)"
       R"("passwords":"D","email":"D","wifi":"D","web_browsing":"D",)"
       R"("physical_access":"D","removable_media":"D","confidentiality":"C"})"}};
  struct Variant {
    std::string name;
    std::string org;
    int hosts;
    bool answers;
    bool hostile;
  };
  const Variant variants[] = {
      {"report", "株式会社みほん製作所", hosts, true, false},
      {"hostile", "<script>alert(1)</script>=SUM(A1)", 8, true, true},
      {"empty", "空っぽ商事", 0, false, false},
  };
  for (const auto& v : variants) {
    auto f = report::MakeFixture(v.org, v.hosts, now, v.answers, v.hostile);
    auto model = report::BuildReportModel(
        f->report, f->questionnaires,
        v.name == "report" ? history : std::vector<store::GradeSnapshot>{}, {});
    for (const std::string lang : {"ja", "en"}) {
      auto pdf = report::RenderReportPdf(model, lang);
      if (!pdf.ok()) {
        std::cerr << pdf.status().ToString() << "\n";
        return 1;
      }
      const std::string base = dir + "/" + v.name + "_" + lang;
      if (!Write(base + ".pdf", *pdf) ||
          !Write(base + ".html", report::RenderReportHtml(model, lang))) {
        std::cerr << "cannot write " << base << "\n";
        return 1;
      }
    }
  }
  return 0;
}
