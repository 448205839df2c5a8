#pragma once

// The diagnosis report's public API (#15), for the CLI, the scheduler and
// the console: build the model once (report_model.h), then render it.
//
//   auto model = report::BuildReportModel(grade_report, questionnaires,
//                                         history, tracked_items);
//   std::string html = report::RenderReportHtml(model, "ja");
//   Result<std::string> pdf = report::RenderReportPdf(model, "ja");
//
// Both renderers are pure functions of (model, lang) and thread-safe; the
// same model gives the same bytes (the PDF carries no creation time unless
// the model's generated_at says so).

#include <string>

#include "collector/report/report_model.h"
#include "common/status.h"

namespace mamori::report {

// Most findings listed per rule in a report; the rest are counted ("and N
// more") and are all in the evidence pack's CSV.
inline constexpr size_t kMaxFindingsPerRule = 40;

// A4 print-ready HTML (one self-contained file: inline CSS and SVG, no
// script, a Content-Security-Policy that forbids loading anything). Every
// value is HTML-escaped by the template engine. `lang` is "ja" or "en".
std::string RenderReportHtml(const ReportModel& model, const std::string& lang);

// A4 PDF drawn with cairo and pango, the Japanese font (IPAexGothic)
// embedded as a subset. Errors: INTERNAL naming the cairo status when
// drawing fails, FAILED_PRECONDITION when no Japanese font is installed.
Result<std::string> RenderReportPdf(const ReportModel& model,
                                    const std::string& lang);

// Radar geometry shared by both renderers: the point of axis `i` of `n`
// (first axis straight up, clockwise) at `fraction` (0–1) of `radius`
// around (cx, cy).
struct Point {
  double x = 0;
  double y = 0;
};
Point RadarPoint(size_t i, size_t n, double fraction, double cx, double cy,
                 double radius);
// A=4 … D=1 as a fraction of 4; 0 for anything else.
double GradeFraction(const std::string& grade);

// The first `max` host names joined with ", ", then "and N more"; "-" for
// none. Both renderers list a plan item's endpoints this way.
std::string HostList(const std::vector<std::string>& hostnames, size_t max,
                     const std::string& lang);

// "{n}"-style placeholders of a catalogue message replaced.
std::string Fill(std::string text,
                 const std::vector<std::pair<std::string, std::string>>& vars);

}  // namespace mamori::report
