#pragma once

// The `updates` family on rpm systems (RHEL, Fedora): what can be known
// without dnf's repository metadata. Pending updates are not computed (that
// needs dnf's solver over its metadata cache), so the family stays
// STATUS_UNSUPPORTED and says so; it still carries whether dnf-automatic
// applies updates (automatic_updates + evidence), the newest install time
// from the rpm database (last_install_at) and the 20 newest installs
// (recent_installed). reboot_required is not set (needs-restarting is not
// run). Thread-safe; DecideDnfAutomatic is pure.

#include <optional>
#include <string>
#include <vector>

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

// Gathers the family on a system whose packages are in `rpmdb` (see the
// header comment). Never throws.
UpdateFacts GatherRpmUpdates(const GatherContext& ctx,
                             const RpmdbLocation& rpmdb);

}  // namespace mamori::facts
