#pragma once

// The last *complete* update run: a run of the system's updater that
// installed every update available to it, as opposed to any package
// activity. Installing or upgrading one package says nothing about how long
// another package's security update has waited, so the `updates` family
// reports this separately from last_install_at, and the
// security_updates_applied check may pass on it (docs/policies.md).
//
// What counts as complete:
// - apt (/var/log/apt/history.log and its rotations): an entry whose
//   Commandline is apt, apt-get or aptitude running upgrade, full-upgrade,
//   dist-upgrade or safe-upgrade with no package arguments, that has an
//   End-Date and no Error line; or an entry written by unattended-upgrade.
// - unattended-upgrades (/var/log/unattended-upgrades/unattended-upgrades.log):
//   a run whose allowed origins include a security suite and that ended
//   with "All upgrades installed" or "No packages found that can be upgraded
//   unattended", with no ERROR line and no package left for manual upgrade.
// - dnf (the history database): a transaction that ended DONE whose command
//   line is upgrade/update/upgrade-minimal/distro-sync/dist-upgrade with no
//   package arguments (options such as --security allowed).
// - Windows: see decode/windows_update.h.
//
// Times in apt's and unattended-upgrades' logs are the machine's local civil
// time; the parsers return them as text ("YYYY-MM-DD HH:MM:SS") and the
// gatherer converts them. Malformed, oversized or hostile lines are skipped;
// nothing here throws. Pure and thread-safe.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mamori::facts {

// One complete run found in a log.
struct CompleteRun {
  std::string local_time;  // when it ended, "YYYY-MM-DD HH:MM:SS" local time
  std::string evidence;    // "apt-get -y dist-upgrade", "unattended-upgrade"
};

// True when `commandline` (apt's "Commandline:" value) is a whole-system
// upgrade: apt/apt-get/aptitude (any directory) with the subcommand
// upgrade, full-upgrade, dist-upgrade or safe-upgrade and no package names;
// options are skipped, with the value of those that take one.
// unattended-upgrade's own entries count too.
bool IsCompleteAptCommandline(std::string_view commandline);

// Returns the newest complete run in one apt history.log text, nullopt when
// it has none.
std::optional<CompleteRun> LastCompleteAptRun(std::string_view history_log);

// Returns the newest complete run in one unattended-upgrades.log text.
std::optional<CompleteRun> LastCompleteUnattendedRun(std::string_view log);

// One row of dnf's history database (table trans).
struct DnfTransaction {
  int64_t id = 0;
  int64_t end_unix = 0;  // dt_end, Unix seconds (UTC); 0 when unfinished
  int state = 0;         // libdnf TransactionState: 1 = DONE
  std::string cmdline;   // "upgrade -y --security"
};

// True when a dnf command line (the arguments after "dnf") upgrades the
// whole system.
bool IsCompleteDnfCommandline(std::string_view cmdline);

// Returns the newest complete transaction (by end time), nullopt when none.
std::optional<DnfTransaction> LastCompleteDnfRun(
    const std::vector<DnfTransaction>& transactions);

}  // namespace mamori::facts
