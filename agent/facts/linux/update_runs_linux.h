#pragma once

// Reads the last complete update run (agent/facts/update_runs.h) on Linux:
// apt's history.log with its rotations (history.log.1, history.log.2.gz …),
// unattended-upgrades' log with its rotations, and dnf's history database
// (/var/lib/dnf/history.sqlite, read through a dlopen()ed libsqlite3 opened
// read-only, so Debian machines map no SQLite for it). Compressed rotations
// are inflated up to a bound (a gzip bomb is skipped, not inflated).
//
// Thread-safe (no shared state).

#include <optional>
#include <string>
#include <string_view>

#include "agent/facts/types.h"
#include "agent/facts/updates.h"

namespace mamori::facts {

// Fills facts->last_complete_update_at and _evidence from apt's and
// unattended-upgrades' logs. A time later than now plus a small clock-skew
// allowance is not evidence (a log from a machine whose clock ran ahead).
void ReadCompleteAptRun(const GatherContext& ctx, UpdateFacts* facts);

// The same from dnf's history database.
void ReadCompleteDnfRun(const GatherContext& ctx, UpdateFacts* facts);

// Returns the UTC instant of a local civil time "YYYY-MM-DD HH:MM:SS" in the
// agent's time zone (apt's and dpkg's logs; under --root the image is
// assumed to share it); nullopt when malformed.
std::optional<TimePoint> LocalCivilToUtc(std::string_view civil);

// Reads a log file, inflating it when its name ends in ".gz". Returns
// OUT_OF_RANGE when it is (or inflates to) more than `max_bytes`, the
// ReadFile errors otherwise.
Result<std::string> ReadLogFile(const std::string& path, size_t max_bytes);

}  // namespace mamori::facts
