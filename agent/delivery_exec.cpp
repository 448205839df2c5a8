#include "agent/delivery_exec.h"

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <iostream>

#ifndef MAMORI_AGENT_HELPER_DIR
#error "MAMORI_AGENT_HELPER_DIR (relative to the agent's directory) is not set"
#endif

namespace mamori::agent {

std::vector<std::string> DeliveryProgramCandidates(
    const std::string& self, const std::string& helper_dir) {
  const std::filesystem::path dir = std::filesystem::path(self).parent_path();
  std::vector<std::string> out = {(dir / kDeliveryProgram).string()};
  const std::filesystem::path installed =
      (dir / helper_dir / kDeliveryProgram).lexically_normal();
  if (installed.string() != out.front()) out.push_back(installed.string());
  return out;
}

int ExecDeliveryProgram(std::string_view command,
                        const std::vector<std::string>& args,
                        std::ostream& err) {
  std::error_code ec;
  const std::filesystem::path self =
      std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) {
    err << "mamori-agent " << command
        << ": cannot find its own executable (/proc/self/exe): " << ec.message()
        << "\n";
    return 1;
  }
  std::vector<std::string> words = {"mamori-agent", std::string(command)};
  words.insert(words.end(), args.begin(), args.end());
  std::vector<char*> argv;
  argv.reserve(words.size() + 1);
  for (std::string& w : words) argv.push_back(w.data());
  argv.push_back(nullptr);

  const std::vector<std::string> candidates =
      DeliveryProgramCandidates(self.string(), MAMORI_AGENT_HELPER_DIR);
  std::cout.flush();
  std::cerr.flush();
  std::string tried;
  for (const std::string& path : candidates) {
    ::execv(path.c_str(), argv.data());
    const int error = errno;  // execv returns only on failure
    if (!tried.empty()) tried += ", ";
    tried += path + " (" + std::strerror(error) + ")";
  }
  err << "mamori-agent " << command << ": cannot start " << kDeliveryProgram
      << ", which runs enroll, once and run: tried " << tried
      << ". It is installed with mamori-agent; reinstall the package.\n";
  return 1;
}

}  // namespace mamori::agent
