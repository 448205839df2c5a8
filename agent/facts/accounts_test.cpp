#include "agent/facts/accounts.h"

#include <gtest/gtest.h>

#include <cstring>

namespace mamori::facts {
namespace {

TEST(ParsePasswd, SkipsNisAndMalformed) {
  const auto p = ParsePasswd(
      "root:x:0:0:root:/root:/bin/bash\n"
      "+nis::::::\n"
      "bad:x:zz:1:x:/:/bin/sh\n"
      "short:x:1:1\n"
      "sato:x:1000:1000:Sato Hanako,Room 1,,:/home/sato:/bin/bash\n");
  ASSERT_EQ(p.size(), 2u);
  EXPECT_EQ(p[1].gecos, "Sato Hanako");
  EXPECT_EQ(p[1].uid, 1000u);
}

TEST(ParseGroup, Members) {
  const auto g = ParseGroup("sudo:x:27:sato, tanaka\nbad:x:q:\nempty:x:5:\n");
  ASSERT_EQ(g.size(), 2u);
  EXPECT_EQ(g[0].members, (std::vector<std::string>{"sato", "tanaka"}));
  EXPECT_TRUE(g[1].members.empty());
}

TEST(ParseShadow, LockedAndDatesButNoHash) {
  const auto s = ParseShadow(
      "a:!$6$salt$hash:19000:0:99999:7:::\n"
      "b:$6$salt$hash:19001:0:99999:7::19500:\n"
      "c:*:0:0:99999:7:::\n"
      "junk\n");
  ASSERT_EQ(s.size(), 3u);
  EXPECT_TRUE(s.at("a").locked);
  EXPECT_FALSE(s.at("b").locked);
  EXPECT_EQ(s.at("b").expire_days, 19500);
  EXPECT_EQ(s.at("b").last_change_days, 19001);
  EXPECT_TRUE(s.at("c").locked);
  EXPECT_FALSE(s.at("c").last_change_days.has_value());
}

TEST(ParseUidMin, DefaultAndSet) {
  EXPECT_EQ(ParseUidMin(""), 1000u);
  EXPECT_EQ(ParseUidMin("# x\nUID_MIN   500\n"), 500u);
  EXPECT_EQ(ParseUidMin("UID_MIN abc\n"), 1000u);
}

TEST(ParseSudoers, OnlyAllCommandGrants) {
  const auto g = ParseSudoers(
      "Defaults env_reset\n"
      "User_Alias A = x\n"
      "root ALL=(ALL:ALL) ALL\n"
      "%sudo ALL=(ALL:ALL) ALL  # trailing comment\n"
      "%devops ALL=(root) /usr/bin/systemctl restart nginx\n"
      "alice,bob ALL = NOPASSWD: ALL\n"
      "carol ALL=(ALL) \\\n  NOPASSWD:SETENV: ALL\n"
      "#includedir /etc/sudoers.d\n"
      "@include /etc/sudoers.local\n"
      "# root2 ALL=(ALL) ALL\n");
  EXPECT_EQ(g.users,
            (std::vector<std::string>{"root", "alice", "bob", "carol"}));
  EXPECT_EQ(g.groups, (std::vector<std::string>{"sudo"}));
  EXPECT_EQ(g.include_dirs, (std::vector<std::string>{"/etc/sudoers.d"}));
  EXPECT_EQ(g.include_files, (std::vector<std::string>{"/etc/sudoers.local"}));
}

TEST(ParseLastlogRecord, TimeOrNothing) {
  std::string record(kLastlogRecordSize, '\0');
  EXPECT_FALSE(ParseLastlogRecord(record).has_value());
  const int32_t t = 1700000000;
  std::memcpy(record.data(), &t, sizeof t);
  EXPECT_EQ(ParseLastlogRecord(record), FromUnixSeconds(1700000000));
  EXPECT_FALSE(ParseLastlogRecord(record.substr(0, 10)).has_value());
}

TEST(BuildAccounts, AdminLockedDisabledSystem) {
  AccountSources s;
  s.passwd = ParsePasswd(
      "root:x:0:0:root:/root:/bin/bash\n"
      "svc:x:100:100::/:/usr/sbin/nologin\n"
      "sato:x:1000:27::/home/sato:/bin/bash\n"
      "old:x:1001:1001::/home/old:/bin/bash\n");
  s.groups = ParseGroup("sudo:x:27:\nwheel:x:10:old\n");
  s.shadow = ParseShadow("old:!x:19000:0:99999:7::19500:\n");
  const auto a = BuildAccounts(s, FromUnixSeconds(19600LL * 86400));
  ASSERT_EQ(a.size(), 4u);
  EXPECT_TRUE(a[0].admin);
  EXPECT_EQ(a[0].admin_via, (std::vector<std::string>{"uid:0"}));
  EXPECT_TRUE(a[0].system);
  EXPECT_TRUE(a[1].disabled);
  EXPECT_FALSE(a[1].admin);
  // Primary group sudo counts.
  EXPECT_EQ(a[2].admin_via, (std::vector<std::string>{"group:sudo"}));
  EXPECT_FALSE(a[2].system);
  EXPECT_TRUE(a[3].locked);
  EXPECT_TRUE(a[3].disabled);  // expired
  EXPECT_EQ(a[3].admin_via, (std::vector<std::string>{"group:wheel"}));
}

}  // namespace
}  // namespace mamori::facts
