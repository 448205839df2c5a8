// The IEEE registries as Debian ships them (ieee-data), and hostile copies.
#include "collector/devices/oui.h"

#include <gtest/gtest.h>

namespace mamori::devices {
namespace {

TEST(Oui, DebianIeeeDataNamesVendors) {
  auto registry = VendorRegistry::Load(std::string(kIeeeDataDir));
  ASSERT_TRUE(registry.ok()) << registry.status().message();
  EXPECT_GT(registry->assignments().size(), 30000u);
  EXPECT_FALSE(registry->signature().empty());
  // Assignments that have been stable for decades.
  auto xerox = registry->Lookup("00:00:00:12:34:56");
  ASSERT_TRUE(xerox.has_value());
  EXPECT_NE(xerox->organization.find("XEROX"), std::string::npos);
  EXPECT_FALSE(xerox->pc_maker);
  auto intel = registry->Lookup("00-1B-21-AA-BB-CC");
  ASSERT_TRUE(intel.has_value());
  EXPECT_EQ(intel->organization, "Intel Corporate");
  EXPECT_TRUE(intel->pc_maker);
  auto dell = registry->Lookup("00:14:22:01:02:03");
  ASSERT_TRUE(dell.has_value());
  EXPECT_EQ(dell->organization, "Dell Inc.");
  EXPECT_TRUE(dell->pc_maker);
  // A quoted organisation name with a comma.
  auto cisco = registry->Lookup("f4:bd:9e:00:00:01");
  ASSERT_TRUE(cisco.has_value());
  EXPECT_EQ(cisco->organization, "Cisco Systems, Inc");
  // Randomised (locally administered) and group addresses name no vendor.
  EXPECT_FALSE(registry->Lookup("02:14:22:01:02:03").has_value());
  EXPECT_FALSE(registry->Lookup("01:00:5e:00:00:fb").has_value());
  EXPECT_FALSE(registry->Lookup("not a mac").has_value());
}

TEST(Oui, LongestPrefixWins) {
  // 'a8' has the U/L and I/G bits clear.
  VendorRegistry r =
      VendorRegistry::FromAssignments({{"A8BBCC", "Large", false},
                                       {"A8BBCCD", "Medium", false},
                                       {"A8BBCCDDE", "Small", false}});
  EXPECT_EQ(r.Lookup("a8:bb:cc:dd:ee:ff")->organization, "Small");
  EXPECT_EQ(r.Lookup("a8:bb:cc:d0:00:00")->organization, "Medium");
  EXPECT_EQ(r.Lookup("a8:bb:cc:00:00:00")->organization, "Large");
  EXPECT_FALSE(r.Lookup("a8:bb:cd:00:00:00").has_value());
}

TEST(Oui, ParseMac) {
  auto m = ParseMac("3C-22-FB-12-34-56");
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(m->mac, "3c:22:fb:12:34:56");
  EXPECT_FALSE(m->locally_administered);
  EXPECT_TRUE(ParseMac("3c22.fb12.3456").has_value());
  EXPECT_TRUE(ParseMac("da:a1:19:00:00:01")->locally_administered);
  EXPECT_TRUE(ParseMac("ff:ff:ff:ff:ff:ff")->group);
  for (const char* bad :
       {"", "3c:22:fb:12:34", "3c:22:fb:12:34:56:78", "3c-22:fb:12:34:56",
        "3c22fb123456", "zz:22:fb:12:34:56", "3c:22:fb:12:34:5\xff",
        "<script>:22:fb:12:34:56"}) {
    EXPECT_FALSE(ParseMac(bad).has_value()) << bad;
  }
}

TEST(Oui, PcMakers) {
  EXPECT_TRUE(IsPcMaker("LCFC(HeFei) Electronics Technology co., ltd"));
  EXPECT_TRUE(IsPcMaker("FUJITSU LIMITED"));
  EXPECT_TRUE(IsPcMaker("Dynabook Inc."));
  EXPECT_FALSE(IsPcMaker("Brother Industries, LTD."));
  EXPECT_FALSE(IsPcMaker("Synology Incorporated"));
  EXPECT_FALSE(IsPcMaker("Raspberry Pi Trading Ltd"));
}

TEST(Oui, BrokenFilesAreRefusedWithTheRecord) {
  const std::string header =
      "Registry,Assignment,Organization Name,Organization Address\n";
  auto ok = ParseIeeeCsv(header + "MA-L,a8bbcc,\"Maker, Inc\",\"1 Road\"\n",
                         "oui.csv");
  ASSERT_TRUE(ok.ok()) << ok.status().message();
  EXPECT_EQ((*ok)[0].prefix, "A8BBCC");
  EXPECT_EQ((*ok)[0].organization, "Maker, Inc");

  auto bad_prefix =
      ParseIeeeCsv(header + "MA-L,A8BBCC,X,Y\nMA-L,XYZ,X,Y\n", "oui.csv");
  EXPECT_EQ(bad_prefix.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(bad_prefix.status().message().find("oui.csv record 3"),
            std::string::npos)
      << bad_prefix.status().message();
  EXPECT_FALSE(ParseIeeeCsv("name,value\nx,y\n", "oui.csv").ok());
  EXPECT_FALSE(
      ParseIeeeCsv(header + "MA-L,A8BBCC,\"unterminated\n", "oui.csv").ok());
  EXPECT_FALSE(
      ParseIeeeCsv(header + "MA-L,A8BBCC,\xff\xfe bad utf8,Y\n", "oui.csv")
          .ok());
  // A spoofed, hostile name is kept as text, never interpreted.
  auto hostile = ParseIeeeCsv(
      header + "MA-L,A8BBCC,\"=HYPERLINK(\"\"http://x\"\")<script>\",Y\n",
      "oui.csv");
  ASSERT_TRUE(hostile.ok());
  EXPECT_EQ((*hostile)[0].organization, "=HYPERLINK(\"http://x\")<script>");
  EXPECT_EQ(VendorRegistry::Load("/nonexistent").status().code(),
            StatusCode::kNotFound);
}

}  // namespace
}  // namespace mamori::devices
