#include "agent/cmd_run.h"

#include <ostream>

#include "agent/cmd_once.h"
#include "agent/config/command_line.h"
#include "agent/platform/paths.h"
#include "agent/platform/process.h"
#include "agent/platform/stop.h"
#include "agent/transport/backoff.h"
#include "agent/transport/delivery.h"
#include "agent/transport/state_store.h"
#include "common/log.h"
#include "common/text.h"

namespace mamori::agent {
namespace {

namespace po = boost::program_options;
using std::chrono::milliseconds;

// The service name `run --service` registers under (sc create NAME ...).
constexpr char kServiceName[] = "mamori-agent";

std::string Usage() {
  return "Usage: mamori-agent run [--state DIR] [--config FILE] [--root DIR]\n"
         "                        [--family NAME]... [--interval DURATION]\n"
         "                        [--server HOST:PORT] [--max-cycles N]\n"
         "                        [--service]\n"
         "\n"
         "Runs as a service: collects on an interval (with random jitter so "
         "a\n"
         "fleet spreads out), keeps reports in the spool until the collector\n"
         "acknowledges them, and retries with exponential backoff. Stops "
         "cleanly\n"
         "on SIGTERM or SIGINT (Windows: Ctrl+C, Ctrl+Break, or the service\n"
         "manager's stop).\n"
         "常駐して定期的に収集・送信します (SIGTERM で停止)。\n"
         "\n"
         "  --interval DURATION  time between collections, e.g. 30s, 15m, 1h\n"
         "                       (default 1h, or schedule.interval in the "
         "config)\n"
         "  --max-cycles N       stop after N collections, as soon as the "
         "spool is\n"
         "                       delivered (for tests and cron)\n"
         "  --server HOST:PORT   send to this collector instead of the "
         "enrolled one\n"
         "  --service            Windows only: run as the Windows service "
         "\"" +
         std::string(kServiceName) +
         "\"\n"
         "                       started by the service control manager; the "
         "log\n"
         "                       goes to agent.log in the state directory\n"
         "  --state DIR          state directory (default " +
         platform::DefaultStateDir() +
         ")\n"
         "  --config FILE        config file (default " +
         platform::DefaultConfigPath() +
         ")\n"
         "  --root DIR           collect from the tree under DIR\n"
         "  --family NAME        collect only this family (repeatable)\n"
         "  --log-level LEVEL    debug, info, warning or error\n"
         "  --help               show this help\n"
         "\n"
         "Exit codes: 0 stopped, 2 usage error, 4 could not start (e.g. not\n"
         "enrolled).\n";
}

// The service loop, until `stop` is requested or --max-cycles is reached.
int RunLoop(const AgentConfig& config, int64_t max_cycles,
            platform::StopRequest& stop, std::ostream& out, std::ostream& err,
            const Clock& clock) {
  Result<AgentSession> session = OpenSession(config, clock);
  if (!session.ok()) {
    err << "mamori-agent run: " << session.status().message() << "\n";
    MAMORI_LOG(kError) << "cannot start: " << session.status().message();
    return kExitFailed;
  }
  MAMORI_LOG(kInfo) << "running: host " << session->identity.host_id
                    << ", collector " << session->identity.server
                    << ", interval " << config.interval.count() << " s";

  const std::function<double()> uniform = transport::DefaultUniform01();
  transport::Backoff backoff(
      milliseconds(1000),
      std::max<milliseconds>(
          milliseconds(1000),
          std::min<milliseconds>(config.interval, milliseconds(3600000))),
      uniform);
  const auto interval =
      std::chrono::duration_cast<milliseconds>(config.interval);
  auto next_collection = std::chrono::steady_clock::now();
  int64_t cycles = 0;
  while (true) {
    const auto now = std::chrono::steady_clock::now();
    if (now >= next_collection) {
      if (max_cycles > 0 && cycles >= max_cycles) break;
      ++cycles;
      Result<std::string> id = CollectAndSpool(*session, clock);
      if (!id.ok() && id.status().code() == StatusCode::kDataLoss &&
          RecoverSpool(*session, clock).ok()) {
        id = CollectAndSpool(*session, clock);
      }
      if (!id.ok()) {
        MAMORI_LOG(kError) << "collection failed: " << id.status().message();
      }
      next_collection =
          now + transport::Jittered(interval, config.jitter_fraction, uniform);
    }
    transport::DeliveryResult result = transport::DeliverPending(
        *session->spool, *session->client, session->identity);
    if (result.state == transport::DeliveryState::kFailed &&
        result.last_error.code() == StatusCode::kDataLoss) {
      // The spool was damaged while running: start a new one (the loss is
      // counted) instead of failing every cycle from now on.
      if (Status s = RecoverSpool(*session, clock); !s.ok()) {
        MAMORI_LOG(kError) << "cannot recover the spool: " << s.message();
      }
    }
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
    if (stop.WaitFor(wait)) {
      MAMORI_LOG(kInfo) << "stopping: " << stop.reason();
      break;
    }
  }
  out << "stopped after " << cycles << " collection(s) / 停止しました\n";
  MAMORI_LOG(kInfo) << "stopped after " << cycles << " collection(s)";
  return 0;
}

}  // namespace

int RunRunCommand(const std::vector<std::string>& args, std::ostream& out,
                  std::ostream& err, const Clock& clock) {
  po::options_description desc;
  desc.add_options()                            //
      ("interval", po::value<std::string>())    //
      ("server", po::value<std::string>())      //
      ("max-cycles", po::value<std::string>())  //
      ("service", "");
  int exit_code = 0;
  std::optional<ParsedCommand> parsed =
      ParseAgentCommand("run", args, desc, Usage(), out, err, &exit_code);
  if (!parsed) return exit_code;
  const po::variables_map& vm = parsed->vm;
  AgentConfig& config = parsed->config;
  auto usage = [&err](const std::string& message) {
    err << "mamori-agent run: " << message << "\n\n" << Usage();
    return kExitUsage;
  };
  if (vm.count("interval")) {
    const std::string text = vm["interval"].as<std::string>();
    std::optional<std::chrono::seconds> d = ParseDuration(text);
    if (!d) {
      return usage(
          "--interval: expected a duration such as 30s, 15m or 1h, "
          "got '" +
          SanitizeUtf8(text) + "'");
    }
    config.interval = *d;
  }
  int64_t max_cycles = 0;
  if (vm.count("max-cycles")) {
    const std::string text = vm["max-cycles"].as<std::string>();
    std::optional<int64_t> n = ParseInt64(text);
    if (!n || *n <= 0) {
      return usage("--max-cycles: expected a positive number, got '" +
                   SanitizeUtf8(text) + "'");
    }
    max_cycles = *n;
  }
  if (vm.count("server")) config.server = vm["server"].as<std::string>();
  LogLevel level = LogLevel::kInfo;
  if (ParseLogLevel(config.log_level, &level)) {
    InitLogging("mamori-agent", level);
  }

  if (vm.count("service")) {
    // A service has no console: the log goes to agent.log in the state
    // directory (private, so created first). Its exit code reaches the
    // service manager (`sc query` shows it as SERVICE_EXIT_CODE).
    Result<int> rc =
        platform::RunAsService(kServiceName, [&](platform::StopRequest& stop) {
          if (Status s = transport::EnsureStateDir(config.state_dir); !s.ok()) {
            err << "mamori-agent run: " << s.message() << "\n";
            return kExitFailed;
          }
          const std::string log = config.state_dir + "/agent.log";
          if (Status s = platform::RedirectStderrToFile(log); !s.ok()) {
            err << "mamori-agent run: " << s.message() << "\n";
          }
          return RunLoop(config, max_cycles, stop, out, err, clock);
        });
    if (!rc.ok()) {
      err << "mamori-agent run: " << rc.status().message() << "\n";
      return rc.status().code() == StatusCode::kUnimplemented ? kExitUsage
                                                              : kExitFailed;
    }
    return *rc;
  }

  // Route the stop events before gRPC starts threads: on POSIX this blocks
  // SIGTERM/SIGINT, and every later thread inherits the mask.
  platform::StopRequest stop;
  Result<std::unique_ptr<platform::StopEventRoute>> route =
      platform::StopEventRoute::Install(&stop);
  if (!route.ok()) {
    err << "mamori-agent run: " << route.status().message() << "\n";
    return kExitFailed;
  }
  return RunLoop(config, max_cycles, stop, out, err, clock);
}

}  // namespace mamori::agent
