#include "agent/facts/linux/process_list.h"

#include "agent/facts/linux/file_util.h"
#include "common/text.h"

namespace mamori::facts::linux_util {

Result<std::vector<ProcessInfo>> ListProcesses(const std::string& proc_dir,
                                               bool read_exe) {
  Result<std::vector<std::string>> entries = ListDirectory(proc_dir);
  if (!entries.ok()) return entries.status();
  std::vector<ProcessInfo> out;
  for (const std::string& name : *entries) {
    const std::optional<uint64_t> pid = ParseUint64(name);
    if (!pid || *pid == 0 || *pid > UINT32_MAX) continue;
    const std::string dir = proc_dir + "/" + name;
    Result<std::string> comm = ReadTrimmed(dir + "/comm");
    if (!comm.ok()) continue;  // exited meanwhile
    ProcessInfo info;
    info.pid = static_cast<uint32_t>(*pid);
    info.comm = std::move(*comm);
    if (read_exe) info.exe = ReadLink(dir + "/exe").value_or("");
    out.push_back(std::move(info));
  }
  return out;
}

bool AnyProcessNamed(const std::vector<ProcessInfo>& processes,
                     std::string_view name) {
  const std::string_view cut = name.substr(0, 15);
  for (const ProcessInfo& p : processes) {
    if (p.comm == cut) return true;
  }
  return false;
}

bool AnyProcessUnder(const std::vector<ProcessInfo>& processes,
                     std::string_view dir) {
  std::string prefix(dir);
  if (!EndsWith(prefix, "/")) prefix += '/';
  for (const ProcessInfo& p : processes) {
    if (StartsWith(p.exe, prefix)) return true;
  }
  return false;
}

bool UnitEnabled(const GatherContext& ctx, std::string_view unit) {
  for (std::string_view target :
       {"multi-user.target", "graphical.target", "basic.target",
        "sysinit.target", "timers.target", "sockets.target"}) {
    const std::string link =
        ctx.Path("/etc/systemd/system/" + std::string(target) + ".wants/" +
                 std::string(unit));
    if (ReadLink(link) || Exists(link)) return true;
  }
  return false;
}

UnitFileState UnitFileStateOf(const GatherContext& ctx, std::string_view unit) {
  const std::string name(unit);
  const std::string local = ctx.Path("/etc/systemd/system/" + name);
  if (ReadLink(local) == std::optional<std::string>("/dev/null")) {
    return UnitFileState::kMasked;
  }
  const bool installed = Exists(local) || ReadLink(local).has_value() ||
                         Exists(ctx.Path("/usr/lib/systemd/system/" + name)) ||
                         Exists(ctx.Path("/lib/systemd/system/" + name));
  if (!installed) return UnitFileState::kNotInstalled;
  return UnitEnabled(ctx, unit) ? UnitFileState::kEnabled
                                : UnitFileState::kDisabled;
}

}  // namespace mamori::facts::linux_util
