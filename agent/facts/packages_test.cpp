#include "agent/facts/packages.h"

#include <gtest/gtest.h>

#include "common/text.h"

namespace mamori::facts {
namespace {

TEST(ParseDpkgStatus, InstalledOnlyWithFields) {
  Result<std::string> text =
      ReadFile("tests/fixtures/linux/packages/debian/var/lib/dpkg/status");
  ASSERT_TRUE(text.ok()) << text.status().ToString();
  const std::vector<Package> p = ParseDpkgStatus(*text);
  // bash, libc6 ×2 (multi-arch), vim, the held non-ASCII package. Not:
  // config-files, half-installed, or a stanza without Version.
  ASSERT_EQ(p.size(), 5u);
  EXPECT_EQ(p[0].name, "bash");
  EXPECT_EQ(p[0].version, "5.2.15-2+b2");
  EXPECT_EQ(p[0].architecture, "amd64");
  EXPECT_EQ(p[0].publisher, "Matthias Klose <doko@debian.org>");
  EXPECT_EQ(p[0].source, PackageSource::kDpkg);
  EXPECT_EQ(p[1].name, "libc6");
  EXPECT_EQ(p[2].architecture, "i386");
  EXPECT_EQ(p[3].version, "2:9.0.1378-2");
  EXPECT_EQ(p[4].name, "日本語ツール");
  for (const Package& pkg : p) EXPECT_NE(pkg.name, "not-a-package");
}

TEST(ParseDpkgStatus, HostileInput) {
  EXPECT_TRUE(ParseDpkgStatus("").empty());
  EXPECT_TRUE(ParseDpkgStatus("\n\n:::\nPackage\n").empty());
  const auto p = ParseDpkgStatus(
      "Package: x\xff\nVersion: 1\nStatus: install ok installed\r\n");
  ASSERT_EQ(p.size(), 1u);
  EXPECT_TRUE(IsValidUtf8(p[0].name));
}

TEST(CanonicalPackageList, SortedAndOrderIndependent) {
  Package a{"zlib", "1", "amd64", PackageSource::kDpkg, "", {}, ""};
  Package b{"bash", "5", "amd64", PackageSource::kDpkg, "", FromUnixSeconds(7),
            ""};
  const std::string one = CanonicalPackageList({a, b});
  EXPECT_EQ(one, CanonicalPackageList({b, a}));
  EXPECT_EQ(one,
            "bash\t5\tamd64\tPACKAGE_SOURCE_DPKG\t\t7\t\n"
            "zlib\t1\tamd64\tPACKAGE_SOURCE_DPKG\t\t\t\n");
  b.version = "6";
  EXPECT_NE(one, CanonicalPackageList({a, b}));
}

}  // namespace
}  // namespace mamori::facts
