#include "agent/facts/accounts.h"

#include <algorithm>
#include <cstring>
#include <set>

#include "agent/facts/time_range.h"

namespace mamori::facts {

std::vector<PasswdEntry> ParsePasswd(std::string_view text) {
  std::vector<PasswdEntry> out;
  for (std::string_view line : SplitLines(text)) {
    if (line.empty() || line.front() == '+' || line.front() == '-' ||
        line.front() == '#') {
      continue;
    }
    const auto f = Split(line, ':');
    if (f.size() != 7 || f[0].empty()) continue;
    const auto uid = ParseUint64(f[2]);
    const auto gid = ParseUint64(f[3]);
    if (!uid || !gid || *uid > UINT32_MAX || *gid > UINT32_MAX) continue;
    PasswdEntry e;
    e.name = SanitizeUtf8(f[0]);
    e.uid = static_cast<uint32_t>(*uid);
    e.gid = static_cast<uint32_t>(*gid);
    // GECOS: full name is the first comma-separated field.
    e.gecos = SanitizeUtf8(Split(f[4], ',')[0]);
    e.home = SanitizeUtf8(f[5]);
    e.shell = SanitizeUtf8(f[6]);
    out.push_back(std::move(e));
  }
  return out;
}

std::vector<GroupEntry> ParseGroup(std::string_view text) {
  std::vector<GroupEntry> out;
  for (std::string_view line : SplitLines(text)) {
    if (line.empty() || line.front() == '+' || line.front() == '-' ||
        line.front() == '#') {
      continue;
    }
    const auto f = Split(line, ':');
    if (f.size() != 4 || f[0].empty()) continue;
    const auto gid = ParseUint64(f[2]);
    if (!gid || *gid > UINT32_MAX) continue;
    GroupEntry g;
    g.name = SanitizeUtf8(f[0]);
    g.gid = static_cast<uint32_t>(*gid);
    for (std::string_view m : Split(f[3], ',')) {
      m = Trim(m);
      if (!m.empty()) g.members.push_back(SanitizeUtf8(m));
    }
    out.push_back(std::move(g));
  }
  return out;
}

std::map<std::string, ShadowEntry> ParseShadow(std::string_view text) {
  std::map<std::string, ShadowEntry> out;
  for (std::string_view line : SplitLines(text)) {
    const auto f = Split(line, ':');
    if (f.size() < 8 || f[0].empty()) continue;
    ShadowEntry e;
    e.locked = !f[1].empty() && (f[1].front() == '!' || f[1].front() == '*');
    if (auto d = ParseInt64(f[2]); d && *d > 0) e.last_change_days = d;
    if (auto d = ParseInt64(f[7]); d && *d >= 0) e.expire_days = d;
    out[SanitizeUtf8(f[0])] = e;
  }
  return out;
}

uint32_t ParseUidMin(std::string_view login_defs) {
  uint32_t uid_min = 1000;
  for (std::string_view line : SplitLines(login_defs)) {
    const auto words = SplitWhitespace(line);
    if (words.size() >= 2 && words[0] == "UID_MIN") {
      if (auto v = ParseUint64(words[1]); v && *v <= UINT32_MAX) {
        uid_min = static_cast<uint32_t>(*v);
      }
    }
  }
  return uid_min;
}

namespace {

bool IsAliasOrDefaults(std::string_view first_word) {
  return StartsWith(first_word, "Defaults") || first_word == "User_Alias" ||
         first_word == "Runas_Alias" || first_word == "Host_Alias" ||
         first_word == "Cmnd_Alias" || first_word == "Cmd_Alias";
}

// True when a user specification's command part grants every command:
// "ALL=(ALL:ALL) ALL", "ALL=(ALL) NOPASSWD: ALL", "ALL = ALL".
bool GrantsAllCommands(std::string_view spec) {
  const size_t eq = spec.find('=');
  if (eq == std::string_view::npos) return false;
  for (std::string_view command : Split(spec.substr(eq + 1), ',')) {
    command = Trim(command);
    // Drop a run-as list and tags ("(ALL:ALL) NOPASSWD: SETENV: ALL").
    if (!command.empty() && command.front() == '(') {
      const size_t close = command.find(')');
      if (close == std::string_view::npos) continue;
      command = Trim(command.substr(close + 1));
    }
    while (true) {
      const size_t colon = command.find(':');
      if (colon == std::string_view::npos) break;
      const std::string_view tag = Trim(command.substr(0, colon));
      if (tag.empty() || tag.find_first_of(" /") != std::string_view::npos)
        break;
      command = Trim(command.substr(colon + 1));
    }
    if (command == "ALL") return true;
  }
  return false;
}

}  // namespace

SudoersGrants ParseSudoers(std::string_view text) {
  SudoersGrants out;
  std::string joined;
  std::vector<std::string> lines;
  for (std::string_view line : SplitLines(text)) {
    if (!line.empty() && line.back() == '\\') {
      joined += std::string(line.substr(0, line.size() - 1)) + " ";
      continue;
    }
    lines.push_back(joined + std::string(line));
    joined.clear();
  }
  if (!joined.empty()) lines.push_back(joined);

  for (const std::string& raw : lines) {
    std::string_view line = Trim(raw);
    const auto words = SplitWhitespace(line);
    if (words.empty()) continue;
    if ((words[0] == "@includedir" || words[0] == "#includedir") &&
        words.size() >= 2) {
      out.include_dirs.push_back(SanitizeUtf8(words[1]));
      continue;
    }
    if ((words[0] == "@include" || words[0] == "#include") &&
        words.size() >= 2) {
      out.include_files.push_back(SanitizeUtf8(words[1]));
      continue;
    }
    if (line.front() == '#') continue;
    const size_t hash = line.find('#');
    if (hash != std::string_view::npos) line = Trim(line.substr(0, hash));
    if (line.empty() || IsAliasOrDefaults(words[0])) continue;
    if (!GrantsAllCommands(line)) continue;
    // The user list is everything before the first host list.
    const size_t space = line.find_first_of(" \t");
    if (space == std::string_view::npos) continue;
    for (std::string_view who : Split(line.substr(0, space), ',')) {
      who = Trim(who);
      if (who.empty() || who.front() == '!') continue;
      if (who.front() == '%') {
        out.groups.push_back(SanitizeUtf8(who.substr(1)));
      } else {
        out.users.push_back(SanitizeUtf8(who));
      }
    }
  }
  return out;
}

std::optional<TimePoint> ParseLastlogRecord(std::string_view record) {
  if (record.size() < kLastlogRecordSize) return std::nullopt;
  int32_t seconds = 0;
  std::memcpy(&seconds, record.data(), sizeof seconds);
  if (seconds <= 0) return std::nullopt;
  return FromUnixSeconds(seconds);
}

std::vector<Account> BuildAccounts(const AccountSources& sources,
                                   TimePoint now) {
  static const std::set<std::string> kAdminGroups = {"sudo", "wheel", "admin"};
  std::vector<Account> out;
  const int64_t today = ToUnixSeconds(now) / 86400;
  for (const PasswdEntry& p : sources.passwd) {
    Account a;
    a.name = p.name;
    a.id = std::to_string(p.uid);
    a.full_name = p.gecos;
    a.home = p.home;
    a.shell = p.shell;
    a.system = p.uid < sources.uid_min;
    if (p.uid == 0) a.admin_via.push_back("uid:0");

    std::set<std::string> groups;
    for (const GroupEntry& g : sources.groups) {
      const bool member =
          g.gid == p.gid || std::find(g.members.begin(), g.members.end(),
                                      p.name) != g.members.end();
      if (!member) continue;
      groups.insert(g.name);
      if (kAdminGroups.count(g.name) != 0)
        a.admin_via.push_back("group:" + g.name);
    }
    for (const auto& [file, grants] : sources.sudoers) {
      bool granted = std::find(grants.users.begin(), grants.users.end(),
                               p.name) != grants.users.end();
      for (const std::string& g : grants.groups) {
        granted = granted || groups.count(g) != 0;
      }
      if (granted) a.admin_via.push_back("sudoers:" + file);
    }
    a.admin = !a.admin_via.empty();

    const std::string shell_name =
        p.shell.substr(p.shell.find_last_of('/') + 1);
    a.disabled = shell_name == "nologin" || shell_name == "false";
    if (sources.shadow) {
      auto it = sources.shadow->find(p.name);
      if (it != sources.shadow->end()) {
        a.locked = it->second.locked;
        // A damaged shadow line's day count can overflow the conversion.
        if (it->second.last_change_days && *it->second.last_change_days >= 0 &&
            *it->second.last_change_days <= kTimePointLastSecond / 86400) {
          a.password_changed_at =
              FromUnixSeconds(*it->second.last_change_days * 86400);
        }
        if (it->second.expire_days && *it->second.expire_days <= today) {
          a.disabled = true;
        }
      }
    }
    out.push_back(std::move(a));
  }
  return out;
}

}  // namespace mamori::facts
