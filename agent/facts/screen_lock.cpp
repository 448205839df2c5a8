#include "agent/facts/screen_lock.h"

namespace mamori::facts {

namespace {

constexpr std::string_view kIdleDelay = "/org/gnome/desktop/session/idle-delay";
constexpr std::string_view kLockEnabled =
    "/org/gnome/desktop/screensaver/lock-enabled";
constexpr std::string_view kLockDelay =
    "/org/gnome/desktop/screensaver/lock-delay";
constexpr std::string_view kLockOnSuspend =
    "/org/gnome/desktop/screensaver/ubuntu-lock-on-suspend";
constexpr std::string_view kDisableLock =
    "/org/gnome/desktop/lockdown/disable-lock-screen";

bool KdeLockImmutable(std::string_view text) {
  std::string group;
  bool autolock = false;
  bool timeout = false;
  for (std::string_view line : SplitLines(text)) {
    line = Trim(line);
    if (line.empty() || line.front() == '#') continue;
    if (line == "[$i]" && group.empty()) return true;  // the whole file
    if (line.front() == '[') {
      const size_t close = line.find(']');
      group = std::string(line.substr(1, close == std::string_view::npos
                                             ? std::string_view::npos
                                             : close - 1));
      if (group == "Daemon" && close != std::string_view::npos &&
          line.substr(close + 1) == "[$i]") {
        return true;
      }
      continue;
    }
    if (group != "Daemon") continue;
    if (StartsWith(line, "Autolock[$i]")) autolock = true;
    if (StartsWith(line, "Timeout[$i]")) timeout = true;
  }
  return autolock && timeout;
}

bool IsTrueText(std::string_view v) {
  const std::string l = ToLowerAscii(Trim(v));
  return l == "true" || l == "1" || l == "yes";
}

}  // namespace

std::vector<std::string> DconfSystemDbs(std::string_view profile) {
  std::vector<std::string> out;
  for (std::string_view line : SplitLines(profile)) {
    line = Trim(line);
    if (StartsWith(line, "system-db:")) {
      out.emplace_back(Trim(line.substr(10)));
    }
  }
  return out;
}

std::vector<std::string> ParseDconfLocks(std::string_view text) {
  std::vector<std::string> out;
  for (std::string_view line : SplitLines(text)) {
    line = Trim(line);
    if (line.empty() || line.front() == '#') continue;
    out.emplace_back(line);
  }
  return out;
}

void AddGnomeKeyfile(const IniSections& keyfile, std::string_view source,
                     bool override, GnomeSettings* settings) {
  for (const auto& [section, keys] : keyfile) {
    if (section.empty()) continue;
    std::string path = "/" + section;
    // gschema overrides name schemas with dots: org.gnome.desktop.session.
    for (char& c : path) {
      if (c == '.') c = '/';
    }
    for (const auto& [key, value] : keys) {
      const std::string full = path + "/" + key;
      if (!override && settings->values.count(full) != 0) continue;
      settings->values[full] = {value, std::string(source)};
    }
  }
}

std::optional<uint32_t> GVariantUint(std::string_view text) {
  std::vector<std::string_view> words = SplitWhitespace(text);
  if (words.empty()) return std::nullopt;
  std::string_view number = words.back();
  const std::optional<uint64_t> v = ParseUint64(number);
  if (!v || *v > UINT32_MAX) return std::nullopt;
  return static_cast<uint32_t>(*v);
}

std::optional<bool> GVariantBool(std::string_view text) {
  const std::string_view t = Trim(text);
  if (t == "true") return true;
  if (t == "false") return false;
  return std::nullopt;
}

ScreenLockFacts EvaluateGnome(const GnomeSettings& s) {
  ScreenLockFacts f;
  f.status = OkStatus();
  f.source = "gnome";
  auto lookup = [&](std::string_view key, std::string_view fallback,
                    std::string* value) {
    auto it = s.values.find(std::string(key));
    const bool locked = s.locks.count(std::string(key)) != 0;
    if (it == s.values.end()) {
      *value = std::string(fallback);
      f.evidence.push_back(std::string(key) + "=" + *value +
                           " (GNOME default)");
    } else {
      *value = it->second.first;
      f.evidence.push_back(
          std::string(key) + "=" + SanitizeUtf8(it->second.first) + " (" +
          it->second.second + (locked ? ", locked" : "") + ")");
    }
    return locked;
  };
  std::string idle_text, enabled_text, delay_text;
  const bool idle_locked = lookup(kIdleDelay, "uint32 300", &idle_text);
  const bool enabled_locked = lookup(kLockEnabled, "true", &enabled_text);
  lookup(kLockDelay, "uint32 0", &delay_text);
  const std::optional<uint32_t> idle = GVariantUint(idle_text);
  const std::optional<bool> lock_enabled = GVariantBool(enabled_text);
  const std::optional<uint32_t> delay = GVariantUint(delay_text);

  bool disabled_by_lockdown = false;
  if (auto it = s.values.find(std::string(kDisableLock));
      it != s.values.end()) {
    disabled_by_lockdown = GVariantBool(it->second.first).value_or(false);
    f.evidence.push_back(std::string(kDisableLock) + "=" +
                         SanitizeUtf8(it->second.first) + " (" +
                         it->second.second + ")");
  }
  if (lock_enabled && idle) {
    // idle-delay 0 never blanks the screen, so it never locks on idle.
    f.enabled = *lock_enabled && *idle != 0 && !disabled_by_lockdown;
    f.idle_timeout_seconds = *f.enabled ? *idle + delay.value_or(0) : 0;
    // GNOME's lock screen always asks for the user's password.
    f.password_required = *f.enabled;
  }
  if (lock_enabled) {
    bool on_resume = *lock_enabled && !disabled_by_lockdown;
    if (auto it = s.values.find(std::string(kLockOnSuspend));
        it != s.values.end()) {
      on_resume = on_resume && GVariantBool(it->second.first).value_or(true);
      f.evidence.push_back(std::string(kLockOnSuspend) + "=" +
                           SanitizeUtf8(it->second.first) + " (" +
                           it->second.second + ")");
    }
    f.lock_on_resume = on_resume;
  }
  // Enforced only when no user can change the outcome: each key that
  // decides whether and when the screen locks is locked (a user's own
  // dconf database overrides any unlocked key, and per-user databases are
  // not read).
  const bool delay_locked = s.locks.count(std::string(kLockDelay)) != 0;
  const bool lockdown_locked = s.locks.count(std::string(kDisableLock)) != 0;
  f.enforced_by_policy =
      idle_locked && enabled_locked && delay_locked && lockdown_locked;
  if (!f.enforced_by_policy) {
    std::string unlocked;
    const std::pair<std::string_view, bool> keys[] = {
        {kIdleDelay, idle_locked},
        {kLockEnabled, enabled_locked},
        {kLockDelay, delay_locked},
        {kDisableLock, lockdown_locked}};
    for (const auto& [key, locked] : keys) {
      if (!locked)
        unlocked += (unlocked.empty() ? "" : ", ") + std::string(key);
    }
    f.evidence.push_back("not locked by policy, so each user may change it: " +
                         unlocked);
  }
  return f;
}

ScreenLockFacts EvaluateKde(const IniSections& rc, std::string_view raw_text,
                            std::string_view source) {
  ScreenLockFacts f;
  f.status = OkStatus();
  f.source = "kde";
  auto get = [&](const char* key, const char* fallback) {
    // "Key[$i]=" is an immutable key: the same setting.
    auto v = IniValue(rc, "Daemon", key);
    if (!v) v = IniValue(rc, "Daemon", std::string(key) + "[$i]");
    f.evidence.push_back(
        std::string("[Daemon] ") + key + "=" +
        SanitizeUtf8(v.value_or(fallback)) +
        (v ? " (" + std::string(source) + ")" : " (KDE default)"));
    return v.value_or(fallback);
  };
  const bool autolock = IsTrueText(get("Autolock", "true"));
  const std::optional<uint64_t> minutes =
      ParseUint64(Trim(get("Timeout", "5")));
  const bool on_resume = IsTrueText(get("LockOnResume", "true"));
  f.enabled = autolock && minutes.value_or(5) != 0;
  if (minutes) {
    f.idle_timeout_seconds = *f.enabled
                                 ? static_cast<uint32_t>(std::min<uint64_t>(
                                       *minutes * 60, UINT32_MAX))
                                 : 0;
  }
  f.password_required = *f.enabled || on_resume;
  f.lock_on_resume = on_resume;
  // KConfig's "[$i]" makes the whole file (a line of its own before any
  // group), a group ("[Daemon][$i]") or a key ("Timeout[$i]=") immutable for
  // users. Enforced only when Autolock and Timeout both are: "[$i]" on
  // another group or key says nothing about the lock.
  f.enforced_by_policy = KdeLockImmutable(raw_text);
  if (!f.enforced_by_policy) {
    f.evidence.push_back(
        "[Daemon] Autolock and Timeout not immutable ([$i]): each user may "
        "change them");
  }
  return f;
}

ScreenLockFacts EvaluateXfce(const std::map<std::string, std::string>& channel,
                             std::string_view source) {
  ScreenLockFacts f;
  f.status = OkStatus();
  f.source = "xfce";
  auto get = [&](const char* key) -> std::optional<std::string> {
    auto it = channel.find(key);
    if (it == channel.end()) return std::nullopt;
    f.evidence.push_back(std::string(key) + "=" + SanitizeUtf8(it->second) +
                         " (" + std::string(source) + ")");
    return it->second;
  };
  const std::optional<std::string> lock = get("/lock/enabled");
  const std::optional<std::string> idle = get("/saver/idle-activation/enabled");
  const std::optional<std::string> delay = get("/saver/idle-activation/delay");
  const std::optional<std::string> sleep = get("/lock/sleep-activation");
  if (lock) {
    f.password_required = IsTrueText(*lock);
    if (!IsTrueText(*lock)) {
      f.enabled = false;
    } else if (idle) {
      f.enabled = IsTrueText(*idle);
    }
  }
  if (delay) {
    if (auto minutes = ParseUint64(Trim(*delay))) {
      f.idle_timeout_seconds =
          static_cast<uint32_t>(std::min<uint64_t>(*minutes * 60, UINT32_MAX));
    }
  }
  if (sleep) f.lock_on_resume = IsTrueText(*sleep);
  if (f.evidence.empty()) {
    f.evidence.push_back(
        "no system xfce4-screensaver settings: user defaults apply");
  }
  return f;
}

}  // namespace mamori::facts
