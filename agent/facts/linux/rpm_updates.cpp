#include "agent/facts/linux/rpm_updates.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <string_view>
#include <tuple>

#include "agent/facts/linux/file_util.h"
#include "agent/facts/linux/ini_file.h"

namespace mamori::facts {

namespace lu = linux_util;

namespace {

constexpr std::string_view kInstallTimer = "dnf-automatic-install.timer";
// These apply updates only when automatic.conf says apply_updates = yes.
constexpr std::array<std::string_view, 2> kConfiguredTimers = {
    "dnf-automatic.timer", "dnf5-automatic.timer"};

bool Contains(const std::vector<std::string>& names, std::string_view name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

// dnf's boolean option values (libdnf OptionBool).
std::optional<bool> DnfBool(std::string value) {
  std::transform(value.begin(), value.end(), value.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  if (value == "1" || value == "yes" || value == "true" || value == "on") {
    return true;
  }
  if (value == "0" || value == "no" || value == "false" || value == "off") {
    return false;
  }
  return std::nullopt;
}

}  // namespace

DnfAutomaticVerdict DecideDnfAutomatic(const DnfAutomaticInputs& inputs) {
  DnfAutomaticVerdict v;
  if (Contains(inputs.enabled_timers, kInstallTimer)) {
    v.enabled = true;
    v.evidence = std::string(kInstallTimer) + " enabled (always applies)";
    return v;
  }
  std::string timer;
  for (std::string_view t : kConfiguredTimers) {
    if (Contains(inputs.enabled_timers, t)) {
      timer = std::string(t);
      break;
    }
  }
  if (timer.empty()) {
    v.enabled = false;
    v.evidence =
        "no dnf-automatic timer enabled (dnf-automatic.timer, "
        "dnf-automatic-install.timer, dnf5-automatic.timer)";
    return v;
  }
  if (!inputs.automatic_conf) {
    v.enabled = false;
    v.evidence = timer +
                 " enabled; /etc/dnf/automatic.conf missing (apply_updates "
                 "defaults to no)";
    return v;
  }
  Result<IniSections> ini = lu::ParseIni(*inputs.automatic_conf);
  if (!ini.ok()) {
    v.evidence = timer + " enabled; /etc/dnf/automatic.conf unreadable: " +
                 ini.status().message();
    return v;
  }
  const std::optional<std::string> apply =
      IniValue(*ini, "commands", "apply_updates");
  if (!apply) {
    v.enabled = false;
    v.evidence = timer +
                 " enabled; apply_updates not set in /etc/dnf/automatic.conf "
                 "(defaults to no)";
    return v;
  }
  const std::string setting =
      "[commands] apply_updates = " + SanitizeUtf8(*apply);
  v.enabled = DnfBool(*apply);
  v.evidence = timer + " enabled; /etc/dnf/automatic.conf " + setting;
  if (!v.enabled.has_value()) v.evidence += " (not a boolean)";
  if (const std::optional<std::string> type =
          IniValue(*ini, "commands", "upgrade_type")) {
    v.evidence += ", upgrade_type = " + SanitizeUtf8(*type);
  }
  return v;
}

DnfAutomaticInputs ReadDnfAutomaticInputs(const GatherContext& ctx) {
  DnfAutomaticInputs in;
  Result<std::string> conf =
      ReadFile(ctx.Path("/etc/dnf/automatic.conf"), 1 << 20);
  if (conf.ok()) in.automatic_conf = std::move(*conf);

  std::vector<std::string_view> timers(kConfiguredTimers.begin(),
                                       kConfiguredTimers.end());
  timers.push_back(kInstallTimer);
  for (std::string_view timer : timers) {
    const std::string name(timer);
    // `systemctl enable` makes this link (to an absolute path, not followed:
    // under --root it would name the host's file).
    const std::string wants =
        ctx.Path("/etc/systemd/system/timers.target.wants/" + name);
    if (!lu::ReadLink(wants) && !lu::Exists(wants)) continue;
    const std::string local = ctx.Path("/etc/systemd/system/" + name);
    if (lu::ReadLink(local) == std::optional<std::string>("/dev/null")) {
      continue;  // masked
    }
    const bool unit_installed =
        lu::Exists(ctx.Path("/usr/lib/systemd/system/" + name)) ||
        lu::Exists(local);
    if (unit_installed) in.enabled_timers.push_back(name);
  }
  return in;
}

UpdateFacts GatherRpmUpdates(const GatherContext& ctx,
                             const RpmdbLocation& rpmdb) {
  UpdateFacts facts;
  std::string message =
      "rpm-based system: pending updates from dnf metadata are not supported "
      "by this agent yet (automatic updates and install times are reported)";

  PackageFacts packages = ReadRpmDatabase(rpmdb);
  if (packages.status.ok()) {
    std::vector<const Package*> installed;
    for (const Package& p : packages.packages) {
      if (p.install_time) installed.push_back(&p);
    }
    std::sort(installed.begin(), installed.end(),
              [](const Package* a, const Package* b) {
                return std::tie(*a->install_time, a->name) <
                       std::tie(*b->install_time, b->name);
              });
    constexpr size_t kRecent = 20;
    const size_t first =
        installed.size() > kRecent ? installed.size() - kRecent : 0;
    for (size_t i = first; i < installed.size(); ++i) {
      InstalledUpdate u;
      u.id = installed[i]->name + "." + installed[i]->architecture;
      u.title = installed[i]->name + " " + installed[i]->version;
      u.installed_at = installed[i]->install_time;
      facts.recent_installed.push_back(std::move(u));
    }
    if (!installed.empty())
      facts.last_install_at = installed.back()->install_time;
  } else {
    message += "; install times unknown: " + packages.status.message;
  }

  DnfAutomaticVerdict verdict = DecideDnfAutomatic(ReadDnfAutomaticInputs(ctx));
  facts.automatic_updates = verdict.enabled;
  facts.automatic_updates_evidence = std::move(verdict.evidence);
  // Unsupported, not OK: an OK family with pending_count 0 would read as
  // "fully patched".
  facts.status = UnsupportedStatus(std::move(message));
  return facts;
}

}  // namespace mamori::facts
