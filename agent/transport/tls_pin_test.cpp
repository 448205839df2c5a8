#include "agent/transport/tls_pin.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "agent/transport/testing/test_pki.h"

namespace mamori::transport {
namespace {

using ::testing::HasSubstr;

TEST(FingerprintTest, AcceptsCommonSpellings) {
  const std::string hex(64, 'a');
  std::string colons;
  for (int i = 0; i < 32; ++i) colons += (i ? ":" : "") + std::string("AA");
  EXPECT_EQ(*NormaliseFingerprint(hex), hex);
  EXPECT_EQ(*NormaliseFingerprint(colons), hex);
  EXPECT_EQ(*NormaliseFingerprint("sha256 Fingerprint=" + colons), hex);
  EXPECT_EQ(*NormaliseFingerprint("sha256:" + hex), hex);
  EXPECT_FALSE(NormaliseFingerprint("abc").ok());
  EXPECT_FALSE(NormaliseFingerprint(std::string(64, 'g')).ok());
  EXPECT_THAT(NormaliseFingerprint("xyz").status().message(),
              HasSubstr("64 hex digits"));
}

TEST(SelectPinnedCaTest, AcceptsTheMatchingCa) {
  auto pki = testing::MakeTestPki();
  auto fp = CertificateFingerprint(pki.ca_cert_pem);
  ASSERT_TRUE(fp.ok());
  auto ca =
      SelectPinnedCa({pki.server_cert_pem, pki.ca_cert_pem}, *fp, "127.0.0.1");
  ASSERT_TRUE(ca.ok()) << ca.status().ToString();
  EXPECT_EQ(*CertificateFingerprint(*ca), *fp);
  EXPECT_TRUE(
      SelectPinnedCa({pki.server_cert_pem, pki.ca_cert_pem}, *fp, "localhost")
          .ok());
}

TEST(SelectPinnedCaTest, RejectsWrongFingerprintLeafPinAndWrongHost) {
  auto pki = testing::MakeTestPki();
  auto other = testing::MakeTestPki("other CA");
  const std::vector<std::string> chain = {pki.server_cert_pem, pki.ca_cert_pem};
  auto wrong = SelectPinnedCa(chain, *CertificateFingerprint(other.ca_cert_pem),
                              "127.0.0.1");
  EXPECT_EQ(wrong.status().code(), StatusCode::kPermissionDenied);
  EXPECT_THAT(wrong.status().message(), HasSubstr("no certificate"));
  // Pinning the leaf is not pinning a CA.
  auto leaf = SelectPinnedCa(
      chain, *CertificateFingerprint(pki.server_cert_pem), "127.0.0.1");
  EXPECT_EQ(leaf.status().code(), StatusCode::kPermissionDenied);
  auto host = SelectPinnedCa(chain, *CertificateFingerprint(pki.ca_cert_pem),
                             "evil.example");
  EXPECT_EQ(host.status().code(), StatusCode::kPermissionDenied);
  // A forged chain: a genuine CA certificate next to another CA's leaf.
  auto forged =
      SelectPinnedCa({other.server_cert_pem, pki.ca_cert_pem},
                     *CertificateFingerprint(pki.ca_cert_pem), "127.0.0.1");
  EXPECT_EQ(forged.status().code(), StatusCode::kPermissionDenied);
}

TEST(SplitHostPortTest, Forms) {
  std::string host;
  int port = 0;
  ASSERT_TRUE(SplitHostPort("collector.example.jp:50443", &host, &port).ok());
  EXPECT_EQ(host, "collector.example.jp");
  EXPECT_EQ(port, 50443);
  ASSERT_TRUE(SplitHostPort("[::1]:8443", &host, &port).ok());
  EXPECT_EQ(host, "::1");
  EXPECT_FALSE(SplitHostPort("nohost", &host, &port).ok());
  EXPECT_FALSE(SplitHostPort("h:0", &host, &port).ok());
  EXPECT_FALSE(SplitHostPort("h:99999", &host, &port).ok());
  EXPECT_FALSE(SplitHostPort(":80", &host, &port).ok());
}

}  // namespace
}  // namespace mamori::transport
