#include "agent/facts/firewall.h"

#include <map>

namespace mamori::facts {

std::string_view EnumName(FirewallAction action) {
  switch (action) {
    case FirewallAction::kUnspecified:
      return "FIREWALL_ACTION_UNSPECIFIED";
    case FirewallAction::kAccept:
      return "FIREWALL_ACTION_ACCEPT";
    case FirewallAction::kDrop:
      return "FIREWALL_ACTION_DROP";
    case FirewallAction::kReject:
      return "FIREWALL_ACTION_REJECT";
  }
  return "";
}

namespace {

FirewallAction ActionFromText(std::string_view text) {
  std::string t = ToLowerAscii(Trim(text));
  if (t.size() >= 2 && t.front() == '"' && t.back() == '"') {
    t = t.substr(1, t.size() - 2);
  }
  if (t == "accept") return FirewallAction::kAccept;
  if (t == "drop") return FirewallAction::kDrop;
  if (t == "reject") return FirewallAction::kReject;
  return FirewallAction::kUnspecified;
}

std::map<std::string, std::string> ShellAssignments(std::string_view text) {
  std::map<std::string, std::string> out;
  for (std::string_view line : SplitLines(text)) {
    line = Trim(line);
    if (line.empty() || line.front() == '#') continue;
    const size_t eq = line.find('=');
    if (eq == std::string_view::npos) continue;
    std::string_view value = Trim(line.substr(eq + 1));
    if (value.size() >= 2 && (value.front() == '"' || value.front() == '\'') &&
        value.back() == value.front()) {
      value = value.substr(1, value.size() - 2);
    }
    out[std::string(Trim(line.substr(0, eq)))] = std::string(value);
  }
  return out;
}

}  // namespace

bool FiltersInbound(const RulesetSummary& r) {
  return r.has_input_chain &&
         (r.input_rules > 0 || r.input_policy == FirewallAction::kDrop ||
          r.input_policy == FirewallAction::kReject);
}

bool RefusesInboundByDefault(const RulesetSummary& r) {
  return r.has_input_chain &&
         (r.input_policy == FirewallAction::kDrop ||
          r.input_policy == FirewallAction::kReject || r.input_ends_in_refusal);
}

namespace {

// "-A INPUT -j DROP", "-A INPUT -j REJECT [--reject-with TYPE]": no match,
// so every packet reaching it is refused.
bool IsUnconditionalRefusal(const std::vector<std::string_view>& words) {
  if (words.size() < 4 || words[2] != "-j") return false;
  if (words.size() == 4) return words[3] == "DROP" || words[3] == "REJECT";
  return words.size() == 6 && words[3] == "REJECT" &&
         words[4] == "--reject-with";
}

}  // namespace

RulesetSummary ParseIptablesSave(std::string_view text) {
  RulesetSummary out;
  std::string table;
  for (std::string_view line : SplitLines(text)) {
    line = Trim(line);
    if (line.empty() || line.front() == '#') continue;
    if (line.front() == '*') {
      table = std::string(line.substr(1));
      continue;
    }
    const std::vector<std::string_view> words = SplitWhitespace(line);
    if (line.front() == ':' && table == "filter" && words.size() >= 2) {
      if (words[0] == ":INPUT") {
        out.has_input_chain = true;
        out.input_policy = ActionFromText(words[1]);
      } else if (words[0] == ":OUTPUT") {
        out.output_policy = ActionFromText(words[1]);
      }
      continue;
    }
    if (words.size() >= 2 && words[0] == "-A") {
      ++out.total_rules;
      if (table == "filter" && words[1] == "INPUT") {
        ++out.input_rules;
        out.input_ends_in_refusal = IsUnconditionalRefusal(words);
      }
    }
  }
  return out;
}

UfwConfig ParseUfw(std::string_view ufw_conf, std::string_view defaults,
                   std::string_view user_rules) {
  UfwConfig out;
  const auto conf = ShellAssignments(ufw_conf);
  auto enabled = conf.find("ENABLED");
  out.enabled = enabled != conf.end() && ToLowerAscii(enabled->second) == "yes";
  const auto def = ShellAssignments(defaults);
  if (auto in = def.find("DEFAULT_INPUT_POLICY"); in != def.end()) {
    out.default_input = ActionFromText(in->second);
  }
  if (auto o = def.find("DEFAULT_OUTPUT_POLICY"); o != def.end()) {
    out.default_output = ActionFromText(o->second);
  }
  for (std::string_view line : SplitLines(user_rules)) {
    line = Trim(line);
    if (StartsWith(line, "-A ufw-user-input") ||
        StartsWith(line, "-A ufw6-user-input")) {
      ++out.user_rules;
    }
  }
  return out;
}

std::string FirewalldDefaultZone(std::string_view firewalld_conf) {
  const auto conf = ShellAssignments(firewalld_conf);
  auto it = conf.find("DefaultZone");
  if (it == conf.end() || it->second.empty()) return "public";
  return SanitizeUtf8(it->second);
}

FirewallAction FirewalldTargetAction(std::string_view target) {
  const std::string t = ToLowerAscii(Trim(target));
  if (t == "accept") return FirewallAction::kAccept;
  if (t == "drop") return FirewallAction::kDrop;
  // "default" and "%%REJECT%%" reject what no service or port allows.
  return FirewallAction::kReject;
}

FirewallFacts DecideFirewall(const FirewallInputs& in) {
  FirewallFacts facts;
  facts.status = OkStatus();
  // What each layer says about inbound traffic that no rule allows.
  enum class Default { kRefused, kUndecided, kAdmitted };
  std::vector<Default> defaults;
  auto refusing = [](FirewallAction a) {
    return a == FirewallAction::kDrop || a == FirewallAction::kReject;
  };
  auto add_ruleset = [&](const char* name, const RulesetSummary& r) {
    FirewallProfile p;
    p.name = name;
    p.enabled = FiltersInbound(r);
    p.default_inbound = r.input_policy;
    p.default_outbound = r.output_policy;
    p.rule_count = r.total_rules;
    if (RefusesInboundByDefault(r)) {
      // A catch-all refusal under an accept policy refuses like a policy.
      if (!refusing(p.default_inbound)) {
        p.default_inbound = FirewallAction::kDrop;
      }
      defaults.push_back(Default::kRefused);
    } else {
      defaults.push_back(r.has_input_chain && r.input_rules > 0
                             ? Default::kUndecided
                             : Default::kAdmitted);
    }
    facts.profiles.push_back(p);
  };
  if (in.firewalld_on) {
    FirewallProfile p;
    p.name = "firewalld";
    p.enabled = *in.firewalld_on;
    p.default_inbound = in.firewalld_inbound;
    facts.profiles.push_back(p);
    defaults.push_back(p.enabled && refusing(p.default_inbound)
                           ? Default::kRefused
                           : Default::kAdmitted);
  }
  if (in.ufw) {
    FirewallProfile p;
    p.name = "ufw";
    p.enabled = in.ufw->enabled;
    p.default_inbound = in.ufw->default_input;
    p.default_outbound = in.ufw->default_output;
    p.rule_count = in.ufw->user_rules;
    facts.profiles.push_back(p);
    Default d = Default::kAdmitted;
    if (p.enabled && refusing(p.default_inbound)) {
      d = Default::kRefused;
    } else if (p.enabled && p.default_inbound == FirewallAction::kUnspecified) {
      d = Default::kUndecided;  // no readable DEFAULT_INPUT_POLICY
    }
    defaults.push_back(d);
  }
  if (in.nftables) add_ruleset("nftables", *in.nftables);
  if (in.iptables) add_ruleset("iptables", *in.iptables);

  auto name_layer = [&](const FirewallProfile& p) {
    facts.product = p.name;
    facts.default_inbound = p.default_inbound;
    facts.rule_count = p.rule_count;
    // ufw and firewalld sit on top of a kernel ruleset; its rule count is
    // the truer size of what filters.
    if ((p.name == "ufw" || p.name == "firewalld") && in.nftables &&
        in.nftables->total_rules > facts.rule_count) {
      facts.rule_count = in.nftables->total_rules;
    }
  };
  for (size_t i = 0; i < facts.profiles.size(); ++i) {
    if (defaults[i] == Default::kRefused) {
      facts.active = true;
      name_layer(facts.profiles[i]);
      return facts;
    }
  }

  if (!in.live_kernel) {
    facts.status = UnsupportedStatus(
        "the kernel ruleset needs the live system; neither ufw nor firewalld "
        "is enabled with a refusing default in this tree");
    return facts;
  }
  if (!in.kernel_error.ok()) {
    facts.status = StatusFromError(in.kernel_error);
    return facts;
  }
  for (size_t i = 0; i < facts.profiles.size(); ++i) {
    if (defaults[i] == Default::kUndecided) {
      // Rules under an accept policy: whether they end in a catch-all
      // refusal is not judged, so active stays unknown.
      name_layer(facts.profiles[i]);
      return facts;
    }
  }
  facts.active = false;
  facts.product = "none";
  for (const FirewallProfile& p : facts.profiles) {
    facts.rule_count += p.rule_count;
    // A front end that runs but admits by default is named, not hidden.
    if (p.enabled && facts.product == "none" &&
        (p.name == "ufw" || p.name == "firewalld")) {
      facts.product = p.name;
      facts.default_inbound = p.default_inbound;
    }
  }
  return facts;
}

}  // namespace mamori::facts
