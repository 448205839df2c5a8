// The probe driver, certificate summary and daily cache: certificates from
// fixture files, the cache through a real state directory, and the probe
// sequence against small real servers on loopback port 0 (an echo service, a
// silent one, an HTTP server with a login page, a closed port).
#include "agent/facts/service_probe.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "agent/facts/json_reader.h"
#include "agent/facts/probe_test_support.h"
#include "agent/facts/service_tls.h"

namespace mamori::facts {
namespace {

namespace fs = std::filesystem;

std::string Fixture(const std::string& name) {
  std::ifstream in("tests/fixtures/service_exposure/" + name, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string PemToDer(const std::string& pem) {
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  X509* x = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  EXPECT_NE(x, nullptr);
  unsigned char* der = nullptr;
  const int len = i2d_X509(x, &der);
  std::string out(reinterpret_cast<char*>(der), static_cast<size_t>(len));
  OPENSSL_free(der);
  X509_free(x);
  return out;
}

TimePoint At(int64_t unix_seconds) {
  return TimePoint(std::chrono::seconds(unix_seconds));
}

TEST(CertificateSummary, SelfSignedRsa) {
  // notAfter 2027-12-07T04:14:18Z = 1828152858.
  const std::string der = PemToDer(Fixture("self_signed_rsa2048.pem"));
  Result<ServiceCertificate> c =
      SummarizeCertificate(der, At(1796616000));  // 2026-12-07
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_TRUE(c->self_signed);
  EXPECT_EQ(c->key_type, "RSA");
  EXPECT_EQ(c->key_bits, 2048u);
  EXPECT_EQ(c->subject, "O=Mamori Test,CN=weak.example.test");
  EXPECT_EQ(c->issuer, c->subject);
  EXPECT_EQ(c->names,
            (std::vector<std::string>{"weak.example.test", "127.0.0.1"}));
  ASSERT_TRUE(c->not_after.has_value());
  EXPECT_EQ(std::chrono::duration_cast<std::chrono::seconds>(
                c->not_after->time_since_epoch())
                .count(),
            1828152858);
  EXPECT_FALSE(c->expired);
  EXPECT_FALSE(c->expires_soon);
  EXPECT_FALSE(c->chained_to_system_ca.has_value());  // the caller's part
  // 29 days before the end: expiring soon; a second after: expired.
  c = SummarizeCertificate(der, At(1828152858 - 29 * 86400));
  EXPECT_TRUE(c->expires_soon);
  EXPECT_FALSE(c->expired);
  c = SummarizeCertificate(der, At(1828152859));
  EXPECT_TRUE(c->expired);
  EXPECT_FALSE(c->expires_soon);
}

TEST(CertificateSummary, CaSignedEcIsNotSelfSigned) {
  const std::string der = PemToDer(Fixture("ca_signed_ec256.pem"));
  Result<ServiceCertificate> c = SummarizeCertificate(der, At(1796616000));
  ASSERT_TRUE(c.ok());
  EXPECT_FALSE(c->self_signed);
  EXPECT_EQ(c->key_type, "EC");
  EXPECT_EQ(c->key_bits, 256u);
  EXPECT_EQ(c->issuer, "CN=Mamori Test CA");
  EXPECT_EQ(c->names, (std::vector<std::string>{"app.example.test"}));  // CN
  // The CA's own certificate is self-signed.
  EXPECT_TRUE(
      SummarizeCertificate(PemToDer(Fixture("test_ca.pem")), At(1796616000))
          ->self_signed);
}

TEST(CertificateSummary, GarbageIsRejected) {
  for (const std::string& bad :
       {std::string(), std::string("\x30\x82\xff\xff", 4),
        std::string(5000, '\x30'), std::string("-----BEGIN")}) {
    Result<ServiceCertificate> c = SummarizeCertificate(bad, At(0));
    EXPECT_EQ(c.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(c.status().message().find("not a DER"), std::string::npos);
  }
}

TEST(ProbeAddress, LoopbackForWildcardsOwnAddressOtherwise) {
  EXPECT_EQ(ProbeAddressFor("0.0.0.0"), "127.0.0.1");
  EXPECT_EQ(ProbeAddressFor("::"), "::1");
  EXPECT_EQ(ProbeAddressFor("::ffff:192.168.1.5"), "192.168.1.5");
  EXPECT_EQ(ProbeAddressFor("192.168.1.5"), "192.168.1.5");
  EXPECT_EQ(ProbeAddressFor("127.0.0.53"), "127.0.0.53");
}

ExposedService Listener(std::string address, uint32_t port, uint32_t pid) {
  ExposedService s;
  s.protocol = address.find(':') == std::string::npos ? "tcp" : "tcp6";
  s.address = std::move(address);
  s.port = port;
  s.pid = pid;
  s.process = "nginx";
  return s;
}

TEST(ServiceCache, KeyFollowsTheListenerList) {
  const std::vector<ExposedService> a = {Listener("0.0.0.0", 443, 10),
                                         Listener("::", 443, 10)};
  std::vector<ExposedService> b = {a[1], a[0]};
  EXPECT_EQ(ServiceListKey(a), ServiceListKey(b));  // order does not matter
  b[0].pid = 11;                                    // restarted service
  EXPECT_NE(ServiceListKey(a), ServiceListKey(b));
  b = {a[0]};
  EXPECT_NE(ServiceListKey(a), ServiceListKey(b));
}

TEST(ServiceCache, RoundTripAndAgeRules) {
  const fs::path dir = fs::temp_directory_path() /
                       ("mamori-exposure-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  ServiceExposureCache cache;
  cache.key = "k1";
  cache.probed_at = At(1796616000);
  ExposedService svc = Listener("0.0.0.0", 8443, 42);
  svc.kind = "https";
  svc.probe_state = "ok";
  svc.tls.emplace();
  svc.tls->tls1_0 = true;
  svc.tls->tls1_3 = false;
  svc.tls->certificate.not_after = At(1828152858);
  svc.tls->weak_ciphers = {"TLS_RSA_WITH_3DES_EDE_CBC_SHA"};
  svc.http.emplace();
  svc.http->admin_paths = {"/admin/"};
  svc.duration_us = 1234567890123;
  cache.services = {svc};
  const std::string path = ServiceExposureCachePath(dir.string());
  std::ofstream(path) << SerializeServiceExposureCache(cache);

  const ProbeLimits limits;
  std::optional<ServiceExposureCache> got =
      UsableCache(path, "k1", At(1796616000 + 3600), limits);
  ASSERT_TRUE(got.has_value());
  ASSERT_EQ(got->services.size(), 1u);
  EXPECT_EQ(ToJsonString(got->services[0]), ToJsonString(svc));
  // Another key, a day old, or from the future: probe again.
  EXPECT_FALSE(UsableCache(path, "k2", At(1796616000 + 3600), limits));
  EXPECT_FALSE(UsableCache(path, "k1", At(1796616000 + 24 * 3600), limits));
  EXPECT_FALSE(UsableCache(path, "k1", At(1796616000 - 1), limits));
  // A damaged file is ignored, not trusted.
  std::ofstream(path)
      << "{\"format\":\"service-exposure-cache-1\",\"key\":\"k1\"";
  EXPECT_FALSE(UsableCache(path, "k1", At(1796616000 + 3600), limits));
  fs::remove_all(dir);
}

TEST(ServiceCache, ParseErrorsNameTheMember) {
  Result<ServiceExposureCache> r = ParseServiceExposureCache(
      R"({"format":"service-exposure-cache-1","key":"k","probed_at":"2026-12-07T00:00:00Z",)"
      R"("services":[{"port":"443"}]})");
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("port"), std::string::npos)
      << r.status().message();
  r = ParseServiceExposureCache(
      R"({"format":"service-exposure-cache-1","key":"k","probed_at":"yesterday","services":[]})");
  EXPECT_NE(r.status().message().find("probed_at"), std::string::npos);
  r = ParseServiceExposureCache("[]");
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
}

using testing::LoopbackServer;

ExposedService ProbeOne(uint32_t port) {
  return testing::ProbeLoopbackPort(port);
}

TEST(ProbeService, EchoServiceIsOther) {
  LoopbackServer echo([](int c) {
    char buf[4096];
    ssize_t n;
    while ((n = ::recv(c, buf, sizeof buf, 0)) > 0)
      ::send(c, buf, static_cast<size_t>(n), 0);
  });
  const ExposedService svc = ProbeOne(echo.port());
  EXPECT_EQ(svc.probe_state, "ok") << svc.probe_message;
  EXPECT_EQ(svc.kind, "other");
  EXPECT_FALSE(svc.tls.has_value());
  EXPECT_FALSE(svc.http.has_value());
  EXPECT_FALSE(svc.ssh.has_value());
  // It echoed our X.224 Connection Request too: not a Connection Confirm.
  EXPECT_FALSE(svc.rdp.has_value());
}

TEST(ProbeService, SilentServiceIsOtherWithinTheStepLimits) {
  LoopbackServer silent([](int c) {
    char buf[64];
    while (::recv(c, buf, sizeof buf, 0) > 0) {
    }
  });
  const auto start = std::chrono::steady_clock::now();
  const ExposedService svc = ProbeOne(silent.port());
  EXPECT_EQ(svc.kind, "other") << svc.probe_message;
  // Bounded by the per-service budget (2 s), whatever the server does.
  EXPECT_LT(std::chrono::steady_clock::now() - start,
            std::chrono::milliseconds(2500));
}

TEST(ProbeService, ClosedPortIsRefused) {
  uint32_t port;
  {
    LoopbackServer gone([](int) {});
    port = gone.port();
  }
  const ExposedService svc = ProbeOne(port);
  EXPECT_EQ(svc.probe_state, "refused") << svc.probe_message;
  EXPECT_EQ(svc.kind, "");
}

// A small RDP server: answers each X.224 Connection Request as `nla` says
// (true: CredSSP selected when offered, TLS alone refused with
// HYBRID_REQUIRED_BY_SERVER; false: TLS selected), then runs a TLS 1.2-only
// handshake with a fresh self-signed certificate, as xrdp and Windows do.
class FakeRdpServer {
 public:
  explicit FakeRdpServer(bool nla)
      : ctx_(SSL_CTX_new(TLS_server_method())),
        server_([this, nla](int c) { Serve(c, nla); }) {
    EVP_PKEY* key = EVP_RSA_gen(2048);
    X509* cert = X509_new();
    ASN1_INTEGER_set(X509_get_serialNumber(cert), 1);
    X509_gmtime_adj(X509_getm_notBefore(cert), -3600);
    X509_gmtime_adj(X509_getm_notAfter(cert), 3600L * 24 * 3650);
    X509_NAME_add_entry_by_txt(X509_get_subject_name(cert), "CN", MBSTRING_ASC,
                               reinterpret_cast<const unsigned char*>("rdp"),
                               -1, -1, 0);
    X509_set_issuer_name(cert, X509_get_subject_name(cert));
    X509_set_pubkey(cert, key);
    X509_sign(cert, key, EVP_sha256());
    SSL_CTX_use_certificate(ctx_, cert);
    SSL_CTX_use_PrivateKey(ctx_, key);
    SSL_CTX_set_min_proto_version(ctx_, TLS1_2_VERSION);
    SSL_CTX_set_max_proto_version(ctx_, TLS1_2_VERSION);
    X509_free(cert);
    EVP_PKEY_free(key);
  }
  ~FakeRdpServer() { SSL_CTX_free(ctx_); }
  uint32_t port() const { return server_.port(); }

 private:
  void Serve(int c, bool nla) {
    std::string req;
    char buf[64];
    while (req.size() < 19) {
      const ssize_t n = ::recv(c, buf, sizeof buf, 0);
      if (n <= 0) return;
      req.append(buf, static_cast<size_t>(n));
      // Anything but a TPKT (version 3) header is dropped at once, as
      // Windows' TermService and xrdp do with a ClientHello or a GET.
      if (req[0] != '\x03') return;
    }
    const auto requested = static_cast<uint8_t>(req[15]);
    const bool hybrid = (requested & kRdpProtocolHybrid) != 0;
    std::string cc = {'\x03', '\x00', '\x00', '\x13', '\x0e', '\xd0',
                      '\x00', '\x00', '\x12', '\x34', '\x00'};
    if (nla && !hybrid) {
      cc += {'\x03', '\x00', '\x08', '\x00', '\x05', '\x00', '\x00', '\x00'};
      ::send(c, cc.data(), cc.size(), MSG_NOSIGNAL);
      return;
    }
    cc += {'\x02', '\x00', '\x08', '\x00', nla ? '\x02' : '\x01',
           '\x00', '\x00', '\x00'};
    ::send(c, cc.data(), cc.size(), MSG_NOSIGNAL);
    SSL* ssl = SSL_new(ctx_);
    SSL_set_fd(ssl, c);
    if (SSL_accept(ssl) == 1) {
      while (SSL_read(ssl, buf, sizeof buf) > 0) {
      }
    }
    SSL_free(ssl);
  }

  SSL_CTX* ctx_;
  LoopbackServer server_;
};

ExposedService ProbeAs(uint32_t port, const std::string& process) {
  ExposedService svc;
  svc.protocol = "tcp";
  svc.address = "127.0.0.1";
  svc.port = port;
  svc.loopback_only = true;
  svc.process = process;
  ProbeService(&svc, ProbeLimits{}, At(1796616000),
               std::chrono::steady_clock::now() + std::chrono::seconds(5));
  return svc;
}

ExposedService ProbeAsXrdp(uint32_t port) { return ProbeAs(port, "xrdp"); }

TEST(ProbeService, RdpWithNlaHasItsTlsExamined) {
  FakeRdpServer rdp(/*nla=*/true);
  const ExposedService svc = ProbeAsXrdp(rdp.port());
  EXPECT_EQ(svc.probe_state, "ok") << svc.probe_message;
  EXPECT_EQ(svc.kind, "rdp");
  ASSERT_TRUE(svc.rdp.has_value());
  EXPECT_EQ(svc.rdp->negotiated_protocol, "hybrid");
  EXPECT_EQ(svc.rdp->nla_required, std::optional<bool>(true));
  ASSERT_TRUE(svc.tls.has_value()) << svc.probe_message;
  EXPECT_EQ(svc.tls->tls1_0, std::optional<bool>(false));
  EXPECT_EQ(svc.tls->tls1_1, std::optional<bool>(false));
  EXPECT_EQ(svc.tls->tls1_2, std::optional<bool>(true));
  EXPECT_EQ(svc.tls->tls1_3, std::optional<bool>(false));
  EXPECT_EQ(svc.tls->negotiated_version, "TLSv1.2");
  EXPECT_TRUE(svc.tls->certificate.self_signed);
  EXPECT_EQ(svc.tls->certificate.key_bits, 2048u);
}

TEST(ProbeService, RdpWithoutNlaSaysSo) {
  FakeRdpServer rdp(/*nla=*/false);
  const ExposedService svc = ProbeAsXrdp(rdp.port());
  EXPECT_EQ(svc.kind, "rdp") << svc.probe_message;
  ASSERT_TRUE(svc.rdp.has_value());
  EXPECT_EQ(svc.rdp->negotiated_protocol, "ssl");
  EXPECT_EQ(svc.rdp->nla_required, std::optional<bool>(false));
  ASSERT_TRUE(svc.tls.has_value()) << svc.probe_message;
  EXPECT_EQ(svc.tls->tls1_2, std::optional<bool>(true));
}

// Windows' RDP moved off 3389 is owned by svchost.exe, which names no
// RDP server: it drops the ClientHello and the GET, and the X.224 request
// that follows them finds it (it was reported "not TLS", kind other).
TEST(ProbeService, RdpOnAnotherPortOwnedBySvchostIsFound) {
  for (bool nla : {true, false}) {
    SCOPED_TRACE(nla ? "NLA" : "no NLA");
    FakeRdpServer rdp(nla);
    ASSERT_NE(rdp.port(), 3389u);
    const ExposedService svc = ProbeAs(rdp.port(), "svchost.exe");
    EXPECT_EQ(svc.probe_state, "ok") << svc.probe_message;
    EXPECT_EQ(svc.kind, "rdp") << svc.probe_message;
    ASSERT_TRUE(svc.rdp.has_value());
    EXPECT_EQ(svc.rdp->negotiated_protocol, nla ? "hybrid" : "ssl");
    EXPECT_EQ(svc.rdp->nla_required, std::optional<bool>(nla));
    ASSERT_TRUE(svc.tls.has_value()) << svc.probe_message;
    EXPECT_EQ(svc.tls->tls1_2, std::optional<bool>(true));
    EXPECT_EQ(svc.tls->tls1_0, std::optional<bool>(false));
    EXPECT_FALSE(svc.http.has_value());
  }
}

TEST(ProbeService, RdpLikeButNotRdpIsProbedAsUsual) {
  LoopbackServer http(LoopbackServer::Answering([](const std::string&) {
    return std::string(
        "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok");
  }));
  const ExposedService svc = ProbeAsXrdp(http.port());
  EXPECT_EQ(svc.kind, "http") << svc.probe_message;
  EXPECT_FALSE(svc.rdp.has_value());
}

TEST(ProbeService, PlainHttpWithLoginPage) {
  std::atomic<int> requests_with_credentials{0};
  LoopbackServer http([&](int c) {
    std::string req;
    char buf[4096];
    while (req.find("\r\n\r\n") == std::string::npos) {
      const ssize_t n = ::recv(c, buf, sizeof buf, 0);
      if (n <= 0) return;
      req.append(buf, static_cast<size_t>(n));
    }
    if (req.find("Authorization") != std::string::npos)
      ++requests_with_credentials;
    std::string resp;
    if (req.rfind("GET /admin/ ", 0) == 0) {
      resp =
          "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n<form>"
          "<input type=\"password\" name=\"pw\"></form>";
    } else if (req.rfind("GET / ", 0) == 0) {
      resp = "HTTP/1.1 200 OK\r\nServer: Apache/2.4.57 (Debian)\r\n\r\nhello";
    } else {
      resp = "HTTP/1.1 404 Not Found\r\n\r\n";
    }
    ::send(c, resp.data(), resp.size(), 0);
  });
  const ExposedService svc = ProbeOne(http.port());
  EXPECT_EQ(svc.kind, "http") << svc.probe_message;
  ASSERT_TRUE(svc.http.has_value());
  EXPECT_EQ(svc.http->server, "Apache/2.4.57 (Debian)");
  EXPECT_TRUE(svc.http->version_disclosed);
  EXPECT_FALSE(svc.http->frame_protection);
  EXPECT_EQ(svc.http->admin_paths, std::vector<std::string>{"/admin/"});
  EXPECT_EQ(requests_with_credentials, 0);
}

TEST(ProbeServices, BudgetSkipsAndWildcardTwinsAreProbedOnce) {
  LoopbackServer echo([](int c) {
    char buf[256];
    ssize_t n;
    while ((n = ::recv(c, buf, sizeof buf, 0)) > 0)
      ::send(c, buf, static_cast<size_t>(n), 0);
  });
  std::vector<ExposedService> services = {
      Listener("127.0.0.1", echo.port(), 7)};
  ProbeLimits none;
  none.total = std::chrono::milliseconds(0);
  ProbeServices(&services, none, SystemClock::Instance());
  EXPECT_EQ(services[0].probe_state, "skipped");
  EXPECT_NE(services[0].probe_message.find("time budget"), std::string::npos);
}

TEST(ProbeOrReuse, CachesACompleteRunAndNotAnIncompleteOne) {
  LoopbackServer echo([](int c) {
    char buf[256];
    ssize_t n;
    while ((n = ::recv(c, buf, sizeof buf, 0)) > 0)
      ::send(c, buf, static_cast<size_t>(n), 0);
  });
  const fs::path dir = fs::temp_directory_path() /
                       ("mamori-exposure-run-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  FakeClock clock(At(1796616000));
  GatherContext ctx = LiveContext(&clock);
  ctx.state_dir = dir.string();
  const std::vector<ExposedService> listeners = {
      Listener("127.0.0.1", echo.port(), 7), Listener("127.0.0.1", 9, 8)};
  ProbeLimits none;
  none.total = std::chrono::milliseconds(0);
  ServiceExposureFacts f = ProbeOrReuse(listeners, ctx, none, nullptr);
  EXPECT_FALSE(f.from_cache);
  EXPECT_FALSE(fs::exists(ServiceExposureCachePath(dir.string())));
  ASSERT_EQ(f.evidence.size(), 1u);
  EXPECT_NE(f.evidence[0].find("not cached"), std::string::npos);

  int attached = 0;
  f = ProbeOrReuse({listeners[0]}, ctx, ProbeLimits{},
                   [&](std::vector<ExposedService>*) { ++attached; });
  EXPECT_FALSE(f.from_cache);
  ASSERT_EQ(f.services.size(), 1u);
  EXPECT_EQ(f.services[0].kind, "other");
  EXPECT_TRUE(fs::exists(ServiceExposureCachePath(dir.string())));
  clock.Advance(std::chrono::hours(23));
  f = ProbeOrReuse({listeners[0]}, ctx, ProbeLimits{},
                   [&](std::vector<ExposedService>*) { ++attached; });
  EXPECT_TRUE(f.from_cache);
  EXPECT_EQ(f.services[0].kind, "other");
  EXPECT_EQ(attached, 1);  // the package lookup runs only with the probes
  fs::remove_all(dir);
}

}  // namespace
}  // namespace mamori::facts
