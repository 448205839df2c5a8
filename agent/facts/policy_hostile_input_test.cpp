// Hostile input for every policy-family parser: deterministic pseudo-random
// bytes, NULs, invalid UTF-8, huge fields and truncated structures must give
// a value or a clear error, never a crash, and strings that reach the facts
// stay valid UTF-8 (protobuf refuses anything else).
#include <gtest/gtest.h>

#include <cstdint>
#include <string>

#include "agent/facts/antivirus.h"
#include "agent/facts/disk_encryption.h"
#include "agent/facts/firewall.h"
#include "agent/facts/password_policy.h"
#include "agent/facts/remote_access.h"
#include "agent/facts/screen_lock.h"
#include "agent/facts/usb_storage.h"
#include "agent/facts/wifi.h"

namespace mamori::facts {
namespace {

// A fixed xorshift sequence: the same bytes on every run and platform.
std::string Noise(uint32_t seed, size_t size) {
  std::string out(size, '\0');
  uint32_t x = seed * 2654435761u + 1;
  for (char& c : out) {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    // Bias towards the characters the parsers split on.
    const char specials[] = {'\n', '=',  ':', ' ', '"',    '{',    '}', '[',
                             ']',  '\\', ';', '#', '\xff', '\xc3', '\0'};
    c = (x % 3 == 0) ? specials[(x >> 8) % sizeof specials]
                     : static_cast<char>(x >> 16);
  }
  return out;
}

TEST(HostileInput, TextParsersSurviveNoise) {
  for (uint32_t seed = 1; seed <= 200; ++seed) {
    const std::string text = Noise(seed, 64 + seed * 13);
    for (const WifiNetwork& n : ParseWpaSupplicant(text, "f")) {
      EXPECT_TRUE(IsValidUtf8(n.ssid));
      EXPECT_TRUE(IsValidUtf8(n.cipher));
    }
    for (const PolicyEvidence& e : ParseModprobeConf(text, "f")) {
      EXPECT_TRUE(IsValidUtf8(e.setting));
    }
    for (const PolicyEvidence& e : ParseUdevRules(text, "f")) {
      EXPECT_TRUE(IsValidUtf8(e.setting));
    }
    const UsbguardVerdict v = EvaluateUsbguard(text, {}, "block", "c");
    EXPECT_LT(v.deciding, v.evidence.size());
    for (const PolicyEvidence& e : v.evidence) {
      EXPECT_TRUE(IsValidUtf8(e.setting));
    }
    std::vector<PamInclude> includes;
    (void)ParsePamFile(text, "f", &includes);
    for (const std::string& name : AccountsWithoutPassword(text)) {
      EXPECT_TRUE(IsValidUtf8(name));
    }
    PasswordPolicySources src;
    src.login_defs = text;
    src.shadow = text;
    src.pam = ParsePamFile(text, "f", &includes);
    src.pam_found = true;
    src.pwquality_confs = {text};
    src.faillock_conf = text;
    const PasswordPolicyFacts pp = BuildPasswordPolicy(src);
    EXPECT_TRUE(IsValidUtf8(pp.hash_method));
    const SshdSettings sshd =
        ResolveSshdConfig(text, "f", [&](const std::string&) {
          return std::vector<std::pair<std::string, std::string>>{
              {"inc", text}};
        });
    for (const std::string& e : sshd.evidence) EXPECT_TRUE(IsValidUtf8(e));
    EXPECT_TRUE(IsValidUtf8(sshd.permit_root_login));
    (void)ParseIptablesSave(text);
    (void)ParseUfw(text, text, text);
    EXPECT_TRUE(IsValidUtf8(FirewalldDefaultZone(text)));
    for (const MountEntry& m : ParseMounts(text)) {
      EXPECT_TRUE(IsValidUtf8(m.mount_point));
    }
    (void)ParseCrypttab(text);
    (void)DconfSystemDbs(text);
    (void)ParseDconfLocks(text);
    (void)FreshclamConfUsable(text);
    EXPECT_TRUE(IsValidUtf8(DpkgPackageVersion(text, "clamav")));
  }
}

TEST(HostileInput, BinaryHeadersGiveErrorsOrValues) {
  for (uint32_t seed = 1; seed <= 200; ++seed) {
    std::string bytes = Noise(seed, seed * 97 % 20000);
    Result<CvdHeader> cvd = ParseCvdHeader("ClamAV-VDB:" + bytes);
    if (cvd.ok()) {
      EXPECT_TRUE(IsValidUtf8(cvd->builder));
    }
    // A real magic with random versions and lengths behind it.
    bytes.insert(0, std::string("LUKS\xba\xbe", 6) + std::string(1, '\0') +
                        std::string(1, seed % 3 + 1));
    Result<LuksHeader> luks = ParseLuksHeader(bytes);
    if (luks.ok()) {
      EXPECT_TRUE(IsValidUtf8(luks->cipher));
    }
  }
}

TEST(HostileInput, Luks2WithHugeDeclaredHeaderSizeStaysInBounds) {
  std::string h = std::string("LUKS\xba\xbe", 6) + std::string("\x00\x02", 2);
  h += std::string(8, '\xff');  // hdr_size = 2^64 - 1
  h.resize(4096, '\0');
  h += R"({"segments":{"0":{"encryption":"aes-xts-plain64"}}})";
  Result<LuksHeader> luks = ParseLuksHeader(h);
  ASSERT_TRUE(luks.ok());
  EXPECT_EQ(luks->cipher, "aes-xts-plain64");
}

TEST(HostileInput, GnomeValuesOutOfRange) {
  GnomeSettings s;
  s.values["/org/gnome/desktop/session/idle-delay"] = {"uint32 99999999999",
                                                       "db"};
  const ScreenLockFacts f = EvaluateGnome(s);
  EXPECT_FALSE(f.enabled.has_value());  // unreadable, so unknown
}

}  // namespace
}  // namespace mamori::facts
