#pragma once

// The `system` family: OS identity, kernel, boot time, time zone, stable
// identifiers and a role hint (laptop / desktop / server / virtual).
//
// Missing sources: no os-release (neither /etc/os-release nor
// /usr/lib/os-release) → STATUS_UNSUPPORTED; everything else is optional and
// left empty when absent (SMBIOS UUID needs root and DMI, and under --root
// is read from <root>/sys/class/dmi/id/product_uuid; the kernel fields, boot
// time, UTC offset, virtualization and role need the live kernel and are
// empty under --root).
// Parsers are pure and thread-safe.

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "agent/facts/types.h"

namespace mamori::facts {

enum class EndpointRole : int {
  kUnspecified = 0,
  kDesktop = 1,
  kLaptop = 2,
  kServer = 3,
  kVirtual = 4,
};
std::string_view EnumName(EndpointRole role);

enum class OsFamily : int {
  kUnspecified = 0,
  kLinux = 1,
  kWindows = 2,
  kMacos = 3,
};
std::string_view EnumName(OsFamily family);

// Mirrors mamori.v1.SystemFacts.
struct SystemFacts {
  CollectionStatus status;
  std::string hostname;
  std::string fqdn;
  OsFamily os_family = OsFamily::kUnspecified;
  std::string os_id;
  std::string os_name;
  std::string os_version;
  std::string os_codename;
  std::string os_edition;
  uint32_t os_build = 0;
  uint32_t os_build_revision = 0;
  std::string os_like;
  std::string kernel_version;
  std::string architecture;
  std::optional<TimePoint> boot_time;
  std::string time_zone;
  int32_t utc_offset_seconds = 0;
  std::string machine_id;
  std::string smbios_uuid;
  EndpointRole role = EndpointRole::kUnspecified;
  std::string role_evidence;
  std::string domain;
  bool domain_joined = false;
  std::optional<TimePoint> install_time;
  std::string virtualization;
};

template <typename V>
void VisitFields(const SystemFacts& f, V& v) {
  v("status", f.status);
  v("hostname", f.hostname);
  v("fqdn", f.fqdn);
  v("os_family", f.os_family);
  v("os_id", f.os_id);
  v("os_name", f.os_name);
  v("os_version", f.os_version);
  v("os_codename", f.os_codename);
  v("os_edition", f.os_edition);
  v("os_build", f.os_build);
  v("os_build_revision", f.os_build_revision);
  v("os_like", f.os_like);
  v("kernel_version", f.kernel_version);
  v("architecture", f.architecture);
  v("boot_time", f.boot_time);
  v("time_zone", f.time_zone);
  v("utc_offset_seconds", f.utc_offset_seconds);
  v("machine_id", f.machine_id);
  v("smbios_uuid", f.smbios_uuid);
  v("role", f.role);
  v("role_evidence", f.role_evidence);
  v("domain", f.domain);
  v("domain_joined", f.domain_joined);
  v("install_time", f.install_time);
  v("virtualization", f.virtualization);
}

// Collects the family. Never throws; failures are in `status`.
SystemFacts GatherSystem(const GatherContext& ctx);

// Parses os-release (KEY=value, values optionally quoted with shell escapes).
// Returns the keys found; malformed lines are skipped.
std::map<std::string, std::string> ParseOsRelease(std::string_view text);

// Fills os_id/os_name/os_version/os_codename/os_like from parsed os-release.
// os_name prefers PRETTY_NAME over NAME.
void ApplyOsRelease(const std::map<std::string, std::string>& os_release,
                    SystemFacts* facts);

// Returns the `btime` value of /proc/stat (seconds since the epoch), or
// nullopt when absent or malformed.
std::optional<int64_t> ParseBootTime(std::string_view proc_stat);

// Returns the IANA zone name from an /etc/localtime link target
// ("/usr/share/zoneinfo/Asia/Tokyo" → "Asia/Tokyo"), or "" when the target
// is not under a zoneinfo directory.
std::string TimeZoneFromLink(std::string_view link_target);

// Returns the FQDN of `hostname` from /etc/hosts text: the first name on a
// line that also names `hostname` and contains a dot; "" when none.
std::string FqdnFromHosts(std::string_view hosts, std::string_view hostname);

// What the virtualisation detector looks at (systemd-detect-virt's files).
struct VirtEvidence {
  std::string pid1_container;   // container= from /proc/1/environ
  bool dockerenv = false;       // /.dockerenv exists
  bool containerenv = false;    // /run/.containerenv exists (podman)
  std::string sys_vendor;       // /sys/class/dmi/id/sys_vendor
  std::string product_name;     // /sys/class/dmi/id/product_name
  std::string bios_vendor;      // /sys/class/dmi/id/bios_vendor
  bool cpu_hypervisor = false;  // "hypervisor" flag in /proc/cpuinfo
};

// Returns the virtualisation technology ("docker", "podman", "lxc", "kvm",
// "qemu", "vmware", "oracle", "microsoft", "xen", "amazon", or "vm" for an
// unidentified hypervisor), or "" on bare metal. Containers win over VMs.
std::string DetectVirtualization(const VirtEvidence& evidence);

struct RoleHint {
  EndpointRole role = EndpointRole::kUnspecified;
  std::string evidence;
};

// Returns the role from SMBIOS chassis type (0 = unknown), battery presence
// and virtualisation: a guest is virtual; laptop chassis or a battery →
// laptop; desktop chassis → desktop; server chassis → server; else unknown.
RoleHint DeriveRole(uint32_t chassis_type, bool has_battery,
                    std::string_view virtualization);

}  // namespace mamori::facts
