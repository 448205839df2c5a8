#pragma once

// The `updates` family on rpm systems (RHEL, Fedora). Pending updates are
// computed as dnf computes them from dnf's metadata cache (enabled repos of
// /etc/yum.repos.d and /etc/distro.repos.d, their cache in /var/cache/dnf or
// /var/cache/libdnf5, read with libsolv; see linux/dnf_updates.h and
// linux/dnf_solv.h): STATUS_OK with the list when every enabled repository's
// metadata could be read; otherwise pending stays unknown (UNSUPPORTED when
// there is no cache or libsolv at all, ERROR when a repository is uncached or
// its metadata is damaged) and the message says why. lists_refreshed_at is
// when dnf last fetched or revalidated the enabled repos' metadata (see
// DnfRepoCacheFound). Also: whether dnf-automatic applies updates
// (automatic_updates + evidence), the newest install time from the rpm
// database (last_install_at), the 20 newest installs (recent_installed), and
// on the live system reboot_required as `needs-restarting -r` decides it (a
// core package installed after the boot; unset under --root). Thread-safe;
// the Decide/Parse functions are pure.

#include <optional>
#include <string>
#include <vector>

#include "agent/facts/linux/dnf_solv.h"
#include "agent/facts/linux/dnf_updates.h"
#include "agent/facts/linux/rpmdb.h"
#include "agent/facts/types.h"
#include "agent/facts/updates.h"

namespace mamori::facts {

// What decides whether dnf-automatic applies updates, as read from the
// system: the text of /etc/dnf/automatic.conf (nullopt = no such file) and
// which dnf-automatic timers are enabled (a timers.target.wants entry, the
// unit file present and not masked).
struct DnfAutomaticInputs {
  std::optional<std::string> automatic_conf;
  std::vector<std::string> enabled_timers;  // e.g. "dnf-automatic.timer"
};

struct DnfAutomaticVerdict {
  std::optional<bool> enabled;  // nullopt = cannot tell
  std::string evidence;
};

// Returns true when dnf-automatic-install.timer is enabled, or
// dnf-automatic.timer / dnf5-automatic.timer is enabled and automatic.conf's
// [commands] apply_updates is true (dnf's booleans: 1/yes/true/on; absent
// means no, dnf's default); false when no such timer is enabled or
// apply_updates is false; nullopt when automatic.conf cannot be parsed or
// apply_updates is not a boolean. The evidence names the timer and setting.
DnfAutomaticVerdict DecideDnfAutomatic(const DnfAutomaticInputs& inputs);

// Reads the inputs under ctx's root (symlinks are read, never followed, so an
// image's absolute links do not reach the host).
DnfAutomaticInputs ReadDnfAutomaticInputs(const GatherContext& ctx);

// The enabled repositories (dnf's default: enabled), sorted by id, each with
// its excludes plus /etc/dnf/dnf.conf's [main] exclude/excludepkgs; an error
// names the file that is unreadable or malformed.
Result<std::vector<DnfRepoConfig>> ReadEnabledDnfRepos(
    const GatherContext& ctx);

struct DnfRepoCacheFound {
  DnfRepoCache cache;
  // When dnf last fetched or revalidated the metadata: the newest mtime of
  // repomd.xml and *-primary.xml* (libdnf touches primary when a check finds
  // the metadata unchanged, and takes its mtime as the metadata's age).
  TimePoint refreshed_at;
};

// Returns repo_id's cache directory with a repomd.xml (the most recently
// refreshed when there are several), or nullopt.
std::optional<DnfRepoCacheFound> FindDnfRepoCache(const GatherContext& ctx,
                                                  const std::string& repo_id);

// Gathers the family on a system whose packages are in `rpmdb` (see the
// header comment). Never throws.
UpdateFacts GatherRpmUpdates(const GatherContext& ctx,
                             const RpmdbLocation& rpmdb);

}  // namespace mamori::facts
