#pragma once

// "Recompute only on change" for the `updates` family on Debian/Ubuntu.
//
// Computing pending updates with libapt-pkg costs ≈0.4 s CPU and ≈45 MiB when
// there is no valid pkgcache.bin (images that set Dir::Cache::pkgcache "" never
// have one). Its answer depends only on files apt/dpkg change, so the agent
// keeps the last answer in its state directory together with a fingerprint of
// those files and reuses it while the fingerprint matches.
//
// The fingerprint is a SHA-256 over, for each input (under the context's
// root): its path, type, size, mtime and ctime in nanoseconds and inode, or
// "absent". Inputs: /var/lib/dpkg/status and /var/lib/dpkg/arch, every file in
// /var/lib/dpkg/updates and /var/lib/apt/lists (not partial/),
// /etc/apt/sources.list and every file in sources.list.d, /etc/apt/preferences
// and preferences.d, /etc/apt/apt.conf and apt.conf.d, /etc/machine-id (phased
// updates), the APT_CONFIG variable and the file it names, the absolute root,
// the agent version and the cache format. ctime and inode cannot be set back by
// tools that preserve mtimes (cp -p, rsync -t), so a replaced file always
// changes the fingerprint. Known limit: an apt.conf that moves Dir::State or
// Dir::Etc elsewhere is itself fingerprinted, but the files at the moved
// location are not.
//
// The cache file is JSON, at most kMaxPendingCacheBytes, written to a
// temporary file, fsync'ed and renamed over the old one; a file that cannot be
// read or parsed, or whose fingerprint differs, is ignored (and replaced by
// the next computation). Thread-safe (no shared state).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "agent/facts/types.h"
#include "agent/facts/updates.h"
#include "common/status.h"

namespace mamori::facts {

inline constexpr uint64_t kMaxPendingCacheBytes = 16ull << 20;

// What the libapt-pkg computation produced: the pending list and the two
// APT::Periodic settings the automatic-updates verdict needs (apt.conf is part
// of the fingerprint, so they are as cacheable as the list).
struct PendingComputation {
  std::vector<PendingUpdate> pending;
  std::optional<int> periodic_enable;
  std::optional<int> unattended_upgrade;
  // Where libapt-pkg's package cache came from: "pkgcache.bin" (the system's,
  // validated as current) or "memory" (built from the lists).
  std::string apt_cache;
};

struct PendingCacheEntry {
  std::string fingerprint;  // AptInputsFingerprint() when computed
  TimePoint computed_at;
  PendingComputation result;
};

// Returns the hex SHA-256 fingerprint of the apt/dpkg inputs under ctx.root.
// Errors (a directory that cannot be listed, a stat failing other than "does
// not exist") mean: do not use the cache this time.
Result<std::string> AptInputsFingerprint(const GatherContext& ctx);

// <state_dir>/updates-pending.json
std::string PendingCachePath(const std::string& state_dir);

// Serialises / parses the cache file. Parse errors name what is wrong.
std::string SerializePendingCache(const PendingCacheEntry& entry);
Result<PendingCacheEntry> ParsePendingCache(std::string_view text);

// Reads and parses the cache file (NOT_FOUND when there is none).
Result<PendingCacheEntry> LoadPendingCache(const std::string& path);

// Writes the cache file atomically and private, through the agent's
// platform seam (platform::WritePrivateFileAtomically); the state directory
// must exist.
Status StorePendingCache(const std::string& path,
                         const PendingCacheEntry& entry);

}  // namespace mamori::facts
