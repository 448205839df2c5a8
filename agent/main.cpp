// mamori-agent: collects facts about this endpoint and (with enroll/once/run)
// delivers them to a mamori collector. One line per command in kCommands.
//
// Built twice on POSIX (agent/CMakeLists.txt): as mamori-agent with
// MAMORI_AGENT_EXEC_DELIVERY, where enroll/once/run exec() the delivery
// program so that `facts` loads none of the transport's libraries, and as
// that delivery program (mamori-agent-delivery), where every command runs in
// process, as in the single Windows mamori-agent.exe.
#include <iostream>
#include <string>
#include <string_view>
#include <vector>

#include "agent/cmd_facts.h"
#ifdef MAMORI_AGENT_EXEC_DELIVERY
#include "agent/delivery_exec.h"
#else
#include "agent/cmd_enroll.h"
#include "agent/cmd_once.h"
#include "agent/cmd_run.h"
#endif
#ifdef MAMORI_AGENT_CHECK_IN_PROCESS
#include "agent/check/check_messages.h"
#include "agent/check/cmd_check.h"
#endif
#include "agent/platform/process.h"
#include "common/log.h"

namespace {

using RunFunction = int (*)(const std::vector<std::string>& args);

int RunFacts(const std::vector<std::string>& args) {
  return mamori::agent::RunFactsCommand(args, std::cout, std::cerr);
}
#ifdef MAMORI_AGENT_EXEC_DELIVERY
int RunEnroll(const std::vector<std::string>& args) {
  return mamori::agent::ExecDeliveryProgram("enroll", args, std::cerr);
}
int RunOnce(const std::vector<std::string>& args) {
  return mamori::agent::ExecDeliveryProgram("once", args, std::cerr);
}
int RunRun(const std::vector<std::string>& args) {
  return mamori::agent::ExecDeliveryProgram("run", args, std::cerr);
}
// The self-check links the collector's checking libraries: a program of its
// own (agent/check/), so this one and the delivery program stay lean.
int RunCheck(const std::vector<std::string>& args) {
  return mamori::agent::ExecCheckProgram(args, std::cerr);
}
#else
int RunEnroll(const std::vector<std::string>& args) {
  return mamori::agent::RunEnrollCommand(args, std::cout, std::cerr);
}
int RunOnce(const std::vector<std::string>& args) {
  return mamori::agent::RunOnceCommand(args, std::cout, std::cerr);
}
int RunRun(const std::vector<std::string>& args) {
  return mamori::agent::RunRunCommand(args, std::cout, std::cerr);
}
#ifdef MAMORI_AGENT_CHECK_IN_PROCESS
// Windows: one program, the check engine in it (agent/check/).
int RunCheck(const std::vector<std::string>& args) {
  // Warnings of the grading layer (a collector's operator reads them) are
  // noise for the person at the PC; errors still show (as
  // agent/check/main.cpp).
  mamori::InitLogging("mamori-agent", mamori::LogLevel::kError);
  return mamori::agent::RunCheckCommand(
      args, std::cout, std::cerr, mamori::agent::LanguageFromEnvironment());
}
#else
int RunCheck(const std::vector<std::string>&) {
  // mamori-agent-delivery (Linux), called directly: the self-check is the
  // program mamori-agent execs for `check`.
  std::cerr << "mamori-agent check: not built into this program; run "
               "`mamori-agent check` (mamori-agent-check) instead "
               "(docs/usage.md)\n";
  return 4;
}
#endif
#endif

struct Command {
  std::string_view name;
  std::string_view summary;
  RunFunction run;
};

constexpr Command kCommands[] = {
    {"facts", "collect facts now and print them (json or table)", &RunFacts},
    {"enroll", "register with a collector using a token", &RunEnroll},
    {"once", "collect, send and wait for the acknowledgement", &RunOnce},
    {"run", "service loop: collect on an interval and send", &RunRun},
    {"check", "run the built-in checks here, without a collector", &RunCheck},
};

void PrintUsage(std::ostream& out) {
  out << "Usage: mamori-agent <command> [options]\n"
         "       mamori-agent <command> --help\n\nCommands:\n";
  for (const Command& c : kCommands) {
    out << "  " << c.name
        << std::string(12 - std::min<size_t>(11, c.name.size()), ' ')
        << c.summary << "\n";
  }
}

}  // namespace

int main(int argc, char** argv) {
  mamori::InitLogging("mamori-agent", mamori::LogLevel::kInfo);
  mamori::platform::PrepareConsole();
  // UTF-8 on every platform (Windows: from the UTF-16 command line).
  const std::vector<std::string> argv_utf8 =
      mamori::platform::Utf8Arguments(argc, argv);
  if (argv_utf8.size() < 2) {
    PrintUsage(std::cerr);
    return 2;
  }
  const std::string_view name = argv_utf8[1];
  if (name == "--help" || name == "-h" || name == "help") {
    PrintUsage(std::cout);
    return 0;
  }
  const std::vector<std::string> args(argv_utf8.begin() + 2, argv_utf8.end());
  for (const Command& c : kCommands) {
    if (c.name == name) return c.run(args);
  }
  std::cerr << "mamori-agent: unknown command \"" << name << "\"\n\n";
  PrintUsage(std::cerr);
  return 2;
}
