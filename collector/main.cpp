// mamori-collector: receives agents' facts over gRPC+TLS and keeps them in
// its store. One line per command in kCommands; each command lives in
// collector/cli/cmd_<name>.{h,cpp}.
#include <algorithm>
#include <iostream>
#include <string>
#include <string_view>
#include <vector>

#include "collector/cli/cmd_alerts.h"
#include "collector/cli/cmd_answers.h"
#include "collector/cli/cmd_backup.h"
#include "collector/cli/cmd_devices.h"
#include "collector/cli/cmd_evidence.h"
#include "collector/cli/cmd_grade.h"
#include "collector/cli/cmd_hosts.h"
#include "collector/cli/cmd_init.h"
#include "collector/cli/cmd_migrate.h"
#include "collector/cli/cmd_org.h"
#include "collector/cli/cmd_register.h"
#include "collector/cli/cmd_report.h"
#include "collector/cli/cmd_serve.h"
#include "collector/cli/cmd_software.h"
#include "collector/cli/cmd_token.h"
#include "collector/web/cmd_user.h"
#include "common/log.h"

namespace {

using RunFunction = int (*)(const std::vector<std::string>& args,
                            std::ostream& out, std::ostream& err);

struct Command {
  std::string_view name;
  std::string_view summary;
  RunFunction run;
};

constexpr Command kCommands[] = {
    {"init", "create the data directory, CA, certificates and admin account",
     &mamori::collector_cli::RunInit},
    {"serve", "serve agents over gRPC+TLS until SIGTERM",
     &mamori::collector_cli::RunServe},
    {"org", "create or list organisations (tenants)",
     &mamori::collector_cli::RunOrg},
    {"token", "create, list or revoke enrollment tokens",
     &mamori::collector_cli::RunToken},
    {"hosts", "list an organisation's hosts", &mamori::collector_cli::RunHosts},
    {"grade", "run the checks and print an organisation's grades (A-D)",
     &mamori::collector_cli::RunGrade},
    {"answers", "import or export questionnaire answers (YAML/JSON)",
     &mamori::collector_cli::RunAnswers},
    {"devices", "devices seen on the LAN without the agent; mark them",
     &mamori::collector_cli::RunDevices},
    {"register", "information-asset register: export, import, list, link",
     &mamori::collector_cli::RunRegister},
    {"software",
     "software dictionary, banned/required software, licences, ledger",
     &mamori::collector_cli::RunSoftware},
    {"alerts", "alert channels, events and deliveries (mail, webhook)",
     &mamori::collector_cli::RunAlerts},
    {"backup", "copy the database (while serve runs) and keys to one file",
     &mamori::collector_cli::RunBackup},
    {"restore", "restore a backup into an empty data directory",
     &mamori::collector_cli::RunRestore},
    {"migrate", "copy a SQLite collector's data into PostgreSQL",
     &mamori::collector_cli::RunMigrate},
    {"report", "write the diagnosis report (PDF or HTML, ja/en)",
     &mamori::collector_cli::RunReport},
    {"evidence", "export or verify a signed evidence pack (ZIP)",
     &mamori::collector_cli::RunEvidence},
    {"improvements", "list or update the tracked improvement plan",
     &mamori::collector_cli::RunImprovements},
    {"user", "console accounts: add, passwd, list, disable",
     &mamori::web::RunUser},
};

void PrintUsage(std::ostream& out) {
  out << "Usage: mamori-collector <command> [--data DIR] [options]\n"
         "       mamori-collector <command> --help\n\nCommands:\n";
  for (const Command& c : kCommands) {
    out << "  " << c.name
        << std::string(10 - std::min<size_t>(9, c.name.size()), ' ')
        << c.summary << "\n";
  }
  out << "\nDIR defaults to /var/lib/mamori-collector.\n";
}

}  // namespace

int main(int argc, char** argv) {
  mamori::InitLogging("mamori-collector", mamori::LogLevel::kInfo);
  if (argc < 2) {
    PrintUsage(std::cerr);
    return 2;
  }
  const std::string_view name = argv[1];
  if (name == "--help" || name == "-h" || name == "help") {
    PrintUsage(std::cout);
    return 0;
  }
  const std::vector<std::string> args(argv + 2, argv + argc);
  for (const Command& c : kCommands) {
    if (c.name == name) return c.run(args, std::cout, std::cerr);
  }
  std::cerr << "mamori-collector: unknown command \"" << name << "\"\n\n";
  PrintUsage(std::cerr);
  return 2;
}
