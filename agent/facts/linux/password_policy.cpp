// Linux gatherer for the `password_policy` family: login.defs, the PAM
// password/auth stacks, pwquality and faillock configuration, and shadow.
#include "agent/facts/password_policy.h"

#include <set>

#include "agent/facts/linux/file_util.h"

namespace mamori::facts {

namespace lu = linux_util;

namespace {

// Reads a PAM file and, depth first, the files it includes, appending their
// password and auth lines in stack order.
void ReadPamStack(const GatherContext& ctx, const std::string& name, int depth,
                  std::set<std::string>* seen, PasswordPolicySources* src) {
  if (depth > 8 || !seen->insert(name).second) return;
  const std::string path = StartsWith(name, "/") ? name : "/etc/pam.d/" + name;
  Result<std::string> text = ReadFile(ctx.Path(path), 1 << 20);
  if (!text.ok()) return;
  src->pam_found = true;
  std::vector<PamInclude> includes;
  std::vector<PamLine> lines = ParsePamFile(*text, path, &includes);
  for (PamLine& line : lines) src->pam.push_back(std::move(line));
  for (const PamInclude& inc : includes) {
    ReadPamStack(ctx, inc.file, depth + 1, seen, src);
  }
}

}  // namespace

PasswordPolicyFacts GatherPasswordPolicy(const GatherContext& ctx) {
  PasswordPolicySources src;
  src.login_defs = ReadFile(ctx.Path("/etc/login.defs"), 1 << 20);
  std::set<std::string> seen;
  // Debian's stacks, then RHEL's; whichever exist.
  for (const char* file :
       {"common-password", "common-auth", "system-auth", "password-auth"}) {
    ReadPamStack(ctx, file, 0, &seen, &src);
  }
  Result<std::string> pwq =
      ReadFile(ctx.Path("/etc/security/pwquality.conf"), 1 << 20);
  if (pwq.ok()) src.pwquality_confs.push_back(std::move(*pwq));
  Result<std::vector<std::string>> dropins =
      lu::ListDirectory(ctx.Path("/etc/security/pwquality.conf.d"));
  if (dropins.ok()) {
    for (const std::string& name : *dropins) {
      if (!EndsWith(name, ".conf")) continue;
      Result<std::string> text =
          ReadFile(ctx.Path("/etc/security/pwquality.conf.d/" + name), 1 << 20);
      if (text.ok()) src.pwquality_confs.push_back(std::move(*text));
    }
  }
  Result<std::string> faillock =
      ReadFile(ctx.Path("/etc/security/faillock.conf"), 1 << 20);
  if (faillock.ok()) src.faillock_conf = std::move(*faillock);
  src.shadow = ReadFile(ctx.Path("/etc/shadow"), 64 << 20);
  return BuildPasswordPolicy(src);
}

}  // namespace mamori::facts
