#pragma once

// Scheduled diagnosis reports (#15): what `report run-due` does once, and
// the background thread with which `serve` does it every hour, on SQLite or
// on PostgreSQL (#17). Due reports are claimed in the store
// (ReportStore::ClaimDueReportSchedules) before they are produced, so with
// several collectors on one database, or `run-due` from cron beside
// `serve`, each due report is produced and mailed once; a collector killed
// while producing one leaves a lease that runs out (kReportLease), and the
// next round after it, on any collector, produces the report.
//
//   ScheduledReports reports(data_dir, store_url, smtp,
//                            std::chrono::hours(1));
//   reports.Start();   // a first round at once, then every hour
//   …
//   reports.Stop();    // waits for a round in progress, then joins
//
// Thread safety: RunDueReports is thread-compatible (the caller owns the
// service and the store); ScheduledReports' methods may be called from any
// thread, Start and Stop once each.

#include <boost/program_options.hpp>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "collector/policy/grading_service.h"
#include "collector/report/mailer.h"
#include "collector/store/report_store.h"
#include "common/clock.h"

namespace mamori::collector_cli {

// How long a claimed due report stays with the process producing it: far
// more than producing and mailing one report takes.
inline constexpr std::chrono::seconds kReportLease{30 * 60};

// A name for this process in the schedules' leases, unique among the
// processes of a database: `role`, host name, process id and a random part.
std::string ReportClaimOwner(std::string_view role);

struct DueRun {
  std::string org;
  store::ReportRun run;
};

// Claims the reports due at `now` for `owner` (ReportClaimOwner), writes
// each to DATA_ROOT/reports/ORG_ID/, mails it
// when the schedule has recipients (an error when `smtp.host` is empty),
// and records each run with its outcome and the schedule's next time
// (missed periods are skipped). A failed report or mail is a run with
// mail_status "failed", not an error; errors are the store's.
Result<std::vector<DueRun>> RunDueReports(policy::GradingService& service,
                                          store::ReportStore& items,
                                          const std::string& data_root,
                                          const report::SmtpSettings& smtp,
                                          TimePoint now,
                                          std::string_view owner);

// The --smtp-* flags of `report run-due` and `serve`.
void AddSmtpFlags(boost::program_options::options_description& options,
                  report::SmtpSettings* smtp, std::string* password_file);
// Reads --smtp-password-file into `smtp` (nothing when `password_file` is
// empty).
Status LoadSmtpPassword(const std::string& password_file,
                        report::SmtpSettings* smtp);

class ScheduledReports {
 public:
  // Each round opens its own grading service and report store on
  // DATA_DIR's database, or on `store_url` when it is not empty (custom
  // policies from DATA_DIR/policies), so it never shares a connection with
  // serve's other threads.
  ScheduledReports(std::string data_dir, std::string store_url,
                   report::SmtpSettings smtp, std::chrono::seconds every);
  ~ScheduledReports();
  ScheduledReports(const ScheduledReports&) = delete;
  ScheduledReports& operator=(const ScheduledReports&) = delete;

  void Start();
  void Stop();
  // Rounds finished so far (for logs and tests).
  int rounds() const;

 private:
  void Loop();
  void Round();

  const std::string data_dir_;
  const std::string store_url_;
  const std::string owner_;
  const report::SmtpSettings smtp_;
  const std::chrono::seconds every_;
  mutable std::mutex mu_;
  std::condition_variable wake_;
  bool stopping_ = false;
  int rounds_ = 0;
  std::thread thread_;
};

}  // namespace mamori::collector_cli
