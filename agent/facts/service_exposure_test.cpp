// Pure decoders of the service_exposure family, from bytes captured from real
// servers (tests/fixtures/service_exposure/: OpenSSH 9.2 configured weak,
// dropbear 2022.83 and tinysshd 20230101 from Debian 12) and hostile input.
#include "agent/facts/service_exposure.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

namespace mamori::facts {
namespace {

std::string Fixture(const std::string& name) {
  std::ifstream in("tests/fixtures/service_exposure/" + name, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  EXPECT_FALSE(s.str().empty()) << name;
  return s.str();
}

// Splits a capture into the identification line and the first packet.
ServiceSsh JudgeCapture(const std::string& name) {
  const std::string bytes = Fixture(name);
  const size_t eol = bytes.find('\n');
  ServiceSsh ssh;
  EXPECT_TRUE(ParseSshBanner(bytes.substr(0, eol + 1), &ssh).ok());
  Result<SshKexInit> kex = ParseSshKexInitPacket(bytes.substr(eol + 1));
  EXPECT_TRUE(kex.ok()) << kex.status().ToString();
  if (kex.ok()) JudgeSshKexInit(*kex, &ssh);
  return ssh;
}

using ::testing::ElementsAre;

TEST(SshDecode, OpenSshConfiguredWeak) {
  const ServiceSsh ssh = JudgeCapture("openssh_9.2_weak.bin");
  EXPECT_EQ(ssh.banner, "SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u10");
  EXPECT_EQ(ssh.product, "OpenSSH");
  EXPECT_EQ(ssh.version, "9.2p1");
  // Debian's OpenSSH always offers strict kex: ChaCha20 and CBC+EtM are
  // offered, yet not exposed to Terrapin.
  EXPECT_TRUE(ssh.strict_kex);
  EXPECT_TRUE(ssh.chacha20_offered);
  EXPECT_TRUE(ssh.cbc_etm_offered);
  EXPECT_FALSE(ssh.terrapin_exposed);
  EXPECT_THAT(ssh.weak_kex, ElementsAre("diffie-hellman-group14-sha1"));
  EXPECT_THAT(ssh.weak_ciphers, ElementsAre("aes128-cbc"));
  EXPECT_THAT(ssh.weak_host_keys, ElementsAre("ssh-rsa"));
  EXPECT_THAT(ssh.weak_macs,
              ElementsAre("hmac-sha1-etm@openssh.com", "hmac-sha1"));
}

TEST(SshDecode, TinysshWithoutStrictKexIsTerrapinExposed) {
  const ServiceSsh ssh = JudgeCapture("tinyssh_20230101.bin");
  EXPECT_EQ(ssh.product, "tinyssh");
  EXPECT_EQ(ssh.version, "20230101-1");
  EXPECT_FALSE(ssh.strict_kex);
  EXPECT_TRUE(ssh.chacha20_offered);
  EXPECT_TRUE(ssh.terrapin_exposed);
  EXPECT_TRUE(ssh.weak_kex.empty());
  EXPECT_TRUE(ssh.weak_ciphers.empty());
  EXPECT_TRUE(ssh.weak_host_keys.empty());
  EXPECT_TRUE(ssh.weak_macs.empty());
}

TEST(SshDecode, DropbearDefaults) {
  const ServiceSsh ssh = JudgeCapture("dropbear_2022.83.bin");
  EXPECT_EQ(ssh.product, "dropbear");
  EXPECT_EQ(ssh.version, "2022.83");
  EXPECT_TRUE(ssh.strict_kex);  // Debian backported the Terrapin fix
  EXPECT_FALSE(ssh.terrapin_exposed);
  EXPECT_THAT(ssh.weak_kex, ElementsAre("diffie-hellman-group14-sha1"));
  EXPECT_THAT(ssh.weak_host_keys, ElementsAre("ssh-rsa"));
  EXPECT_THAT(ssh.weak_macs, ElementsAre("hmac-sha1"));
}

TEST(SshDecode, CbcWithEtmWithoutStrictKexIsExposed) {
  SshKexInit kex;
  kex.kex = {"curve25519-sha256"};
  kex.ciphers_c2s = kex.ciphers_s2c = {"aes128-ctr", "aes256-cbc"};
  kex.macs_c2s = kex.macs_s2c = {"hmac-sha2-256-etm@openssh.com"};
  ServiceSsh ssh;
  JudgeSshKexInit(kex, &ssh);
  EXPECT_FALSE(ssh.chacha20_offered);
  EXPECT_TRUE(ssh.cbc_etm_offered);
  EXPECT_TRUE(ssh.terrapin_exposed);
  // CBC without EtM MACs and no ChaCha20: not exposed.
  kex.macs_c2s = kex.macs_s2c = {"hmac-sha2-256"};
  JudgeSshKexInit(kex, &ssh);
  EXPECT_FALSE(ssh.terrapin_exposed);
}

TEST(SshDecode, PartialPacketAsksForMore) {
  const std::string bytes = Fixture("openssh_9.2_weak.bin");
  const std::string packet = bytes.substr(bytes.find('\n') + 1);
  for (size_t cut : {size_t{0}, size_t{3}, size_t{4}, packet.size() - 1}) {
    EXPECT_EQ(ParseSshKexInitPacket(packet.substr(0, cut)).status().code(),
              StatusCode::kUnavailable)
        << cut;
  }
}

TEST(SshDecode, HostilePacketsAreRejectedNamingTheProblem) {
  // Oversized length.
  Result<SshKexInit> r =
      ParseSshKexInitPacket(std::string("\x7f\xff\xff\xff\x04", 5));
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("outside"), std::string::npos);
  // Not KEXINIT (type 21).
  r = ParseSshKexInitPacket(std::string("\x00\x00\x00\x0c\x0a\x15", 6) +
                            std::string(10, '\0'));
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("KEXINIT"), std::string::npos);
  // A name-list claiming more bytes than the packet holds.
  std::string p("\x14", 1);
  p += std::string(16, 'c');
  p += std::string("\x00\x01\x00\x00", 4) + "curve25519-sha256";
  std::string packet;
  const uint32_t len = static_cast<uint32_t>(p.size() + 1 + 4);
  packet += static_cast<char>(len >> 24);
  packet += static_cast<char>(len >> 16);
  packet += static_cast<char>(len >> 8);
  packet += static_cast<char>(len);
  packet += '\x04';
  packet += p + std::string(4, '\0');
  r = ParseSshKexInitPacket(packet);
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("name-list"), std::string::npos);
  // Padding longer than the packet.
  r = ParseSshKexInitPacket(std::string("\x00\x00\x00\x04\xff\x14\x00\x00", 8));
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
}

TEST(SshDecode, BannerHostileAndMalformed) {
  ServiceSsh ssh;
  EXPECT_EQ(ParseSshBanner("HTTP/1.1 400 Bad Request\r\n", &ssh).code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseSshBanner("SSH-2.0\r\n", &ssh).code(),
            StatusCode::kInvalidArgument);
  // Invalid UTF-8 and control characters never reach the facts raw.
  ASSERT_TRUE(
      ParseSshBanner("SSH-2.0-Evil\xff\xfe_1.0 =cmd|' /C calc'!A0\r\n", &ssh)
          .ok());
  EXPECT_TRUE(IsValidUtf8(ssh.banner));
  EXPECT_TRUE(IsValidUtf8(ssh.product));
  // Terminal escapes and other control characters never reach the facts.
  ASSERT_TRUE(ParseSshBanner("SSH-2.0-X\x1b[2J\x07_1\x7f\r\n", &ssh).ok());
  EXPECT_EQ(ssh.banner, "SSH-2.0-X?[2J?_1?");
  // Over-long lines are cut at RFC 4253's 255 characters.
  ASSERT_TRUE(ParseSshBanner("SSH-2.0-X_" + std::string(5000, 'a'), &ssh).ok());
  EXPECT_LE(ssh.banner.size(), 255u);
}

TEST(HttpDecode, WeakNginxHeaders) {
  const std::string response =
      "HTTP/1.1 200 OK\r\nServer: nginx/1.22.1\r\nDate: Mon, 07 Dec 2026 "
      "04:00:00 GMT\r\nContent-Type: text/html\r\nX-Powered-By: "
      "PHP/8.2.7\r\n\r\n<html>";
  Result<HttpResponseHead> head = ParseHttpResponseHead(response);
  ASSERT_TRUE(head.ok()) << head.status().ToString();
  ServiceHttp http;
  JudgeHttpHeaders(*head, true, &http);
  EXPECT_EQ(http.status_code, 200u);
  EXPECT_EQ(http.server, "nginx/1.22.1");
  EXPECT_EQ(http.powered_by, "PHP/8.2.7");
  EXPECT_TRUE(http.version_disclosed);
  EXPECT_FALSE(http.hsts);
  EXPECT_FALSE(http.content_security_policy);
  EXPECT_FALSE(http.x_frame_options);
  EXPECT_FALSE(http.frame_protection);
  EXPECT_FALSE(http.x_content_type_options);
  EXPECT_FALSE(http.referrer_policy);
  EXPECT_FALSE(http.ntlm_offered);
}

TEST(HttpDecode, HardenedHeaders) {
  const std::string response =
      "HTTP/1.1 200 OK\r\nserver: nginx\r\nSTRICT-TRANSPORT-SECURITY: "
      "max-age=31536000\r\nContent-Security-Policy: default-src 'self'; "
      "frame-ancestors 'none'\r\nX-Content-Type-Options: nosniff\r\n"
      "Referrer-Policy: no-referrer\r\n\r\n";
  Result<HttpResponseHead> head = ParseHttpResponseHead(response);
  ASSERT_TRUE(head.ok());
  ServiceHttp http;
  JudgeHttpHeaders(*head, true, &http);
  EXPECT_FALSE(http.version_disclosed);
  EXPECT_TRUE(http.hsts);
  EXPECT_TRUE(http.content_security_policy);
  EXPECT_TRUE(http.csp_frame_ancestors);
  EXPECT_FALSE(http.x_frame_options);
  EXPECT_TRUE(http.frame_protection);
  EXPECT_TRUE(http.x_content_type_options);
  EXPECT_TRUE(http.referrer_policy);
  // HSTS means nothing in clear, and max-age=0 switches it off.
  ServiceHttp plain;
  JudgeHttpHeaders(*head, false, &plain);
  EXPECT_FALSE(plain.hsts);
  Result<HttpResponseHead> off = ParseHttpResponseHead(
      "HTTP/1.1 200 OK\r\nStrict-Transport-Security: max-age=0\r\n\r\n");
  ServiceHttp zero;
  JudgeHttpHeaders(*off, true, &zero);
  EXPECT_FALSE(zero.hsts);
}

TEST(HttpDecode, XFrameOptionsAllowFromIsNoProtection) {
  Result<HttpResponseHead> head = ParseHttpResponseHead(
      "HTTP/1.0 200 OK\r\nX-Frame-Options: ALLOW-FROM https://x.test\r\n\r\n");
  ASSERT_TRUE(head.ok());
  ServiceHttp http;
  JudgeHttpHeaders(*head, false, &http);
  EXPECT_FALSE(http.frame_protection);
  head = ParseHttpResponseHead(
      "HTTP/1.0 200 OK\r\nX-Frame-Options: sameorigin\r\n\r\n");
  JudgeHttpHeaders(*head, false, &http);
  EXPECT_TRUE(http.frame_protection);
}

TEST(HttpDecode, NtlmAndLoginPages) {
  Result<HttpResponseHead> iis = ParseHttpResponseHead(
      "HTTP/1.1 401 Unauthorized\r\nServer: Microsoft-IIS/10.0\r\n"
      "WWW-Authenticate: Negotiate\r\nWWW-Authenticate: NTLM\r\n\r\n");
  ASSERT_TRUE(iis.ok());
  ServiceHttp http;
  JudgeHttpHeaders(*iis, true, &http);
  EXPECT_TRUE(http.ntlm_offered);
  EXPECT_TRUE(http.version_disclosed);
  EXPECT_TRUE(LooksLikeLoginPage(*iis, ""));

  Result<HttpResponseHead> ok =
      ParseHttpResponseHead("HTTP/1.1 200 OK\r\n\r\n");
  EXPECT_TRUE(
      LooksLikeLoginPage(*ok, "<form><INPUT TYPE=\"Password\" name=p></form>"));
  EXPECT_FALSE(LooksLikeLoginPage(*ok, "<p>welcome</p>"));
  Result<HttpResponseHead> redirect =
      ParseHttpResponseHead("HTTP/1.1 302 Found\r\nLocation: /login\r\n\r\n");
  EXPECT_FALSE(LooksLikeLoginPage(*redirect, "type=\"password\""));
  Result<HttpResponseHead> basic =
      ParseHttpResponseHead("HTTP/1.1 401 Unauthorized\r\n\r\n");
  EXPECT_FALSE(LooksLikeLoginPage(*basic, ""));  // no challenge: no login
}

TEST(HttpDecode, NotHttpAndHostileHeads) {
  EXPECT_EQ(ParseHttpResponseHead("SSH-2.0-OpenSSH_9.2\r\n").status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseHttpResponseHead("").status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseHttpResponseHead("HTTP/1.1 2x0 OK\r\n\r\n").status().code(),
            StatusCode::kInvalidArgument);
  Result<HttpResponseHead> r =
      ParseHttpResponseHead("HTTP/1.1 200 OK\r\nno colon here\r\n\r\n");
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("colon"), std::string::npos);
  std::string many = "HTTP/1.1 200 OK\r\n";
  for (int i = 0; i < 500; ++i) many += "X-A: b\r\n";
  EXPECT_EQ(ParseHttpResponseHead(many + "\r\n").status().code(),
            StatusCode::kInvalidArgument);
  // Hostile values are kept as data, cut to 200 bytes, valid UTF-8 after the
  // writers' sanitising; they never decide a verdict by themselves.
  Result<HttpResponseHead> evil = ParseHttpResponseHead(
      "HTTP/1.1 200 OK\r\nServer: <script>alert(1)</script>'; DROP TABLE x;--" +
      std::string(1000, 'A') + "\r\n\r\n");
  ASSERT_TRUE(evil.ok());
  ServiceHttp http;
  JudgeHttpHeaders(*evil, false, &http);
  EXPECT_EQ(http.server.size(), 200u);
  EXPECT_TRUE(http.version_disclosed);  // "1" in alert(1)
  Result<HttpResponseHead> esc = ParseHttpResponseHead(
      "HTTP/1.1 200 OK\r\nServer: nginx\x1b]0;pwned\x07\r\nX-Powered-By: "
      "\xff\xfePHP\r\n\r\n");
  ASSERT_TRUE(esc.ok());
  ServiceHttp e;
  JudgeHttpHeaders(*esc, false, &e);
  EXPECT_EQ(e.server, "nginx?]0;pwned?");
  EXPECT_TRUE(IsValidUtf8(e.powered_by));
}

TEST(HttpDecode, RequestCarriesNoCredentials) {
  const std::string get = BuildHttpGet("::1", 8443, "/admin/");
  EXPECT_EQ(get.rfind("GET /admin/ HTTP/1.1\r\nHost: [::1]:8443\r\n", 0), 0u);
  EXPECT_EQ(get.find("Authorization"), std::string::npos);
  EXPECT_EQ(get.find("Cookie"), std::string::npos);
  EXPECT_TRUE(EndsWith(get, "\r\n\r\n"));
}

TEST(TlsDecode, ClientHelloIsWellFormed) {
  const std::string hello =
      BuildTlsClientHello({0x000A, 0x0005}, "", std::string(32, 'r'));
  ASSERT_GT(hello.size(), 50u);
  EXPECT_EQ(hello[0], '\x16');
  const size_t record_len =
      (static_cast<uint8_t>(hello[3]) << 8) | static_cast<uint8_t>(hello[4]);
  EXPECT_EQ(record_len + 5, hello.size());
  EXPECT_EQ(hello[5], '\x01');  // client_hello
  // Suites: 2 offered + the renegotiation SCSV, right after the session id.
  EXPECT_EQ(hello.substr(44, 8),
            std::string("\x00\x06\x00\x0a\x00\x05\x00\xff", 8));
  EXPECT_TRUE(LooksLikeTlsRecord(hello));
  // SNI only for names.
  EXPECT_EQ(BuildTlsClientHello({1}, "127.0.0.1", "").find("127.0.0.1"),
            std::string::npos);
  EXPECT_NE(
      BuildTlsClientHello({1}, "www.example.test", "").find("www.example.test"),
      std::string::npos);
}

TEST(TlsDecode, ServerHelloAndAlert) {
  // A ServerHello choosing TLS_RSA_WITH_3DES_EDE_CBC_SHA with a 32-byte
  // session id, as nginx sends it.
  std::string sh("\x16\x03\x03\x00\x4a\x02\x00\x00\x46\x03\x03", 11);
  sh += std::string(32, 'R');
  sh += '\x20';
  sh += std::string(32, 'S');
  sh += std::string("\x00\x0a\x00", 3);
  Result<TlsServerAnswer> a = ParseTlsServerAnswer(sh);
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  EXPECT_EQ(a->kind, TlsServerAnswer::Kind::kServerHello);
  EXPECT_EQ(a->version, 0x0303);
  EXPECT_EQ(a->cipher_suite, 0x000A);
  EXPECT_EQ(TlsSuiteName(a->cipher_suite), "TLS_RSA_WITH_3DES_EDE_CBC_SHA");
  EXPECT_EQ(TlsSuiteName(0x1301), "0x1301");
  // Cut anywhere before the suite → ask for more.
  for (size_t cut : {size_t{2}, size_t{7}, size_t{60}, sh.size() - 2}) {
    EXPECT_EQ(ParseTlsServerAnswer(sh.substr(0, cut)).status().code(),
              StatusCode::kUnavailable)
        << cut;
  }
  Result<TlsServerAnswer> alert =
      ParseTlsServerAnswer(std::string("\x15\x03\x03\x00\x02\x02\x28", 7));
  ASSERT_TRUE(alert.ok());
  EXPECT_EQ(alert->kind, TlsServerAnswer::Kind::kAlert);
  EXPECT_EQ(alert->alert_description, 40);  // handshake_failure
}

TEST(TlsDecode, NotTlsIsSaid) {
  Result<TlsServerAnswer> http =
      ParseTlsServerAnswer("HTTP/1.1 400 Bad Request\r\n");
  EXPECT_EQ(http.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(http.status().message().find("not a TLS"), std::string::npos);
  EXPECT_FALSE(LooksLikeTlsRecord("SSH-2.0-x"));
  // A handshake message other than ServerHello, and a lying session id.
  std::string cert("\x16\x03\x03\x00\x30\x0b\x00\x00\x2c", 9);
  cert += std::string(0x2c, '\0');
  EXPECT_EQ(ParseTlsServerAnswer(cert).status().code(),
            StatusCode::kInvalidArgument);
  std::string sh("\x16\x03\x03\x00\x4a\x02\x00\x00\x46\x03\x03", 11);
  sh += std::string(32, 'R');
  sh += '\xff';
  sh += std::string(40, 'S');
  EXPECT_EQ(ParseTlsServerAnswer(sh).status().code(),
            StatusCode::kInvalidArgument);
}

// Every prefix and every single-byte corruption of the captured packets is
// decoded without reading out of bounds (run under ASan in scripts/test.sh)
// and answered with a value or one of the two documented errors.
TEST(DecodersSurviveDamage, TruncatedAndFlippedCaptures) {
  for (const char* name : {"openssh_9.2_weak.bin", "dropbear_2022.83.bin",
                           "tinyssh_20230101.bin"}) {
    const std::string bytes = Fixture(name);
    const std::string packet = bytes.substr(bytes.find('\n') + 1);
    size_t decoded = 0;
    for (size_t cut = 0; cut <= packet.size(); ++cut) {
      Result<SshKexInit> r = ParseSshKexInitPacket(packet.substr(0, cut));
      if (r.ok()) {
        ++decoded;
        continue;
      }
      EXPECT_TRUE(r.status().code() == StatusCode::kUnavailable ||
                  r.status().code() == StatusCode::kInvalidArgument)
          << name << " cut " << cut;
    }
    EXPECT_EQ(decoded, 1u) << name;  // only the whole packet decodes
    for (size_t i = 0; i < packet.size(); ++i) {
      for (unsigned char flip : {0x01, 0x80, 0xff}) {
        std::string damaged = packet;
        damaged[i] = static_cast<char>(damaged[i] ^ flip);
        Result<SshKexInit> r = ParseSshKexInitPacket(damaged);
        if (r.ok()) {
          ServiceSsh ssh;
          JudgeSshKexInit(*r, &ssh);
        } else {
          EXPECT_TRUE(r.status().code() == StatusCode::kUnavailable ||
                      r.status().code() == StatusCode::kInvalidArgument);
        }
      }
    }
  }
  std::string sh("\x16\x03\x03\x00\x4a\x02\x00\x00\x46\x03\x03", 11);
  sh += std::string(32, 'R') + '\x20' + std::string(32, 'S') +
        std::string("\x00\x0a\x00", 3);
  for (size_t i = 0; i < sh.size(); ++i) {
    for (unsigned char flip : {0x01, 0x80, 0xff}) {
      std::string damaged = sh;
      damaged[i] = static_cast<char>(damaged[i] ^ flip);
      for (size_t cut : {damaged.size(), i + 1}) {
        Result<TlsServerAnswer> r =
            ParseTlsServerAnswer(damaged.substr(0, cut));
        if (!r.ok()) {
          EXPECT_TRUE(r.status().code() == StatusCode::kUnavailable ||
                      r.status().code() == StatusCode::kInvalidArgument);
        }
      }
    }
  }
}

// RDP connection start, byte fixtures laid out per
// [MS-RDPBCGR] 2.2.1.1/2.2.1.2.
std::string Bytes(std::initializer_list<int> b) {
  std::string out;
  for (int c : b) out += static_cast<char>(c);
  return out;
}

TEST(RdpDecode, ConnectionRequestBytes) {
  EXPECT_EQ(BuildRdpConnectionRequest(kRdpProtocolSsl | kRdpProtocolHybrid),
            Bytes({0x03, 0x00, 0x00, 0x13, 0x0e, 0xe0, 0x00, 0x00, 0x00, 0x00,
                   0x00, 0x01, 0x00, 0x08, 0x00, 0x03, 0x00, 0x00, 0x00}));
  EXPECT_EQ(BuildRdpConnectionRequest(0x0A0B0C0D).substr(15),
            Bytes({0x0D, 0x0C, 0x0B, 0x0A}));
}

const std::string kCcHeader =
    Bytes({0x03, 0x00, 0x00, 0x13, 0x0e, 0xd0, 0x00, 0x00, 0x12, 0x34, 0x00});

TEST(RdpDecode, ResponseSelectingHybrid) {
  Result<RdpNegotiation> n = ParseRdpConnectionConfirm(
      kCcHeader + Bytes({0x02, 0x1f, 0x08, 0x00, 0x02, 0x00, 0x00, 0x00}));
  ASSERT_TRUE(n.ok()) << n.status().ToString();
  EXPECT_EQ(n->kind, RdpNegotiation::Kind::kResponse);
  EXPECT_EQ(n->selected_protocol, kRdpProtocolHybrid);
  EXPECT_EQ(RdpProtocolName(n->selected_protocol), "hybrid");
}

TEST(RdpDecode, FailureHybridRequired) {
  Result<RdpNegotiation> n = ParseRdpConnectionConfirm(
      kCcHeader + Bytes({0x03, 0x00, 0x08, 0x00, 0x05, 0x00, 0x00, 0x00}));
  ASSERT_TRUE(n.ok()) << n.status().ToString();
  EXPECT_EQ(n->kind, RdpNegotiation::Kind::kFailure);
  EXPECT_EQ(n->failure_code, 5u);
  EXPECT_EQ(RdpFailureName(5), "hybrid_required_by_server");
  EXPECT_EQ(RdpFailureName(77), "code 77");
}

TEST(RdpDecode, LegacyServerWithoutNegotiation) {
  Result<RdpNegotiation> n = ParseRdpConnectionConfirm(Bytes(
      {0x03, 0x00, 0x00, 0x0b, 0x06, 0xd0, 0x00, 0x00, 0x12, 0x34, 0x00}));
  ASSERT_TRUE(n.ok()) << n.status().ToString();
  EXPECT_EQ(n->kind, RdpNegotiation::Kind::kLegacy);
  EXPECT_EQ(RdpProtocolName(0), "rdp");
  EXPECT_EQ(RdpProtocolName(0x40), "0x00000040");
}

TEST(RdpDecode, ShortReadsAskForMore) {
  const std::string full =
      kCcHeader + Bytes({0x02, 0x00, 0x08, 0x00, 0x01, 0x00, 0x00, 0x00});
  for (size_t n = 0; n < full.size(); ++n) {
    EXPECT_EQ(ParseRdpConnectionConfirm(full.substr(0, n)).status().code(),
              StatusCode::kUnavailable)
        << n;
  }
  // Bytes after the TPKT (a pipelined TLS record) are ignored.
  EXPECT_TRUE(ParseRdpConnectionConfirm(full + "\x16\x03\x03").ok());
}

TEST(RdpDecode, MalformedIsNotRdp) {
  const auto code = [](const std::string& b) {
    return ParseRdpConnectionConfirm(b).status().code();
  };
  const std::string neg =
      Bytes({0x02, 0x00, 0x08, 0x00, 0x01, 0x00, 0x00, 0x00});
  // A TLS alert, an HTTP response, an SSH banner.
  EXPECT_EQ(code(Bytes({0x15, 0x03, 0x01, 0x00, 0x02, 0x02, 0x28})),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(code("HTTP/1.1 400 Bad Request\r\n"), StatusCode::kInvalidArgument);
  EXPECT_EQ(code("SSH-2.0-OpenSSH_9.2\r\n"), StatusCode::kInvalidArgument);
  // TPKT length too small, oversized.
  EXPECT_EQ(code(Bytes({0x03, 0x00, 0x00, 0x04})),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(code(Bytes({0x03, 0x00, 0xff, 0xff})),
            StatusCode::kInvalidArgument);
  // Length indicator disagreeing with the TPKT length.
  std::string bad_li = kCcHeader + neg;
  bad_li[4] = 0x20;
  EXPECT_EQ(code(bad_li), StatusCode::kInvalidArgument);
  // A Connection Request (0xE0) where a Confirm belongs.
  std::string cr = kCcHeader + neg;
  cr[5] = static_cast<char>(0xe0);
  EXPECT_EQ(code(cr), StatusCode::kInvalidArgument);
  // Negotiation data of the wrong length or type.
  std::string bad_len = kCcHeader + neg;
  bad_len[13] = 0x09;
  EXPECT_EQ(code(bad_len), StatusCode::kInvalidArgument);
  std::string bad_type = kCcHeader + neg;
  bad_type[11] = 0x01;
  Result<RdpNegotiation> r = ParseRdpConnectionConfirm(bad_type);
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(r.status().message(), ::testing::HasSubstr("not RDP"));
  // Truncated negotiation inside a consistent TPKT (length 15).
  EXPECT_EQ(code(Bytes({0x03, 0x00, 0x00, 0x0f, 0x0a, 0xd0, 0x00, 0x00, 0x00,
                        0x00, 0x00, 0x02, 0x00, 0x08, 0x00})),
            StatusCode::kInvalidArgument);
  // Every prefix and every single-byte corruption: never a crash.
  const std::string full = kCcHeader + neg;
  for (size_t i = 0; i < full.size(); ++i) {
    for (int v : {0x00, 0x7f, 0xff}) {
      std::string m = full;
      m[i] = static_cast<char>(v);
      (void)ParseRdpConnectionConfirm(m);
    }
  }
}

}  // namespace
}  // namespace mamori::facts
