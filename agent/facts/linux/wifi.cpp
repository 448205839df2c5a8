// Linux gatherer for the `wifi` family: NetworkManager keyfiles and
// wpa_supplicant configuration under the root, adapters from /sys and the
// current link through nl80211 (live).
#include "agent/facts/wifi.h"

#include <cstdlib>

#include "agent/facts/linux/file_util.h"
#include "agent/facts/linux/ini_file.h"
#include "agent/facts/linux/nl80211_link.h"

namespace mamori::facts {

namespace lu = linux_util;

namespace {

// NetworkManager skips editor and package-manager leftovers in its keyfile
// directory; so do we.
bool IsKeyfileName(std::string_view name) {
  if (name.empty() || name.front() == '.') return false;
  for (std::string_view skip :
       {"~", ".bak", ".orig", ".rej", ".swp", ".tmp", ".dpkg-old", ".dpkg-new",
        ".dpkg-dist", ".rpmnew", ".rpmsave"}) {
    if (EndsWith(name, skip)) return false;
  }
  return true;
}

std::vector<WifiAdapter> Adapters() {
  std::vector<WifiAdapter> out;
  Result<std::vector<std::string>> names = lu::ListDirectory("/sys/class/net");
  if (!names.ok()) return out;
  for (const std::string& name : *names) {
    const std::string dir = "/sys/class/net/" + name;
    if (!lu::Exists(dir + "/wireless") && !lu::Exists(dir + "/phy80211")) {
      continue;
    }
    WifiAdapter a;
    a.name = SanitizeUtf8(name);
    a.mac = ToLowerAscii(lu::ReadOptional(dir + "/address"));
    const std::string flags = lu::ReadOptional(dir + "/flags");
    // sysfs writes flags as "0x1003".
    const uint64_t flag_bits = std::strtoull(flags.c_str(), nullptr, 16);
    a.state = AdapterState(lu::ReadOptional(dir + "/operstate"),
                           (flag_bits & 0x1) != 0);  // IFF_UP
    out.push_back(std::move(a));
  }
  return out;
}

}  // namespace

WifiFacts GatherWifi(const GatherContext& ctx) {
  WifiFacts facts;
  Status first_error;
  auto note_error = [&](const Status& s) {
    if (!s.ok() && s.code() != StatusCode::kNotFound && first_error.ok()) {
      first_error = s;
    }
  };

  for (std::string_view dir : {"/etc/NetworkManager/system-connections",
                               "/run/NetworkManager/system-connections",
                               "/usr/lib/NetworkManager/system-connections"}) {
    Result<std::vector<std::string>> names = lu::ListDirectory(ctx.Path(dir));
    if (!names.ok()) {
      note_error(names.status());
      continue;
    }
    for (const std::string& name : *names) {
      if (!IsKeyfileName(name)) continue;
      const std::string path = std::string(dir) + "/" + name;
      Result<std::string> text = ReadFile(ctx.Path(path), 1 << 20);
      if (!text.ok()) {
        note_error(text.status());
        continue;
      }
      Result<IniSections> ini = lu::ParseIni(*text);
      if (!ini.ok()) {
        note_error(ini.status().WithContext(path));
        continue;
      }
      if (auto net = NetworkFromKeyfile(*ini, path)) {
        facts.profiles.push_back(std::move(*net));
      }
    }
  }

  std::vector<std::string> wpa_files = {"/etc/wpa_supplicant.conf"};
  Result<std::vector<std::string>> wpa_dir =
      lu::ListDirectory(ctx.Path("/etc/wpa_supplicant"));
  if (wpa_dir.ok()) {
    for (const std::string& name : *wpa_dir) {
      if (EndsWith(name, ".conf")) {
        wpa_files.push_back("/etc/wpa_supplicant/" + name);
      }
    }
  } else {
    note_error(wpa_dir.status());
  }
  for (const std::string& path : wpa_files) {
    Result<std::string> text = ReadFile(ctx.Path(path), 1 << 20);
    if (!text.ok()) {
      note_error(text.status());
      continue;
    }
    for (WifiNetwork& net : ParseWpaSupplicant(*text, path)) {
      facts.profiles.push_back(std::move(net));
    }
  }

  if (ctx.live_kernel) {
    facts.adapters = Adapters();
    lu::ReadCurrentLink(facts.adapters, &facts);
  } else {
    // The link is the running kernel's, not the image's.
    facts.current_unknown = true;
    facts.current_status = UnsupportedStatus(
        "the current Wi-Fi link needs the live kernel (nl80211); not read "
        "under --root");
  }

  if (!first_error.ok()) {
    facts.status = StatusFromError(first_error);
  } else if (ctx.live_kernel && facts.adapters.empty()) {
    facts.status = NotApplicableStatus("no wireless adapter");
  } else {
    facts.status = OkStatus();
  }
  return facts;
}

}  // namespace mamori::facts
