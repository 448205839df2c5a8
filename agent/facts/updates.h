#pragma once

// The `updates` family: pending updates (and how many are security updates),
// when package lists were refreshed and packages last installed, whether
// automatic updates are configured, and whether a reboot is required.
//
// On Debian/Ubuntu pending updates are computed with libapt-pkg exactly as
// apt computes candidates (policy candidate of each installed package newer
// than the installed version), read-only and without the dpkg lock; method =
// UPDATE_METHOD_LIBAPT. The system's pkgcache.bin is mapped only after
// checking it matches the current sources, lists and dpkg status (a stale one
// gives silently wrong answers); otherwise the cache is built in memory.
// pending_apt_cache says which.
//
// "Security update" means: the *candidate* comes from a security suite — one
// of the candidate version's package files has an Archive or Codename ending
// in "-security" or the Label "Debian-Security". This is apt's own view (what
// `apt list --upgradable` shows as "-security"); a newer version that exists
// in -security but is superseded by a point-release candidate does not count.
//
// Recompute only on change: when the context has a state directory, the
// pending list is kept in <state>/updates-pending.json with a SHA-256
// fingerprint of everything libapt-pkg reads for it (see
// linux/updates_cache.h). While the fingerprint matches, the list is reused
// without loading libapt-pkg (pending_source = PENDING_SOURCE_CACHED,
// pending_computed_at = when it was computed); otherwise it is computed and
// the file rewritten. List/install times, the unattended-upgrades program and
// reboot-required are read fresh on every collection.
//
// Missing sources: no dpkg status → the rpm database and dnf's metadata
// cache when there is one (method = UPDATE_METHOD_DNF, see
// linux/rpm_updates.h), else STATUS_UNSUPPORTED; missing
// reboot-required → reboot_required=false (that is how Debian signals "no");
// missing dpkg.log → last_install_at from the dpkg status mtime.
// last_install_at is any package activity; the last *complete* update run
// (last_complete_update_at, see update_runs.h) is read from apt's history
// logs (rotations and .gz included) and unattended-upgrades' log, or dnf's
// history database.
// Parsers are pure and thread-safe; GatherUpdates serialises its use of
// libapt-pkg's process-wide configuration with a mutex.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "agent/facts/types.h"

namespace mamori::facts {

enum class UpdateMethod : int {
  kUnspecified = 0,
  kLibapt = 1,
  kAptLists = 2,
  kDnf = 3,
  kWindowsUpdateAgent = 4,
};
std::string_view EnumName(UpdateMethod method);

// Mirrors mamori.v1.PendingSource.
enum class PendingSource : int {
  kUnspecified = 0,
  kComputed = 1,
  kCached = 2,
};
std::string_view EnumName(PendingSource source);

// Mirrors mamori.v1.PendingUpdate.
struct PendingUpdate {
  std::string name;
  std::string installed_version;
  std::string candidate_version;
  bool security = false;
  std::string origin;
  std::vector<std::string> kb_ids;
  std::string severity;
  std::optional<TimePoint> published_at;
  std::vector<std::string> advisory_ids;
};

template <typename V>
void VisitFields(const PendingUpdate& f, V& v) {
  v("name", f.name);
  v("installed_version", f.installed_version);
  v("candidate_version", f.candidate_version);
  v("security", f.security);
  v("origin", f.origin);
  v("kb_ids", f.kb_ids);
  v("severity", f.severity);
  v("published_at", f.published_at);
  v("advisory_ids", f.advisory_ids);
}

// Mirrors mamori.v1.InstalledUpdate.
struct InstalledUpdate {
  std::string id;
  std::string title;
  std::optional<TimePoint> installed_at;
};

template <typename V>
void VisitFields(const InstalledUpdate& f, V& v) {
  v("id", f.id);
  v("title", f.title);
  v("installed_at", f.installed_at);
}

// Mirrors mamori.v1.UpdateFacts.
struct UpdateFacts {
  CollectionStatus status;
  std::vector<PendingUpdate> pending;
  uint32_t pending_count = 0;
  uint32_t security_pending_count = 0;
  UpdateMethod method = UpdateMethod::kUnspecified;
  std::optional<TimePoint> lists_refreshed_at;
  std::optional<TimePoint> last_install_at;
  std::optional<bool> automatic_updates;
  std::string automatic_updates_evidence;
  std::optional<bool> reboot_required;
  std::vector<std::string> reboot_required_by;
  std::string wsus_server;
  std::vector<InstalledUpdate> recent_installed;
  PendingSource pending_source = PendingSource::kUnspecified;
  std::optional<TimePoint> pending_computed_at;
  std::string pending_inputs_sha256;
  std::string pending_apt_cache;
  std::optional<TimePoint> last_complete_update_at;
  std::string last_complete_update_evidence;
};

template <typename V>
void VisitFields(const UpdateFacts& f, V& v) {
  v("status", f.status);
  v("pending", f.pending);
  v("pending_count", f.pending_count);
  v("security_pending_count", f.security_pending_count);
  v("method", f.method);
  v("lists_refreshed_at", f.lists_refreshed_at);
  v("last_install_at", f.last_install_at);
  v("automatic_updates", f.automatic_updates);
  v("automatic_updates_evidence", f.automatic_updates_evidence);
  v("reboot_required", f.reboot_required);
  v("reboot_required_by", f.reboot_required_by);
  v("wsus_server", f.wsus_server);
  v("recent_installed", f.recent_installed);
  v("pending_source", f.pending_source);
  v("pending_computed_at", f.pending_computed_at);
  v("pending_inputs_sha256", f.pending_inputs_sha256);
  v("pending_apt_cache", f.pending_apt_cache);
  v("last_complete_update_at", f.last_complete_update_at);
  v("last_complete_update_evidence", f.last_complete_update_evidence);
}

// Collects the family. Never throws; failures are in `status`.
UpdateFacts GatherUpdates(const GatherContext& ctx);

// True when a package file with this Archive, Codename and Label is a
// security suite (see the header comment).
bool IsSecuritySuite(std::string_view archive, std::string_view codename,
                     std::string_view label);

// One "status installed" line of dpkg.log.
struct DpkgLogInstall {
  std::string local_time;  // "2026-11-23 19:19:02" (the machine's local time)
  std::string package;     // "libc-bin:amd64"
  std::string version;
};

// Returns the "status installed" entries of a dpkg.log, newest last.
// Malformed lines are skipped.
std::vector<DpkgLogInstall> ParseDpkgLogInstalls(std::string_view text);

// Parses "YYYY-MM-DD HH:MM:SS" as a civil time and returns it as if it were
// UTC (callers shift by the zone); nullopt when malformed or outside the
// years 1900–2199.
std::optional<TimePoint> ParseCivilTime(std::string_view text);

// Returns the package names in reboot-required.pkgs, de-duplicated and
// sorted.
std::vector<std::string> ParseRebootRequiredPkgs(std::string_view text);

// How apt-daily-upgrade.timer stands: the systemd timer that runs
// `apt.systemd.daily install`, hence unattended-upgrade, on Debian.
enum class AptUpgradeTimer {
  kEnabled,
  kDisabled,      // installed, not enabled: nothing starts it
  kMasked,        // linked to /dev/null: systemd never starts it
  kNotInstalled,  // no unit: something else (cron, another init) may run it
};

// Returns the automatic-updates verdict from APT::Periodic settings (as apt
// reads them; nullopt = not set), whether unattended-upgrades is installed
// and how apt-daily-upgrade.timer stands, with the evidence text. Enabled
// (true) needs Unattended-Upgrade > 0, APT::Periodic::Enable not 0, the
// unattended-upgrades program and the timer enabled; false when one of them
// is missing, disabled or masked; unknown (nullopt) when everything is set
// but no timer unit exists, so what would run it is not known.
struct AutomaticUpdatesVerdict {
  std::optional<bool> enabled = false;
  std::string evidence;
};
AutomaticUpdatesVerdict DecideAutomaticUpdates(
    std::optional<int> periodic_enable, std::optional<int> unattended_upgrade,
    bool unattended_upgrades_installed, AptUpgradeTimer timer);

}  // namespace mamori::facts
