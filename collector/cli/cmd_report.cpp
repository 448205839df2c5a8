#include "collector/cli/cmd_report.h"

#include "collector/cli/cli_common.h"
#include "collector/cli/cmd_grade.h"
#include "collector/report/report.h"

namespace mamori::collector_cli {

namespace {
namespace po = boost::program_options;

// Snapshots kept in a report's trend.
constexpr int kTrendSnapshots = 500;
}  // namespace

Result<report::ReportModel> LoadReportModel(policy::GradingService& service,
                                            const std::string& org,
                                            bool evaluate) {
  auto r = evaluate ? service.Evaluate(org) : service.Report(org);
  if (!r.ok()) return r.status();
  auto org_id = service.store().OrgId(org);
  if (!org_id.ok()) return org_id.status();
  auto history = service.store().GradeHistory(*org_id, kTrendSnapshots);
  if (!history.ok()) return history.status();
  return report::BuildReportModel(*r, service.questionnaires(), *history, {});
}

int RunReport(const std::vector<std::string>& args, std::ostream& out,
              std::ostream& err) {
  constexpr std::string_view kCommand = "report";
  po::options_description options("Options");
  std::string data_dir, org, format, lang, out_path, policies;
  options.add_options()(
      "data", po::value(&data_dir)->default_value(kDefaultDataDir),
      "data directory")("org", po::value(&org), "organisation (required)")(
      "format", po::value(&format)->default_value("pdf"), "pdf or html")(
      "lang", po::value(&lang)->default_value("ja"), "ja or en")(
      "out", po::value(&out_path), "output file (required)")(
      "policies", po::value(&policies),
      "directory of custom policy files (default DIR/policies)");
  po::variables_map vm;
  if (std::optional<int> exit = ParseFlags(
          kCommand, "--org NAME --out FILE [--format pdf|html] [--lang ja|en]",
          options, {}, args, vm, out, err)) {
    return *exit;
  }
  if (org.empty()) return UsageError(kCommand, "--org is required", err);
  if (out_path.empty()) return UsageError(kCommand, "--out is required", err);
  if (format != "pdf" && format != "html") {
    return UsageError(
        kCommand, "--format: expected pdf or html, got '" + format + "'", err);
  }
  if (lang != "ja" && lang != "en") {
    return UsageError(kCommand, "--lang: expected ja or en, got '" + lang + "'",
                      err);
  }
  auto service = OpenGradingService(data_dir, policies);
  if (!service.ok()) return Failure(kCommand, service.status(), err);
  auto model = LoadReportModel(**service, org, /*evaluate=*/true);
  if (!model.ok()) return Failure(kCommand, model.status(), err);
  std::string content;
  if (format == "html") {
    content = report::RenderReportHtml(*model, lang);
  } else {
    auto pdf = report::RenderReportPdf(*model, lang);
    if (!pdf.ok()) return Failure(kCommand, pdf.status(), err);
    content = std::move(*pdf);
  }
  if (Status s = WriteFileAtomic(out_path, content, 0640); !s.ok()) {
    return Failure(kCommand, s, err);
  }
  out << (lang == "ja" ? "報告書を書き出しました: " : "report written: ")
      << out_path << "\n";
  return kExitOk;
}

}  // namespace mamori::collector_cli
