#include <iostream>

#include "agent/check/check_messages.h"
#include "agent/check/cmd_check.h"
#include "agent/facts_exe/self_check.h"
#include "common/log.h"

namespace mamori::facts_exe {

const char* SelfCheckUsage() {
  return "  --check [--lang ja|en] [--format text|json]\n"
         "                   run the collector's built-in checks here and\n"
         "                   print each rule's result and what to do (exit 0\n"
         "                   pass, 1 fail, 3 unknown, 4 could not run)\n"
         "                   組み込みのチェックをこの PC で実行します。\n";
}

int RunSelfCheck(const std::vector<std::string>& args) {
  // The grading layer's warnings are for a collector's operator.
  InitLogging("mamori-facts", LogLevel::kError);
  return agent::RunCheckCommand(args, std::cout, std::cerr,
                                agent::LanguageFromEnvironment());
}

}  // namespace mamori::facts_exe
