// Fuzz target: sshd_config resolution with Include and Match. The input is
// the main file and, after NUL bytes, the files Include directives find: an
// Include pattern of length L is answered with file 1 + L % (number of
// files), so a file can include itself, as a glob over sshd_config.d/ can.

#include <cstddef>
#include <cstdint>

#include "agent/facts/remote_access.h"
#include "fuzz/fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using mamori::fuzz::SplitParts;
  const std::vector<std::string_view> parts =
      SplitParts(mamori::fuzz::AsText(data, size));
  auto loader = [&parts](const std::string& pattern) {
    std::vector<std::pair<std::string, std::string>> files;
    if (parts.size() < 2) return files;
    const size_t i = 1 + pattern.size() % (parts.size() - 1);
    files.emplace_back(pattern, std::string(parts[i]));
    return files;
  };
  (void)mamori::facts::ResolveSshdConfig(parts[0], "/etc/ssh/sshd_config",
                                         loader);
  return 0;
}
