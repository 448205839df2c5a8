// Linux gatherer for the `system` family: files under the root plus uname,
// /proc and /sys on the live system.
#include "agent/facts/system.h"

#include <sys/utsname.h>

#include <ctime>

#include "agent/facts/linux/file_util.h"

namespace mamori::facts {

namespace lu = linux_util;

namespace {

bool HasBattery(const GatherContext& ctx) {
  const std::string dir = ctx.Path("/sys/class/power_supply");
  Result<std::vector<std::string>> supplies = lu::ListDirectory(dir);
  if (!supplies.ok()) return false;
  for (const std::string& name : *supplies) {
    if (lu::ReadOptional(dir + "/" + name + "/type") == "Battery") return true;
  }
  return false;
}

VirtEvidence ReadVirtEvidence(const GatherContext& ctx) {
  VirtEvidence e;
  // /proc/1/environ is root-only; without it the marker files still tell.
  Result<std::string> environ = ReadFile("/proc/1/environ", 1 << 20);
  if (environ.ok()) {
    for (std::string_view var : Split(*environ, '\0')) {
      if (StartsWith(var, "container=")) {
        e.pid1_container = std::string(var.substr(10));
      }
    }
  }
  e.dockerenv = lu::Exists(ctx.Path("/.dockerenv"));
  e.containerenv = lu::Exists(ctx.Path("/run/.containerenv"));
  e.sys_vendor = lu::ReadOptional("/sys/class/dmi/id/sys_vendor");
  e.product_name = lu::ReadOptional("/sys/class/dmi/id/product_name");
  e.bios_vendor = lu::ReadOptional("/sys/class/dmi/id/bios_vendor");
  Result<std::string> cpuinfo = ReadFile("/proc/cpuinfo", 16 << 20);
  if (cpuinfo.ok()) {
    for (std::string_view line : SplitLines(*cpuinfo)) {
      if (!StartsWith(line, "flags")) continue;
      for (std::string_view flag : SplitWhitespace(line)) {
        if (flag == "hypervisor") e.cpu_hypervisor = true;
      }
      break;
    }
  }
  return e;
}

}  // namespace

SystemFacts GatherSystem(const GatherContext& ctx) {
  SystemFacts facts;
  facts.os_family = OsFamily::kLinux;

  Result<std::string> os_release =
      ReadFile(ctx.Path("/etc/os-release"), 1 << 20);
  if (!os_release.ok() && os_release.status().code() == StatusCode::kNotFound) {
    os_release = ReadFile(ctx.Path("/usr/lib/os-release"), 1 << 20);
  }
  if (!os_release.ok()) {
    facts.status = StatusFromError(os_release.status());
    if (os_release.status().code() == StatusCode::kNotFound) {
      facts.status.message = "no os-release: neither " +
                             ctx.Path("/etc/os-release") + " nor " +
                             ctx.Path("/usr/lib/os-release") + " exists";
    }
    return facts;
  }
  ApplyOsRelease(ParseOsRelease(*os_release), &facts);

  if (ctx.live_kernel) {
    utsname uts{};
    if (::uname(&uts) == 0) {
      facts.hostname = SanitizeUtf8(uts.nodename);
      facts.kernel_version = uts.release;
      facts.architecture = uts.machine;
    }
    Result<std::string> stat = ReadFile("/proc/stat", 16 << 20);
    if (stat.ok()) {
      if (auto btime = ParseBootTime(*stat)) {
        facts.boot_time = FromUnixSeconds(*btime);
      }
    }
    const std::time_t now = ToUnixSeconds(ctx.clock->Now());
    std::tm local{};
    if (::localtime_r(&now, &local) != nullptr) {
      facts.utc_offset_seconds = static_cast<int32_t>(local.tm_gmtoff);
    }
  } else {
    facts.hostname = SanitizeUtf8(lu::ReadOptional(ctx.Path("/etc/hostname")));
  }
  Result<std::string> hosts = ReadFile(ctx.Path("/etc/hosts"), 1 << 20);
  if (hosts.ok()) facts.fqdn = FqdnFromHosts(*hosts, facts.hostname);

  if (auto link = lu::ReadLink(ctx.Path("/etc/localtime"))) {
    facts.time_zone = TimeZoneFromLink(*link);
  }
  if (facts.time_zone.empty()) {
    facts.time_zone = SanitizeUtf8(lu::ReadOptional(ctx.Path("/etc/timezone")));
  }

  facts.machine_id = lu::ReadOptional(ctx.Path("/etc/machine-id"));
  if (facts.machine_id.empty()) {
    facts.machine_id = lu::ReadOptional(ctx.Path("/var/lib/dbus/machine-id"));
  }

  // Under --root from the tree's copy of the DMI attributes, if it has one.
  facts.smbios_uuid = ToLowerAscii(
      lu::ReadOptional(ctx.Path("/sys/class/dmi/id/product_uuid")));
  if (ctx.live_kernel) {
    facts.virtualization = DetectVirtualization(ReadVirtEvidence(ctx));
    const uint32_t chassis = static_cast<uint32_t>(
        ParseUint64(lu::ReadOptional("/sys/class/dmi/id/chassis_type"))
            .value_or(0));
    RoleHint role = DeriveRole(chassis, HasBattery(ctx), facts.virtualization);
    facts.role = role.role;
    facts.role_evidence = std::move(role.evidence);
  }
  facts.status = OkStatus();
  return facts;
}

}  // namespace mamori::facts
