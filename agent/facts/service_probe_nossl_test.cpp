// The probes as the mingw build links them today (service_tls_unavailable.cpp,
// no OpenSSL): a TLS service is recognised from a raw ClientHello and said to
// be TLS with probe_state "error" (unknown to the checks), never guessed as
// "other" and never given versions; plain HTTP is still examined.
#include <gtest/gtest.h>

#include "agent/facts/probe_test_support.h"

namespace mamori::facts {
namespace {

using testing::LoopbackServer;

ExposedService Probe(uint32_t port) { return testing::ProbeLoopbackPort(port); }

TEST(ProbeWithoutOpenSsl, TlsServiceIsTlsAndUnexamined) {
  LoopbackServer tls(LoopbackServer::Answering([](const std::string& in) {
    // A TLS server refusing our suites: a handshake_failure alert.
    return in.size() > 5 && in[0] == '\x16'
               ? std::string("\x15\x03\x03\x00\x02\x02\x28", 7)
               : std::string();
  }));
  const ExposedService svc = Probe(tls.port());
  EXPECT_EQ(svc.kind, "tls");
  EXPECT_EQ(svc.probe_state, "error");
  EXPECT_NE(svc.probe_message.find("no OpenSSL"), std::string::npos)
      << svc.probe_message;
  EXPECT_FALSE(svc.tls.has_value());
}

TEST(ProbeWithoutOpenSsl, PlainHttpIsStillExamined) {
  LoopbackServer http(LoopbackServer::Answering([](const std::string& in) {
    return in.rfind("GET / ", 0) == 0
               ? std::string(
                     "HTTP/1.1 200 OK\r\nServer: Microsoft-IIS/10.0\r\n\r\n")
               : std::string("HTTP/1.1 404 Not Found\r\n\r\n");
  }));
  const ExposedService svc = Probe(http.port());
  EXPECT_EQ(svc.kind, "http") << svc.probe_message;
  EXPECT_EQ(svc.probe_state, "ok");
  ASSERT_TRUE(svc.http.has_value());
  EXPECT_TRUE(svc.http->version_disclosed);
}

}  // namespace
}  // namespace mamori::facts
