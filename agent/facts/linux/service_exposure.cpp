// Linux gatherer for the `service_exposure` family: TCP listeners from
// NETLINK_SOCK_DIAG with their owners, the owning dpkg package of each
// process's executable, then the portable probes (service_probe.h).
#include "agent/facts/service_exposure.h"

#include <map>

#include "agent/facts/linux/file_util.h"
#include "agent/facts/linux/sock_diag.h"
#include "agent/facts/packages.h"
#include "agent/facts/service_probe.h"

namespace mamori::facts {

namespace lu = linux_util;

namespace {

// The dpkg package whose file list names `exe` (or its /usr-less twin on a
// merged-/usr system), with its installed version. Reads
// /var/lib/dpkg/info/*.list once per call for all the paths.
void AttachDpkgPackages(const GatherContext& ctx,
                        std::vector<ExposedService>* services) {
  std::map<std::string, std::string> exe_of_pid;
  for (const ExposedService& s : *services) {
    if (s.pid == 0 || exe_of_pid.count(std::to_string(s.pid))) continue;
    const std::string key = std::to_string(s.pid);
    exe_of_pid[key] = lu::ReadLink("/proc/" + key + "/exe").value_or("");
  }
  std::map<std::string, std::string> owner;  // exe → package
  const std::string info_dir = ctx.Path("/var/lib/dpkg/info");
  Result<std::vector<std::string>> names = lu::ListDirectory(info_dir);
  if (!names.ok()) return;
  std::vector<std::pair<std::string, std::string>> wanted;  // (needle, exe)
  for (const auto& [pid, exe] : exe_of_pid) {
    // dpkg installs under the system directories only; a binary elsewhere
    // (/home, /root, /tmp) has no package to find.
    const bool system_path =
        StartsWith(exe, "/usr/") || StartsWith(exe, "/bin/") ||
        StartsWith(exe, "/sbin/") || StartsWith(exe, "/opt/") ||
        StartsWith(exe, "/lib");
    if (exe.empty() || !system_path || owner.count(exe)) continue;
    owner[exe] = "";
    wanted.emplace_back("\n" + exe + "\n", exe);
    if (StartsWith(exe, "/usr/"))
      wanted.emplace_back("\n" + exe.substr(4) + "\n", exe);
  }
  if (wanted.empty()) return;
  for (const std::string& name : *names) {
    if (!EndsWith(name, ".list")) continue;
    Result<std::string> text = ReadFile(info_dir + "/" + name, 8 << 20);
    if (!text.ok()) continue;
    const std::string framed = "\n" + *text;
    for (const auto& [needle, exe] : wanted) {
      if (owner[exe].empty() && framed.find(needle) != std::string::npos) {
        std::string package = name.substr(0, name.size() - 5);
        owner[exe] = package.substr(0, package.find(':'));
      }
    }
  }
  std::map<std::string, std::string> version;
  Result<std::string> status =
      ReadFile(ctx.Path("/var/lib/dpkg/status"), 64 << 20);
  if (status.ok()) {
    for (const Package& p : ParseDpkgStatus(*status))
      version[p.name] = p.version;
  }
  for (ExposedService& s : *services) {
    const std::string& exe = exe_of_pid[std::to_string(s.pid)];
    if (exe.empty()) continue;
    s.package = owner[exe];
    if (!s.package.empty()) s.package_version = version[s.package];
  }
}

}  // namespace

ServiceExposureFacts GatherServiceExposure(const GatherContext& ctx) {
  if (!ctx.live_kernel) {
    ServiceExposureFacts facts;
    facts.status = UnsupportedStatus(
        "service probes need the running system; --root shows files only");
    return facts;
  }
  Result<std::vector<ListeningSocket>> sockets =
      lu::ListListeningSocketsWithOwners();
  if (!sockets.ok()) {
    ServiceExposureFacts facts;
    facts.status = StatusFromError(sockets.status());
    return facts;
  }
  return ProbeOrReuse(ServicesToProbe(*sockets), ctx, ProbeLimits{},
                      [&ctx](std::vector<ExposedService>* services) {
                        AttachDpkgPackages(ctx, services);
                      });
}

}  // namespace mamori::facts
