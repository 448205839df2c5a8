// report_bench (#15): the diagnosis report and the evidence pack at size.
//
//   report_bench pdf HOSTS        model + PDF + HTML for one organisation of
//                                 HOSTS endpoints (report_fixture.h: the
//                                 built-in checks graded by the real engine),
//                                 5 runs each; prints the median times.
//   report_bench pack HOSTS OUT   streams the evidence pack of HOSTS
//                                 endpoints (results of every built-in check
//                                 plus a ~4 KiB facts snapshot per host) to
//                                 OUT; prints the time and the peak RSS
//                                 (getrusage) before and after.
//
// bench/report_bench.sh runs both and `zip -r` of the same files as the peer.
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "collector/report/evidence_pack.h"
#include "collector/report/report.h"
#include "collector/report/report_fixture.h"

namespace {

using namespace mamori;
using Clock = std::chrono::steady_clock;

double Ms(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double, std::milli>(b - a).count();
}

long PeakRssKib() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_maxrss;
}

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

const TimePoint kNow = FromUnixSeconds(1795132800);

int Pdf(int hosts) {
  auto f = report::MakeFixture("株式会社ベンチ", hosts, kNow);
  std::vector<double> model_ms, pdf_ms, html_ms;
  size_t pdf_bytes = 0;
  for (int run = 0; run < 5; ++run) {
    const auto t0 = Clock::now();
    auto model = report::BuildReportModel(f->report, f->questionnaires, {}, {});
    const auto t1 = Clock::now();
    auto pdf = report::RenderReportPdf(model, "ja");
    const auto t2 = Clock::now();
    auto html = report::RenderReportHtml(model, "ja");
    const auto t3 = Clock::now();
    if (!pdf.ok()) {
      std::fprintf(stderr, "%s\n", pdf.status().ToString().c_str());
      return 1;
    }
    pdf_bytes = pdf->size();
    model_ms.push_back(Ms(t0, t1));
    pdf_ms.push_back(Ms(t1, t2));
    html_ms.push_back(Ms(t2, t3));
  }
  std::printf(
      "pdf hosts=%d model_ms=%.1f pdf_ms=%.1f html_ms=%.1f pdf_bytes=%zu "
      "peak_rss_kib=%ld\n",
      hosts, Median(model_ms), Median(pdf_ms), Median(html_ms), pdf_bytes,
      PeakRssKib());
  return 0;
}

int Pack(int hosts, const std::string& out_path) {
  const long idle = PeakRssKib();
  auto f = report::MakeFixture("株式会社ベンチ", hosts, kNow);
  const long with_results = PeakRssKib();
  // A facts snapshot of realistic size (~4 KiB of JSON) per host.
  std::string payload = R"({"packages":[)";
  for (int i = 0; i < 60; ++i) {
    if (i) payload += ",";
    payload += R"({"name":"package-)" + std::to_string(i) +
               R"(","version":"1.2.)" + std::to_string(i) + R"(-1"})";
  }
  payload += "]}";
  auto key = pki::CreateSigningKey(out_path + ".key");
  if (!key.ok()) {
    std::fprintf(stderr, "%s\n", key.status().ToString().c_str());
    return 1;
  }
  report::PackSources s;
  s.as_of = kNow;
  s.report = &f->report;
  s.report_pdf = "%PDF-1.5 (the report PDF is measured by `pdf`)\n";
  s.for_each_host_facts =
      [&](const std::function<Status(const store::HostFacts&)>& fn) {
        for (const auto& h : f->report.hosts) {
          store::HostFacts facts;
          facts.host_id = h.host_id;
          facts.hostname = h.hostname;
          for (const char* family : {"system", "antivirus", "packages"}) {
            facts.families.push_back(
                {family, "STATUS_OK", 1795000000, payload, "sha"});
          }
          MAMORI_RETURN_IF_ERROR(fn(facts));
        }
        return Status::Ok();
      };
  std::FILE* out = std::fopen(out_path.c_str(), "wb");
  if (!out) return 1;
  const auto t0 = Clock::now();
  Status st = report::WriteEvidencePack(s, *key, [&](std::string_view b) {
    return std::fwrite(b.data(), 1, b.size(), out) == b.size()
               ? Status::Ok()
               : InternalError("write");
  });
  std::fclose(out);
  const auto t1 = Clock::now();
  std::remove((out_path + ".key").c_str());
  if (!st.ok()) {
    std::fprintf(stderr, "%s\n", st.ToString().c_str());
    return 1;
  }
  std::printf(
      "pack hosts=%d results=%zu pack_ms=%.0f idle_rss_kib=%ld "
      "results_rss_kib=%ld peak_rss_kib=%ld\n",
      hosts, f->report.results.size(), Ms(t0, t1), idle, with_results,
      PeakRssKib());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string mode = argc > 1 ? argv[1] : "";
  const int hosts = argc > 2 ? std::atoi(argv[2]) : 300;
  if (mode == "pdf") return Pdf(hosts);
  if (mode == "pack" && argc > 3) return Pack(hosts, argv[3]);
  std::fprintf(stderr, "usage: report_bench pdf HOSTS | pack HOSTS OUT.zip\n");
  return 2;
}
