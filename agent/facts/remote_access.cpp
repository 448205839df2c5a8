#include "agent/facts/remote_access.h"

#include <map>

namespace mamori::facts {

namespace {

// Include patterns looked up plus files read through them, in one
// resolution. sshd bounds only the depth (16), so a file that includes
// itself twice would be read 2^16 times and three times 3^16 (found by
// fuzz_sshd_config as a hang); real configurations need a handful.
constexpr int kMaxIncludeReads = 1024;

struct SshdState {
  std::map<std::string, std::pair<std::string, std::string>>
      global;  // kw → (value, where)
  std::vector<std::string> overrides;
  std::string match;  // "" = global
  int include_reads = 0;
  // Where the Include limit cut reading short, for the evidence.
  std::string include_limit_at;
};

// Splits an sshd_config line into keyword and arguments; handles
// "Keyword=value" and double-quoted arguments.
std::vector<std::string> Tokens(std::string_view line) {
  std::vector<std::string> out;
  std::string current;
  bool quoted = false;
  bool have = false;
  for (size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (c == '"') {
      quoted = !quoted;
      have = true;
      continue;
    }
    const bool separator =
        !quoted && (c == ' ' || c == '\t' || (c == '=' && out.empty()));
    if (separator) {
      if (have) out.push_back(current);
      current.clear();
      have = false;
      continue;
    }
    current += c;
    have = true;
  }
  if (have) out.push_back(current);
  return out;
}

void Resolve(std::string_view text, std::string_view source,
             const SshdIncludeLoader& loader, int depth, SshdState* state) {
  size_t number = 0;
  for (std::string_view raw : SplitLines(text)) {
    ++number;
    const std::string_view line = Trim(raw);
    if (line.empty() || line.front() == '#') continue;
    std::vector<std::string> tokens = Tokens(line);
    if (tokens.empty()) continue;
    const std::string keyword = ToLowerAscii(tokens[0]);
    const std::string where =
        std::string(source) + ":" + std::to_string(number);
    if (keyword == "match") {
      std::string criteria;
      for (size_t i = 1; i < tokens.size(); ++i) {
        if (!criteria.empty()) criteria += ' ';
        criteria += tokens[i];
      }
      state->match = ToLowerAscii(criteria) == "all" ? "" : criteria;
      continue;
    }
    if (keyword == "include") {
      if (depth >= 16) continue;
      for (size_t i = 1; i < tokens.size(); ++i) {
        if (++state->include_reads > kMaxIncludeReads) {
          if (state->include_limit_at.empty()) state->include_limit_at = where;
          break;
        }
        std::string pattern = tokens[i];
        if (!StartsWith(pattern, "/")) pattern = "/etc/ssh/" + pattern;
        for (const auto& [path, body] : loader(pattern)) {
          if (++state->include_reads > kMaxIncludeReads) {
            if (state->include_limit_at.empty())
              state->include_limit_at = where;
            break;
          }
          Resolve(body, path, loader, depth + 1, state);
        }
      }
      continue;
    }
    if (tokens.size() < 2) continue;
    if (keyword != "passwordauthentication" && keyword != "permitrootlogin" &&
        keyword != "port" && keyword != "kbdinteractiveauthentication" &&
        keyword != "challengeresponseauthentication" && keyword != "usepam") {
      continue;
    }
    const std::string value = ToLowerAscii(tokens[1]);
    if (!state->match.empty()) {
      state->overrides.push_back("Match " + SanitizeUtf8(state->match) + ": " +
                                 SanitizeUtf8(tokens[0]) + " " +
                                 SanitizeUtf8(tokens[1]) + " (" + where + ")");
      continue;
    }
    state->global.emplace(keyword, std::make_pair(value, where));  // first wins
  }
}

}  // namespace

SshdSettings ResolveSshdConfig(std::string_view text, std::string_view source,
                               const SshdIncludeLoader& loader) {
  SshdState state;
  Resolve(text, source, loader, 0, &state);
  SshdSettings out;
  auto take = [&](const char* keyword, const char* label,
                  const std::string& fallback) -> std::string {
    auto it = state.global.find(keyword);
    if (it == state.global.end()) {
      out.evidence.push_back(std::string(label) + " " + fallback +
                             " (default)");
      return fallback;
    }
    out.evidence.push_back(std::string(label) + " " +
                           SanitizeUtf8(it->second.first) + " (" +
                           it->second.second + ")");
    return it->second.first;
  };
  out.password_authentication =
      take("passwordauthentication", "PasswordAuthentication", "yes") == "yes";
  out.permit_root_login = SanitizeUtf8(
      take("permitrootlogin", "PermitRootLogin", "prohibit-password"));
  if (out.permit_root_login == "without-password") {
    out.permit_root_login = "prohibit-password";  // the old spelling
  }
  const std::string port = take("port", "Port", "22");
  out.port = static_cast<uint32_t>(ParseUint64(port).value_or(22));
  // PasswordAuthentication alone does not decide whether sshd accepts
  // passwords: keyboard-interactive authentication through PAM prompts for
  // the same password. Both default so that OpenSSH's own defaults
  // (KbdInteractiveAuthentication yes, UsePAM no) refuse it; Debian and RHEL
  // ship UsePAM yes, Debian also KbdInteractiveAuthentication no.
  const bool kbd_named = state.global.count("kbdinteractiveauthentication") > 0;
  const bool keyboard_interactive =
      take(kbd_named ||
                   state.global.count("challengeresponseauthentication") == 0
               ? "kbdinteractiveauthentication"
               : "challengeresponseauthentication",
           "KbdInteractiveAuthentication", "yes") == "yes";
  const bool use_pam = take("usepam", "UsePAM", "no") == "yes";
  if (!out.password_authentication && keyboard_interactive && use_pam) {
    out.password_authentication = true;
    out.evidence.push_back(
        "passwords are accepted through keyboard-interactive PAM "
        "(KbdInteractiveAuthentication yes and UsePAM yes) although "
        "PasswordAuthentication is no");
  }
  for (std::string& o : state.overrides) out.evidence.push_back(std::move(o));
  if (!state.include_limit_at.empty()) {
    out.evidence.push_back(
        "Include: stopped after " + std::to_string(kMaxIncludeReads) +
        " patterns and files (" + SanitizeUtf8(state.include_limit_at) +
        "); the rest was not read");
  }
  return out;
}

uint32_t XrdpPort(const IniSections& xrdp_ini) {
  const std::string value = IniValue(xrdp_ini, "Globals", "port").value_or("");
  const size_t colon = value.rfind(':');
  const std::string_view digits =
      colon == std::string::npos ? std::string_view(value)
                                 : std::string_view(value).substr(colon + 1);
  const std::optional<uint64_t> port = ParseUint64(Trim(digits));
  if (!port || *port == 0 || *port > 65535) return 3389;
  return static_cast<uint32_t>(*port);
}

bool IsLoopbackAddress(std::string_view address) {
  if (StartsWith(address, "127.")) return true;
  if (address == "::1") return true;
  const std::string lower = ToLowerAscii(address);
  return StartsWith(lower, "::ffff:127.");
}

}  // namespace mamori::facts
