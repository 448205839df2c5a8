#include "agent/facts/updates.h"

#include <algorithm>
#include <chrono>

#include "agent/facts/time_range.h"

namespace mamori::facts {

std::string_view EnumName(UpdateMethod method) {
  switch (method) {
    case UpdateMethod::kUnspecified:
      return "UPDATE_METHOD_UNSPECIFIED";
    case UpdateMethod::kLibapt:
      return "UPDATE_METHOD_LIBAPT";
    case UpdateMethod::kAptLists:
      return "UPDATE_METHOD_APT_LISTS";
    case UpdateMethod::kDnf:
      return "UPDATE_METHOD_DNF";
    case UpdateMethod::kWindowsUpdateAgent:
      return "UPDATE_METHOD_WINDOWS_UPDATE_AGENT";
  }
  return "";
}

std::string_view EnumName(PendingSource source) {
  switch (source) {
    case PendingSource::kUnspecified:
      return "PENDING_SOURCE_UNSPECIFIED";
    case PendingSource::kComputed:
      return "PENDING_SOURCE_COMPUTED";
    case PendingSource::kCached:
      return "PENDING_SOURCE_CACHED";
  }
  return "";
}

bool IsSecuritySuite(std::string_view archive, std::string_view codename,
                     std::string_view label) {
  return EndsWith(archive, "-security") || EndsWith(codename, "-security") ||
         label == "Debian-Security";
}

std::vector<DpkgLogInstall> ParseDpkgLogInstalls(std::string_view text) {
  std::vector<DpkgLogInstall> out;
  for (std::string_view line : SplitLines(text)) {
    // 2026-11-23 19:19:02 status installed libc-bin:amd64 2.36-9+deb12u14
    // Most lines are other actions and states: skip them before splitting
    // (a busy dpkg.log is ≈0.5 MB, read on every collection).
    if (line.find(" status installed ") == std::string_view::npos) continue;
    const auto words = SplitWhitespace(line);
    if (words.size() != 6 || words[2] != "status" || words[3] != "installed") {
      continue;
    }
    DpkgLogInstall entry;
    entry.local_time = std::string(words[0]) + " " + std::string(words[1]);
    if (!ParseCivilTime(entry.local_time)) continue;
    entry.package = SanitizeUtf8(words[4]);
    entry.version = SanitizeUtf8(words[5]);
    out.push_back(std::move(entry));
  }
  return out;
}

std::optional<TimePoint> ParseCivilTime(std::string_view text) {
  // "YYYY-MM-DD HH:MM:SS"
  if (text.size() != 19 || text[4] != '-' || text[7] != '-' ||
      text[10] != ' ' || text[13] != ':' || text[16] != ':') {
    return std::nullopt;
  }
  const auto num = [&](size_t at, size_t len) {
    return ParseInt64(text.substr(at, len));
  };
  const auto y = num(0, 4), mo = num(5, 2), d = num(8, 2), h = num(11, 2),
             mi = num(14, 2), s = num(17, 2);
  if (!y || !mo || !d || !h || !mi || !s) return std::nullopt;
  const std::chrono::year_month_day ymd{
      std::chrono::year(static_cast<int>(*y)),
      std::chrono::month(static_cast<unsigned>(*mo)),
      std::chrono::day(static_cast<unsigned>(*d))};
  // TimePoint counts nanoseconds in 64 bits (years 1677–2262): a year
  // outside 1900–2199 in a log is hostile or broken, and would wrap.
  if (!ymd.ok() || *y < 1900 || *y > 2199 || *h > 23 || *mi > 59 || *s > 60) {
    return std::nullopt;
  }
  return TimePoint(std::chrono::sys_days(ymd)) + std::chrono::hours(*h) +
         std::chrono::minutes(*mi) + std::chrono::seconds(*s);
}

std::vector<std::string> ParseRebootRequiredPkgs(std::string_view text) {
  std::vector<std::string> out;
  for (std::string_view line : SplitLines(text)) {
    line = Trim(line);
    if (!line.empty()) out.push_back(SanitizeUtf8(line));
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

AutomaticUpdatesVerdict DecideAutomaticUpdates(
    std::optional<int> periodic_enable, std::optional<int> unattended_upgrade,
    bool unattended_upgrades_installed, AptUpgradeTimer timer) {
  AutomaticUpdatesVerdict v;
  if (periodic_enable && *periodic_enable == 0) {
    v.evidence = "APT::Periodic::Enable=0";
    return v;
  }
  if (!unattended_upgrade) {
    v.evidence = "APT::Periodic::Unattended-Upgrade not set";
    return v;
  }
  v.evidence = "APT::Periodic::Unattended-Upgrade=" +
               std::to_string(*unattended_upgrade);
  if (*unattended_upgrade <= 0) return v;
  if (!unattended_upgrades_installed) {
    v.evidence += "; unattended-upgrades not installed";
    return v;
  }
  v.evidence += "; unattended-upgrades installed";
  // The settings say what unattended-upgrade would do; only the timer makes
  // it run.
  switch (timer) {
    case AptUpgradeTimer::kEnabled:
      v.evidence += "; apt-daily-upgrade.timer enabled";
      v.enabled = true;
      break;
    case AptUpgradeTimer::kDisabled:
      v.evidence += "; apt-daily-upgrade.timer not enabled";
      break;
    case AptUpgradeTimer::kMasked:
      v.evidence += "; apt-daily-upgrade.timer masked";
      break;
    case AptUpgradeTimer::kNotInstalled:
      v.evidence +=
          "; no apt-daily-upgrade.timer: what runs unattended-upgrade is "
          "not known";
      v.enabled = std::nullopt;
      break;
  }
  return v;
}

}  // namespace mamori::facts
