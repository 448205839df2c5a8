#include "agent/facts/registry.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <set>

namespace mamori::facts {
namespace {

const TimePoint kNow = FromUnixSeconds(1795424400);

TEST(Registry, NamesAreUniqueAndFindable) {
  std::set<std::string_view> seen;
  for (const Family& f : Families()) {
    EXPECT_TRUE(seen.insert(f.name).second) << f.name;
    EXPECT_EQ(FindFamily(f.name), &f);
    EXPECT_NE(f.gather, nullptr);
  }
  EXPECT_EQ(FindFamily("nope"), nullptr);
  EXPECT_NE(FamilyNames().find("system"), std::string::npos);
}

TEST(CollectFamilies, UnknownFamilyListsValidOnes) {
  FakeClock clock(kNow);
  Result<EndpointFacts> r = CollectFamilies(LiveContext(&clock), {"nope"});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("nope"), std::string::npos);
  EXPECT_NE(r.status().message().find("system"), std::string::npos);
}

TEST(CollectFamilies, SelectedFamilyOnlyWithStatusTimes) {
  FakeClock clock(kNow);
  Result<EndpointFacts> r = CollectFamilies(
      RootContext("tests/fixtures/linux/system/debian", &clock), {"system"});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_TRUE(r->system.has_value());
  EXPECT_EQ(r->system->status.collected_at, kNow);
  EXPECT_GE(r->system->status.duration_us, 0);
  EXPECT_EQ(r->collected_at, kNow);
  EXPECT_EQ(r->agent_version, MAMORI_VERSION);
  EXPECT_EQ(r->identity.hostname, "pc-sato");
  EXPECT_EQ(r->identity.machine_id, "0123456789abcdef0123456789abcdef");
}

TEST(CollectFamilies, EmptyRootGivesStatusesNotFailures) {
  FakeClock clock(kNow);
  const std::string empty = ::testing::TempDir() + "/empty-registry-root";
  ::mkdir(empty.c_str(), 0755);
  Result<EndpointFacts> r = CollectFamilies(RootContext(empty, &clock), {});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_TRUE(r->system.has_value());
  EXPECT_EQ(r->system->status.state, CollectionState::kUnsupported);
}

}  // namespace
}  // namespace mamori::facts
