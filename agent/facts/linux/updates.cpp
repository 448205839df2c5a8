// Linux gatherer for `updates`: libapt-pkg policy candidates (read-only,
// lock-free, no apt cache files written; reused from the agent's state
// directory while apt/dpkg inputs are unchanged, see updates_cache.h), list
// and dpkg timestamps, APT::Periodic settings as apt reads them, and
// /run/reboot-required.
#include "agent/facts/updates.h"

#include <apt-pkg/cachefile.h>
#include <apt-pkg/configuration.h>
#include <apt-pkg/error.h>
#include <apt-pkg/indexfile.h>
#include <apt-pkg/init.h>
#include <apt-pkg/metaindex.h>
#include <apt-pkg/pkgcache.h>
#include <apt-pkg/pkgsystem.h>
#include <apt-pkg/policy.h>
#include <apt-pkg/sourcelist.h>
#include <apt-pkg/version.h>

#include <algorithm>
#include <filesystem>
#include <memory>
#include <mutex>

#include "agent/facts/linux/file_util.h"
#include "agent/facts/linux/process_list.h"
#include "agent/facts/linux/rpm_updates.h"
#include "agent/facts/linux/rpmdb.h"
#include "agent/facts/linux/update_runs_linux.h"
#include "agent/facts/linux/updates_cache.h"
#include "common/log.h"

namespace mamori::facts {

namespace lu = linux_util;

namespace {

// libapt-pkg keeps its configuration and system in process globals.
std::mutex& AptMutex() {
  static std::mutex mu;
  return mu;
}

// Drains libapt's error stack into one line (errors and warnings).
std::string TakeAptErrors() {
  std::string all;
  std::string message;
  while (_error->PopMessage(message)) {
    if (!all.empty()) all += "; ";
    all += message;
  }
  _error->Discard();
  return all;
}

std::string OrEmpty(const char* s) { return s == nullptr ? "" : s; }

// True when the mapped cache describes exactly the current sources, index
// files and dpkg status: apt's own check (CheckValidity in pkgcachegen.cc) is
// not exported, so it is rebuilt from public calls. FindInCache compares
// each file's size and mtime with what the cache recorded.
bool DiskCacheIsCurrent(pkgCacheFile& cache_file) {
  pkgCache* cache = cache_file.GetPkgCache();
  pkgSourceList* sources = cache_file.GetSourceList();
  if (cache == nullptr || sources == nullptr || _error->PendingError()) {
    return false;
  }
  std::vector<bool> release_seen(cache->Head().ReleaseFileCount, false);
  std::vector<pkgIndexFile*> files;
  for (metaIndex* meta : *sources) {
    const pkgCache::RlsFileIterator release = meta->FindInCache(*cache, true);
    if (release.end() || release->ID >= release_seen.size()) return false;
    release_seen[release->ID] = true;
    for (pkgIndexFile* index : *meta->GetIndexFiles()) {
      if (index->HasPackages()) files.push_back(index);
    }
  }
  if (std::find(release_seen.begin(), release_seen.end(), false) !=
      release_seen.end()) {
    return false;  // the cache knows a source that is gone
  }
  if (!_system->AddStatusFiles(files)) return false;
  std::vector<bool> file_seen(cache->Head().PackageFileCount, false);
  for (pkgIndexFile* index : files) {
    if (!index->Exists() || !index->HasPackages()) continue;
    const pkgCache::PkgFileIterator file = index->FindInCache(*cache);
    if (file.end() || file->ID >= file_seen.size()) return false;
    file_seen[file->ID] = true;
  }
  return std::find(file_seen.begin(), file_seen.end(), false) ==
             file_seen.end() &&
         !_error->PendingError();
}

// Maps the system's pkgcache.bin without regenerating it and returns it when
// it is current; nullptr otherwise (closed, so its stale map is not reused).
std::unique_ptr<pkgCacheFile> OpenCurrentDiskCache() {
  _config->Set("pkgCacheFile::Generate", false);
  auto cache_file = std::make_unique<pkgCacheFile>();
  const bool current = cache_file->BuildCaches(nullptr, false) &&
                       DiskCacheIsCurrent(*cache_file);
  _config->Set("pkgCacheFile::Generate", true);
  if (current) return cache_file;
  cache_file->Close();
  _error->Discard();
  return nullptr;
}

// Computes pending updates with libapt-pkg. Returns OK or an error naming
// what libapt reported.
Status ComputePending(const GatherContext& ctx, PendingComputation* out) {
  std::lock_guard<std::mutex> lock(AptMutex());
  _error->Discard();
  // Start from a clean configuration each time: a resident agent calls this
  // repeatedly and --root changes where apt reads from.
  _config->Clear();
  if (!ctx.root.empty()) {
    // libapt resolves a relative Dir against nothing useful; make it absolute.
    std::error_code ec;
    const std::filesystem::path root = std::filesystem::absolute(ctx.root, ec);
    if (ec) return InvalidArgumentError(ctx.root + ": " + ec.message());
    _config->Set("Dir", root.string() + "/");
  }
  if (!pkgInitConfig(*_config)) {
    return InternalError("libapt-pkg configuration: " + TakeAptErrors());
  }
  // The system's pkgcache.bin ("" when apt.conf disables it, as container
  // images do).
  const std::string on_disk = _config->FindFile("Dir::Cache::pkgcache");
  // Never write pkgcache.bin/srcpkgcache.bin (root would write 2×37 MB).
  _config->Set("Dir::Cache::srcpkgcache", "");
  if (!pkgInitSystem(*_config, _system)) {
    return InternalError("libapt-pkg system: " + TakeAptErrors());
  }

  auto setting = [](const char* name) -> std::optional<int> {
    if (!_config->Exists(name)) return std::nullopt;
    return _config->FindI(name, 0);
  };
  out->periodic_enable = setting("APT::Periodic::Enable");
  out->unattended_upgrade = setting("APT::Periodic::Unattended-Upgrade");

  std::unique_ptr<pkgCacheFile> cache_file;
  if (!on_disk.empty() && lu::Exists(on_disk)) {
    cache_file = OpenCurrentDiskCache();
    if (cache_file) {
      out->apt_cache = "pkgcache.bin";
    } else {
      MAMORI_LOG(kDebug) << on_disk << " is not current; building in memory";
    }
  }
  if (!cache_file) {
    _config->Set("Dir::Cache::pkgcache", "");
    cache_file = std::make_unique<pkgCacheFile>();
    // Without the lock: plain Open() would take the dpkg lock.
    if (!cache_file->BuildCaches(nullptr, false)) {
      return InternalError("libapt-pkg cache: " + TakeAptErrors());
    }
    out->apt_cache = "memory";
  }
  if (!cache_file->BuildPolicy(nullptr)) {
    return InternalError("libapt-pkg policy: " + TakeAptErrors());
  }
  pkgCache* cache = cache_file->GetPkgCache();
  pkgPolicy* policy = cache_file->GetPolicy();
  if (cache == nullptr || policy == nullptr) {
    return InternalError("libapt-pkg cache: " + TakeAptErrors());
  }
  pkgVersioningSystem* vs = _system->VS;
  for (pkgCache::PkgIterator pkg = cache->PkgBegin(); !pkg.end(); ++pkg) {
    const pkgCache::VerIterator installed = pkg.CurrentVer();
    if (installed.end()) continue;
    const pkgCache::VerIterator candidate = policy->GetCandidateVer(pkg);
    if (candidate.end() || candidate->ID == installed->ID) continue;
    // apt's "upgradable": the candidate is newer than the installed version.
    if (vs->CmpVersion(candidate.VerStr(), installed.VerStr()) <= 0) continue;
    PendingUpdate update;
    update.name = pkg.Name();
    update.installed_version = installed.VerStr();
    update.candidate_version = candidate.VerStr();
    for (pkgCache::VerFileIterator vf = candidate.FileList(); !vf.end(); ++vf) {
      const pkgCache::PkgFileIterator file = vf.File();
      if (file.Flagged(pkgCache::Flag::NotSource)) continue;  // dpkg status
      const std::string archive = OrEmpty(file.Archive());
      const std::string codename = OrEmpty(file.Codename());
      const std::string label = OrEmpty(file.Label());
      const bool security = IsSecuritySuite(archive, codename, label);
      if (update.origin.empty() || (security && !update.security)) {
        update.origin = label.empty() ? OrEmpty(file.Origin()) : label;
        const std::string suite = codename.empty() ? archive : codename;
        if (!suite.empty()) update.origin += " " + suite;
      }
      update.security = update.security || security;
    }
    out->pending.push_back(std::move(update));
  }
  const std::string warnings = TakeAptErrors();
  if (!warnings.empty()) {
    MAMORI_LOG(kDebug) << "libapt-pkg: " << warnings;
  }
  return Status::Ok();
}

// The newest mtime among the Release/InRelease files of the apt lists.
std::optional<TimePoint> ListsRefreshedAt(const GatherContext& ctx) {
  const std::string dir = ctx.Path("/var/lib/apt/lists");
  Result<std::vector<std::string>> names = lu::ListDirectory(dir);
  if (!names.ok()) return std::nullopt;
  std::optional<TimePoint> newest;
  for (const std::string& name : *names) {
    if (!EndsWith(name, "Release")) continue;
    auto mtime = lu::ModificationTime(dir + "/" + name);
    if (mtime && (!newest || *mtime > *newest)) newest = mtime;
  }
  return newest;
}

void ReadInstallHistory(const GatherContext& ctx, UpdateFacts* facts) {
  constexpr size_t kRecent = 20;
  Result<std::string> log = ReadFile(ctx.Path("/var/log/dpkg.log"), 256 << 20);
  if (log.ok()) {
    const std::vector<DpkgLogInstall> installs = ParseDpkgLogInstalls(*log);
    const size_t first =
        installs.size() > kRecent ? installs.size() - kRecent : 0;
    for (size_t i = first; i < installs.size(); ++i) {
      InstalledUpdate u;
      u.id = installs[i].package;
      u.title = installs[i].package + " " + installs[i].version;
      u.installed_at = LocalCivilToUtc(installs[i].local_time);
      facts->recent_installed.push_back(std::move(u));
    }
    if (!facts->recent_installed.empty()) {
      facts->last_install_at = facts->recent_installed.back().installed_at;
    }
  }
  if (!facts->last_install_at) {
    facts->last_install_at =
        lu::ModificationTime(ctx.Path("/var/lib/dpkg/status"));
  }
}

// Returns the pending computation, reused from the state directory's cache
// when its fingerprint matches the inputs now, else computed with libapt-pkg
// (and the cache rewritten). Fills the pending_* provenance fields.
Result<PendingComputation> CachedOrComputed(const GatherContext& ctx,
                                            UpdateFacts* facts) {
  std::optional<std::string> fingerprint;
  std::string cache_path;
  if (!ctx.state_dir.empty()) {
    // Taken before libapt reads anything: if apt changes a file meanwhile,
    // the stored fingerprint is the old one and the next run recomputes.
    Result<std::string> fp = AptInputsFingerprint(ctx);
    if (fp.ok()) {
      fingerprint = *fp;
      facts->pending_inputs_sha256 = *fp;
      cache_path = PendingCachePath(ctx.state_dir);
      Result<PendingCacheEntry> cached = LoadPendingCache(cache_path);
      if (cached.ok() && cached->fingerprint == *fingerprint) {
        facts->pending_source = PendingSource::kCached;
        facts->pending_computed_at = cached->computed_at;
        return std::move(cached->result);
      }
      if (!cached.ok() && cached.status().code() != StatusCode::kNotFound) {
        MAMORI_LOG(kWarning) << "ignoring the pending-updates cache: "
                             << cached.status().message();
      }
    } else {
      MAMORI_LOG(kWarning) << "pending-updates cache not used: "
                           << fp.status().message();
    }
  }
  PendingComputation computed;
  MAMORI_RETURN_IF_ERROR(ComputePending(ctx, &computed));
  std::sort(computed.pending.begin(), computed.pending.end(),
            [](const PendingUpdate& a, const PendingUpdate& b) {
              return a.name < b.name;
            });
  facts->pending_source = PendingSource::kComputed;
  facts->pending_computed_at = ctx.clock->Now();
  if (fingerprint) {
    PendingCacheEntry entry{*fingerprint, *facts->pending_computed_at,
                            computed};
    if (Status s = StorePendingCache(cache_path, entry); !s.ok()) {
      MAMORI_LOG(kWarning) << "cannot store the pending-updates cache: "
                           << s.message();
    }
  }
  return computed;
}

AptUpgradeTimer AptTimerState(const GatherContext& ctx) {
  switch (lu::UnitFileStateOf(ctx, "apt-daily-upgrade.timer")) {
    case lu::UnitFileState::kEnabled:
      return AptUpgradeTimer::kEnabled;
    case lu::UnitFileState::kDisabled:
      return AptUpgradeTimer::kDisabled;
    case lu::UnitFileState::kMasked:
      return AptUpgradeTimer::kMasked;
    case lu::UnitFileState::kNotInstalled:
      break;
  }
  return AptUpgradeTimer::kNotInstalled;
}

}  // namespace

UpdateFacts GatherUpdates(const GatherContext& ctx) {
  UpdateFacts facts;
  if (!lu::Exists(ctx.Path("/var/lib/dpkg/status"))) {
    if (std::optional<RpmdbLocation> rpmdb = FindRpmDatabase(ctx)) {
      return GatherRpmUpdates(ctx, *rpmdb);
    }
    facts.status = UnsupportedStatus(
        lu::IsDirectory(ctx.Path("/var/lib/rpm"))
            ? ctx.Path("/var/lib/rpm") +
                  ": no rpm database file; pending updates unknown"
            : ctx.Path("/var/lib/dpkg/status") + ": no dpkg status file");
    return facts;
  }
  facts.method = UpdateMethod::kLibapt;
  Result<PendingComputation> computation = CachedOrComputed(ctx, &facts);
  if (!computation.ok()) {
    facts.status = ErrorStatus(computation.status().message());
    return facts;
  }
  facts.pending = std::move(computation->pending);
  facts.pending_apt_cache = computation->apt_cache;
  // Whether the program is installed is read fresh: it is not an apt input.
  AutomaticUpdatesVerdict verdict = DecideAutomaticUpdates(
      computation->periodic_enable, computation->unattended_upgrade,
      lu::Exists(ctx.Path("/usr/bin/unattended-upgrade")), AptTimerState(ctx));
  facts.automatic_updates = verdict.enabled;
  facts.automatic_updates_evidence = std::move(verdict.evidence);
  facts.pending_count = static_cast<uint32_t>(facts.pending.size());
  for (const PendingUpdate& u : facts.pending) {
    if (u.security) ++facts.security_pending_count;
  }
  facts.lists_refreshed_at = ListsRefreshedAt(ctx);
  ReadInstallHistory(ctx, &facts);
  ReadCompleteAptRun(ctx, &facts);

  const std::string flag = ctx.Path("/run/reboot-required");
  const std::string var_flag = ctx.Path("/var/run/reboot-required");
  const bool required = lu::Exists(flag) || lu::Exists(var_flag);
  facts.reboot_required = required;
  if (required) {
    Result<std::string> pkgs = ReadFile(flag + ".pkgs", 1 << 20);
    if (!pkgs.ok()) pkgs = ReadFile(var_flag + ".pkgs", 1 << 20);
    if (pkgs.ok()) facts.reboot_required_by = ParseRebootRequiredPkgs(*pkgs);
  }
  facts.status = OkStatus();
  return facts;
}

}  // namespace mamori::facts
