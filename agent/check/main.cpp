// mamori-agent-check: the self-check program. mamori-agent execs it for
// `mamori-agent check` (agent/delivery_exec.h), so neither mamori-agent nor
// the delivery program links the collector's checking libraries.
#include <iostream>
#include <string>
#include <vector>

#include "agent/check/check_messages.h"
#include "agent/check/cmd_check.h"
#include "agent/platform/process.h"
#include "common/log.h"

int main(int argc, char** argv) {
  // Warnings of the grading layer (a collector's operator reads them) are
  // noise for the person at the PC; errors still show.
  mamori::InitLogging("mamori-agent", mamori::LogLevel::kError);
  mamori::platform::PrepareConsole();
  const std::vector<std::string> words =
      mamori::platform::Utf8Arguments(argc, argv);
  // Called as `mamori-agent check ARGS...` (argv[0] is kept by exec) or
  // directly as `mamori-agent-check [check] ARGS...`.
  size_t first = 1;
  if (words.size() > 1 && words[1] == "check") first = 2;
  const std::vector<std::string> args(words.begin() + first, words.end());
  return mamori::agent::RunCheckCommand(
      args, std::cout, std::cerr, mamori::agent::LanguageFromEnvironment());
}
