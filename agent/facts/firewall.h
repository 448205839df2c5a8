#pragma once

// The `firewall` family: which of nftables / iptables / ufw / firewalld
// filters inbound traffic, its default inbound policy and rule count.
//
// Linux sources: the nftables ruleset through netlink (NFT_MSG_GETCHAIN and
// NFT_MSG_GETRULE dumps: no `nft` binary or process needed), legacy iptables
// when /proc/net/ip_tables_names lists tables (one `iptables-legacy-save` or
// `iptables-save` run), ufw (/etc/ufw/ufw.conf ENABLED, /etc/default/ufw
// DEFAULT_INPUT_POLICY, /etc/ufw/user*.rules), firewalld (process, or the
// enabled service under --root; DefaultZone and the zone's target).
//
// Verdict: active=true only on positive evidence that inbound traffic no
// rule allows is refused: the first of firewalld (running, its default
// zone's target drop or reject), ufw (enabled, DEFAULT_INPUT_POLICY drop or
// reject), nftables, iptables (an input-hook chain with policy drop or
// reject, or iptables' INPUT ending in an unconditional DROP/REJECT rule).
// Rules under an accept policy may or may not end in a catch-all refusal
// (their meaning is not judged): with no refusing layer found, active stays
// unset (unknown) and `product` names that layer. No layer that filters at
// all (or only ones that admit by default) → active=false. Reading the
// kernel ruleset needs CAP_NET_ADMIN: without it → STATUS_PERMISSION_DENIED
// and active unset unless ufw/firewalld settle it. Under --root only ufw and
// firewalld configuration can be read: if neither refuses by default, active
// stays unset and the status is STATUS_UNSUPPORTED. Parsers are pure and
// thread-safe.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "agent/facts/types.h"

namespace mamori::facts {

enum class FirewallAction : int {
  kUnspecified = 0,
  kAccept = 1,
  kDrop = 2,
  kReject = 3,
};
std::string_view EnumName(FirewallAction action);

// Mirrors mamori.v1.FirewallProfile.
struct FirewallProfile {
  std::string name;
  bool enabled = false;
  FirewallAction default_inbound = FirewallAction::kUnspecified;
  FirewallAction default_outbound = FirewallAction::kUnspecified;
  uint32_t rule_count = 0;
};

template <typename V>
void VisitFields(const FirewallProfile& f, V& v) {
  v("name", f.name);
  v("enabled", f.enabled);
  v("default_inbound", f.default_inbound);
  v("default_outbound", f.default_outbound);
  v("rule_count", f.rule_count);
}

// Mirrors mamori.v1.FirewallFacts.
struct FirewallFacts {
  CollectionStatus status;
  std::optional<bool> active;
  std::string product;
  FirewallAction default_inbound = FirewallAction::kUnspecified;
  uint32_t rule_count = 0;
  std::vector<FirewallProfile> profiles;
};

template <typename V>
void VisitFields(const FirewallFacts& f, V& v) {
  v("status", f.status);
  v("active", f.active);
  v("product", f.product);
  v("default_inbound", f.default_inbound);
  v("rule_count", f.rule_count);
  v("profiles", f.profiles);
}

// Collects the family. Never throws; failures are in `status`.
FirewallFacts GatherFirewall(const GatherContext& ctx);

// A kernel ruleset summarised (nftables or iptables).
struct RulesetSummary {
  // Input-hook filter chains exist.
  bool has_input_chain = false;
  // The most restrictive policy among input-hook chains; kUnspecified when
  // none.
  FirewallAction input_policy = FirewallAction::kUnspecified;
  FirewallAction output_policy = FirewallAction::kUnspecified;
  uint32_t input_rules = 0;  // rules in input-hook chains
  uint32_t total_rules = 0;
  // The input chain's last rule refuses everything unconditionally
  // ("-A INPUT -j DROP"; iptables only, nftables rules are not decoded).
  bool input_ends_in_refusal = false;
};

// True when the ruleset filters inbound traffic at all: a refusing policy or
// at least one input rule (a profile's `enabled`).
bool FiltersInbound(const RulesetSummary& ruleset);

// True when the ruleset refuses inbound traffic no rule allows: an
// input-hook chain with policy drop or reject, or an input chain ending in
// an unconditional refusal.
bool RefusesInboundByDefault(const RulesetSummary& ruleset);

// Summarises iptables-save output (all tables; INPUT/OUTPUT of *filter).
RulesetSummary ParseIptablesSave(std::string_view text);

// ufw's configuration.
struct UfwConfig {
  bool enabled = false;
  FirewallAction default_input = FirewallAction::kUnspecified;
  FirewallAction default_output = FirewallAction::kUnspecified;
  uint32_t user_rules = 0;
};

// Reads ufw.conf (ENABLED=yes), /etc/default/ufw (DEFAULT_INPUT_POLICY,
// DEFAULT_OUTPUT_POLICY) and the concatenated user*.rules text (counting
// "-A ufw-user-input" / "-A ufw6-user-input" lines).
UfwConfig ParseUfw(std::string_view ufw_conf, std::string_view defaults,
                   std::string_view user_rules);

// Returns DefaultZone from firewalld.conf ("public" when unset).
std::string FirewalldDefaultZone(std::string_view firewalld_conf);

// Maps a firewalld zone target ("default", "%%REJECT%%", "DROP", "ACCEPT",
// "REJECT") to the inbound action for unmatched traffic.
FirewallAction FirewalldTargetAction(std::string_view target);

// What DecideFirewall weighs; unset members were not available.
struct FirewallInputs {
  std::optional<RulesetSummary> nftables;
  std::optional<RulesetSummary> iptables;
  std::optional<UfwConfig> ufw;
  // firewalld running (live) or enabled (--root); unset when not installed.
  std::optional<bool> firewalld_on;
  FirewallAction firewalld_inbound = FirewallAction::kUnspecified;
  // Why the kernel ruleset could not be read (OK when it was, or when the
  // context has no live kernel).
  Status kernel_error;
  bool live_kernel = true;
};

// Builds the family from its inputs following the verdict rules above.
FirewallFacts DecideFirewall(const FirewallInputs& inputs);

}  // namespace mamori::facts
