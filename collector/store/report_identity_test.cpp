#include "collector/store/report_identity.h"

#include <gtest/gtest.h>

namespace mamori::store {
namespace {

HostIdentityData Id(std::string host, std::string machine, std::string uuid,
                    std::string serial, std::vector<std::string> macs = {}) {
  return {std::move(host), std::move(machine), std::move(uuid),
          std::move(serial), std::move(macs)};
}

TEST(ReportedIdentityConflict, AnyStableIdentifierPresentOnBothSides) {
  const HostIdentityData enrolled = Id("pc1", "m1", "u1", "s1", {"aa"});
  EXPECT_EQ(ReportedIdentityConflict(enrolled, enrolled), std::nullopt);
  // Renamed, new network card: the same machine.
  EXPECT_EQ(
      ReportedIdentityConflict(enrolled, Id("pc9", "m1", "u1", "s1", {"bb"})),
      std::nullopt);
  // Missing on one side never conflicts (serial unreadable without root).
  EXPECT_EQ(ReportedIdentityConflict(enrolled, Id("pc1", "m1", "u1", "")),
            std::nullopt);
  EXPECT_EQ(ReportedIdentityConflict(enrolled, Id("", "", "", "")),
            std::nullopt);
  auto machine =
      ReportedIdentityConflict(enrolled, Id("pc1", "m2", "u1", "s1"));
  ASSERT_TRUE(machine.has_value());
  EXPECT_EQ(*machine, "machine_id 'm2' differs from the enrolled 'm1'");
  // A cloned image: same machine id, other hardware.
  auto hardware =
      ReportedIdentityConflict(enrolled, Id("pc1", "m1", "u2", "s2"));
  ASSERT_TRUE(hardware.has_value());
  EXPECT_NE(hardware->find("smbios_uuid"), std::string::npos);
}

TEST(ReportedIdentityConflict, WithoutStableIdsNameAndMacsDecide) {
  const HostIdentityData enrolled = Id("web1", "", "", "", {"aa", "bb"});
  EXPECT_EQ(ReportedIdentityConflict(enrolled, Id("web1", "", "", "", {"cc"})),
            std::nullopt);
  EXPECT_EQ(ReportedIdentityConflict(enrolled, Id("web2", "", "", "", {"bb"})),
            std::nullopt);
  EXPECT_TRUE(
      ReportedIdentityConflict(enrolled, Id("web2", "", "", "", {"cc"})));
  EXPECT_EQ(ReportedIdentityConflict(enrolled, Id("web2", "", "", "", {})),
            std::nullopt);
}

TEST(ReportedIdentityConflict, HostileValuesAreCutAndCleaned) {
  const std::string huge(10'000, 'x');
  auto conflict = ReportedIdentityConflict(Id("a", "m1", "", ""),
                                           Id("a", huge + "\xff", "", ""));
  ASSERT_TRUE(conflict.has_value());
  EXPECT_LT(conflict->size(), 200u);
}

}  // namespace
}  // namespace mamori::store
