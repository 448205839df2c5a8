// The Linux `accounts` gatherer over a fixture tree (--root).
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>

#include "agent/facts/accounts.h"
#include "agent/facts/json_writer.h"

namespace mamori::facts {
namespace {

const Account* Find(const AccountFacts& f, const std::string& name) {
  for (const Account& a : f.accounts) {
    if (a.name == name) return &a;
  }
  return nullptr;
}

TEST(GatherAccountsRoot, DebianTree) {
  FakeClock clock(FromUnixSeconds(1795424400));
  const AccountFacts f = GatherAccounts(
      RootContext("tests/fixtures/linux/accounts/debian", &clock));
  ASSERT_EQ(f.status.state, CollectionState::kOk) << f.status.message;
  ASSERT_EQ(f.accounts.size(), 9u);
  EXPECT_EQ(f.admin_count, 4u);

  const Account* root = Find(f, "root");
  ASSERT_NE(root, nullptr);
  EXPECT_EQ(root->admin_via,
            (std::vector<std::string>{"uid:0", "sudoers:/etc/sudoers"}));
  EXPECT_TRUE(root->system);
  EXPECT_TRUE(root->locked);

  const Account* sato = Find(f, "sato");
  ASSERT_NE(sato, nullptr);
  EXPECT_EQ(sato->admin_via,
            (std::vector<std::string>{"group:sudo", "sudoers:/etc/sudoers"}));
  EXPECT_FALSE(sato->locked);
  EXPECT_FALSE(sato->system);
  EXPECT_EQ(sato->full_name, "Sato Hanako");
  ASSERT_TRUE(sato->password_changed_at.has_value());
  EXPECT_EQ(ToUnixSeconds(*sato->password_changed_at), 19750LL * 86400);

  const Account* tanaka = Find(f, "tanaka");
  ASSERT_NE(tanaka, nullptr);
  EXPECT_EQ(tanaka->admin_via,
            (std::vector<std::string>{"sudoers:/etc/sudoers.d/admins"}));
  EXPECT_EQ(tanaka->full_name, "田中 一郎");

  // README.txt and old~ in sudoers.d are ignored, as sudo ignores them;
  // %devops only may restart nginx.
  const Account* suzuki = Find(f, "suzuki");
  ASSERT_NE(suzuki, nullptr);
  EXPECT_FALSE(suzuki->admin);

  const Account* ops = Find(f, "ops");
  ASSERT_NE(ops, nullptr);
  EXPECT_EQ(ops->admin_via,
            (std::vector<std::string>{"sudoers:/etc/sudo-extra/extra"}));
  EXPECT_TRUE(ops->locked);

  EXPECT_TRUE(Find(f, "former")->disabled);  // expired
  EXPECT_TRUE(Find(f, "backup")->disabled);  // /bin/false
  EXPECT_TRUE(Find(f, "daemon")->system);
}

TEST(GatherAccountsRoot, NeverCarriesPasswordHashes) {
  const AccountFacts f =
      GatherAccounts(RootContext("tests/fixtures/linux/accounts/debian"));
  const std::string json = ToJsonString(f);
  EXPECT_EQ(json.find("FIXTURE-NOT-A-REAL-HASH"), std::string::npos);
  EXPECT_EQ(json.find("$6$"), std::string::npos);
  EXPECT_EQ(json.find("fixturesalt"), std::string::npos);
}

TEST(GatherAccountsRoot, EmptyTreeIsUnsupported) {
  const std::string empty = ::testing::TempDir() + "/empty-accounts-root";
  ::mkdir(empty.c_str(), 0755);
  const AccountFacts f = GatherAccounts(RootContext(empty));
  EXPECT_EQ(f.status.state, CollectionState::kUnsupported);
  EXPECT_NE(f.status.message.find("passwd"), std::string::npos);
}

TEST(GatherAccountsRoot, UnreadableShadowIsAnErrorButAccountsListed) {
  // A directory where the file should be: read fails even for root.
  const std::string dir = ::testing::TempDir() + "/accounts-shadowdir";
  ::mkdir(dir.c_str(), 0755);
  ::mkdir((dir + "/etc").c_str(), 0755);
  ::mkdir((dir + "/etc/shadow").c_str(), 0755);
  FILE* f = std::fopen((dir + "/etc/passwd").c_str(), "w");
  ASSERT_NE(f, nullptr);
  std::fputs("sato:x:1000:1000::/home/sato:/bin/bash\n", f);
  std::fclose(f);
  const AccountFacts facts = GatherAccounts(RootContext(dir));
  EXPECT_EQ(facts.status.state, CollectionState::kError);
  EXPECT_NE(facts.status.message.find("shadow"), std::string::npos)
      << facts.status.message;
  EXPECT_EQ(facts.accounts.size(), 1u);
}

TEST(GatherAccountsRoot, UnreadableShadowIsPermissionDenied) {
  if (::geteuid() == 0) GTEST_SKIP() << "root reads mode-000 files";
  const std::string dir = ::testing::TempDir() + "/accounts-noshadow";
  ::mkdir(dir.c_str(), 0755);
  ::mkdir((dir + "/etc").c_str(), 0755);
  FILE* f = std::fopen((dir + "/etc/passwd").c_str(), "w");
  std::fputs("sato:x:1000:1000::/home/sato:/bin/bash\n", f);
  std::fclose(f);
  f = std::fopen((dir + "/etc/shadow").c_str(), "w");
  std::fclose(f);
  ::chmod((dir + "/etc/shadow").c_str(), 0);
  const AccountFacts facts = GatherAccounts(RootContext(dir));
  EXPECT_EQ(facts.status.state, CollectionState::kPermissionDenied);
  EXPECT_EQ(facts.accounts.size(), 1u);
}

}  // namespace
}  // namespace mamori::facts
