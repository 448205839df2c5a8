#include "collector/cli/cmd_serve.h"

#include <absl/synchronization/mutex.h>
#include <malloc.h>
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <ctime>
#include <functional>

#include "collector/alerts/alert_service.h"
#include "collector/cli/cli_common.h"
#include "collector/cli/scheduled_reports.h"
#include "collector/pki/crypto.h"
#include "collector/policy/evaluation_worker.h"
#include "collector/policy/grading_service.h"
#include "collector/policy/shared_evaluation_worker.h"
#include "collector/service/server.h"
#include "collector/store/open_store.h"
#include "collector/web/console_main.h"
#include "common/log.h"
#include "common/text.h"

namespace mamori::collector_cli {
namespace {

namespace po = boost::program_options;
constexpr std::string_view kCommand = "serve";

Result<pki::KeyAndCert> LoadPair(const std::string& key_path,
                                 const std::string& cert_path) {
  Result<std::string> key = ReadFile(key_path, 1 << 20);
  if (!key.ok()) return key.status();
  Result<std::string> cert = ReadFile(cert_path, 1 << 20);
  if (!cert.ok()) return cert.status();
  return pki::KeyAndCert{std::move(key).value(), std::move(cert).value()};
}

// One slice of alert retention: at most `max_rows` rows older than `days`.
Result<int64_t> PruneAlerts(const std::string& store_url, int days,
                            int64_t max_rows) {
  Result<std::unique_ptr<store::AlertPort>> port =
      store::OpenAlertStore(store_url);
  if (!port.ok()) return port.status();
  return (*port)->PruneBefore(
      SystemClock::Instance().Now() - std::chrono::hours(24) * days, max_rows);
}

}  // namespace

int RunServe(const std::vector<std::string>& args, std::ostream& out,
             std::ostream& err) {
  // glibc gives each busy thread its own malloc arena and keeps what a
  // flood of refused 30 MiB requests left in them: the collector's peak RSS
  // under the unauthenticated flood test was 122-150 MiB (bound 128) with
  // the default arena count and 94-113 MiB with two arenas (2026-12-07).
  mallopt(M_ARENA_MAX, 2);
  po::options_description options("Options");
  std::string data_dir;
  std::string address;
  std::string port_file;
  std::string log_level;
  size_t queue = 0;
  size_t batch = 0;
  size_t queue_mib = 0;
  int max_message_mib = 0;
  double enroll_per_minute = 0;
  double enroll_burst = 0;
  int store_delay_ms = 0;
  size_t receive_mib = 0;
  double host_reports_per_hour = 0;
  size_t host_mib_per_day = 0;
  size_t org_mib_per_day = 0;
  size_t max_conns_per_peer = 0;
  options.add_options()("data",
                        po::value(&data_dir)->default_value(kDefaultDataDir),
                        "data directory made by init")(
      "grpc", po::value(&address)->default_value("127.0.0.1:50443"),
      "ADDR:PORT to listen on (port 0 = any free port)")(
      "port-file", po::value(&port_file),
      "write the bound port number to this file once listening")(
      "insecure-plaintext", po::bool_switch(),
      "serve without TLS (tests only; never in production)")(
      "queue", po::value(&queue)->default_value(2048),
      "reports waiting for the store before clients are told to back off")(
      "queue-mib", po::value(&queue_mib)->default_value(64),
      "memory the waiting reports may hold before clients are told to back "
      "off, MiB (a first report of 1,500 packages holds about 1.5 MiB)")(
      "batch", po::value(&batch)->default_value(256),
      "most reports stored per transaction")(
      "max-message-mib", po::value(&max_message_mib)->default_value(32),
      "largest request accepted, MiB")(
      "enroll-per-minute", po::value(&enroll_per_minute)->default_value(60),
      "sustained enrollments per token per minute")(
      "enroll-burst", po::value(&enroll_burst)->default_value(30),
      "enrollments per token allowed at once (raise for mass roll-outs)")(
      "receive-mib", po::value(&receive_mib)->default_value(24),
      "memory for requests still being received, before their sender is "
      "known, MiB (past it gRPC refuses instead of buffering)")(
      "host-reports-per-hour",
      po::value(&host_reports_per_hour)->default_value(60),
      "reports one host may send per hour (bursts of 30)")(
      "host-mib-per-day", po::value(&host_mib_per_day)->default_value(64),
      "report MiB one host may send per UTC day")(
      "org-mib-per-day", po::value(&org_mib_per_day)->default_value(8192),
      "report MiB one organisation's hosts may send per UTC day")(
      "max-conns-per-peer", po::value(&max_conns_per_peer)->default_value(64),
      "TCP connections one address may hold open; more are reset before "
      "their TLS handshake (0 = no limit; agents behind one NAT address "
      "share it)")("log-level", po::value(&log_level)->default_value("info"),
                   "debug, info, warning or error")(
      "store-delay-ms", po::value(&store_delay_ms)->default_value(0),
      "testing only: wait this long before each store transaction, as a slow "
      "disk would");
  web::ConsoleFlags console_flags;
  web::AddConsoleFlags(options, &console_flags);
  // For the scheduled reports serve runs every hour (`report schedule`).
  report::SmtpSettings smtp;
  std::string smtp_password_file;
  AddSmtpFlags(options, &smtp, &smtp_password_file);
  // Alerts (#20) are mailed through the same SMTP server.
  std::string webhook_ca;
  options.add_options()("webhook-ca", po::value(&webhook_ca),
                        "PEM CA file for alert webhook servers (default: "
                        "system CAs)");
  int alert_retention_days = store::kDefaultAlertRetentionDays;
  options.add_options()(
      "alert-retention-days",
      po::value(&alert_retention_days)
          ->default_value(store::kDefaultAlertRetentionDays),
      "alert deliveries and cleared events older than this many days are "
      "pruned, in every organisation (1-36500; pending retries and open "
      "alerts are kept)");
  std::string store_url;
  AddStoreFlag(options, &store_url);
  po::variables_map vm;
  if (std::optional<int> exit = ParseFlags(
          kCommand,
          "--data DIR [--store URL] [--grpc ADDR:PORT] [--port-file FILE]",
          options, {}, args, vm, out, err)) {
    return *exit;
  }
  if (Status s = LoadSmtpPassword(smtp_password_file, &smtp); !s.ok()) {
    return Failure(kCommand, s, err);
  }
  if (alert_retention_days < 1 || alert_retention_days > 36500) {
    return UsageError(kCommand,
                      "--alert-retention-days: must be 1 to 36500, got " +
                          std::to_string(alert_retention_days),
                      err);
  }
  LogLevel level = LogLevel::kInfo;
  if (!ParseLogLevel(log_level, &level)) {
    return UsageError(kCommand,
                      "--log-level: unknown level '" + log_level + "'", err);
  }
  InitLogging("mamori-collector", level);
  if (queue < 1)
    return UsageError(kCommand, "--queue: must be at least 1", err);
  if (queue_mib < 1 || queue_mib > 65536)
    return UsageError(kCommand, "--queue-mib: must be 1 to 65536", err);
  if (batch < 1)
    return UsageError(kCommand, "--batch: must be at least 1", err);
  if (store_delay_ms < 0 || store_delay_ms > 60000) {
    return UsageError(kCommand, "--store-delay-ms: must be 0 to 60000", err);
  }
  if (max_message_mib < 1 || max_message_mib > 1024) {
    return UsageError(kCommand, "--max-message-mib: must be 1 to 1024", err);
  }
  if (receive_mib < 4 || receive_mib > 65536) {
    return UsageError(kCommand, "--receive-mib: must be 4 to 65536", err);
  }
  if (host_reports_per_hour <= 0 || host_mib_per_day < 1 ||
      org_mib_per_day < 1) {
    return UsageError(kCommand,
                      "--host-reports-per-hour, --host-mib-per-day and "
                      "--org-mib-per-day must be positive",
                      err);
  }
  if (max_conns_per_peer > 1'000'000) {
    return UsageError(kCommand, "--max-conns-per-peer: must be 0 to 1000000",
                      err);
  }
  if (enroll_per_minute <= 0 || enroll_burst < 1) {
    return UsageError(kCommand,
                      "--enroll-per-minute must be > 0 and --enroll-burst >= 1",
                      err);
  }
  const size_t colon = address.rfind(':');
  if (colon == std::string::npos || colon == 0 ||
      !ParseInt64(address.substr(colon + 1)).has_value()) {
    return UsageError(kCommand,
                      "--grpc: expected ADDR:PORT, got '" + address + "'", err);
  }

  // Debian's abseil is built with deadlock detection on: every lock of
  // gRPC's mutexes then updated a lock graph (≈3 % of a steady report's
  // CPU). The collector's own locks are std::mutex, which it never checked.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);

  // Block the stop signals before gRPC starts its threads, so only the
  // sigwait below receives them.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  if (Status s = pki::InitCrypto(); !s.ok()) return Failure(kCommand, s, err);
  const DataPaths paths = DataPaths::For(data_dir, store_url);
  // On PostgreSQL (issue #17) this collector stores reports, grades, raises
  // and delivers alerts (each delivery claimed by one collector), runs the
  // due scheduled reports (each claimed in the database, so produced by one
  // collector) and serves the console (docs/scale.md).
  const bool on_postgres = store::IsPostgresUrl(paths.store_url);
  Result<std::unique_ptr<store::Store>> store =
      OpenStore(paths, SystemClock::Instance());
  if (!store.ok() && store.status().code() == StatusCode::kDataLoss) {
    err << "mamori-collector serve: the database " << paths.database
        << " is damaged (" << store.status().message()
        << "). Not serving. Keep a copy of the data directory, then restore "
           "the last backup (mamori-collector restore).\n"
           "データベースが破損しているため起動しません。データディレクトリを"
           "保存してから、最新のバックアップを復元してください "
           "(mamori-collector restore)。\n";
    return kExitFailure;
  }
  if (!store.ok()) return Failure(kCommand, store.status(), err);

  // Grading runs beside ingest on its own connection. A broken built-in
  // policy stops the collector here rather than grading with half a set.
  // On PostgreSQL the collectors share one re-grade queue: each
  // organisation is graded by one of them per burst of changes.
  std::unique_ptr<policy::GradingService> grading_service;
  {
    Result<std::unique_ptr<policy::GradingService>> grading =
        policy::GradingService::Open(
            {paths.store_url, paths.root + "/policies"},
            SystemClock::Instance());
    if (!grading.ok()) return Failure(kCommand, grading.status(), err);
    if (!(*grading)->custom_policy_error().ok()) {
      MAMORI_LOG(kWarning) << "custom policies not loaded, the previous set "
                              "stays in force: "
                           << (*grading)->custom_policy_error().ToString();
    }
    grading_service = std::move(grading).value();
  }
  // The grading connection has the store's 16 MiB page cache
  // (Database::Open), enough for the compact gfact_* tables of 10,000 hosts.
  policy::GradingService* grader = grading_service.get();
  // Alerts (#20): raised on the re-grade thread after each evaluation
  // (its own store connection), delivered on a thread of their own.
  alerts::DeliveryOptions alert_delivery;
  alert_delivery.smtp = smtp;
  alert_delivery.webhook_ca_file = webhook_ca;
  std::unique_ptr<alerts::AlertService> alert_raiser;
  std::unique_ptr<alerts::AlertWorker> alert_worker;
  if (grader != nullptr) {
    auto raiser = alerts::AlertService::Open(paths.store_url, alert_delivery,
                                             SystemClock::Instance());
    if (!raiser.ok()) return Failure(kCommand, raiser.status(), err);
    auto sender = alerts::AlertService::Open(paths.store_url, alert_delivery,
                                             SystemClock::Instance());
    if (!sender.ok()) return Failure(kCommand, sender.status(), err);
    alert_raiser = std::move(*raiser);
    alert_worker = std::make_unique<alerts::AlertWorker>(
        std::move(*sender), std::chrono::seconds(30), std::chrono::minutes(5));
    alert_worker->Start();
  }
  alerts::AlertService* raiser = alert_raiser.get();
  alerts::AlertWorker* alert_sender = alert_worker.get();
  const auto evaluate_until = [grader, raiser, alert_sender](
                                  int64_t org_id,
                                  const std::function<Status()>& go_on) {
    if (grader == nullptr) return Status::Ok();
    MAMORI_RETURN_IF_ERROR(grader->EvaluateOrgId(org_id, go_on));
    if (raiser == nullptr) return Status::Ok();
    // A failure to raise alerts must not count as a failed grading.
    if (Status s = raiser->AfterGrading(org_id, *grader); !s.ok()) {
      MAMORI_LOG(kWarning) << "alerts for organisation " << org_id
                           << " not raised: " << s.ToString();
    }
    alert_sender->Kick();
    return Status::Ok();
  };
  const auto evaluate = [&evaluate_until](int64_t org_id) {
    return evaluate_until(org_id, nullptr);
  };
  // SQLite: one collector, re-grades scheduled in this process.
  policy::EvaluationWorker regrade(evaluate, SystemClock::Instance(),
                                   std::chrono::seconds(2),
                                   std::chrono::milliseconds(250));
  // PostgreSQL: the queue in the database decides which collector grades.
  std::unique_ptr<policy::SharedEvaluationWorker> shared_regrade;
  if (on_postgres && grader != nullptr) {
    Result<std::unique_ptr<store::RegradeQueue>> queue =
        store::OpenRegradeQueue(paths.store_url);
    if (!queue.ok()) return Failure(kCommand, queue.status(), err);
    // The lease renewals' own session: a slow check query on the grading
    // thread does not hold them up.
    Result<std::unique_ptr<store::RegradeQueue>> heartbeat =
        store::OpenRegradeQueue(paths.store_url);
    if (!heartbeat.ok()) return Failure(kCommand, heartbeat.status(), err);
    char host[256] = {};
    gethostname(host, sizeof(host) - 1);
    // Unique among the collectors of the database: host, process and a
    // random part (a restarted process may reuse the pid).
    const std::string owner = std::string(host) + ":" +
                              std::to_string(getpid()) + ":" +
                              pki::RandomSecret(6);
    shared_regrade = std::make_unique<policy::SharedEvaluationWorker>(
        evaluate_until, std::move(queue).value(), std::move(heartbeat).value(),
        owner, SystemClock::Instance(), store::RegradeTiming{},
        std::chrono::milliseconds(250), [grader] { grader->InterruptCheck(); });
    shared_regrade->Start();
  } else if (grader != nullptr) {
    regrade.Start();
  }

  service::ServerConfig config;
  config.address = address;
  if (grader != nullptr) {
    policy::SharedEvaluationWorker* shared = shared_regrade.get();
    config.writer.on_stored = [&regrade, shared](int64_t org_id) {
      if (shared != nullptr) {
        shared->MarkDirty(org_id);
      } else {
        regrade.MarkDirty(org_id);
      }
    };
  }
  config.insecure_plaintext = vm["insecure-plaintext"].as<bool>();
  config.writer.max_queued_reports = queue;
  config.writer.max_batch = batch;
  config.writer.max_queued_bytes = queue_mib << 20;
  config.writer.delay_before_store = std::chrono::milliseconds(store_delay_ms);
  config.service.limits.max_message_bytes = max_message_mib << 20;
  config.service.enroll_per_minute = enroll_per_minute;
  config.service.enroll_burst = enroll_burst;
  config.receive_quota_bytes = receive_mib << 20;
  config.max_connections_per_peer = max_conns_per_peer;
  config.service.quotas.host_reports_per_hour = host_reports_per_hour;
  config.service.quotas.host_bytes_per_day =
      static_cast<uint64_t>(host_mib_per_day) << 20;
  config.service.quotas.org_bytes_per_day =
      static_cast<uint64_t>(org_mib_per_day) << 20;
  Result<pki::KeyAndCert> ca = LoadPair(paths.ca_key, paths.ca_cert);
  if (!ca.ok()) return Failure(kCommand, ca.status(), err);
  config.ca = std::move(ca).value();
  if (!config.insecure_plaintext) {
    Result<pki::KeyAndCert> identity =
        LoadPair(paths.server_key, paths.server_cert);
    if (!identity.ok()) return Failure(kCommand, identity.status(), err);
    config.server_identity = std::move(identity).value();
  } else {
    MAMORI_LOG(kWarning) << "--insecure-plaintext: serving WITHOUT TLS; node "
                            "keys and facts travel in clear text";
  }

  Result<std::unique_ptr<service::CollectorServer>> server =
      service::CollectorServer::Start(**store, SystemClock::Instance(), config);
  if (!server.ok()) return Failure(kCommand, server.status(), err);
  if (!port_file.empty()) {
    Status written = WriteFileAtomic(
        port_file, std::to_string((*server)->port()) + "\n", 0644);
    if (!written.ok()) {
      (*server)->Shutdown();
      return Failure(kCommand, written, err);
    }
  }
  // The console and API (--web) on their own HTTPS port.
  if (!smtp.host.empty()) {
    console_flags.smtp_server = smtp.host + ":" + std::to_string(smtp.port);
    console_flags.smtp_from = smtp.from;
  }
  Result<std::unique_ptr<web::Console>> console = web::StartConsole(
      console_flags,
      {paths.store_url, paths.root + "/policies", paths.server_key,
       paths.server_cert, paths.ca_cert, paths.pki_dir + "/signing.key"},
      **store,
      address.substr(0, colon) + ":" + std::to_string((*server)->port()),
      SystemClock::Instance());
  if (!console.ok()) {
    (*server)->Shutdown();
    return Failure(kCommand, console.status(), err);
  }
  if (*console) {
    out << "web console: "
        << (console_flags.web_insecure_loopback ? "http" : "https") << "://"
        << console_flags.web.substr(0, console_flags.web.rfind(':')) << ":"
        << (*console)->port() << "/" << std::endl;
  }
  out << "mamori-collector serving on port " << (*server)->port() << " ("
      << (config.insecure_plaintext ? "plaintext, tests only" : "TLS")
      << "), data " << paths.root;
  if (on_postgres) out << ", store " << store::RedactedUrl(paths.store_url);
  // On PostgreSQL every collector delivers, each what it claimed.
  if (alert_worker) out << ", alerts on";
  out << std::endl;

  // Due scheduled reports: a first round now, then every hour, on their own
  // thread and connections; on PostgreSQL every collector polls and each
  // due report goes to the one that claims it.
  ScheduledReports scheduled(data_dir, store_url, smtp, std::chrono::hours(1));
  scheduled.Start();

  // While waiting for a stop signal, give memory freed by the gRPC threads
  // and the writer back to the system every few seconds: glibc keeps each
  // thread arena's free pages (tens of MiB after a burst of first reports
  // with 1,500 packages each) mapped until trimmed.
  // History older than each organisation's retention is pruned a slice at
  // a time (short write transactions), soon after start and then hourly.
  constexpr int kPruneEveryTicks = 720;  // × 5 s = 1 hour
  constexpr int64_t kPruneRows = 5000;
  int ticks_to_prune = 12;
  int signal_number = 0;
  while (true) {
    const timespec trim_every{5, 0};
    signal_number = sigtimedwait(&stop_signals, nullptr, &trim_every);
    if (signal_number > 0) break;
    if (errno == EAGAIN) malloc_trim(0);
    if (--ticks_to_prune > 0) continue;
    Result<int64_t> pruned = (*store)->PruneHistory(kPruneRows);
    if (!pruned.ok()) {
      MAMORI_LOG(kWarning) << "history pruning failed: "
                           << pruned.status().ToString();
    } else if (*pruned > 0) {
      MAMORI_LOG(kInfo) << "pruned " << *pruned
                        << " history rows past retention";
    }
    // Alert deliveries and cleared events past their retention (#20), on a
    // connection of this pass's own: the pass is hourly.
    Result<int64_t> alerts_pruned =
        PruneAlerts(paths.store_url, alert_retention_days, kPruneRows);
    if (!alerts_pruned.ok()) {
      MAMORI_LOG(kWarning) << "alert pruning failed: "
                           << alerts_pruned.status().ToString();
    } else if (*alerts_pruned > 0) {
      MAMORI_LOG(kInfo) << "pruned " << *alerts_pruned
                        << " alert rows past retention";
    }
    const bool more = (pruned.ok() && *pruned == kPruneRows) ||
                      (alerts_pruned.ok() && *alerts_pruned == kPruneRows);
    ticks_to_prune = more ? 1 : kPruneEveryTicks;
  }
  MAMORI_LOG(kInfo) << "signal " << signal_number
                    << ": stopping (finishing in-flight reports)";
  // A re-grade in progress stops at its next check while the server drains.
  if (shared_regrade) shared_regrade->RequestStop();
  if (*console) (*console)->Stop();
  scheduled.Stop();  // a round in progress finishes first
  (*server)->Shutdown();
  // After the last commit: on SQLite grade what those reports changed, then
  // stop; on PostgreSQL hand it to the queue for the other collectors (or
  // this one's next start) and stop a pass in progress at its next check.
  regrade.Stop();
  if (shared_regrade) shared_regrade->Stop();
  if (alert_worker) alert_worker->Stop();
  MAMORI_LOG(kInfo) << "stopped cleanly ("
                    << regrade.evaluations() +
                           (shared_regrade ? shared_regrade->evaluations() : 0)
                    << " re-gradings, " << scheduled.rounds()
                    << " scheduled-report rounds)";
  return kExitOk;
}

}  // namespace mamori::collector_cli
