#pragma once

// The `password_policy` family: length, age, complexity, history and lockout
// rules for local passwords, the hashing method, and accounts without a
// password (names and count only; hashes are never read into the facts).
//
// Linux sources and precedence:
//   - PAM (Debian common-password/common-auth, RHEL system-auth/password-auth,
//     following @include / include / substack): pam_pwquality or
//     pam_cracklib minlen, minclass and credits (module arguments override
//     /etc/security/pwquality.conf and pwquality.conf.d/*.conf; unset keys
//     take the module's documented defaults, said so in the evidence);
//     pam_unix minlen / remember / hashing method; pam_pwhistory remember;
//     pam_faillock (arguments over /etc/security/faillock.conf) or pam_tally2
//     for lockout. No lockout module in the auth stack → lockout_threshold 0.
//   - /etc/login.defs: PASS_MAX_DAYS, PASS_MIN_DAYS, ENCRYPT_METHOD, and
//     PASS_MIN_LEN only when there is no PAM stack (PAM ignores it).
//   - /etc/shadow (root only): accounts whose password field is empty.
// Status: shadow unreadable → STATUS_PERMISSION_DENIED with every other
// setting still reported; neither login.defs nor a PAM stack →
// STATUS_UNSUPPORTED. Parsers are pure and thread-safe.

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "agent/facts/types.h"

namespace mamori::facts {

// Mirrors mamori.v1.PasswordPolicyFacts.
struct PasswordPolicyFacts {
  CollectionStatus status;
  std::optional<uint32_t> min_length;
  std::optional<uint32_t> max_age_days;
  std::optional<uint32_t> min_age_days;
  std::optional<uint32_t> history_length;
  std::optional<uint32_t> min_classes;
  std::optional<bool> complexity_required;
  std::optional<uint32_t> lockout_threshold;
  std::optional<uint32_t> lockout_duration_seconds;
  std::string hash_method;
  std::vector<std::string> accounts_without_password;
  uint32_t accounts_without_password_count = 0;
  std::vector<std::string> evidence;
};

template <typename V>
void VisitFields(const PasswordPolicyFacts& f, V& v) {
  v("status", f.status);
  v("min_length", f.min_length);
  v("max_age_days", f.max_age_days);
  v("min_age_days", f.min_age_days);
  v("history_length", f.history_length);
  v("min_classes", f.min_classes);
  v("complexity_required", f.complexity_required);
  v("lockout_threshold", f.lockout_threshold);
  v("lockout_duration_seconds", f.lockout_duration_seconds);
  v("hash_method", f.hash_method);
  v("accounts_without_password", f.accounts_without_password);
  v("accounts_without_password_count", f.accounts_without_password_count);
  v("evidence", f.evidence);
}

// Collects the family. Never throws; failures are in `status`.
PasswordPolicyFacts GatherPasswordPolicy(const GatherContext& ctx);

// Parses login.defs ("KEY value" lines; comments and blanks skipped).
std::map<std::string, std::string> ParseLoginDefs(std::string_view text);

// Parses "key = value" files (pwquality.conf, faillock.conf); a bare key
// ("enforce_for_root") maps to "".
std::map<std::string, std::string> ParseKeyValueConf(std::string_view text);

// One line of a PAM stack.
struct PamLine {
  std::string type;     // "password", "auth" (leading '-' dropped)
  std::string control;  // "requisite", "[success=1 default=ignore]"
  std::string module;   // "pam_pwquality" (path and ".so" dropped)
  std::map<std::string, std::string> args;  // "minlen=12" → {minlen: 12}
  std::string source;                       // "/etc/pam.d/common-password:25"
};

// An include directive found in a PAM file: "@include common-auth",
// "auth include system-auth", "password substack password-auth".
struct PamInclude {
  std::string type;  // "" for @include (all types)
  std::string file;
};

// Parses one PAM file. Lines of other types than `password` and `auth` are
// skipped; includes are returned through `includes` for the caller to follow.
std::vector<PamLine> ParsePamFile(std::string_view text,
                                  std::string_view source,
                                  std::vector<PamInclude>* includes);

// Returns the names of accounts whose shadow password field is empty (login
// without a password). Locked ("!", "*") or hashed fields are not listed.
std::vector<std::string> AccountsWithoutPassword(std::string_view shadow);

// Everything BuildPasswordPolicy weighs; Result fields keep why a source
// could not be read.
struct PasswordPolicySources {
  Result<std::string> login_defs{NotFoundError("/etc/login.defs: not read")};
  // The expanded password and auth stacks; empty when no PAM file exists.
  std::vector<PamLine> pam;
  bool pam_found = false;
  // pwquality.conf then pwquality.conf.d/*.conf in order (later wins).
  std::vector<std::string> pwquality_confs;
  std::string faillock_conf;
  Result<std::string> shadow{NotFoundError("/etc/shadow: not read")};
};

// Builds the family from its sources, following the precedence above.
PasswordPolicyFacts BuildPasswordPolicy(const PasswordPolicySources& sources);

}  // namespace mamori::facts
