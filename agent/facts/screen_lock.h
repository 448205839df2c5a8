#pragma once

// The `screen_lock` family: whether desktop sessions lock the screen, after
// how long, with a password and on resume, and whether machine policy
// enforces it.
//
// Linux sources: GNOME's system dconf databases (/etc/dconf/profile/user
// names them; /etc/dconf/db/<db>.d/* keyfiles, later files win; locks/ make a
// key enforced_by_policy) over the distribution's gschema overrides over
// GNOME's schema defaults (idle-delay 300 s, lock-enabled true, lock-delay 0),
// each value's origin in `evidence`; KDE's /etc/xdg/kscreenlockerrc
// ([Daemon] Autolock, Timeout in minutes, LockOnResume; "[$i]" marks it
// immutable) over KDE's defaults (true, 5, true); XFCE's system
// xfce4-screensaver channel. Users' own settings (binary per-user dconf
// databases) are not read: a setting not locked by policy may differ per
// user, which `enforced_by_policy` = false says. Enforced means no user can
// change the outcome: GNOME's idle-delay, lock-enabled, lock-delay and
// lockdown/disable-lock-screen all locked; KDE's Autolock and Timeout
// immutable ([$i] on the file, the [Daemon] group or both keys); XFCE's
// system channel is never taken as enforced.
//
// Status: no desktop installed (no display manager, no xsessions, no
// wayland-sessions) → STATUS_NOT_APPLICABLE; a desktop we cannot read
// (other than GNOME, KDE, XFCE) → STATUS_UNSUPPORTED naming it. Parsers are
// pure and thread-safe.

#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "agent/facts/ini_sections.h"
#include "agent/facts/types.h"

namespace mamori::facts {

// Mirrors mamori.v1.ScreenLockFacts.
struct ScreenLockFacts {
  CollectionStatus status;
  std::optional<bool> enabled;
  std::optional<uint32_t> idle_timeout_seconds;
  std::optional<bool> password_required;
  std::optional<bool> lock_on_resume;
  bool enforced_by_policy = false;
  std::string source;
  std::vector<std::string> evidence;
};

template <typename V>
void VisitFields(const ScreenLockFacts& f, V& v) {
  v("status", f.status);
  v("enabled", f.enabled);
  v("idle_timeout_seconds", f.idle_timeout_seconds);
  v("password_required", f.password_required);
  v("lock_on_resume", f.lock_on_resume);
  v("enforced_by_policy", f.enforced_by_policy);
  v("source", f.source);
  v("evidence", f.evidence);
}

// Collects the family. Never throws; failures are in `status`.
ScreenLockFacts GatherScreenLock(const GatherContext& ctx);

// Returns the system-db names of a dconf profile ("system-db:local" → local),
// highest priority first.
std::vector<std::string> DconfSystemDbs(std::string_view profile);

// Returns the key paths listed in a dconf locks file
// ("/org/gnome/desktop/session/idle-delay").
std::vector<std::string> ParseDconfLocks(std::string_view text);

// GNOME settings merged across layers: "/org/gnome/desktop/session/idle-delay"
// → (GVariant text, where it came from).
struct GnomeSettings {
  std::map<std::string, std::pair<std::string, std::string>> values;
  std::set<std::string> locks;
};

// Adds the keys of one dconf keyfile ([org/gnome/...] sections) or gschema
// override ([org.gnome....] sections); existing keys are replaced only when
// `override` is true.
void AddGnomeKeyfile(const IniSections& keyfile, std::string_view source,
                     bool override, GnomeSettings* settings);

// Parses GVariant text for an unsigned integer ("uint32 300", "300") or a
// boolean ("true"); nullopt when it is neither.
std::optional<uint32_t> GVariantUint(std::string_view text);
std::optional<bool> GVariantBool(std::string_view text);

// Evaluates GNOME's lock settings (schema defaults for unset keys).
ScreenLockFacts EvaluateGnome(const GnomeSettings& settings);

// Evaluates KDE's kscreenlockerrc text (empty = KDE defaults).
ScreenLockFacts EvaluateKde(const IniSections& kscreenlockerrc,
                            std::string_view raw_text, std::string_view source);

// Evaluates XFCE's xfce4-screensaver channel flattened to property paths
// ("/lock/enabled" → "true", "/saver/idle-activation/delay" → "5" minutes).
ScreenLockFacts EvaluateXfce(const std::map<std::string, std::string>& channel,
                             std::string_view source);

}  // namespace mamori::facts
