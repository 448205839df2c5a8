#include "agent/facts/linux/rpm_updates.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <map>
#include <string_view>
#include <tuple>

#include "agent/facts/linux/dnf_solv.h"
#include "agent/facts/linux/dnf_updates.h"
#include "agent/facts/linux/file_util.h"
#include "agent/facts/linux/ini_file.h"
#include "agent/facts/linux/update_runs_linux.h"

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

Result<std::vector<DnfRepoConfig>> ReadEnabledDnfRepos(
    const GatherContext& ctx) {
  std::vector<std::string> global_excludes;
  const std::string dnf_conf = ctx.Path("/etc/dnf/dnf.conf");
  if (lu::Exists(dnf_conf)) {
    Result<std::string> text = ReadFile(dnf_conf, 4 << 20);
    if (!text.ok()) return text.status();
    Result<IniSections> ini = lu::ParseIni(*text);
    if (!ini.ok()) {
      return InvalidArgumentError(dnf_conf + ": " + ini.status().message());
    }
    for (const char* key : {"exclude", "excludepkgs"}) {
      if (std::optional<std::string> v = IniValue(*ini, "main", key)) {
        for (std::string& glob : ParseDnfExcludeList(*v)) {
          global_excludes.push_back(std::move(glob));
        }
      }
    }
  }
  std::map<std::string, DnfRepoConfig> by_id;  // a later file overrides an id
  for (std::string_view dir : {"/etc/yum.repos.d", "/etc/distro.repos.d"}) {
    const std::string path = ctx.Path(dir);
    Result<std::vector<std::string>> names = lu::ListDirectory(path);
    if (!names.ok()) continue;
    std::sort(names->begin(), names->end());
    for (const std::string& name : *names) {
      if (!EndsWith(name, ".repo")) continue;
      const std::string file = path + "/" + name;
      Result<std::string> text = ReadFile(file, 4 << 20);
      if (!text.ok()) return text.status();
      Result<std::vector<DnfRepoConfig>> repos = ParseDnfRepoFile(*text);
      if (!repos.ok()) {
        return InvalidArgumentError(file + ": " + repos.status().message());
      }
      for (DnfRepoConfig& r : *repos) by_id[r.id] = std::move(r);
    }
  }
  std::vector<DnfRepoConfig> enabled;
  for (auto& entry : by_id) {
    DnfRepoConfig& repo = entry.second;
    if (!repo.enabled) continue;
    repo.excludes.insert(repo.excludes.end(), global_excludes.begin(),
                         global_excludes.end());
    enabled.push_back(std::move(repo));
  }
  return enabled;
}

std::optional<DnfRepoCacheFound> FindDnfRepoCache(const GatherContext& ctx,
                                                  const std::string& repo_id) {
  std::optional<DnfRepoCacheFound> best;
  for (std::string_view dir : {"/var/cache/dnf", "/var/cache/libdnf5"}) {
    const std::string path = ctx.Path(dir);
    Result<std::vector<std::string>> names = lu::ListDirectory(path);
    if (!names.ok()) continue;
    for (const std::string& name : *names) {
      if (!IsDnfCacheDirFor(name, repo_id)) continue;
      const std::string repodata = path + "/" + name + "/repodata";
      // Links are not followed: under --root they would name host paths.
      if (lu::ReadLink(path + "/" + name) || lu::ReadLink(repodata)) continue;
      std::optional<TimePoint> mtime =
          lu::ModificationTime(repodata + "/repomd.xml");
      if (!mtime) continue;
      if (Result<std::vector<std::string>> files = lu::ListDirectory(repodata);
          files.ok()) {
        for (const std::string& file : *files) {
          if (file.find("primary.xml") == std::string::npos) continue;
          std::optional<TimePoint> t =
              lu::ModificationTime(repodata + "/" + file);
          if (t && *t > *mtime) mtime = t;
        }
      }
      // After a baseurl change dnf starts a new directory: the newest wins.
      if (!best || *mtime > best->refreshed_at) {
        best = DnfRepoCacheFound{DnfRepoCache{repo_id, repodata, {}}, *mtime};
      }
    }
  }
  return best;
}

namespace {

// Fills pending, counts, method and lists_refreshed_at; returns the status.
CollectionStatus GatherDnfPending(const GatherContext& ctx,
                                  const PackageFacts& packages,
                                  UpdateFacts* facts) {
  Result<std::vector<DnfRepoConfig>> enabled = ReadEnabledDnfRepos(ctx);
  if (!enabled.ok()) {
    return ErrorStatus("pending updates unknown: " +
                       enabled.status().message());
  }
  if (enabled->empty()) {
    return UnsupportedStatus(
        "pending updates unknown: no enabled dnf repository in " +
        ctx.Path("/etc/yum.repos.d"));
  }
  std::vector<DnfRepoCache> caches;
  std::vector<std::string> uncached;
  for (const DnfRepoConfig& repo : *enabled) {
    std::optional<DnfRepoCacheFound> found = FindDnfRepoCache(ctx, repo.id);
    if (!found) {
      uncached.push_back(repo.id);
      continue;
    }
    found->cache.excludes = repo.excludes;
    if (!facts->lists_refreshed_at ||
        found->refreshed_at > *facts->lists_refreshed_at) {
      facts->lists_refreshed_at = found->refreshed_at;
    }
    caches.push_back(std::move(found->cache));
  }
  std::string uncached_list;
  for (const std::string& id : uncached) {
    uncached_list += (uncached_list.empty() ? "" : ", ") + id;
  }
  if (caches.empty()) {
    return UnsupportedStatus(
        "pending updates unknown: no dnf metadata cache (" +
        ctx.Path("/var/cache/dnf") + ", " + ctx.Path("/var/cache/libdnf5") +
        ") for the enabled repositories " + uncached_list +
        "; `dnf makecache` fills it");
  }
  if (!uncached.empty()) {
    return ErrorStatus(
        "pending updates unknown: no dnf metadata cache for the enabled "
        "repositories " +
        uncached_list + "; `dnf makecache` fills it");
  }
  if (!packages.status.ok()) {
    return ErrorStatus("pending updates unknown: rpm database: " +
                       packages.status.message);
  }
  Result<std::vector<PendingUpdate>> pending =
      ComputeDnfPending(packages.packages, caches);
  if (!pending.ok()) {
    const std::string message =
        "pending updates unknown: " + pending.status().message();
    return pending.status().code() == StatusCode::kUnimplemented
               ? UnsupportedStatus(message)
               : ErrorStatus(message);
  }
  facts->method = UpdateMethod::kDnf;
  facts->pending_source = PendingSource::kComputed;
  facts->pending_computed_at = ctx.clock->Now();
  facts->pending = std::move(*pending);
  facts->pending_count = static_cast<uint32_t>(facts->pending.size());
  for (const PendingUpdate& u : facts->pending) {
    if (u.security) ++facts->security_pending_count;
  }
  return OkStatus();
}

}  // namespace

UpdateFacts GatherRpmUpdates(const GatherContext& ctx,
                             const RpmdbLocation& rpmdb) {
  UpdateFacts facts;
  PackageFacts packages = ReadRpmDatabase(rpmdb);
  std::string install_note;
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
    // needs-restarting -r: a core package installed after the boot. Only the
    // running system has a boot time; under --root it stays unknown.
    if (ctx.live_kernel && ctx.root.empty()) {
      Result<std::string> stat = ReadFile("/proc/stat", 1 << 20);
      std::optional<TimePoint> boot =
          stat.ok() ? ParseProcStatBootTime(*stat) : std::nullopt;
      if (boot) {
        facts.reboot_required_by =
            CorePackagesInstalledSince(packages.packages, *boot);
        facts.reboot_required = !facts.reboot_required_by.empty();
      }
    }
  } else {
    install_note = "; install times unknown: " + packages.status.message;
  }

  DnfAutomaticVerdict verdict = DecideDnfAutomatic(ReadDnfAutomaticInputs(ctx));
  facts.automatic_updates = verdict.enabled;
  facts.automatic_updates_evidence = std::move(verdict.evidence);
  ReadCompleteDnfRun(ctx, &facts);
  // Never OK without a computed list: an OK family with pending_count 0
  // would read as "fully patched".
  facts.status = GatherDnfPending(ctx, packages, &facts);
  if (!facts.status.message.empty()) facts.status.message += install_note;
  return facts;
}

}  // namespace mamori::facts
