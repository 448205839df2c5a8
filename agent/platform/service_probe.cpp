// A minimal Windows service for platform_test's service-manager test:
// `service_probe.exe SERVICE_NAME MARKER_FILE` runs RunAsService with a body
// that writes "running" to MARKER_FILE, waits for the stop request, then
// writes "stopped: <reason>" and returns 3 (so the exit code is checked).
// MARKER_FILE may hold Japanese: it comes through Utf8Arguments.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "agent/platform/process.h"
#include "agent/platform/stop.h"

int main(int argc, char** argv) {
  const std::vector<std::string> args =
      mamori::platform::Utf8Arguments(argc, argv);
  if (args.size() != 3) {
    std::fprintf(stderr, "usage: service_probe SERVICE_NAME MARKER_FILE\n");
    return 2;
  }
  const std::filesystem::path marker(std::u8string(
      reinterpret_cast<const char8_t*>(args[2].data()), args[2].size()));
  mamori::Result<int> rc = mamori::platform::RunAsService(
      args[1], [&](mamori::platform::StopRequest& stop) {
        std::ofstream(marker, std::ios::binary | std::ios::trunc)
            << "running\n";
        stop.WaitFor(std::chrono::hours(1));
        std::ofstream(marker, std::ios::binary | std::ios::app)
            << "stopped: " << stop.reason() << "\n";
        return 3;
      });
  if (!rc.ok()) {
    std::fprintf(stderr, "%s\n", rc.status().ToString().c_str());
    return 4;
  }
  return *rc;
}
