#include "agent/cmd_once.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace mamori::agent {
namespace {

// 8-4-4-4-12 lower-case hex, version nibble 4, variant bits 10xx.
bool IsUuidV4(const std::string& id) {
  if (id.size() != 36) return false;
  for (size_t i = 0; i < id.size(); ++i) {
    const bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash != (id[i] == '-')) return false;
    if (!dash &&
        !((id[i] >= '0' && id[i] <= '9') || (id[i] >= 'a' && id[i] <= 'f'))) {
      return false;
    }
  }
  return id[14] == '4' && std::string("89ab").find(id[19]) != std::string::npos;
}

TEST(NewReportIdTest, IsARandomVersion4Uuid) {
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    Result<std::string> id = NewReportId();
    ASSERT_TRUE(id.ok()) << id.status().message();
    EXPECT_TRUE(IsUuidV4(*id)) << *id;
    seen.insert(*id);
  }
  EXPECT_EQ(seen.size(), 1000u);
}

TEST(NewReportIdTest, FormatCheckRejectsOtherShapes) {
  // Guards the checker above: it must be able to fail.
  EXPECT_FALSE(IsUuidV4("00000000-0000-1000-8000-000000000000"));  // v1
  EXPECT_FALSE(IsUuidV4("00000000-0000-4000-c000-000000000000"));  // variant
  EXPECT_FALSE(IsUuidV4("00000000-0000-4000-8000-00000000000G"));
  EXPECT_TRUE(IsUuidV4("00000000-0000-4000-8000-000000000000"));
}

}  // namespace
}  // namespace mamori::agent
