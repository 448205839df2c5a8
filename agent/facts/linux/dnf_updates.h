#pragma once

// Pending updates on rpm systems as dnf computes them (`dnf check-update`,
// `dnf updateinfo list --security`), the pure part: which repositories are
// enabled, which cache directory holds a repository's metadata, and which
// available packages upgrade which installed ones. Reading the metadata is in
// linux/dnf_solv.h (libsolv, dlopen()ed). Everything here is pure and
// thread-safe.
//
// Candidate rule (libdnf's what_upgrades + latest per name.arch): an
// available package upgrades the installed packages of the same name whose
// arch equals its own, or when either side is noarch; it counts when its EVR
// (compared by the injected rpm comparator) is newer than every such
// installed version. The candidate is the newest of those. Obsoletes are
// ignored: a package renamed through Obsoletes is not reported (dnf would
// replace it).
//
// Security rule (`dnf updateinfo list --security`): the update is security
// when an advisory of type "security" lists the same name, a compatible arch
// and an EVR newer than the installed one and not newer than the candidate.

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "agent/facts/packages.h"
#include "agent/facts/types.h"
#include "agent/facts/updates.h"
#include "common/status.h"

namespace mamori::facts {

// One [section] of a .repo file.
struct DnfRepoConfig {
  std::string id;
  bool enabled = true;  // dnf's default when enabled= is absent
  // exclude= / excludepkgs= globs: packages dnf does not offer from it.
  std::vector<std::string> excludes;
};

// Parses a .repo file. Returns an error when it is not INI or an enabled=
// value is not one of dnf's booleans (1/yes/true/on, 0/no/false/off).
Result<std::vector<DnfRepoConfig>> ParseDnfRepoFile(std::string_view text);

// dnf's boolean option values (libdnf OptionBool): 1/yes/true/on and
// 0/no/false/off in any case; nullopt for anything else.
std::optional<bool> DnfBool(std::string value);

// Splits an exclude= value (globs separated by commas and/or white space).
std::vector<std::string> ParseDnfExcludeList(std::string_view value);

// True when `name` matches one of the exclude globs (fnmatch, as dnf matches
// a package name).
bool IsDnfExcluded(std::string_view name,
                   const std::vector<std::string>& globs);

// True when `dir_name` is the cache directory dnf 4 (/var/cache/dnf) and dnf 5
// (/var/cache/libdnf5) keep for `repo_id`: "<repo_id>-<16 hex digits>".
bool IsDnfCacheDirFor(std::string_view dir_name, std::string_view repo_id);

// One package offered by an enabled repository.
struct DnfAvailable {
  std::string name;
  std::string evr;  // "[epoch:]version-release"
  std::string arch;
  std::string repo;
};

struct DnfAdvisoryPackage {
  std::string name;
  std::string evr;
  std::string arch;
};

// One updateinfo entry.
struct DnfAdvisory {
  std::string id;        // "RHSA-2026:1234"
  std::string type;      // "security", "bugfix", "enhancement", "newpackage"
  std::string severity;  // "Critical", "Important", "Moderate", "Low", ""
  std::optional<TimePoint> issued;
  std::vector<DnfAdvisoryPackage> packages;
};

// Returns <0, 0, >0 as rpm orders two EVRs.
using EvrCompare = std::function<int(std::string_view, std::string_view)>;

// Returns the pending updates of `installed` (see the header comment), sorted
// by name then arch. name is the package name, or "name.arch" when several
// arches of that name are pending (multilib); origin is the candidate's repo;
// advisory_ids lists every advisory (any type) that applies, security first;
// severity is the highest among the security advisories; published_at the
// earliest security advisory's issue date.
std::vector<PendingUpdate> SelectDnfUpdates(
    const std::vector<Package>& installed,
    const std::vector<DnfAvailable>& available,
    const std::vector<DnfAdvisory>& advisories, const EvrCompare& compare);

// The packages whose update needs a reboot according to dnf's
// `needs-restarting -r` (kernel, glibc, systemd, dbus, linux-firmware, ...).
bool IsRebootCorePackage(std::string_view name);

// Returns the core packages (sorted, de-duplicated) installed after
// `boot_time`: a reboot is required when the list is not empty.
std::vector<std::string> CorePackagesInstalledSince(
    const std::vector<Package>& installed, TimePoint boot_time);

// Parses the "btime <seconds>" line of /proc/stat; nullopt when absent or
// not a time TimePoint holds.
std::optional<TimePoint> ParseProcStatBootTime(std::string_view proc_stat);

}  // namespace mamori::facts
