#include "agent/facts/firewall.h"

#include <gtest/gtest.h>

namespace mamori::facts {
namespace {

TEST(ParseIptablesSave, CountsRulesAndReadsFilterPolicies) {
  const RulesetSummary r = ParseIptablesSave(
      "*nat\n:PREROUTING ACCEPT [0:0]\n-A POSTROUTING -j MASQUERADE\nCOMMIT\n"
      "*filter\n:INPUT DROP [1:2]\n:OUTPUT ACCEPT [0:0]\n"
      "-A INPUT -i lo -j ACCEPT\n-A INPUT -p tcp --dport 22 -j ACCEPT\n"
      "-A OUTPUT -o lo -j ACCEPT\nCOMMIT\n");
  EXPECT_TRUE(r.has_input_chain);
  EXPECT_EQ(r.input_policy, FirewallAction::kDrop);
  EXPECT_EQ(r.output_policy, FirewallAction::kAccept);
  EXPECT_EQ(r.input_rules, 2u);
  EXPECT_EQ(r.total_rules, 4u);
  EXPECT_TRUE(FiltersInbound(r));
}

TEST(FiltersInbound, AcceptAllWithoutRulesDoesNotFilter) {
  RulesetSummary r;
  EXPECT_FALSE(FiltersInbound(r));
  r.has_input_chain = true;
  r.input_policy = FirewallAction::kAccept;
  EXPECT_FALSE(FiltersInbound(r));
  r.input_rules = 1;
  EXPECT_TRUE(FiltersInbound(r));
}

TEST(ParseUfw, ReadsEnabledPoliciesAndUserRules) {
  const UfwConfig u = ParseUfw(
      "ENABLED=yes\n",
      "DEFAULT_INPUT_POLICY=\"DROP\"\nDEFAULT_OUTPUT_POLICY='ACCEPT'\n",
      "-A ufw-user-input -p tcp --dport 22 -j ACCEPT\n"
      "-A ufw6-user-input -p tcp --dport 22 -j ACCEPT\n"
      "-A ufw-user-output -j ACCEPT\n");
  EXPECT_TRUE(u.enabled);
  EXPECT_EQ(u.default_input, FirewallAction::kDrop);
  EXPECT_EQ(u.default_output, FirewallAction::kAccept);
  EXPECT_EQ(u.user_rules, 2u);
  EXPECT_FALSE(ParseUfw("ENABLED=no\n", "", "").enabled);
  EXPECT_FALSE(ParseUfw("#ENABLED=yes\n", "", "").enabled);
}

TEST(Firewalld, ZoneAndTargets) {
  EXPECT_EQ(FirewalldDefaultZone("DefaultZone=work\n"), "work");
  EXPECT_EQ(FirewalldDefaultZone("# nothing\n"), "public");
  EXPECT_EQ(FirewalldTargetAction("default"), FirewallAction::kReject);
  EXPECT_EQ(FirewalldTargetAction("%%REJECT%%"), FirewallAction::kReject);
  EXPECT_EQ(FirewalldTargetAction("DROP"), FirewallAction::kDrop);
  EXPECT_EQ(FirewalldTargetAction("ACCEPT"), FirewallAction::kAccept);
}

TEST(DecideFirewall, NoToolAndNoRulesIsNoneNotActive) {
  FirewallInputs in;
  in.nftables = RulesetSummary{};
  const FirewallFacts f = DecideFirewall(in);
  EXPECT_EQ(f.status.state, CollectionState::kOk);
  ASSERT_TRUE(f.active.has_value());
  EXPECT_FALSE(*f.active);
  EXPECT_EQ(f.product, "none");
}

TEST(DecideFirewall, KernelUnreadableWithoutFrontEndIsPermissionDenied) {
  FirewallInputs in;
  in.kernel_error =
      PermissionDeniedError("nftables dump: Operation not permitted");
  const FirewallFacts f = DecideFirewall(in);
  EXPECT_EQ(f.status.state, CollectionState::kPermissionDenied);
  EXPECT_FALSE(f.active.has_value());
}

TEST(DecideFirewall, FrontEndsComeBeforeRawRulesets) {
  FirewallInputs in;
  RulesetSummary nft;
  nft.has_input_chain = true;
  nft.input_policy = FirewallAction::kDrop;
  nft.total_rules = 40;
  in.nftables = nft;
  in.ufw = UfwConfig{true, FirewallAction::kDrop, FirewallAction::kAccept, 3};
  FirewallFacts f = DecideFirewall(in);
  EXPECT_EQ(f.product, "ufw");
  EXPECT_EQ(f.rule_count, 40u);
  EXPECT_EQ(f.default_inbound, FirewallAction::kDrop);
  EXPECT_EQ(f.profiles.size(), 2u);

  in.ufw->enabled = false;
  f = DecideFirewall(in);
  EXPECT_EQ(f.product, "nftables");
  EXPECT_EQ(*f.active, true);
}

TEST(ParseIptablesSave, AnUnconditionalFinalRefusalRefusesByDefault) {
  RulesetSummary r = ParseIptablesSave(
      "*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -i lo -j ACCEPT\n"
      "-A INPUT -p tcp --dport 22 -j ACCEPT\n"
      "-A INPUT -j REJECT --reject-with icmp-host-prohibited\nCOMMIT\n");
  EXPECT_TRUE(r.input_ends_in_refusal);
  EXPECT_TRUE(RefusesInboundByDefault(r));
  // A refusal with a condition, or one followed by more rules, is not.
  r = ParseIptablesSave(
      "*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -p udp -j DROP\nCOMMIT\n");
  EXPECT_FALSE(RefusesInboundByDefault(r));
  r = ParseIptablesSave(
      "*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -j DROP\n"
      "-A INPUT -p tcp -j ACCEPT\nCOMMIT\n");
  EXPECT_FALSE(RefusesInboundByDefault(r));
}

// Issue #13.10: "any input rule" is no evidence of a firewall. One rule
// under an accept policy (here one that accepts everything) is unknown,
// never active; front ends that admit by default are not active.
TEST(DecideFirewall, RulesUnderAnAcceptPolicyAreUnknownNotActive) {
  FirewallInputs in;
  RulesetSummary nft;
  nft.has_input_chain = true;
  nft.input_policy = FirewallAction::kAccept;
  nft.input_rules = 1;
  nft.total_rules = 1;
  in.nftables = nft;
  FirewallFacts f = DecideFirewall(in);
  EXPECT_EQ(f.status.state, CollectionState::kOk);
  EXPECT_FALSE(f.active.has_value());
  EXPECT_EQ(f.product, "nftables");
  EXPECT_EQ(f.default_inbound, FirewallAction::kAccept);

  // ufw enabled, but admitting by default: not active, and named.
  in.nftables = RulesetSummary{};
  in.ufw = UfwConfig{true, FirewallAction::kAccept, FirewallAction::kAccept, 5};
  f = DecideFirewall(in);
  ASSERT_TRUE(f.active.has_value());
  EXPECT_FALSE(*f.active);
  EXPECT_EQ(f.product, "ufw");
  EXPECT_EQ(f.default_inbound, FirewallAction::kAccept);

  // firewalld running with an ACCEPT zone target: not active.
  in.ufw.reset();
  in.firewalld_on = true;
  in.firewalld_inbound = FirewallAction::kAccept;
  f = DecideFirewall(in);
  EXPECT_EQ(f.active, std::optional<bool>(false));
  EXPECT_EQ(f.product, "firewalld");

  // Unknown only while nothing refuses: a drop policy elsewhere decides.
  RulesetSummary iptables;
  iptables.has_input_chain = true;
  iptables.input_policy = FirewallAction::kDrop;
  in.iptables = iptables;
  in.nftables = nft;
  f = DecideFirewall(in);
  EXPECT_EQ(f.active, std::optional<bool>(true));
  EXPECT_EQ(f.product, "iptables");
  EXPECT_EQ(f.default_inbound, FirewallAction::kDrop);
}

TEST(DecideFirewall, UnderRootOnlyConfigurationDecides) {
  FirewallInputs in;
  in.live_kernel = false;
  EXPECT_EQ(DecideFirewall(in).status.state, CollectionState::kUnsupported);
  in.firewalld_on = true;
  in.firewalld_inbound = FirewallAction::kReject;
  const FirewallFacts f = DecideFirewall(in);
  EXPECT_EQ(f.status.state, CollectionState::kOk);
  EXPECT_EQ(f.product, "firewalld");
  EXPECT_EQ(f.default_inbound, FirewallAction::kReject);
}

}  // namespace
}  // namespace mamori::facts
