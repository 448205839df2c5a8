#include "agent/facts/linux/dnf_updates.h"

#include <fnmatch.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <map>
#include <set>
#include <tuple>

#include "agent/facts/linux/ini_file.h"
#include "agent/facts/time_range.h"
#include "common/text.h"

namespace mamori::facts {

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

namespace {

bool ArchCompatible(std::string_view a, std::string_view b) {
  return a == b || a == "noarch" || b == "noarch";
}

int SeverityRank(std::string_view severity) {
  static constexpr std::array<std::string_view, 4> kOrder = {
      "Low", "Moderate", "Important", "Critical"};
  for (size_t i = 0; i < kOrder.size(); ++i) {
    if (severity == kOrder[i]) return static_cast<int>(i) + 1;
  }
  return 0;
}

// One pending update before naming: the newest installed version of a
// name.arch and its candidate.
struct Candidate {
  const Package* installed = nullptr;
  const DnfAvailable* best = nullptr;
};

}  // namespace

Result<std::vector<DnfRepoConfig>> ParseDnfRepoFile(std::string_view text) {
  Result<IniSections> ini = linux_util::ParseIni(text);
  if (!ini.ok()) return ini.status();
  std::vector<DnfRepoConfig> repos;
  for (const auto& [section, keys] : *ini) {
    if (section.empty() || section == "main") continue;
    DnfRepoConfig repo;
    repo.id = section;
    if (auto it = keys.find("enabled"); it != keys.end()) {
      std::optional<bool> enabled = DnfBool(std::string(Trim(it->second)));
      if (!enabled) {
        return InvalidArgumentError("repo " + section +
                                    ": enabled = " + SanitizeUtf8(it->second) +
                                    " is not a boolean");
      }
      repo.enabled = *enabled;
    }
    for (const char* key : {"exclude", "excludepkgs"}) {
      if (auto it = keys.find(key); it != keys.end()) {
        for (std::string& glob : ParseDnfExcludeList(it->second)) {
          repo.excludes.push_back(std::move(glob));
        }
      }
    }
    repos.push_back(std::move(repo));
  }
  return repos;
}

std::vector<std::string> ParseDnfExcludeList(std::string_view value) {
  std::vector<std::string> globs;
  for (std::string_view part : Split(value, ',')) {
    for (std::string_view glob : SplitWhitespace(part)) {
      globs.emplace_back(glob);
    }
  }
  return globs;
}

bool IsDnfExcluded(std::string_view name,
                   const std::vector<std::string>& globs) {
  const std::string n(name);
  return std::any_of(globs.begin(), globs.end(), [&](const std::string& g) {
    return ::fnmatch(g.c_str(), n.c_str(), 0) == 0;
  });
}

bool IsDnfCacheDirFor(std::string_view dir_name, std::string_view repo_id) {
  constexpr size_t kHashLength = 16;
  if (repo_id.empty() || dir_name.size() != repo_id.size() + 1 + kHashLength ||
      !StartsWith(dir_name, repo_id) || dir_name[repo_id.size()] != '-') {
    return false;
  }
  return std::all_of(
      dir_name.begin() + static_cast<std::ptrdiff_t>(repo_id.size() + 1),
      dir_name.end(),
      [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

std::vector<PendingUpdate> SelectDnfUpdates(
    const std::vector<Package>& installed,
    const std::vector<DnfAvailable>& available,
    const std::vector<DnfAdvisory>& advisories, const EvrCompare& compare) {
  std::multimap<std::string, const Package*> installed_by_name;
  for (const Package& p : installed) installed_by_name.emplace(p.name, &p);

  // Newest installed version per name.arch: dnf offers one upgrade for it.
  std::map<std::pair<std::string, std::string>, Candidate> by_name_arch;
  for (const Package& p : installed) {
    Candidate& c = by_name_arch[{p.name, p.architecture}];
    if (c.installed == nullptr ||
        compare(p.version, c.installed->version) > 0) {
      c.installed = &p;
    }
  }
  for (const DnfAvailable& a : available) {
    auto [first, last] = installed_by_name.equal_range(a.name);
    if (first == last) continue;  // not installed: dnf install, not upgrade
    const Package* target = nullptr;
    bool upgrades = true;
    for (auto it = first; it != last && upgrades; ++it) {
      const Package& p = *it->second;
      if (!ArchCompatible(p.architecture, a.arch)) continue;
      if (compare(p.version, a.evr) >= 0) upgrades = false;
      // Prefer the installed package of the same arch as the one upgraded.
      if (target == nullptr || p.architecture == a.arch) target = &p;
    }
    if (!upgrades || target == nullptr) continue;
    Candidate& c = by_name_arch[{target->name, target->architecture}];
    if (c.best == nullptr || compare(a.evr, c.best->evr) > 0 ||
        (compare(a.evr, c.best->evr) == 0 && a.arch == target->architecture &&
         c.best->arch != a.arch)) {
      c.best = &a;
    }
  }

  std::map<std::string, int> pending_per_name;
  for (const auto& [key, c] : by_name_arch) {
    if (c.best != nullptr) ++pending_per_name[key.first];
  }
  // Package name → (advisory index, package): RHEL's updateinfo has
  // thousands of advisories.
  std::multimap<std::string_view, std::pair<size_t, const DnfAdvisoryPackage*>>
      advisory_packages;
  for (size_t i = 0; i < advisories.size(); ++i) {
    for (const DnfAdvisoryPackage& ap : advisories[i].packages) {
      advisory_packages.emplace(ap.name, std::make_pair(i, &ap));
    }
  }
  std::vector<PendingUpdate> out;
  for (const auto& entry : by_name_arch) {
    // Plain references: a lambda cannot capture structured bindings in C++20.
    const std::string& name = entry.first.first;
    const std::string& arch = entry.first.second;
    const Candidate& c = entry.second;
    if (c.best == nullptr) continue;
    PendingUpdate u;
    u.name = name;
    if (pending_per_name[name] > 1) u.name += "." + arch;
    u.installed_version = c.installed->version;
    u.candidate_version = c.best->evr;
    u.origin = c.best->repo;
    std::set<size_t> applicable;  // in the advisories' order
    auto [first, last] = advisory_packages.equal_range(name);
    for (auto it = first; it != last; ++it) {
      const DnfAdvisoryPackage& ap = *it->second.second;
      if (ArchCompatible(ap.arch, arch) &&
          compare(ap.evr, c.installed->version) > 0 &&
          compare(ap.evr, c.best->evr) <= 0) {
        applicable.insert(it->second.first);
      }
    }
    std::vector<std::string> other_ids;
    for (size_t index : applicable) {
      const DnfAdvisory& adv = advisories[index];
      if (adv.type != "security") {
        other_ids.push_back(adv.id);
        continue;
      }
      u.security = true;
      u.advisory_ids.push_back(adv.id);
      if (SeverityRank(adv.severity) > SeverityRank(u.severity)) {
        u.severity = adv.severity;
      }
      if (adv.issued && (!u.published_at || *adv.issued < *u.published_at)) {
        u.published_at = adv.issued;
      }
    }
    u.advisory_ids.insert(u.advisory_ids.end(), other_ids.begin(),
                          other_ids.end());
    out.push_back(std::move(u));
  }
  return out;  // by_name_arch is ordered by (name, arch)
}

bool IsRebootCorePackage(std::string_view name) {
  // dnf-plugins-core needs_restarting.py NEED_REBOOT (dnf 4.x).
  static constexpr std::array<std::string_view, 11> kCore = {
      "kernel",         "kernel-core",   "kernel-rt", "glibc",
      "linux-firmware", "systemd",       "dbus",      "dbus-broker",
      "dbus-daemon",    "microcode_ctl", "zlib"};
  return std::find(kCore.begin(), kCore.end(), name) != kCore.end();
}

std::vector<std::string> CorePackagesInstalledSince(
    const std::vector<Package>& installed, TimePoint boot_time) {
  std::set<std::string> names;
  for (const Package& p : installed) {
    if (IsRebootCorePackage(p.name) && p.install_time &&
        *p.install_time > boot_time) {
      names.insert(p.name);
    }
  }
  return {names.begin(), names.end()};
}

std::optional<TimePoint> ParseProcStatBootTime(std::string_view proc_stat) {
  for (std::string_view line : SplitLines(proc_stat)) {
    if (!StartsWith(line, "btime ")) continue;
    std::string_view value = Trim(line.substr(6));
    int64_t seconds = 0;
    auto [ptr, ec] =
        std::from_chars(value.data(), value.data() + value.size(), seconds);
    // Past what TimePoint holds the conversion would overflow (found by
    // fuzz_agent_text).
    if (ec != std::errc() || ptr != value.data() + value.size() ||
        seconds <= 0 || seconds > kTimePointLastSecond) {
      return std::nullopt;
    }
    return FromUnixSeconds(seconds);
  }
  return std::nullopt;
}

}  // namespace mamori::facts
