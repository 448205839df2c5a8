#pragma once

// One pass over /proc listing the running processes (pid, comm, executable
// path), shared by the Linux families that ask "is X running?" (antivirus,
// firewall, remote_access, usb_storage). Thread-safe (no shared state).

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "agent/facts/types.h"
#include "common/status.h"

namespace mamori::facts::linux_util {

struct ProcessInfo {
  uint32_t pid = 0;
  // /proc/<pid>/comm: the executable name cut to 15 characters.
  std::string comm;
  // /proc/<pid>/exe target; "" when unreadable (another user's process
  // without root, kernel threads).
  std::string exe;
};

// Returns every process under `proc_dir` ("/proc"); processes that exit while
// being read are skipped. The executable link is read only when `read_exe`
// (one more syscall per process; needed by AnyProcessUnder). Errors: the
// ListDirectory errors for `proc_dir`.
Result<std::vector<ProcessInfo>> ListProcesses(
    const std::string& proc_dir = "/proc", bool read_exe = false);

// True when some process has comm `name` (compared on its first 15
// characters, as the kernel cuts it).
bool AnyProcessNamed(const std::vector<ProcessInfo>& processes,
                     std::string_view name);

// True when some process's executable lies under `dir` ("/opt/eset").
bool AnyProcessUnder(const std::vector<ProcessInfo>& processes,
                     std::string_view dir);

// True when systemd unit `unit` ("usbguard.service") is enabled under the
// context's root: a link in /etc/systemd/system/<target>.wants for the usual
// targets. Links are tested themselves, not their targets, because under
// --root the absolute target points outside the tree.
bool UnitEnabled(const GatherContext& ctx, std::string_view unit);

// Masked: /etc/systemd/system/<unit> links to /dev/null (systemd will not
// start it whatever else says so); NotInstalled: no unit file in
// /etc/systemd/system, /usr/lib/systemd/system or /lib/systemd/system.
enum class UnitFileState { kEnabled, kDisabled, kMasked, kNotInstalled };
UnitFileState UnitFileStateOf(const GatherContext& ctx, std::string_view unit);

}  // namespace mamori::facts::linux_util
