#include "collector/cli/scheduled_reports.h"

#include <unistd.h>

#include <filesystem>

#include "collector/cli/cli_common.h"
#include "collector/pki/crypto.h"
#include "collector/report/org_report.h"
#include "collector/report/report.h"
#include "collector/report/report_messages.h"
#include "collector/store/open_store.h"
#include "common/log.h"
#include "common/sha256.h"
#include "common/text.h"

namespace mamori::collector_cli {

namespace po = boost::program_options;

std::string ReportClaimOwner(std::string_view role) {
  char host[256] = {};
  gethostname(host, sizeof(host) - 1);
  // The random part: a restarted process may reuse the pid.
  return std::string(role) + ":" + host + ":" + std::to_string(getpid()) + ":" +
         pki::RandomSecret(6);
}

Result<std::vector<DueRun>> RunDueReports(policy::GradingService& service,
                                          store::ReportStore& items,
                                          const std::string& data_root,
                                          const report::SmtpSettings& smtp,
                                          TimePoint now_tp,
                                          std::string_view owner) {
  const int64_t now = ToUnixSeconds(now_tp);
  auto due = items.ClaimDueReportSchedules(now, owner, kReportLease.count());
  if (!due.ok()) return due.status();
  std::vector<DueRun> done;
  for (const auto& s : *due) {
    int64_t next = s.next_due + s.interval_seconds;
    while (next <= now) next += s.interval_seconds;  // missed periods
    store::ReportRun run;
    run.generated_at = now;
    run.mail_status = "none";
    auto model = report::LoadReportModel(service, items, s.org, true);
    Result<std::string> pdf = model.ok()
                                  ? report::RenderReportPdf(*model, s.lang)
                                  : Result<std::string>(model.status());
    if (!pdf.ok()) {
      // The error is kept as the run's outcome; the schedule moves on.
      run.mail_status = "failed";
      run.mail_error = "report: " + pdf.status().message();
    } else {
      const std::string dir =
          data_root + "/reports/" + std::to_string(s.org_id);
      std::error_code ec;
      std::filesystem::create_directories(dir, ec);
      run.path = dir + "/report-" +
                 report::FormatUtc(now_tp, "%Y%m%dT%H%M%SZ") + "-" + s.lang +
                 ".pdf";
      run.sha256 = Sha256Hex(*pdf);
      if (Status w = WriteFileAtomic(run.path, *pdf, 0640); !w.ok()) {
        run.mail_status = "failed";
        run.mail_error = "write: " + w.message();
      } else if (!s.recipients.empty()) {
        Status sent =
            smtp.host.empty()
                ? InvalidArgumentError(
                      "no SMTP server configured (--smtp-host)")
                : report::SendMail(
                      smtp,
                      {s.recipients,
                       report::Msg("title", s.lang) + " — " + s.org,
                       report::Msg("mail_body", s.lang),
                       "report-" + report::FormatUtc(now_tp, "%Y%m%d") + ".pdf",
                       *pdf});
        run.mail_status = sent.ok() ? "sent" : "failed";
        if (!sent.ok()) run.mail_error = sent.message();
      }
    }
    if (Status r = items.RecordReportRun(s.org_id, run, next); !r.ok()) {
      return r;
    }
    done.push_back({s.org, std::move(run)});
  }
  return done;
}

void AddSmtpFlags(po::options_description& options, report::SmtpSettings* smtp,
                  std::string* password_file) {
  options.add_options()("smtp-host", po::value(&smtp->host),
                        "SMTP server (STARTTLS required)")(
      "smtp-port", po::value(&smtp->port)->default_value(587), "SMTP port")(
      "smtp-from", po::value(&smtp->from), "sender address")(
      "smtp-user", po::value(&smtp->user), "SMTP login (optional)")(
      "smtp-password-file", po::value(password_file),
      "file holding the SMTP password")(
      "smtp-ca", po::value(&smtp->ca_file),
      "PEM CA file for the server certificate (default: system CAs)");
}

Status LoadSmtpPassword(const std::string& password_file,
                        report::SmtpSettings* smtp) {
  if (password_file.empty()) return Status::Ok();
  auto pw = ReadFile(password_file, 4096);
  if (!pw.ok()) return pw.status();
  smtp->password = std::string(Trim(*pw));
  return Status::Ok();
}

ScheduledReports::ScheduledReports(std::string data_dir, std::string store_url,
                                   report::SmtpSettings smtp,
                                   std::chrono::seconds every)
    : data_dir_(std::move(data_dir)),
      store_url_(std::move(store_url)),
      owner_(ReportClaimOwner("serve")),
      smtp_(std::move(smtp)),
      every_(every) {}

ScheduledReports::~ScheduledReports() { Stop(); }

void ScheduledReports::Start() {
  thread_ = std::thread([this] { Loop(); });
}

void ScheduledReports::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

int ScheduledReports::rounds() const {
  std::lock_guard<std::mutex> lock(mu_);
  return rounds_;
}

void ScheduledReports::Loop() {
  while (true) {
    Round();
    std::unique_lock<std::mutex> lock(mu_);
    ++rounds_;
    if (wake_.wait_for(lock, every_, [this] { return stopping_; })) return;
  }
}

void ScheduledReports::Round() {
  const DataPaths paths = DataPaths::For(data_dir_, store_url_);
  auto service = policy::GradingService::Open(
      {paths.store_url, paths.root + "/policies"}, SystemClock::Instance());
  if (!service.ok()) {
    MAMORI_LOG(kWarning) << "scheduled reports: "
                         << service.status().ToString();
    return;
  }
  auto items = store::OpenReportStore(paths.store_url);
  if (!items.ok()) {
    MAMORI_LOG(kWarning) << "scheduled reports: " << items.status().ToString();
    return;
  }
  auto runs = RunDueReports(**service, **items, paths.root, smtp_,
                            SystemClock::Instance().Now(), owner_);
  if (!runs.ok()) {
    MAMORI_LOG(kWarning) << "scheduled reports: " << runs.status().ToString();
    return;
  }
  for (const DueRun& r : *runs) {
    const std::string line =
        "scheduled report for '" + r.org +
        "': " + (r.run.path.empty() ? "-" : r.run.path) + " [" +
        r.run.mail_status + "]" +
        (r.run.mail_error.empty() ? "" : " " + r.run.mail_error);
    if (r.run.mail_status == "failed") {
      MAMORI_LOG(kWarning) << line;
    } else {
      MAMORI_LOG(kInfo) << line;
    }
  }
}

}  // namespace mamori::collector_cli
