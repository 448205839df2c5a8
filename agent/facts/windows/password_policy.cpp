// The `password_policy` family on Windows: NetUserModalsGet level 0
// (length, ages, history) and level 3 (lockout), and local accounts whose
// flags say no password is required (NetUserEnum level 1). Complexity lives
// only in the security database (secedit), which no API exposes: it stays
// unset. A failed NetUserModalsGet is the family's status (Wine: 2140).
#include "agent/facts/password_policy.h"

// Windows headers: <windows.h> first, then the rest in dependency order.
// clang-format off
#include <windows.h>
#include <lm.h>
// clang-format on

#include "agent/facts/windows/win_error.h"
#include "agent/facts/windows/win_text.h"

namespace mamori::facts {

namespace {

// TIMEQ_FOREVER means "never expires"; reported as 0 days like `net
// accounts` "Unlimited" would be by policy tools.
uint32_t SecondsToDays(DWORD seconds) {
  if (seconds == TIMEQ_FOREVER) return 0;
  return seconds / 86400;
}

}  // namespace

PasswordPolicyFacts GatherPasswordPolicy(const GatherContext& /*ctx*/) {
  PasswordPolicyFacts facts;
  USER_MODALS_INFO_0* info0 = nullptr;
  NET_API_STATUS rc =
      NetUserModalsGet(nullptr, 0, reinterpret_cast<BYTE**>(&info0));
  if (rc != NERR_Success) {
    facts.status = win::Win32Status("NetUserModalsGet level 0", rc);
    return facts;
  }
  facts.min_length = info0->usrmod0_min_passwd_len;
  facts.max_age_days = SecondsToDays(info0->usrmod0_max_passwd_age);
  facts.min_age_days = SecondsToDays(info0->usrmod0_min_passwd_age);
  facts.history_length = info0->usrmod0_password_hist_len;
  NetApiBufferFree(info0);
  facts.evidence.push_back("NetUserModalsGet level 0");

  USER_MODALS_INFO_3* info3 = nullptr;
  rc = NetUserModalsGet(nullptr, 3, reinterpret_cast<BYTE**>(&info3));
  if (rc != NERR_Success) {
    facts.status = win::Win32Status("NetUserModalsGet level 3", rc);
    return facts;
  }
  facts.lockout_threshold = info3->usrmod3_lockout_threshold;
  facts.lockout_duration_seconds = info3->usrmod3_lockout_duration;
  NetApiBufferFree(info3);
  facts.evidence.push_back("NetUserModalsGet level 3");

  DWORD resume = 0;
  do {
    USER_INFO_1* users = nullptr;
    DWORD read = 0;
    DWORD total = 0;
    rc = NetUserEnum(nullptr, 1, FILTER_NORMAL_ACCOUNT,
                     reinterpret_cast<BYTE**>(&users), MAX_PREFERRED_LENGTH,
                     &read, &total, &resume);
    if (rc != NERR_Success && rc != ERROR_MORE_DATA) {
      facts.status = win::Win32Status("NetUserEnum level 1", rc);
      return facts;
    }
    for (DWORD i = 0; i < read; ++i) {
      const DWORD flags = users[i].usri1_flags;
      if ((flags & UF_PASSWD_NOTREQD) != 0 &&
          (flags & UF_ACCOUNTDISABLE) == 0) {
        facts.accounts_without_password.push_back(
            win::WideToUtf8(users[i].usri1_name));
      }
    }
    if (users != nullptr) NetApiBufferFree(users);
  } while (rc == ERROR_MORE_DATA);
  facts.accounts_without_password_count =
      static_cast<uint32_t>(facts.accounts_without_password.size());
  facts.evidence.push_back("NetUserEnum UF_PASSWD_NOTREQD (enabled accounts)");
  facts.status = OkStatus();
  return facts;
}

}  // namespace mamori::facts
