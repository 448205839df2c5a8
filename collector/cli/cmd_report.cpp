#include "collector/cli/cmd_report.h"

#include <filesystem>

#include "collector/cli/cli_common.h"
#include "collector/cli/cmd_grade.h"
#include "collector/cli/scheduled_reports.h"
#include "collector/report/followup.h"
#include "collector/report/mailer.h"
#include "collector/report/org_report.h"
#include "collector/report/report.h"
#include "collector/report/report_messages.h"
#include "collector/store/open_store.h"
#include "common/sha256.h"
#include "common/text.h"

namespace mamori::collector_cli {

namespace {
namespace po = boost::program_options;

struct OrgReportStore {
  int64_t org_id = 0;
  std::unique_ptr<store::ReportStore> store;
};

// The organisation's id and the report store of DATA_DIR. NOT_FOUND for an
// unknown organisation or a missing database.
Result<OrgReportStore> OpenOrgReportStore(const std::string& data_dir,
                                          const std::string& store_url,
                                          const std::string& org) {
  const DataPaths paths = DataPaths::For(data_dir, store_url);
  auto core = OpenStore(paths, SystemClock::Instance());
  if (!core.ok()) return core.status();
  Result<store::Organization> found = (*core)->FindOrg(org);
  if (!found.ok()) return found.status();
  auto items = store::OpenReportStore(paths.store_url);
  if (!items.ok()) return items.status();
  return OrgReportStore{found->id, std::move(*items)};
}

int Schedule(const std::vector<std::string>& args, std::ostream& out,
             std::ostream& err) {
  constexpr std::string_view kCommand = "report schedule";
  po::options_description options("Options");
  std::string data_dir, org, every, to, lang, actor;
  options.add_options()(
      "data", po::value(&data_dir)->default_value(kDefaultDataDir),
      "data directory")("org", po::value(&org), "organisation (required)")(
      "every", po::value(&every)->default_value("30d"),
      "interval (e.g. 30d, 2w)")("to", po::value(&to),
                                 "recipients, comma-separated (optional)")(
      "lang", po::value(&lang)->default_value("ja"), "ja or en")(
      "actor", po::value(&actor)->default_value(DefaultActor()),
      "who sets the schedule");
  std::string store_url;
  AddStoreFlag(options, &store_url);
  po::variables_map vm;
  if (std::optional<int> exit =
          ParseFlags(kCommand, "--org NAME [--every 30d] [--to a@example.jp,…]",
                     options, {}, args, vm, out, err)) {
    return *exit;
  }
  if (org.empty()) return UsageError(kCommand, "--org is required", err);
  auto interval = ParseDuration(every);
  if (!interval) {
    return UsageError(kCommand,
                      "--every: expected e.g. 30d, got '" + every + "'", err);
  }
  if (lang != "ja" && lang != "en") {
    return UsageError(kCommand, "--lang: expected ja or en", err);
  }
  store::ReportSchedule schedule;
  for (std::string_view r : Split(to, ',')) {
    r = Trim(r);
    if (r.empty()) continue;
    if (r.find('@') == std::string_view::npos ||
        r.find_first_of(" \t\r\n,<>") != std::string_view::npos) {
      return UsageError(
          kCommand, "--to: not a mail address: '" + std::string(r) + "'", err);
    }
    schedule.recipients.emplace_back(r);
  }
  auto opened = OpenOrgReportStore(data_dir, store_url, org);
  if (!opened.ok()) return Failure(kCommand, opened.status(), err);
  const int64_t now = ToUnixSeconds(SystemClock::Instance().Now());
  schedule.org_id = opened->org_id;
  schedule.interval_seconds = interval->count();
  schedule.lang = lang;
  schedule.next_due = now;  // the first report at the next run-due
  if (Status s = opened->store->SetReportSchedule(schedule, actor, now);
      !s.ok()) {
    return Failure(kCommand, s, err);
  }
  out << "scheduled / 定期報告を設定しました: " << org << " every " << every
      << (schedule.recipients.empty() ? "" : ", mailed to " + to) << "\n";
  return kExitOk;
}

int RunDue(const std::vector<std::string>& args, std::ostream& out,
           std::ostream& err) {
  constexpr std::string_view kCommand = "report run-due";
  po::options_description options("Options");
  std::string data_dir, policies, password_file;
  report::SmtpSettings smtp;
  options.add_options()("data",
                        po::value(&data_dir)->default_value(kDefaultDataDir),
                        "data directory")("policies", po::value(&policies),
                                          "directory of custom policy files");
  AddSmtpFlags(options, &smtp, &password_file);
  std::string store_url;
  AddStoreFlag(options, &store_url);
  po::variables_map vm;
  if (std::optional<int> exit =
          ParseFlags(kCommand, "[--smtp-host HOST --smtp-from ADDRESS …]",
                     options, {}, args, vm, out, err)) {
    return *exit;
  }
  if (Status s = LoadSmtpPassword(password_file, &smtp); !s.ok()) {
    return Failure(kCommand, s, err);
  }
  const DataPaths paths = DataPaths::For(data_dir, store_url);
  auto service = OpenGradingService(data_dir, policies, store_url);
  if (!service.ok()) return Failure(kCommand, service.status(), err);
  auto items = store::OpenReportStore(paths.store_url);
  if (!items.ok()) return Failure(kCommand, items.status(), err);
  auto runs =
      RunDueReports(**service, **items, paths.root, smtp,
                    SystemClock::Instance().Now(), ReportClaimOwner("run-due"));
  if (!runs.ok()) return Failure(kCommand, runs.status(), err);
  int failures = 0;
  for (const DueRun& r : *runs) {
    if (r.run.mail_status == "failed") ++failures;
    out << r.org << ": " << (r.run.path.empty() ? "-" : r.run.path) << " ["
        << r.run.mail_status << "]"
        << (r.run.mail_error.empty() ? "" : " " + r.run.mail_error) << "\n";
  }
  if (runs->empty()) out << "nothing due / 対象なし\n";
  return failures ? kExitFailure : kExitOk;
}

int Runs(const std::vector<std::string>& args, std::ostream& out,
         std::ostream& err) {
  constexpr std::string_view kCommand = "report runs";
  po::options_description options("Options");
  std::string data_dir, org;
  options.add_options()(
      "data", po::value(&data_dir)->default_value(kDefaultDataDir),
      "data directory")("org", po::value(&org), "organisation (required)");
  std::string store_url;
  AddStoreFlag(options, &store_url);
  po::variables_map vm;
  if (std::optional<int> exit =
          ParseFlags(kCommand, "--org NAME", options, {}, args, vm, out, err)) {
    return *exit;
  }
  if (org.empty()) return UsageError(kCommand, "--org is required", err);
  auto opened = OpenOrgReportStore(data_dir, store_url, org);
  if (!opened.ok()) return Failure(kCommand, opened.status(), err);
  auto runs = opened->store->ReportRuns(opened->org_id);
  if (!runs.ok()) return Failure(kCommand, runs.status(), err);
  for (const auto& r : *runs) {
    out << FormatTime(FromUnixSeconds(r.generated_at)) << "  "
        << Column(r.mail_status, 8) << (r.path.empty() ? "-" : r.path)
        << (r.mail_error.empty() ? "" : "  " + r.mail_error) << "\n";
  }
  return kExitOk;
}

}  // namespace

int RunReport(const std::vector<std::string>& args, std::ostream& out,
              std::ostream& err) {
  if (!args.empty()) {
    const std::vector<std::string> rest(args.begin() + 1, args.end());
    if (args[0] == "schedule") return Schedule(rest, out, err);
    if (args[0] == "run-due") return RunDue(rest, out, err);
    if (args[0] == "runs") return Runs(rest, out, err);
  }
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
  std::string store_url;
  AddStoreFlag(options, &store_url);
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
  auto service = OpenGradingService(data_dir, policies, store_url);
  if (!service.ok()) return Failure(kCommand, service.status(), err);
  auto items =
      store::OpenReportStore(DataPaths::For(data_dir, store_url).store_url);
  if (!items.ok()) return Failure(kCommand, items.status(), err);
  auto model =
      report::LoadReportModel(**service, **items, org, /*evaluate=*/true);
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

int RunImprovements(const std::vector<std::string>& args, std::ostream& out,
                    std::ostream& err) {
  constexpr std::string_view kCommand = "improvements";
  if (args.empty() || (args[0] != "list" && args[0] != "set")) {
    return UsageError(kCommand,
                      "expected `improvements list …` or `improvements set …`",
                      err);
  }
  const bool set = args[0] == "set";
  po::options_description options("Options");
  std::string data_dir, org, status, owner, due, actor, lang;
  int64_t id = 0;
  options.add_options()(
      "data", po::value(&data_dir)->default_value(kDefaultDataDir),
      "data directory")("org", po::value(&org), "organisation (required)")(
      "lang", po::value(&lang)->default_value("ja"), "ja or en (list)")(
      "id", po::value(&id), "item id (set)")("status", po::value(&status),
                                             "open, in_progress or done (set)")(
      "owner", po::value(&owner), "who is responsible (set)")(
      "due", po::value(&due), "due date YYYY-MM-DD, or '' to clear (set)")(
      "actor", po::value(&actor)->default_value(DefaultActor()),
      "who makes the change (audit)");
  std::string store_url;
  AddStoreFlag(options, &store_url);
  po::variables_map vm;
  const std::vector<std::string> rest(args.begin() + 1, args.end());
  if (std::optional<int> exit = ParseFlags(
          kCommand,
          set ? "set --org NAME --id N [--status S] [--owner TEXT] [--due "
                "YYYY-MM-DD]"
              : "list --org NAME",
          options, {}, rest, vm, out, err)) {
    return *exit;
  }
  if (org.empty()) return UsageError(kCommand, "--org is required", err);
  auto opened = OpenOrgReportStore(data_dir, store_url, org);
  if (!opened.ok()) return Failure(kCommand, opened.status(), err);
  if (!set) {
    auto list = opened->store->ImprovementItems(opened->org_id);
    if (!list.ok()) return Failure(kCommand, list.status(), err);
    for (const auto& i : *list) {
      out << i.id << "  " << Column(report::ValueText(i.status, lang), 12)
          << Column(i.key, 48) << Column(i.owner.empty() ? "-" : i.owner, 16)
          << (i.due.empty() ? "-" : i.due)
          << (i.in_plan ? ""
                        : (lang == "ja" ? "  (計画外)" : "  (not in plan)"))
          << "\n";
    }
    return kExitOk;
  }
  if (id <= 0) return UsageError(kCommand, "--id is required", err);
  std::vector<store::ItemChange> changes;
  if (vm.count("status")) changes.push_back({"status", status});
  if (vm.count("owner")) {
    changes.push_back(
        {"owner", report::CleanText(owner, report::kMaxOwnerBytes)});
  }
  if (vm.count("due")) changes.push_back({"due", due});
  // The same rules the console applies; the message names the field.
  if (Status valid = report::ValidateItemChanges(changes); !valid.ok()) {
    return UsageError(kCommand, "--" + valid.message(), err);
  }
  if (changes.empty()) {
    return UsageError(kCommand, "nothing to change (--status/--owner/--due)",
                      err);
  }
  if (Status s = opened->store->UpdateImprovementItem(
          opened->org_id, id, changes, report::CleanText(actor, 80),
          ToUnixSeconds(SystemClock::Instance().Now()));
      !s.ok()) {
    return Failure(kCommand, s, err);
  }
  out << "item " << id << " updated / 更新しました\n";
  return kExitOk;
}

}  // namespace mamori::collector_cli
