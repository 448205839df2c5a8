#include "agent/facts/disk_encryption.h"

#include <gtest/gtest.h>

namespace mamori::facts {
namespace {

std::string Luks1(std::string_view cipher, std::string_view mode) {
  std::string h = std::string("LUKS\xba\xbe", 6) + std::string("\x00\x01", 2);
  std::string c(cipher);
  c.resize(32, '\0');
  std::string m(mode);
  m.resize(32, '\0');
  h += c + m;
  h.resize(592, '\0');
  return h;
}

std::string Luks2(std::string_view json) {
  std::string h = std::string("LUKS\xba\xbe", 6) + std::string("\x00\x02", 2);
  const uint64_t hdr_size = 16384;
  for (int i = 7; i >= 0; --i)
    h += static_cast<char>((hdr_size >> (8 * i)) & 0xff);
  h.resize(4096, '\0');
  h += json;
  h.resize(16384, '\0');
  return h;
}

TEST(ParseLuksHeader, ReadsLuks1Cipher) {
  Result<LuksHeader> h = ParseLuksHeader(Luks1("aes", "xts-plain64"));
  ASSERT_TRUE(h.ok()) << h.status().ToString();
  EXPECT_EQ(h->version, 1);
  EXPECT_EQ(h->cipher, "aes-xts-plain64");
}

TEST(ParseLuksHeader, ReadsLuks2CipherFromJson) {
  Result<LuksHeader> h = ParseLuksHeader(Luks2(
      R"({"keyslots":{},"segments":{"0":{"type":"crypt","encryption":"aes-xts-plain64"}}})"));
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(h->version, 2);
  EXPECT_EQ(h->cipher, "aes-xts-plain64");
}

TEST(ParseLuksHeader, BadJsonKeepsVersionWithoutCipher) {
  Result<LuksHeader> h = ParseLuksHeader(Luks2("{not json"));
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(h->version, 2);
  EXPECT_EQ(h->cipher, "");
}

TEST(ParseLuksHeader, RejectsOtherData) {
  EXPECT_EQ(ParseLuksHeader("").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseLuksHeader(std::string(600, '\0')).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_FALSE(ParseLuksHeader(Luks1("aes", "x").substr(0, 50)).ok());
  std::string v3 = Luks1("aes", "x");
  v3[7] = 3;
  EXPECT_FALSE(ParseLuksHeader(v3).ok());
}

TEST(ParseMounts, DecodesOctalEscapes) {
  const std::vector<MountEntry> m = ParseMounts(
      "/dev/sda1 / ext4 rw 0 0\n/dev/sdb1 /home\\040data ext4 rw 0 0\n# "
      "c\nbad\n");
  ASSERT_EQ(m.size(), 2u);
  EXPECT_EQ(m[1].mount_point, "/home data");
  EXPECT_EQ(m[0].fs_type, "ext4");
}

TEST(ParseCrypttab, ReadsNamesDevicesAndOptions) {
  const std::vector<CrypttabEntry> c = ParseCrypttab(
      "# comment\nroot_crypt UUID=abc none luks,discard\nswap /dev/sda2 "
      "/dev/urandom swap,plain\n"
      "bare /dev/sdc\n");
  ASSERT_EQ(c.size(), 3u);
  EXPECT_EQ(c[0].name, "root_crypt");
  EXPECT_EQ(CrypttabTechnology(c[0].options), "luks");
  EXPECT_EQ(CrypttabTechnology(c[1].options), "dm-crypt");
  EXPECT_EQ(CrypttabTechnology(c[2].options), "luks");
  EXPECT_EQ(CrypttabTechnology("bitlk"), "bitlk");
}

TEST(DmCryptTechnology, ReadsTheUuidPrefix) {
  EXPECT_EQ(DmCryptTechnology("CRYPT-LUKS2-0f3b1c9e2f6a4c7e-sda3_crypt"),
            "luks2");
  EXPECT_EQ(DmCryptTechnology("CRYPT-LUKS1-abc-x"), "luks1");
  EXPECT_EQ(DmCryptTechnology("CRYPT-PLAIN-swap"), "dm-crypt");
  EXPECT_EQ(DmCryptTechnology("LVM-abc"), "");
  EXPECT_EQ(DmCryptTechnology(""), "");
}

TEST(IsSystemMountPoint, RootAndHomeOnly) {
  EXPECT_TRUE(IsSystemMountPoint("/"));
  EXPECT_TRUE(IsSystemMountPoint("/home"));
  EXPECT_FALSE(IsSystemMountPoint("/boot"));
  EXPECT_FALSE(IsSystemMountPoint("/home/alice"));
}

}  // namespace
}  // namespace mamori::facts
