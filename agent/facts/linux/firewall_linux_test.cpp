// ufw and firewalld configuration under tests/fixtures/linux/firewall/, read
// with --root (the kernel ruleset is live-only).
#include <gtest/gtest.h>

#include "agent/facts/firewall.h"

namespace mamori::facts {
namespace {

FirewallFacts Read(const std::string& tree) {
  return GatherFirewall(RootContext("tests/fixtures/linux/firewall/" + tree));
}

TEST(FirewallFixtures, UfwEnabled) {
  const FirewallFacts f = Read("ufw_enabled");
  ASSERT_EQ(f.status.state, CollectionState::kOk) << f.status.message;
  EXPECT_EQ(f.active, true);
  EXPECT_EQ(f.product, "ufw");
  EXPECT_EQ(f.default_inbound, FirewallAction::kDrop);
  EXPECT_EQ(f.rule_count, 3u);
}

// ufw on, but admitting what no rule allows: never active. Under --root the
// kernel ruleset (which might still refuse) cannot be read: unknown.
TEST(FirewallFixtures, UfwAcceptingByDefaultIsNeverActive) {
  const FirewallFacts f = Read("ufw_accept");
  EXPECT_NE(f.active, std::optional<bool>(true));
  EXPECT_EQ(f.status.state, CollectionState::kUnsupported);
  ASSERT_EQ(f.profiles.size(), 1u);
  EXPECT_TRUE(f.profiles[0].enabled);
  EXPECT_EQ(f.profiles[0].default_inbound, FirewallAction::kAccept);
}

TEST(FirewallFixtures, UfwDisabledUnderRootIsUnknown) {
  const FirewallFacts f = Read("ufw_disabled");
  EXPECT_EQ(f.status.state, CollectionState::kUnsupported);
  EXPECT_FALSE(f.active.has_value());
  ASSERT_EQ(f.profiles.size(), 1u);
  EXPECT_FALSE(f.profiles[0].enabled);
}

TEST(FirewallFixtures, FirewalldEnabledWithDropZone) {
  const FirewallFacts f = Read("firewalld");
  ASSERT_EQ(f.status.state, CollectionState::kOk);
  EXPECT_EQ(f.product, "firewalld");
  EXPECT_EQ(f.default_inbound, FirewallAction::kDrop);
}

TEST(FirewallFixtures, NothingUnderRootIsNeverActive) {
  const FirewallFacts f = Read("none");
  EXPECT_NE(f.active, std::optional<bool>(true));
  EXPECT_EQ(f.status.state, CollectionState::kUnsupported);
}

TEST(FirewallFixtures, IptablesSaveSample) {
  Result<std::string> text =
      ReadFile("tests/fixtures/linux/firewall/iptables-save.txt");
  ASSERT_TRUE(text.ok());
  const RulesetSummary r = ParseIptablesSave(*text);
  EXPECT_EQ(r.input_policy, FirewallAction::kDrop);
  EXPECT_EQ(r.input_rules, 3u);
  EXPECT_EQ(r.total_rules, 5u);
}

}  // namespace
}  // namespace mamori::facts
