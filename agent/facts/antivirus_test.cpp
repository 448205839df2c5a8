#include "agent/facts/antivirus.h"

#include <gtest/gtest.h>

namespace mamori::facts {
namespace {

std::string Header(std::string_view fields) {
  std::string h(fields);
  h.resize(512, ' ');
  return h;
}

TEST(ParseCvdHeader, ReadsVersionSignaturesAndUnixBuildTime) {
  Result<CvdHeader> h = ParseCvdHeader(
      Header("ClamAV-VDB:20 Nov 2026 10-00 +0000:27460:2074412:90:"
             "0123456789abcdef0123456789abcdef:SIG:builder:1795168800"));
  ASSERT_TRUE(h.ok()) << h.status().ToString();
  EXPECT_EQ(h->version, 27460u);
  EXPECT_EQ(h->signatures, 2074412u);
  EXPECT_EQ(h->builder, "builder");
  EXPECT_EQ(h->build_time_text, "20 Nov 2026 10-00 +0000");
  ASSERT_TRUE(h->build_time.has_value());
  EXPECT_EQ(ToUnixSeconds(*h->build_time), 1795168800);
  // A build time past what TimePoint holds is unknown, not an overflow.
  Result<CvdHeader> far = ParseCvdHeader(
      Header("ClamAV-VDB:20 Nov 2026 10-00 +0000:27460:2074412:90:"
             "0123456789abcdef0123456789abcdef:SIG:builder:9999999999999"));
  ASSERT_TRUE(far.ok());
  EXPECT_FALSE(far->build_time.has_value());
}

TEST(ParseCvdHeader, IgnoresBytesAfterTheHeader) {
  std::string data = Header("ClamAV-VDB:x:62:6647427:90:m:s:b:1631805660");
  data += "\x1f\x8b garbage:with:colons:999";
  Result<CvdHeader> h = ParseCvdHeader(data);
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(h->version, 62u);
  EXPECT_EQ(ToUnixSeconds(*h->build_time), 1631805660);
}

TEST(ParseCvdHeader, MissingUnixTimeLeavesBuildTimeUnset) {
  Result<CvdHeader> h = ParseCvdHeader(Header("ClamAV-VDB:x:62:10:90"));
  ASSERT_TRUE(h.ok());
  EXPECT_FALSE(h->build_time.has_value());
}

TEST(ParseCvdHeader, RejectsWrongMagicShortHeadersAndBadVersions) {
  EXPECT_EQ(ParseCvdHeader("PK\x03\x04").status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseCvdHeader("").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseCvdHeader("ClamAV-VDB:only").status().code(),
            StatusCode::kInvalidArgument);
  Result<CvdHeader> bad = ParseCvdHeader(Header("ClamAV-VDB:x:12a:10:90"));
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("12a"), std::string::npos);
}

TEST(ParseCvdHeader, SanitisesInvalidUtf8) {
  Result<CvdHeader> h =
      ParseCvdHeader(Header("ClamAV-VDB:\xff\xfe:1:1:90:m:s:\xc3(:1"));
  ASSERT_TRUE(h.ok());
  EXPECT_TRUE(IsValidUtf8(h->build_time_text));
  EXPECT_TRUE(IsValidUtf8(h->builder));
}

TEST(FreshclamConfUsable, ActiveExampleLineMakesItUnusable) {
  EXPECT_FALSE(FreshclamConfUsable("# comment\nExample\nChecks 24\n"));
  EXPECT_FALSE(FreshclamConfUsable("  Example  \n"));
  EXPECT_TRUE(FreshclamConfUsable("# Example\nChecks 24\n"));
  EXPECT_TRUE(FreshclamConfUsable("ExampleMirror x\n"));
  EXPECT_TRUE(FreshclamConfUsable(""));
}

TEST(AgeHours, CountsHoursBothWays) {
  const TimePoint built = FromUnixSeconds(1000000);
  EXPECT_DOUBLE_EQ(AgeHours(built, FromUnixSeconds(1000000 + 30 * 24 * 3600)),
                   720.0);
  EXPECT_DOUBLE_EQ(AgeHours(built, FromUnixSeconds(1000000 + 1800)), 0.5);
  EXPECT_DOUBLE_EQ(AgeHours(built, FromUnixSeconds(1000000 - 3600)), -1.0);
}

TEST(DpkgPackageVersion, FindsOnlyTheExactPackage) {
  const std::string status =
      "Package: clamav-base\nVersion: 9.9\n\n"
      "Package: libclamav\nVersion: 8.8\n\n"
      "Package: clamav\nStatus: install ok installed\nVersion: "
      "1.0.7+dfsg-1\n\n";
  EXPECT_EQ(DpkgPackageVersion(status, "clamav"), "1.0.7+dfsg-1");
  EXPECT_EQ(DpkgPackageVersion(status, "clamav-base"), "9.9");
  EXPECT_EQ(DpkgPackageVersion(status, "clam"), "");
  EXPECT_EQ(DpkgPackageVersion("", "clamav"), "");
}

TEST(KnownVendorAgents, NamesTheIssuesVendorsWithPaths) {
  std::vector<std::string_view> paths;
  for (const VendorAgent& a : KnownVendorAgents()) {
    EXPECT_FALSE(a.paths.empty()) << a.name;
    for (std::string_view p : a.paths) paths.push_back(p);
  }
  for (std::string_view want :
       {"/opt/ds_agent", "/opt/sophos-spl", "/opt/CrowdStrike",
        "/opt/microsoft/mdatp", "/opt/McAfee"}) {
    EXPECT_NE(std::find(paths.begin(), paths.end(), want), paths.end()) << want;
  }
}

}  // namespace
}  // namespace mamori::facts
