#include "agent/facts/system.h"

#include <array>
#include <utility>

#include "agent/facts/time_range.h"

namespace mamori::facts {

std::string_view EnumName(EndpointRole role) {
  switch (role) {
    case EndpointRole::kUnspecified:
      return "ENDPOINT_ROLE_UNSPECIFIED";
    case EndpointRole::kDesktop:
      return "ENDPOINT_ROLE_DESKTOP";
    case EndpointRole::kLaptop:
      return "ENDPOINT_ROLE_LAPTOP";
    case EndpointRole::kServer:
      return "ENDPOINT_ROLE_SERVER";
    case EndpointRole::kVirtual:
      return "ENDPOINT_ROLE_VIRTUAL";
  }
  return "";
}

std::string_view EnumName(OsFamily family) {
  switch (family) {
    case OsFamily::kUnspecified:
      return "OS_FAMILY_UNSPECIFIED";
    case OsFamily::kLinux:
      return "OS_FAMILY_LINUX";
    case OsFamily::kWindows:
      return "OS_FAMILY_WINDOWS";
    case OsFamily::kMacos:
      return "OS_FAMILY_MACOS";
  }
  return "";
}

namespace {

// os-release values follow shell quoting: "..." with \" \\ \$ \` escapes,
// '...' literal, or a bare word.
std::string UnquoteShellValue(std::string_view raw) {
  raw = Trim(raw);
  if (raw.size() >= 2 && raw.front() == '\'' && raw.back() == '\'') {
    return std::string(raw.substr(1, raw.size() - 2));
  }
  if (raw.size() >= 2 && raw.front() == '"' && raw.back() == '"') {
    raw = raw.substr(1, raw.size() - 2);
    std::string out;
    for (size_t i = 0; i < raw.size(); ++i) {
      if (raw[i] == '\\' && i + 1 < raw.size()) {
        const char next = raw[i + 1];
        if (next == '"' || next == '\\' || next == '$' || next == '`') {
          out += next;
          ++i;
          continue;
        }
      }
      out += raw[i];
    }
    return out;
  }
  return std::string(raw);
}

std::string Value(const std::map<std::string, std::string>& m,
                  const std::string& key) {
  auto it = m.find(key);
  return it == m.end() ? std::string() : it->second;
}

}  // namespace

std::map<std::string, std::string> ParseOsRelease(std::string_view text) {
  std::map<std::string, std::string> out;
  for (std::string_view line : SplitLines(text)) {
    line = Trim(line);
    if (line.empty() || line.front() == '#') continue;
    const size_t eq = line.find('=');
    if (eq == std::string_view::npos || eq == 0) continue;
    const std::string_view key = Trim(line.substr(0, eq));
    if (key.find_first_of(" \t") != std::string_view::npos) continue;
    out[std::string(key)] =
        SanitizeUtf8(UnquoteShellValue(line.substr(eq + 1)));
  }
  return out;
}

void ApplyOsRelease(const std::map<std::string, std::string>& os_release,
                    SystemFacts* facts) {
  facts->os_id = Value(os_release, "ID");
  facts->os_name = Value(os_release, "PRETTY_NAME");
  if (facts->os_name.empty()) facts->os_name = Value(os_release, "NAME");
  facts->os_version = Value(os_release, "VERSION_ID");
  facts->os_codename = Value(os_release, "VERSION_CODENAME");
  facts->os_like = Value(os_release, "ID_LIKE");
}

std::optional<int64_t> ParseBootTime(std::string_view proc_stat) {
  for (std::string_view line : SplitLines(proc_stat)) {
    const auto words = SplitWhitespace(line);
    if (words.size() != 2 || words[0] != "btime") continue;
    // Beyond TimePoint's range the caller's conversion would overflow.
    const std::optional<int64_t> seconds = ParseInt64(words[1]);
    if (!seconds || *seconds > kTimePointLastSecond ||
        *seconds < -kTimePointLastSecond) {
      return std::nullopt;
    }
    return seconds;
  }
  return std::nullopt;
}

std::string TimeZoneFromLink(std::string_view link_target) {
  constexpr std::string_view kMarker = "zoneinfo/";
  const size_t at = link_target.rfind(kMarker);
  if (at == std::string_view::npos) return "";
  std::string_view zone = link_target.substr(at + kMarker.size());
  // zoneinfo/posix/... and zoneinfo/right/... are the same zones.
  for (std::string_view prefix : {"posix/", "right/"}) {
    if (StartsWith(zone, prefix)) zone.remove_prefix(prefix.size());
  }
  return std::string(zone);
}

std::string FqdnFromHosts(std::string_view hosts, std::string_view hostname) {
  if (hostname.empty()) return "";
  for (std::string_view line : SplitLines(hosts)) {
    const size_t hash = line.find('#');
    if (hash != std::string_view::npos) line = line.substr(0, hash);
    const auto words = SplitWhitespace(line);
    if (words.size() < 2) continue;
    bool names_host = false;
    for (size_t i = 1; i < words.size(); ++i) {
      names_host = names_host || words[i] == hostname ||
                   StartsWith(words[i], std::string(hostname) + ".");
    }
    if (!names_host) continue;
    for (size_t i = 1; i < words.size(); ++i) {
      if (words[i].find('.') != std::string_view::npos &&
          StartsWith(words[i], std::string(hostname) + ".")) {
        return std::string(words[i]);
      }
    }
  }
  return "";
}

std::string DetectVirtualization(const VirtEvidence& e) {
  if (!e.pid1_container.empty()) {
    const std::string c = ToLowerAscii(e.pid1_container);
    if (c == "lxc" || c == "lxc-libvirt") return "lxc";
    if (c == "systemd-nspawn") return "systemd-nspawn";
    if (c == "docker") return "docker";
    if (c == "podman") return "podman";
    return c;
  }
  if (e.dockerenv) return "docker";
  if (e.containerenv) return "podman";
  struct Vendor {
    std::string_view needle;
    std::string_view name;
  };
  static constexpr std::array<Vendor, 10> kVendors = {{
      {"kvm", "kvm"},
      {"qemu", "qemu"},
      {"vmware", "vmware"},
      {"virtualbox", "oracle"},
      {"innotek", "oracle"},
      {"xen", "xen"},
      {"amazon ec2", "amazon"},
      {"bochs", "bochs"},
      {"parallels", "parallels"},
      {"microsoft corporation", "microsoft"},
  }};
  for (const std::string& field :
       {e.sys_vendor, e.product_name, e.bios_vendor}) {
    const std::string lower = ToLowerAscii(field);
    for (const Vendor& v : kVendors) {
      if (lower.find(v.needle) == std::string::npos) continue;
      // Microsoft also makes real Surface hardware; only "Virtual Machine" is
      // Hyper-V.
      if (v.name == "microsoft" &&
          ToLowerAscii(e.product_name).find("virtual machine") ==
              std::string::npos) {
        continue;
      }
      return std::string(v.name);
    }
  }
  if (e.cpu_hypervisor) return "vm";
  return "";
}

RoleHint DeriveRole(uint32_t chassis_type, bool has_battery,
                    std::string_view virtualization) {
  RoleHint hint;
  if (!virtualization.empty()) {
    hint.role = EndpointRole::kVirtual;
    hint.evidence = "virt=" + std::string(virtualization);
    return hint;
  }
  const std::string chassis = "chassis_type=" + std::to_string(chassis_type);
  // SMBIOS 3.x chassis types (DSP0134 7.4.1).
  switch (chassis_type) {
    case 8:   // portable
    case 9:   // laptop
    case 10:  // notebook
    case 11:  // hand held
    case 14:  // sub notebook
    case 30:  // tablet
    case 31:  // convertible
    case 32:  // detachable
      hint.role = EndpointRole::kLaptop;
      hint.evidence = chassis;
      return hint;
    case 17:  // main server chassis
    case 23:  // rack mount chassis
    case 25:  // multi-system chassis
    case 28:  // blade
    case 29:  // blade enclosure
      hint.role = EndpointRole::kServer;
      hint.evidence = chassis;
      return hint;
    default:
      break;
  }
  if (has_battery) {
    hint.role = EndpointRole::kLaptop;
    hint.evidence = "battery";
    return hint;
  }
  switch (chassis_type) {
    case 3:   // desktop
    case 4:   // low profile desktop
    case 5:   // pizza box
    case 6:   // mini tower
    case 7:   // tower
    case 13:  // all in one
    case 15:  // space-saving
    case 16:  // lunch box
    case 35:  // mini PC
    case 36:  // stick PC
      hint.role = EndpointRole::kDesktop;
      hint.evidence = chassis;
      return hint;
    default:
      break;
  }
  return hint;
}

}  // namespace mamori::facts
