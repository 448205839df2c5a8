// The `screen_lock` family on Windows. Machine policy InactivityTimeoutSecs
// (Interactive logon: machine inactivity limit) locks the session itself;
// otherwise the screen saver decides: the Group Policy values under
// HKCU\Software\Policies\Microsoft\Windows\Control Panel\Desktop win over
// the user's own HKCU\Control Panel\Desktop values.
#include "agent/facts/screen_lock.h"

// Windows headers: <windows.h> first, then the rest in dependency order.
// clang-format off
#include <windows.h>
// clang-format on

#include "agent/facts/windows/registry_key.h"
#include "agent/facts/windows/win_error.h"

namespace mamori::facts {

namespace {

struct SaverValues {
  std::optional<std::string> active;
  std::optional<std::string> secure;
  std::optional<std::string> timeout;
};

CollectionStatus ReadSaver(const char* path, SaverValues* out) {
  win::RegKey key;
  CollectionStatus s =
      win::RegKey::Open(HKEY_CURRENT_USER, path, win::RegView::k64, &key);
  if (!s.ok()) return s;
  s = key.GetString("ScreenSaveActive", &out->active);
  if (s.ok()) s = key.GetString("ScreenSaverIsSecure", &out->secure);
  if (s.ok()) s = key.GetString("ScreenSaveTimeOut", &out->timeout);
  return s;
}

}  // namespace

ScreenLockFacts GatherScreenLock(const GatherContext& /*ctx*/) {
  ScreenLockFacts facts;
  win::RegKey system;
  CollectionStatus s = win::RegKey::Open(
      HKEY_LOCAL_MACHINE,
      "SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Policies\\System",
      win::RegView::k64, &system);
  std::optional<uint32_t> inactivity;
  if (s.ok()) s = system.GetDword("InactivityTimeoutSecs", &inactivity);
  SaverValues policy;
  SaverValues user;
  if (s.ok()) {
    s = ReadSaver(
        "Software\\Policies\\Microsoft\\Windows\\Control Panel\\Desktop",
        &policy);
  }
  if (s.ok()) s = ReadSaver("Control Panel\\Desktop", &user);
  if (!s.ok()) {
    facts.status = s;
    return facts;
  }

  if (inactivity && *inactivity > 0) {
    facts.enabled = true;
    facts.idle_timeout_seconds = *inactivity;
    facts.password_required = true;  // it locks the session
    facts.enforced_by_policy = true;
    facts.source = "windows-policy";
    facts.evidence.push_back(
        "HKLM\\...\\Policies\\System\\InactivityTimeoutSecs=" +
        std::to_string(*inactivity));
    facts.status = OkStatus();
    return facts;
  }
  // Each screen saver value: policy when set, else the user's setting.
  // Enforced only when all three come from policy: a value left to the
  // user (here the account the agent runs as) says nothing of other users.
  int from_policy = 0;
  auto pick = [&](const std::optional<std::string>& p,
                  const std::optional<std::string>& u,
                  const char* name) -> std::optional<std::string> {
    if (p) {
      ++from_policy;
      facts.evidence.push_back(std::string("policy ") + name + "=" + *p);
      return p;
    }
    if (u) facts.evidence.push_back(std::string("user ") + name + "=" + *u);
    return u;
  };
  const auto active = pick(policy.active, user.active, "ScreenSaveActive");
  const auto secure = pick(policy.secure, user.secure, "ScreenSaverIsSecure");
  const auto timeout = pick(policy.timeout, user.timeout, "ScreenSaveTimeOut");
  facts.enforced_by_policy = from_policy == 3;
  facts.source = facts.enforced_by_policy ? "windows-policy" : "windows-user";
  if (active) facts.enabled = *active == "1";
  if (secure) facts.password_required = *secure == "1";
  if (timeout) {
    if (auto seconds = ParseUint64(Trim(*timeout))) {
      facts.idle_timeout_seconds = static_cast<uint32_t>(*seconds);
    }
  }
  if (facts.enabled == false) facts.idle_timeout_seconds = 0;
  facts.status = OkStatus();
  return facts;
}

}  // namespace mamori::facts
