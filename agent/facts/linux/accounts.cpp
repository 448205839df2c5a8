// Linux gatherer for `accounts`: passwd, group, shadow, login.defs, sudoers
// (following @includedir/@include) and lastlog, all as files under the root.
#include "agent/facts/accounts.h"

#include <fcntl.h>
#include <unistd.h>

#include <set>

#include "agent/facts/linux/file_util.h"

namespace mamori::facts {

namespace lu = linux_util;

namespace {

// Reads one sudoers file and, recursively, what it includes. Records the
// first read error (permission denied for non-root) in `error`.
void ReadSudoers(const GatherContext& ctx, const std::string& path, int depth,
                 std::set<std::string>* seen,
                 std::vector<std::pair<std::string, SudoersGrants>>* out,
                 Status* error) {
  if (depth > 8 || !seen->insert(path).second) return;
  Result<std::string> text = ReadFile(ctx.Path(path), 4 << 20);
  if (!text.ok()) {
    if (text.status().code() != StatusCode::kNotFound && error->ok()) {
      *error = text.status();
    }
    return;
  }
  SudoersGrants grants = ParseSudoers(*text);
  const std::string dir = path.substr(0, path.find_last_of('/'));
  const auto absolute = [&](const std::string& p) {
    return p.empty() || p.front() == '/' ? p : dir + "/" + p;
  };
  for (const std::string& file : grants.include_files) {
    ReadSudoers(ctx, absolute(file), depth + 1, seen, out, error);
  }
  for (const std::string& inc_dir : grants.include_dirs) {
    const std::string d = absolute(inc_dir);
    Result<std::vector<std::string>> names = lu::ListDirectory(ctx.Path(d));
    if (!names.ok()) {
      if (names.status().code() != StatusCode::kNotFound && error->ok()) {
        *error = names.status();
      }
      continue;
    }
    for (const std::string& name : *names) {
      // sudo skips names ending in '~' or containing '.'.
      if (EndsWith(name, "~") || name.find('.') != std::string::npos) continue;
      ReadSudoers(ctx, d + "/" + name, depth + 1, seen, out, error);
    }
  }
  out->emplace_back(path, std::move(grants));
}

}  // namespace

AccountFacts GatherAccounts(const GatherContext& ctx) {
  AccountFacts facts;
  Result<std::string> passwd = ReadFile(ctx.Path("/etc/passwd"), 64 << 20);
  if (!passwd.ok()) {
    facts.status = StatusFromError(passwd.status());
    return facts;
  }
  AccountSources sources;
  sources.passwd = ParsePasswd(*passwd);
  Result<std::string> group = ReadFile(ctx.Path("/etc/group"), 64 << 20);
  if (group.ok()) sources.groups = ParseGroup(*group);
  Result<std::string> login_defs =
      ReadFile(ctx.Path("/etc/login.defs"), 1 << 20);
  if (login_defs.ok()) sources.uid_min = ParseUidMin(*login_defs);

  Status problem = Status::Ok();
  Result<std::string> shadow = ReadFile(ctx.Path("/etc/shadow"), 64 << 20);
  if (shadow.ok()) {
    sources.shadow = ParseShadow(*shadow);
  } else if (shadow.status().code() != StatusCode::kNotFound) {
    problem = shadow.status();
  }
  std::set<std::string> seen;
  Status sudoers_error = Status::Ok();
  ReadSudoers(ctx, "/etc/sudoers", 0, &seen, &sources.sudoers, &sudoers_error);
  if (problem.ok()) problem = sudoers_error;

  facts.accounts = BuildAccounts(sources, ctx.clock->Now());
  const int lastlog =
      ::open(ctx.Path("/var/log/lastlog").c_str(), O_RDONLY | O_CLOEXEC);
  for (Account& a : facts.accounts) {
    if (a.admin) ++facts.admin_count;
    if (lastlog >= 0 && (!a.system || a.id == "0")) {
      char record[kLastlogRecordSize];
      const off_t offset = static_cast<off_t>(ParseUint64(a.id).value_or(0)) *
                           static_cast<off_t>(kLastlogRecordSize);
      const ssize_t n = ::pread(lastlog, record, sizeof record, offset);
      if (n > 0) {
        a.last_login = ParseLastlogRecord(
            std::string_view(record, static_cast<size_t>(n)));
      }
    }
  }
  if (lastlog >= 0) ::close(lastlog);
  if (problem.ok()) {
    facts.status = OkStatus();
  } else {
    facts.status = StatusFromError(problem);
    facts.status.message +=
        " (accounts listed; locked state or sudoers grants may be missing)";
  }
  return facts;
}

}  // namespace mamori::facts
