#include "agent/cmd_run.h"

#include <signal.h>

#include <cerrno>
#include <ctime>
#include <ostream>

#include "agent/cmd_once.h"
#include "agent/config/command_line.h"
#include "agent/transport/backoff.h"
#include "agent/transport/delivery.h"
#include "common/log.h"
#include "common/text.h"

namespace mamori::agent {
namespace {

namespace po = boost::program_options;
using std::chrono::milliseconds;

constexpr char kUsage[] =
    "Usage: mamori-agent run [--state DIR] [--config FILE] [--root DIR]\n"
    "                        [--family NAME]... [--interval DURATION]\n"
    "                        [--server HOST:PORT] [--max-cycles N]\n"
    "\n"
    "Runs as a service: collects on an interval (with random jitter so a\n"
    "fleet spreads out), keeps reports in the spool until the collector\n"
    "acknowledges them, and retries with exponential backoff. Stops cleanly\n"
    "on SIGTERM or SIGINT.\n"
    "常駐して定期的に収集・送信します (SIGTERM で停止)。\n"
    "\n"
    "  --interval DURATION  time between collections, e.g. 30s, 15m, 1h\n"
    "                       (default 1h, or schedule.interval in the config)\n"
    "  --max-cycles N       stop after N collections, as soon as the spool is\n"
    "                       delivered (for tests and cron)\n"
    "  --server HOST:PORT   send to this collector instead of the enrolled "
    "one\n"
    "  --state DIR          state directory (default /var/lib/mamori)\n"
    "  --config FILE        config file (default /etc/mamori/agent.conf)\n"
    "  --root DIR           collect from the tree under DIR\n"
    "  --family NAME        collect only this family (repeatable)\n"
    "  --log-level LEVEL    debug, info, warning or error\n"
    "  --help               show this help\n"
    "\n"
    "Exit codes: 0 stopped, 2 usage error, 4 could not start (e.g. not\n"
    "enrolled).\n";

// Sleeps up to `d`; returns the stopping signal's number, or 0 on timeout.
// The signals are blocked, so they are consumed here and nowhere else.
int WaitForStop(const sigset_t& stop, milliseconds d) {
  if (d.count() < 0) d = milliseconds(0);
  timespec ts{};
  ts.tv_sec = static_cast<time_t>(d.count() / 1000);
  ts.tv_nsec = static_cast<long>((d.count() % 1000) * 1000000);
  while (true) {
    int sig = sigtimedwait(&stop, nullptr, &ts);
    if (sig > 0) return sig;
    if (errno == EAGAIN) return 0;
    if (errno != EINTR) return 0;
  }
}

}  // namespace

int RunRunCommand(const std::vector<std::string>& args, std::ostream& out,
                  std::ostream& err, const Clock& clock) {
  po::options_description desc;
  AddCommonOptions(&desc);
  desc.add_options()                            //
      ("interval", po::value<std::string>())    //
      ("server", po::value<std::string>())      //
      ("max-cycles", po::value<std::string>())  //
      ("help,h", "");
  Result<po::variables_map> vm = ParseCommandLine(args, desc);
  auto usage = [&err](const std::string& message) {
    err << "mamori-agent run: " << message << "\n\n" << kUsage;
    return kExitUsage;
  };
  if (!vm.ok()) return usage(vm.status().message());
  if (vm->count("help")) {
    out << kUsage;
    return 0;
  }
  Result<AgentConfig> config = ResolveConfig(*vm);
  if (!config.ok()) {
    err << "mamori-agent run: " << config.status().message() << "\n";
    return kExitUsage;
  }
  if (vm->count("interval")) {
    const std::string text = (*vm)["interval"].as<std::string>();
    std::optional<std::chrono::seconds> d = ParseDuration(text);
    if (!d) {
      return usage(
          "--interval: expected a duration such as 30s, 15m or 1h, "
          "got '" +
          SanitizeUtf8(text) + "'");
    }
    config->interval = *d;
  }
  int64_t max_cycles = 0;
  if (vm->count("max-cycles")) {
    const std::string text = (*vm)["max-cycles"].as<std::string>();
    std::optional<int64_t> n = ParseInt64(text);
    if (!n || *n <= 0) {
      return usage("--max-cycles: expected a positive number, got '" +
                   SanitizeUtf8(text) + "'");
    }
    max_cycles = *n;
  }
  if (vm->count("server")) config->server = (*vm)["server"].as<std::string>();
  LogLevel level = LogLevel::kInfo;
  if (ParseLogLevel(config->log_level, &level)) {
    InitLogging("mamori-agent", level);
  }

  // Block the stop signals before gRPC starts threads, so every thread
  // inherits the mask and only WaitForStop receives them.
  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGTERM);
  sigaddset(&stop, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop, nullptr);

  Result<AgentSession> session = OpenSession(*config, clock);
  if (!session.ok()) {
    err << "mamori-agent run: " << session.status().message() << "\n";
    return kExitFailed;
  }
  MAMORI_LOG(kInfo) << "running: host " << session->identity.host_id
                    << ", collector " << session->identity.server
                    << ", interval " << config->interval.count() << " s";

  const std::function<double()> uniform = transport::DefaultUniform01();
  transport::Backoff backoff(
      milliseconds(1000),
      std::max<milliseconds>(
          milliseconds(1000),
          std::min<milliseconds>(config->interval, milliseconds(3600000))),
      uniform);
  const auto interval =
      std::chrono::duration_cast<milliseconds>(config->interval);
  auto next_collection = std::chrono::steady_clock::now();
  int64_t cycles = 0;
  while (true) {
    const auto now = std::chrono::steady_clock::now();
    if (now >= next_collection) {
      if (max_cycles > 0 && cycles >= max_cycles) break;
      ++cycles;
      Result<std::string> id = CollectAndSpool(*session, clock);
      if (!id.ok()) {
        MAMORI_LOG(kError) << "collection failed: " << id.status().message();
      }
      next_collection =
          now + transport::Jittered(interval, config->jitter_fraction, uniform);
    }
    transport::DeliveryResult result = transport::DeliverPending(
        *session->spool, *session->client, session->identity);
    milliseconds wait = std::chrono::duration_cast<milliseconds>(
        next_collection - std::chrono::steady_clock::now());
    if (result.state == transport::DeliveryState::kAllDelivered) {
      backoff.Reset();
      if (result.next_report_in.count() > 0) {
        // The collector may spread its agents out; never below a minute.
        const milliseconds hinted = std::max<milliseconds>(
            std::chrono::minutes(1), result.next_report_in);
        next_collection = std::chrono::steady_clock::now() + hinted;
        wait = hinted;
      }
    } else {
      const milliseconds retry = backoff.Next(result.retry_after);
      MAMORI_LOG(kWarning) << result.remaining << " report(s) still queued ("
                           << result.last_error.message() << "); retrying in "
                           << retry.count() << " ms";
      wait = std::min(wait, retry);
    }
    if (max_cycles > 0 && cycles >= max_cycles &&
        result.state == transport::DeliveryState::kAllDelivered) {
      break;
    }
    if (int sig = WaitForStop(stop, wait); sig != 0) {
      MAMORI_LOG(kInfo) << "stopping on signal " << sig;
      break;
    }
  }
  out << "stopped after " << cycles << " collection(s) / 停止しました\n";
  return 0;
}

}  // namespace mamori::agent
