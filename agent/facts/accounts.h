#pragma once

// The `accounts` family: local accounts, who has admin rights and how
// (uid 0, sudo/wheel/admin group, sudoers rules granting ALL), locked and
// disabled accounts, password change and last login times.
//
// Missing sources: no /etc/passwd → STATUS_UNSUPPORTED. /etc/shadow or a
// sudoers file unreadable (not root) → the accounts are still listed but the
// family is STATUS_PERMISSION_DENIED, because `locked` or `admin` may then be
// wrong. No sudoers at all, no lastlog → real absence.
// Password hashes are never stored: only whether the field marks the account
// locked ('!' or '*' prefix). Parsers are pure and thread-safe.

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "agent/facts/types.h"

namespace mamori::facts {

// Mirrors mamori.v1.Account.
struct Account {
  std::string name;
  std::string id;
  std::string full_name;
  std::string home;
  std::string shell;
  bool admin = false;
  std::vector<std::string> admin_via;
  bool locked = false;
  bool disabled = false;
  std::optional<TimePoint> last_login;
  std::optional<TimePoint> password_changed_at;
  bool system = false;
};

template <typename V>
void VisitFields(const Account& f, V& v) {
  v("name", f.name);
  v("id", f.id);
  v("full_name", f.full_name);
  v("home", f.home);
  v("shell", f.shell);
  v("admin", f.admin);
  v("admin_via", f.admin_via);
  v("locked", f.locked);
  v("disabled", f.disabled);
  v("last_login", f.last_login);
  v("password_changed_at", f.password_changed_at);
  v("system", f.system);
}

// Mirrors mamori.v1.AccountFacts.
struct AccountFacts {
  CollectionStatus status;
  std::vector<Account> accounts;
  uint32_t admin_count = 0;
};

template <typename V>
void VisitFields(const AccountFacts& f, V& v) {
  v("status", f.status);
  v("accounts", f.accounts);
  v("admin_count", f.admin_count);
}

// Collects the family. Never throws; failures are in `status`.
AccountFacts GatherAccounts(const GatherContext& ctx);

struct PasswdEntry {
  std::string name;
  uint32_t uid = 0;
  uint32_t gid = 0;
  std::string gecos;
  std::string home;
  std::string shell;
};
// Returns the well-formed entries of /etc/passwd (7 fields, numeric ids);
// NIS "+"/"-" lines and malformed lines are skipped.
std::vector<PasswdEntry> ParsePasswd(std::string_view text);

struct GroupEntry {
  std::string name;
  uint32_t gid = 0;
  std::vector<std::string> members;
};
std::vector<GroupEntry> ParseGroup(std::string_view text);

struct ShadowEntry {
  bool locked = false;  // password field starts with '!' or '*'
  std::optional<int64_t> last_change_days;  // days since the epoch
  std::optional<int64_t> expire_days;       // account expiry, days since epoch
};
// Returns name → entry. The password field itself is never kept.
std::map<std::string, ShadowEntry> ParseShadow(std::string_view text);

// Returns UID_MIN from login.defs text, or 1000 when not set.
uint32_t ParseUidMin(std::string_view login_defs);

// What one sudoers file grants and includes.
struct SudoersGrants {
  std::vector<std::string> users;          // user names granted ALL commands
  std::vector<std::string> groups;         // group names (%group) granted ALL
  std::vector<std::string> include_files;  // @include / #include targets
  std::vector<std::string> include_dirs;   // @includedir / #includedir
};
// Parses sudoers syntax: user specifications whose command list is ALL count
// as admin grants (a rule for a few commands does not); Defaults, aliases and
// comments are skipped; line continuations are joined.
SudoersGrants ParseSudoers(std::string_view text);

// lastlog is indexed by uid with fixed records (glibc x86-64/aarch64 layout:
// int32 time, 32-byte line, 256-byte host). It is sparse and can be huge, so
// the gatherer reads one record at uid * kLastlogRecordSize.
inline constexpr size_t kLastlogRecordSize = 4 + 32 + 256;

// Returns the login time in one lastlog record, or nullopt when the record is
// short or holds no login.
std::optional<TimePoint> ParseLastlogRecord(std::string_view record);

// Inputs for building the account list.
struct AccountSources {
  std::vector<PasswdEntry> passwd;
  std::vector<GroupEntry> groups;
  std::optional<std::map<std::string, ShadowEntry>> shadow;  // nullopt: unread
  uint32_t uid_min = 1000;
  // Sudoers grants with the file each came from ("/etc/sudoers.d/admins").
  std::vector<std::pair<std::string, SudoersGrants>> sudoers;
};

// Builds the accounts: admin via uid 0 ("uid:0"), membership of sudo, wheel
// or admin ("group:sudo", primary group included), sudoers grants to the
// user or a group it is in ("sudoers:/etc/sudoers"); locked from shadow;
// disabled when the shell is nologin/false or the account expired before
// `now`; system when uid < uid_min (except root, which is system too).
std::vector<Account> BuildAccounts(const AccountSources& sources,
                                   TimePoint now);

}  // namespace mamori::facts
