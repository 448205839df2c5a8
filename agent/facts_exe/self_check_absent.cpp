#include <cstdio>

#include "agent/facts_exe/self_check.h"

namespace mamori::facts_exe {

const char* SelfCheckUsage() {
  return "  --check          not in this build: the self-check (the "
         "collector's\n"
         "                   checks run here) needs the Windows agent's\n"
         "                   libraries (scripts/windows-deps.sh), which this\n"
         "                   build did not have (docs/building-windows.md)\n"
         "                   "
         "セルフチェックはこのビルドには含まれていません。\n";
}

int RunSelfCheck(const std::vector<std::string>&) {
  // Exit 4 = "the self-check could not run", as mamori-agent check.
  std::fputs(
      "mamori-facts: --check is not built into this program (see --help); no "
      "check was run\n",
      stderr);
  return 4;
}

}  // namespace mamori::facts_exe
