// sshd_config with Include and Match, xrdp and VNC under
// tests/fixtures/linux/remote_access/, read with --root.
#include <gtest/gtest.h>

#include "agent/facts/remote_access.h"

namespace mamori::facts {
namespace {

RemoteAccessFacts Read(const std::string& tree) {
  return GatherRemoteAccess(
      RootContext("tests/fixtures/linux/remote_access/" + tree));
}

bool HasEvidence(const RemoteAccessFacts& f, std::string_view part) {
  for (const std::string& e : f.evidence) {
    if (e.find(part) != std::string::npos) return true;
  }
  return false;
}

TEST(RemoteAccessFixtures, IncludeAndMatch) {
  const RemoteAccessFacts f = Read("include_match");
  ASSERT_EQ(f.status.state, CollectionState::kOk) << f.status.message;
  EXPECT_TRUE(f.ssh_installed);
  EXPECT_FALSE(f.ssh_running.has_value());
  // sshd_config.d/*.conf (10-root then 20-hardening) come before the main
  // file's own lines; readme.txt does not match the glob.
  EXPECT_EQ(f.ssh_password_authentication, false);
  EXPECT_EQ(f.ssh_permit_root_login, "prohibit-password");
  EXPECT_EQ(f.ssh_port, 2222u);
  EXPECT_TRUE(HasEvidence(f, "/etc/ssh/sshd_config.d/20-hardening.conf:1"));
  EXPECT_TRUE(HasEvidence(f, "Match User deploy: PasswordAuthentication yes"));
  // The relative Include inside Match resolves under /etc/ssh.
  EXPECT_TRUE(
      HasEvidence(f,
                  "Match Address 10.0.0.0/8: PasswordAuthentication yes "
                  "(/etc/ssh/extra/admins.conf:1)"));
  EXPECT_EQ(f.rdp_enabled, false);  // xrdp present, service not enabled
  EXPECT_EQ(f.rdp_port, 3390u);
  EXPECT_EQ(f.vnc_servers, (std::vector<std::string>{"x11vnc"}));
  EXPECT_TRUE(f.listening.empty());
  EXPECT_TRUE(HasEvidence(f, "listening sockets not read"));
}

TEST(RemoteAccessFixtures, OpenSshDefaults) {
  const RemoteAccessFacts f = Read("defaults");
  EXPECT_EQ(f.ssh_password_authentication, true);
  EXPECT_EQ(f.ssh_permit_root_login, "prohibit-password");
  EXPECT_EQ(f.ssh_port, 22u);
}

TEST(RemoteAccessFixtures, NothingInstalled) {
  const RemoteAccessFacts f = Read("none");
  EXPECT_EQ(f.status.state, CollectionState::kOk);
  EXPECT_FALSE(f.ssh_installed);
  EXPECT_FALSE(f.ssh_password_authentication.has_value());
  EXPECT_EQ(f.rdp_enabled, false);
  EXPECT_TRUE(f.vnc_servers.empty());
}

}  // namespace
}  // namespace mamori::facts
