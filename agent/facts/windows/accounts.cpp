// The `accounts` family on Windows: local users from NetUserEnum level 3
// (flags, last logon, password age, RID → SID with the machine's domain SID),
// and administrators from the members of the group whose SID is S-1-5-32-544
// — looked up by SID, because the group's name is localised
// ("Administratoren" on German Windows).
// Windows headers: <windows.h> first, then the rest in dependency order.
// clang-format off
#include <windows.h>
#include <lm.h>
#include <sddl.h>
// clang-format on

#include "agent/facts/accounts.h"

#include <set>

#include "agent/facts/windows/win_error.h"
#include "agent/facts/windows/win_text.h"

namespace mamori::facts {

namespace {

std::string SidText(PSID sid) {
  wchar_t* text = nullptr;
  if (!ConvertSidToStringSidW(sid, &text)) return {};
  std::string out = win::WideToUtf8(text);
  LocalFree(text);
  return out;
}

// Returns the localised name of BUILTIN\Administrators, or "" on failure.
CollectionStatus AdministratorsGroupName(std::wstring* name) {
  PSID sid = nullptr;
  if (!ConvertStringSidToSidW(L"S-1-5-32-544", &sid)) {
    return win::Win32Status("ConvertStringSidToSidW(S-1-5-32-544)",
                            GetLastError());
  }
  wchar_t account[256];
  wchar_t domain[256];
  DWORD account_size = 256;
  DWORD domain_size = 256;
  SID_NAME_USE use;
  const BOOL ok = LookupAccountSidW(nullptr, sid, account, &account_size,
                                    domain, &domain_size, &use);
  const DWORD error = GetLastError();
  LocalFree(sid);
  if (!ok) return win::Win32Status("LookupAccountSidW(S-1-5-32-544)", error);
  *name = account;
  return OkStatus();
}

// SIDs of the direct members of BUILTIN\Administrators.
CollectionStatus AdministratorSids(std::set<std::string>* sids) {
  std::wstring group;
  CollectionStatus s = AdministratorsGroupName(&group);
  if (!s.ok()) return s;
  DWORD_PTR resume = 0;
  NET_API_STATUS rc;
  do {
    LOCALGROUP_MEMBERS_INFO_0* members = nullptr;
    DWORD read = 0;
    DWORD total = 0;
    rc = NetLocalGroupGetMembers(nullptr, group.c_str(), 0,
                                 reinterpret_cast<BYTE**>(&members),
                                 MAX_PREFERRED_LENGTH, &read, &total, &resume);
    if (rc != NERR_Success && rc != ERROR_MORE_DATA) {
      return win::Win32Status("NetLocalGroupGetMembers(S-1-5-32-544)", rc);
    }
    for (DWORD i = 0; i < read; ++i)
      sids->insert(SidText(members[i].lgrmi0_sid));
    if (members != nullptr) NetApiBufferFree(members);
  } while (rc == ERROR_MORE_DATA);
  return OkStatus();
}

std::string UserSid(const wchar_t* name) {
  BYTE sid[SECURITY_MAX_SID_SIZE];
  DWORD sid_size = sizeof sid;
  wchar_t domain[256];
  DWORD domain_size = 256;
  SID_NAME_USE use;
  if (!LookupAccountNameW(nullptr, name, sid, &sid_size, domain, &domain_size,
                          &use)) {
    return {};
  }
  return SidText(sid);
}

}  // namespace

AccountFacts GatherAccounts(const GatherContext& ctx) {
  AccountFacts facts;
  std::set<std::string> admin_sids;
  CollectionStatus s = AdministratorSids(&admin_sids);
  if (!s.ok()) {
    facts.status = s;
    return facts;
  }
  DWORD resume = 0;
  NET_API_STATUS rc;
  do {
    USER_INFO_3* users = nullptr;
    DWORD read = 0;
    DWORD total = 0;
    rc = NetUserEnum(nullptr, 3, FILTER_NORMAL_ACCOUNT,
                     reinterpret_cast<BYTE**>(&users), MAX_PREFERRED_LENGTH,
                     &read, &total, &resume);
    if (rc != NERR_Success && rc != ERROR_MORE_DATA) {
      facts.status = win::Win32Status("NetUserEnum level 3", rc);
      return facts;
    }
    for (DWORD i = 0; i < read; ++i) {
      const USER_INFO_3& u = users[i];
      Account a;
      a.name = win::WideToUtf8(u.usri3_name);
      a.id = UserSid(u.usri3_name);
      a.full_name = win::WideToUtf8(u.usri3_full_name);
      a.home = win::WideToUtf8(u.usri3_home_dir);
      a.disabled = (u.usri3_flags & UF_ACCOUNTDISABLE) != 0;
      a.locked = (u.usri3_flags & UF_LOCKOUT) != 0;
      if (!a.id.empty() && admin_sids.count(a.id) != 0) {
        a.admin = true;
        a.admin_via.push_back("group:S-1-5-32-544");
      }
      if (u.usri3_last_logon != 0)
        a.last_login = FromUnixSeconds(u.usri3_last_logon);
      // password_age is seconds since the last change, relative to now.
      a.password_changed_at =
          ctx.clock->Now() - std::chrono::seconds(u.usri3_password_age);
      // Built-in accounts: Administrator (RID 500), Guest (501),
      // DefaultAccount (503), WDAGUtilityAccount (504).
      a.system = u.usri3_user_id >= 500 && u.usri3_user_id < 1000;
      facts.accounts.push_back(std::move(a));
    }
    if (users != nullptr) NetApiBufferFree(users);
  } while (rc == ERROR_MORE_DATA);
  for (const Account& a : facts.accounts) {
    if (a.admin) ++facts.admin_count;
  }
  facts.status = OkStatus();
  return facts;
}

}  // namespace mamori::facts
