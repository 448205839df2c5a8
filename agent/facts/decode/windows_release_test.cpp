#include "agent/facts/decode/windows_release.h"

#include <gtest/gtest.h>

namespace mamori::facts::win {
namespace {

TEST(WindowsReleaseTest, Windows11Builds) {
  WindowsRelease r = DescribeWindowsBuild(10, 0, 22631, false);
  EXPECT_EQ(r.product, "Windows 11");
  EXPECT_EQ(r.release, "23H2");
  EXPECT_EQ(DescribeWindowsBuild(10, 0, 22000, false).release, "21H2");
  EXPECT_EQ(DescribeWindowsBuild(10, 0, 26100, false).release, "24H2");
}

TEST(WindowsReleaseTest, Windows10Builds) {
  WindowsRelease r = DescribeWindowsBuild(10, 0, 19045, false);
  EXPECT_EQ(r.product, "Windows 10");
  EXPECT_EQ(r.release, "22H2");
  EXPECT_EQ(DescribeWindowsBuild(10, 0, 17763, false).release, "1809");
}

TEST(WindowsReleaseTest, ServerBuilds) {
  EXPECT_EQ(DescribeWindowsBuild(10, 0, 14393, true).product,
            "Windows Server 2016");
  EXPECT_EQ(DescribeWindowsBuild(10, 0, 17763, true).product,
            "Windows Server 2019");
  WindowsRelease r2022 = DescribeWindowsBuild(10, 0, 20348, true);
  EXPECT_EQ(r2022.product, "Windows Server 2022");
  EXPECT_EQ(r2022.release, "21H2");
  EXPECT_TRUE(r2022.server);
  EXPECT_EQ(DescribeWindowsBuild(10, 0, 26100, true).product,
            "Windows Server 2025");
  EXPECT_EQ(DescribeWindowsBuild(6, 3, 9600, true).product,
            "Windows Server 2012 R2");
}

TEST(WindowsReleaseTest, UnknownBuildKeepsFamilyButNoRelease) {
  WindowsRelease r = DescribeWindowsBuild(10, 0, 27000, false);
  EXPECT_EQ(r.product, "Windows 11");
  EXPECT_EQ(r.release, "");
  // An unknown server build: no guess at all.
  EXPECT_EQ(DescribeWindowsBuild(10, 0, 27000, true).product, "");
  EXPECT_EQ(DescribeWindowsBuild(5, 1, 2600, false).product, "");
}

TEST(WindowsReleaseTest, OlderClients) {
  EXPECT_EQ(DescribeWindowsBuild(6, 1, 7601, false).product, "Windows 7");
  EXPECT_EQ(DescribeWindowsBuild(6, 1, 7601, false).release, "SP1");
  EXPECT_EQ(DescribeWindowsBuild(6, 3, 9600, false).product, "Windows 8.1");
}

TEST(WindowsReleaseTest, ServerDetection) {
  EXPECT_TRUE(IsServerInstall("ServerStandard", ""));
  EXPECT_TRUE(IsServerInstall("", "Server Core"));
  EXPECT_FALSE(IsServerInstall("Professional", "Client"));
}

TEST(WindowsReleaseTest, ProductNameFixesWindows11Registry) {
  // Windows 11 keeps "Windows 10 Pro" in CurrentVersion\ProductName.
  const WindowsRelease r = DescribeWindowsBuild(10, 0, 22631, false);
  EXPECT_EQ(WindowsProductName(r, "Professional", "Windows 10 Pro"),
            "Windows 11 Pro");
  EXPECT_EQ(WindowsProductName(DescribeWindowsBuild(10, 0, 19045, false),
                               "Core", "Windows 10 Home"),
            "Windows 10 Home");
  EXPECT_EQ(WindowsProductName(DescribeWindowsBuild(10, 0, 20348, true),
                               "ServerDatacenter", "x"),
            "Windows Server 2022 Datacenter");
  // Unrecognised → the registry's own (possibly Japanese) name.
  EXPECT_EQ(WindowsProductName(DescribeWindowsBuild(5, 1, 2600, false), "",
                               "ウィンドウズ"),
            "ウィンドウズ");
  EXPECT_EQ(EditionDisplayName("SomethingNew"), "SomethingNew");
  EXPECT_EQ(EditionDisplayName("EnterpriseS"), "Enterprise LTSC");
}

}  // namespace
}  // namespace mamori::facts::win
