// The Linux `updates` gatherer over a fixture apt/dpkg tree (--root), with
// real libapt-pkg policy: pins, several suites, a security suite.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include "agent/facts/updates.h"

namespace mamori::facts {
namespace {

const std::string kDebian = "tests/fixtures/linux/updates/debian";

const PendingUpdate* Find(const UpdateFacts& f, const std::string& name) {
  for (const PendingUpdate& u : f.pending) {
    if (u.name == name) return &u;
  }
  return nullptr;
}

TEST(GatherUpdatesRoot, CandidatesAsAptComputesThem) {
  const UpdateFacts f = GatherUpdates(RootContext(kDebian));
  ASSERT_EQ(f.status.state, CollectionState::kOk) << f.status.message;
  EXPECT_EQ(f.method, UpdateMethod::kLibapt);
  // bash (point release), openssl (security), tzdata (-updates), zlib1g
  // (point release newer than the security version). Not: libc6 (current),
  // vim (pinned to the installed version), localtool (in no list).
  ASSERT_EQ(f.pending_count, 4u);
  ASSERT_EQ(f.pending.size(), 4u);
  EXPECT_EQ(f.pending[0].name, "bash");
  EXPECT_EQ(f.security_pending_count, 1u);

  const PendingUpdate* openssl = Find(f, "openssl");
  ASSERT_NE(openssl, nullptr);
  EXPECT_TRUE(openssl->security);
  EXPECT_EQ(openssl->installed_version, "3.0.11-1~deb12u1");
  EXPECT_EQ(openssl->candidate_version, "3.0.13-1~deb12u1");
  EXPECT_EQ(openssl->origin, "Debian-Security bookworm-security");

  const PendingUpdate* tzdata = Find(f, "tzdata");
  ASSERT_NE(tzdata, nullptr);
  EXPECT_FALSE(tzdata->security);
  EXPECT_EQ(tzdata->candidate_version, "2024b-0+deb12u1");
  EXPECT_EQ(tzdata->origin, "Debian bookworm-updates");

  // The candidate comes from the point release, so it is not a security
  // update even though -security has a (lower) fixed version.
  const PendingUpdate* zlib = Find(f, "zlib1g");
  ASSERT_NE(zlib, nullptr);
  EXPECT_FALSE(zlib->security);
  EXPECT_EQ(zlib->candidate_version, "1:1.2.13.dfsg-1+deb12u2");

  EXPECT_EQ(Find(f, "vim"), nullptr);
  EXPECT_EQ(Find(f, "libc6"), nullptr);
  EXPECT_EQ(Find(f, "localtool"), nullptr);
}

TEST(GatherUpdatesRoot, AutomaticUpdatesRebootAndHistory) {
  const UpdateFacts f = GatherUpdates(RootContext(kDebian));
  ASSERT_EQ(f.status.state, CollectionState::kOk) << f.status.message;
  ASSERT_TRUE(f.automatic_updates.has_value());
  EXPECT_TRUE(*f.automatic_updates);
  EXPECT_EQ(
      f.automatic_updates_evidence,
      "APT::Periodic::Unattended-Upgrade=1; unattended-upgrades installed");
  ASSERT_TRUE(f.reboot_required.has_value());
  EXPECT_TRUE(*f.reboot_required);
  EXPECT_EQ(f.reboot_required_by,
            (std::vector<std::string>{"libc6", "linux-image-6.1.0-18-amd64"}));
  ASSERT_EQ(f.recent_installed.size(), 2u);
  EXPECT_EQ(f.recent_installed[1].id, "openssl:amd64");
  EXPECT_EQ(f.recent_installed[1].title, "openssl:amd64 3.0.11-1~deb12u1");
  EXPECT_TRUE(f.last_install_at.has_value());
  EXPECT_TRUE(f.lists_refreshed_at.has_value());
}

TEST(GatherUpdatesRoot, EmptyTreeIsUnsupported) {
  const std::string empty = ::testing::TempDir() + "/empty-updates-root";
  ::mkdir(empty.c_str(), 0755);
  const UpdateFacts f = GatherUpdates(RootContext(empty));
  EXPECT_EQ(f.status.state, CollectionState::kUnsupported);
  EXPECT_TRUE(f.pending.empty());
  EXPECT_FALSE(f.reboot_required.has_value());
}

TEST(GatherUpdatesRoot, RpmTreeSaysDnfIsUnsupported) {
  const UpdateFacts f =
      GatherUpdates(RootContext("tests/fixtures/linux/packages/rhel"));
  EXPECT_EQ(f.status.state, CollectionState::kUnsupported);
  EXPECT_NE(f.status.message.find("dnf"), std::string::npos);
}

}  // namespace
}  // namespace mamori::facts
