#include "agent/facts/password_policy.h"

#include <algorithm>

namespace mamori::facts {

std::map<std::string, std::string> ParseLoginDefs(std::string_view text) {
  std::map<std::string, std::string> out;
  for (std::string_view line : SplitLines(text)) {
    line = Trim(line);
    if (line.empty() || line.front() == '#') continue;
    const std::vector<std::string_view> words = SplitWhitespace(line);
    if (words.size() < 2) continue;
    out[std::string(words[0])] = std::string(words[1]);
  }
  return out;
}

std::map<std::string, std::string> ParseKeyValueConf(std::string_view text) {
  std::map<std::string, std::string> out;
  for (std::string_view line : SplitLines(text)) {
    line = Trim(line);
    if (line.empty() || line.front() == '#') continue;
    const size_t eq = line.find('=');
    if (eq == std::string_view::npos) {
      out[std::string(line)] = "";
    } else {
      out[std::string(Trim(line.substr(0, eq)))] =
          std::string(Trim(line.substr(eq + 1)));
    }
  }
  return out;
}

std::vector<PamLine> ParsePamFile(std::string_view text,
                                  std::string_view source,
                                  std::vector<PamInclude>* includes) {
  std::vector<PamLine> out;
  size_t number = 0;
  for (std::string_view raw : SplitLines(text)) {
    ++number;
    std::string_view line = Trim(raw);
    if (line.empty() || line.front() == '#') continue;
    std::vector<std::string_view> words = SplitWhitespace(line);
    if (words[0] == "@include") {
      if (words.size() >= 2) includes->push_back({"", std::string(words[1])});
      continue;
    }
    if (words.size() < 3) continue;
    std::string_view type = words[0];
    if (StartsWith(type, "-")) type.remove_prefix(1);
    if (type != "password" && type != "auth") continue;
    // The control field may be a bracketed list containing spaces.
    size_t next = 1;
    std::string control(words[1]);
    if (StartsWith(words[1], "[")) {
      while (next < words.size() && !EndsWith(words[next], "]")) {
        ++next;
        if (next < words.size()) {
          control += ' ';
          control += words[next];
        }
      }
    }
    ++next;
    if (next >= words.size()) continue;
    if (control == "include" || control == "substack") {
      includes->push_back({std::string(type), std::string(words[next])});
      continue;
    }
    std::string_view module = words[next];
    const size_t slash = module.rfind('/');
    if (slash != std::string_view::npos) module.remove_prefix(slash + 1);
    if (EndsWith(module, ".so")) module.remove_suffix(3);
    PamLine pam;
    pam.type = std::string(type);
    pam.control = control;
    pam.module = std::string(module);
    pam.source = std::string(source) + ":" + std::to_string(number);
    for (size_t i = next + 1; i < words.size(); ++i) {
      const size_t eq = words[i].find('=');
      if (eq == std::string_view::npos) {
        pam.args[std::string(words[i])] = "";
      } else {
        pam.args[std::string(words[i].substr(0, eq))] =
            std::string(words[i].substr(eq + 1));
      }
    }
    out.push_back(std::move(pam));
  }
  return out;
}

std::vector<std::string> AccountsWithoutPassword(std::string_view shadow) {
  std::vector<std::string> out;
  for (std::string_view line : SplitLines(shadow)) {
    if (line.empty() || line.front() == '#') continue;
    const std::vector<std::string_view> fields = Split(line, ':');
    if (fields.size() < 2 || fields[0].empty()) continue;
    if (fields[1].empty()) out.push_back(SanitizeUtf8(fields[0]));
  }
  return out;
}

namespace {

std::optional<uint32_t> ToUint32(std::string_view text) {
  const std::optional<int64_t> v = ParseInt64(Trim(text));
  if (!v || *v < 0 || *v > UINT32_MAX) return std::nullopt;
  return static_cast<uint32_t>(*v);
}

std::optional<int64_t> ToInt(std::string_view text) {
  return ParseInt64(Trim(text));
}

std::string ToUpperAscii(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  return SanitizeUtf8(out);
}

const PamLine* FindModule(const std::vector<PamLine>& pam,
                          std::string_view type, std::string_view module) {
  for (const PamLine& line : pam) {
    if (line.type == type && line.module == module) return &line;
  }
  return nullptr;
}

// The hashing methods pam_unix accepts as arguments.
constexpr std::string_view kPamUnixHashes[] = {
    "yescrypt", "gost_yescrypt", "sha512", "sha256",
    "blowfish", "bigcrypt",      "md5"};

void ApplyQuality(const PasswordPolicySources& src, const PamLine& line,
                  PasswordPolicyFacts* facts) {
  const bool cracklib = line.module == "pam_cracklib";
  // Module arguments win over the configuration files.
  std::map<std::string, std::string> settings;
  std::map<std::string, std::string> origin;
  if (!cracklib) {
    for (size_t i = 0; i < src.pwquality_confs.size(); ++i) {
      for (auto& [k, v] : ParseKeyValueConf(src.pwquality_confs[i])) {
        settings[k] = v;
        origin[k] = "pwquality.conf";
      }
    }
  }
  for (const auto& [k, v] : line.args) {
    settings[k] = v;
    origin[k] = line.source;
  }
  auto get = [&](const std::string& key, int64_t fallback,
                 std::string* where) -> int64_t {
    auto it = settings.find(key);
    if (it != settings.end()) {
      if (auto v = ToInt(it->second)) {
        *where = origin[key];
        return *v;
      }
    }
    *where = line.module + " default";
    return fallback;
  };
  std::string where;
  // Documented defaults: pwquality minlen 8, credits 0; cracklib minlen 9,
  // credits 1.
  const int64_t minlen = get("minlen", cracklib ? 9 : 8, &where);
  const std::string minlen_where = where;
  const int64_t credit_default = cracklib ? 1 : 0;
  int64_t positive = 0;
  uint32_t negative_classes = 0;
  for (const char* key : {"dcredit", "ucredit", "lcredit", "ocredit"}) {
    const int64_t c = get(key, credit_default, &where);
    if (c > 0) positive += c;
    if (c < 0) ++negative_classes;
  }
  // A password is accepted when length + earned credits >= minlen, and the
  // modules refuse anything below 6.
  const int64_t shortest = std::max<int64_t>(minlen - positive, 6);
  facts->min_length =
      static_cast<uint32_t>(std::min<int64_t>(shortest, UINT32_MAX));
  facts->evidence.push_back(line.module + " minlen=" + std::to_string(minlen) +
                            " (" + minlen_where + "), positive credits " +
                            std::to_string(positive) + " → shortest " +
                            std::to_string(shortest));
  const int64_t minclass = get("minclass", 0, &where);
  const uint32_t classes = std::max<uint32_t>(
      static_cast<uint32_t>(std::clamp<int64_t>(minclass, 0, 4)),
      negative_classes);
  facts->min_classes = classes;
  facts->complexity_required = classes >= 3;
  facts->evidence.push_back(
      line.module + " minclass=" + std::to_string(minclass) + " (" + where +
      "), required classes from negative credits " +
      std::to_string(negative_classes));
}

void ApplyLockout(const PasswordPolicySources& src,
                  PasswordPolicyFacts* facts) {
  if (const PamLine* line = FindModule(src.pam, "auth", "pam_faillock")) {
    std::map<std::string, std::string> settings =
        ParseKeyValueConf(src.faillock_conf);
    for (const auto& [k, v] : line->args) settings[k] = v;
    // faillock's documented defaults: deny 3, unlock_time 600 s.
    const uint32_t deny =
        settings.count("deny") ? ToUint32(settings["deny"]).value_or(3) : 3;
    facts->lockout_threshold = deny;
    if (settings.count("unlock_time")) {
      const std::string& t = settings["unlock_time"];
      // "never" (or 0) keeps the account locked until an admin resets it.
      if (t != "never") facts->lockout_duration_seconds = ToUint32(t);
    } else {
      facts->lockout_duration_seconds = 600;
    }
    facts->evidence.push_back("pam_faillock deny=" + std::to_string(deny) +
                              " (" + line->source + ")");
    return;
  }
  for (std::string_view module : {"pam_tally2", "pam_tally"}) {
    if (const PamLine* line = FindModule(src.pam, "auth", module)) {
      auto it = line->args.find("deny");
      // pam_tally2 without deny= counts failures but never locks.
      const uint32_t deny =
          it == line->args.end() ? 0 : ToUint32(it->second).value_or(0);
      facts->lockout_threshold = deny;
      auto t = line->args.find("unlock_time");
      if (t != line->args.end()) {
        facts->lockout_duration_seconds = ToUint32(t->second);
      }
      facts->evidence.push_back(std::string(module) +
                                " deny=" + std::to_string(deny) + " (" +
                                line->source + ")");
      return;
    }
  }
  facts->lockout_threshold = 0;
  facts->evidence.push_back("no pam_faillock or pam_tally2 in the auth stack");
}

}  // namespace

PasswordPolicyFacts BuildPasswordPolicy(const PasswordPolicySources& src) {
  PasswordPolicyFacts facts;
  facts.status = OkStatus();

  if (!src.login_defs.ok() && !src.pam_found) {
    facts.status = StatusFromError(src.login_defs.status());
    return facts;
  }

  if (src.login_defs.ok()) {
    const std::map<std::string, std::string> defs =
        ParseLoginDefs(*src.login_defs);
    auto number = [&](const char* key, std::optional<uint32_t>* out) {
      auto it = defs.find(key);
      if (it == defs.end()) return;
      *out = ToUint32(it->second);
      if (*out) {
        facts.evidence.push_back(std::string("/etc/login.defs:") + key + "=" +
                                 it->second);
      }
    };
    number("PASS_MAX_DAYS", &facts.max_age_days);
    number("PASS_MIN_DAYS", &facts.min_age_days);
    if (!src.pam_found) number("PASS_MIN_LEN", &facts.min_length);
    auto method = defs.find("ENCRYPT_METHOD");
    if (method != defs.end()) {
      facts.hash_method = ToUpperAscii(method->second);
      facts.evidence.push_back("/etc/login.defs:ENCRYPT_METHOD=" +
                               SanitizeUtf8(method->second));
    }
  } else if (src.login_defs.status().code() != StatusCode::kNotFound) {
    facts.status = StatusFromError(src.login_defs.status());
  }

  if (src.pam_found) {
    const PamLine* quality = FindModule(src.pam, "password", "pam_pwquality");
    if (quality == nullptr) {
      quality = FindModule(src.pam, "password", "pam_cracklib");
    }
    const PamLine* unix_line = FindModule(src.pam, "password", "pam_unix");
    if (quality != nullptr) {
      ApplyQuality(src, *quality, &facts);
    } else if (unix_line != nullptr) {
      auto it = unix_line->args.find("minlen");
      // pam_unix's documented default minimum is 6.
      facts.min_length =
          it == unix_line->args.end() ? 6 : ToUint32(it->second).value_or(6);
      facts.min_classes = 0;
      facts.complexity_required = false;
      facts.evidence.push_back(
          "pam_unix minlen=" + std::to_string(*facts.min_length) +
          (it == unix_line->args.end() ? " (module default)" : "") + " (" +
          unix_line->source + "); no pam_pwquality/pam_cracklib");
    }
    if (unix_line != nullptr) {
      for (std::string_view hash : kPamUnixHashes) {
        if (unix_line->args.count(std::string(hash)) != 0) {
          facts.hash_method = ToUpperAscii(hash);
          facts.evidence.push_back("pam_unix " + std::string(hash) + " (" +
                                   unix_line->source + ")");
          break;
        }
      }
    }
    const PamLine* history = FindModule(src.pam, "password", "pam_pwhistory");
    if (history != nullptr) {
      auto it = history->args.find("remember");
      // pam_pwhistory remembers 10 passwords unless told otherwise.
      facts.history_length =
          it == history->args.end() ? 10 : ToUint32(it->second).value_or(10);
      facts.evidence.push_back(
          "pam_pwhistory remember=" + std::to_string(*facts.history_length) +
          " (" + history->source + ")");
    } else if (unix_line != nullptr && unix_line->args.count("remember")) {
      facts.history_length = ToUint32(unix_line->args.at("remember"));
      facts.evidence.push_back("pam_unix remember (" + unix_line->source + ")");
    } else {
      facts.history_length = 0;
    }
    ApplyLockout(src, &facts);
  }

  if (src.shadow.ok()) {
    facts.accounts_without_password = AccountsWithoutPassword(*src.shadow);
    facts.accounts_without_password_count =
        static_cast<uint32_t>(facts.accounts_without_password.size());
  } else if (facts.status.ok()) {
    facts.status = StatusFromError(src.shadow.status());
    facts.status.message +=
        " (accounts without password not checked; other "
        "settings reported)";
  }
  return facts;
}

}  // namespace mamori::facts
