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
    const std::string& self, const std::string& helper_dir,
    std::string_view program) {
  const std::filesystem::path dir = std::filesystem::path(self).parent_path();
  std::vector<std::string> out = {(dir / program).string()};
  const std::filesystem::path installed =
      (dir / helper_dir / program).lexically_normal();
  if (installed.string() != out.front()) out.push_back(installed.string());
  return out;
}

namespace {

// Replaces this process with `program` running `mamori-agent <command>
// <args...>`. Returns only on failure, with the places tried in `tried`.
void ExecHelper(std::string_view program, std::string_view command,
                const std::vector<std::string>& args, std::string* tried,
                std::ostream& err) {
  std::error_code ec;
  const std::filesystem::path self =
      std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) {
    err << "mamori-agent " << command
        << ": cannot find its own executable (/proc/self/exe): " << ec.message()
        << "\n";
    return;
  }
  std::vector<std::string> words = {"mamori-agent", std::string(command)};
  words.insert(words.end(), args.begin(), args.end());
  std::vector<char*> argv;
  argv.reserve(words.size() + 1);
  for (std::string& w : words) argv.push_back(w.data());
  argv.push_back(nullptr);

  const std::vector<std::string> candidates = DeliveryProgramCandidates(
      self.string(), MAMORI_AGENT_HELPER_DIR, program);
  std::cout.flush();
  std::cerr.flush();
  for (const std::string& path : candidates) {
    ::execv(path.c_str(), argv.data());
    const int error = errno;  // execv returns only on failure
    if (!tried->empty()) *tried += ", ";
    *tried += path + " (" + std::strerror(error) + ")";
  }
}

}  // namespace

int ExecDeliveryProgram(std::string_view command,
                        const std::vector<std::string>& args,
                        std::ostream& err) {
  std::string tried;
  ExecHelper(kDeliveryProgram, command, args, &tried, err);
  if (tried.empty()) return 1;  // could not even look (said why)
  err << "mamori-agent " << command << ": cannot start " << kDeliveryProgram
      << ", which runs enroll, once and run: tried " << tried
      << ". It is installed with mamori-agent; reinstall the package.\n";
  return 1;
}

int ExecCheckProgram(const std::vector<std::string>& args, std::ostream& err) {
  std::string tried;
  ExecHelper(kCheckProgram, "check", args, &tried, err);
  if (tried.empty()) return 4;
  err << "mamori-agent check: cannot start " << kCheckProgram
      << ", which runs the built-in checks locally: tried " << tried
      << ". It is built with the collector's libraries (not in an agent-only "
         "build, -DMAMORI_BUILD_COLLECTOR=OFF) and installed with "
         "mamori-agent.\n";
  return 4;
}

}  // namespace mamori::agent
