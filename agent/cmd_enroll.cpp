#include "agent/cmd_enroll.h"

#include <ostream>

#include "agent/cmd_once.h"
#include "agent/collect.h"
#include "agent/config/command_line.h"
#include "agent/platform/paths.h"
#include "agent/transport/delivery.h"
#include "agent/transport/enrollment.h"
#include "common/log.h"
#include "common/text.h"

namespace mamori::agent {
namespace {

namespace po = boost::program_options;

std::string Usage() {
  return "Usage: mamori-agent enroll --server HOST:PORT\n"
         "                           (--token TOKEN | --token-file FILE)\n"
         "                           (--ca FILE | --ca-sha256 FINGERPRINT)\n"
         "                           [--state DIR] [--config FILE] [--root "
         "DIR]\n"
         "\n"
         "Registers this machine with a collector using a token from\n"
         "`mamori-collector token create`, and stores the host identity under "
         "the\n"
         "state directory.\n"
         "コレクタにこの端末を登録します (トークンは mamori-collector token "
         "create\n"
         "で発行)。\n"
         "\n"
         "  --server HOST:PORT   the collector's gRPC address\n"
         "  --token TOKEN        enrollment token\n"
         "  --token-file FILE    read the token from FILE (keeps it out of "
         "`ps`)\n"
         "  --ca FILE            the collector's CA certificate (PEM)\n"
         "  --ca-sha256 FP       or: the CA certificate's SHA-256 fingerprint, "
         "as\n"
         "                       printed by `mamori-collector init` or\n"
         "                       `openssl x509 -in ca.pem -noout -fingerprint "
         "-sha256`;\n"
         "                       the agent fetches the CA from the collector, "
         "checks\n"
         "                       the fingerprint and the collector's "
         "certificate,\n"
         "                       and stores it\n"
         "  --state DIR          state directory (default " +
         platform::DefaultStateDir() +
         ")\n"
         "  --config FILE        config file (default " +
         platform::DefaultConfigPath() +
         ")\n"
         "  --root DIR           take the identity from the tree under DIR\n"
         "  --family NAME        families used for the identity (repeatable)\n"
         "  --log-level LEVEL    debug, info, warning or error\n"
         "  --help               show this help\n"
         "\n"
         "Exit codes: 0 enrolled, 2 usage error, 3 collector unreachable,\n"
         "4 refused (bad/expired/revoked/used-up token, CA mismatch) or "
         "failed.\n";
}

}  // namespace

int RunEnrollCommand(const std::vector<std::string>& args, std::ostream& out,
                     std::ostream& err, const Clock& clock) {
  po::options_description desc;
  desc.add_options()                            //
      ("server", po::value<std::string>())      //
      ("token", po::value<std::string>())       //
      ("token-file", po::value<std::string>())  //
      ("ca", po::value<std::string>())          //
      ("ca-sha256", po::value<std::string>());
  int exit_code = 0;
  std::optional<ParsedCommand> parsed =
      ParseAgentCommand("enroll", args, desc, Usage(), out, err, &exit_code);
  if (!parsed) return exit_code;
  const po::variables_map& vm = parsed->vm;
  AgentConfig& config = parsed->config;
  auto usage = [&err](const std::string& message) {
    err << "mamori-agent enroll: " << message << "\n\n" << Usage();
    return kExitUsage;
  };
  LogLevel level = LogLevel::kInfo;
  if (ParseLogLevel(config.log_level, &level)) {
    InitLogging("mamori-agent", level);
  }

  transport::EnrollOptions opts;
  opts.state_dir = config.state_dir;
  opts.timeout = config.rpc_timeout;
  opts.server =
      vm.count("server") ? vm["server"].as<std::string>() : config.server;
  if (opts.server.empty()) return usage("--server HOST:PORT is required");
  if (vm.count("token") == vm.count("token-file")) {
    return usage("give exactly one of --token and --token-file");
  }
  if (vm.count("token")) {
    opts.token = vm["token"].as<std::string>();
  } else {
    Result<std::string> token =
        ReadFile(vm["token-file"].as<std::string>(), 4096);
    if (!token.ok()) return usage("--token-file: " + token.status().message());
    opts.token = std::string(Trim(*token));
  }
  if (opts.token.empty()) return usage("the token is empty");
  if (vm.count("ca") == vm.count("ca-sha256")) {
    return usage("give exactly one of --ca FILE and --ca-sha256 FINGERPRINT");
  }
  if (vm.count("ca")) opts.ca_file = vm["ca"].as<std::string>();
  if (vm.count("ca-sha256")) {
    opts.ca_sha256 = vm["ca-sha256"].as<std::string>();
  }

  const facts::GatherContext ctx =
      config.root.empty() ? facts::LiveContext(&clock)
                          : facts::RootContext(config.root, &clock);
  Result<mamori::v1::EndpointFacts> facts =
      CollectEndpointFacts(ctx, config.families);
  if (!facts.ok()) return usage(facts.status().message());
  if (facts->identity().machine_id().empty() &&
      facts->identity().smbios_uuid().empty()) {
    MAMORI_LOG(kWarning) << "no machine id or SMBIOS UUID could be read: a "
                            "reinstall of this machine cannot be recognised";
  }

  Result<transport::EnrollOutcome> outcome = transport::Enroll(opts, *facts);
  if (!outcome.ok()) {
    err << "mamori-agent enroll: " << outcome.status().message() << "\n";
    if (outcome.status().code() == StatusCode::kInvalidArgument) {
      return kExitUsage;
    }
    return transport::IsTransient(outcome.status()) &&
                   outcome.status().code() != StatusCode::kUnknown
               ? kExitQueued
               : kExitFailed;
  }
  out << "enrolled with " << opts.server << " as host "
      << outcome->identity.host_id;
  if (!outcome->identity.organization.empty()) {
    out << " of " << outcome->identity.organization;
  }
  out << "\n";
  if (outcome->reattached) {
    out << "re-attached to the existing host record (same machine) / "
           "既存の端末として再登録しました\n";
  }
  if (outcome->clone_suspected) {
    out << "warning: the collector suspects a cloned image (same machine id, "
           "different hardware); recorded as a new host and flagged / "
           "複製イメージの疑い\n";
  }
  if (outcome->possible_duplicate) {
    out << "note: this machine shares an identifier with another host but "
           "not enough to be recognised as it; recorded as a new host for "
           "the administrator to merge / 別の端末と識別子が一部一致したため、"
           "新しい端末として登録しました (管理者が統合できます)\n";
  }
  out << "CA sha256 " << outcome->ca_fingerprint << "\n"
      << "state: " << opts.state_dir << "\n"
      << "登録しました。\n";
  return 0;
}

}  // namespace mamori::agent
