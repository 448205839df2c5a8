// The probes as the mingw build links them today (service_tls_unavailable.cpp,
// no OpenSSL): a TLS service is recognised from a raw ClientHello and said to
// be TLS with probe_state "error" (unknown to the checks), never guessed as
// "other" and never given versions; plain HTTP is still examined.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <functional>
#include <thread>

#include "agent/facts/service_probe.h"

namespace mamori::facts {
namespace {

// Accepts one connection at a time on loopback port 0; `answer` maps the
// first bytes received to the reply.
class OneShotServer {
 public:
  explicit OneShotServer(std::function<std::string(const std::string&)> answer)
      : answer_(std::move(answer)) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
    EXPECT_EQ(::listen(fd_, 16), 0);
    socklen_t len = sizeof a;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    thread_ = std::thread([this] {
      for (;;) {
        const int c = ::accept(fd_, nullptr, nullptr);
        if (c < 0) return;
        char buf[4096];
        const ssize_t n = ::recv(c, buf, sizeof buf, 0);
        if (n > 0) {
          const std::string reply =
              answer_(std::string(buf, static_cast<size_t>(n)));
          ::send(c, reply.data(), reply.size(), MSG_NOSIGNAL);
        }
        ::close(c);
      }
    });
  }
  ~OneShotServer() {
    ::shutdown(fd_, SHUT_RDWR);
    ::close(fd_);
    thread_.join();
  }
  uint32_t port() const { return port_; }

 private:
  std::function<std::string(const std::string&)> answer_;
  int fd_ = -1;
  uint32_t port_ = 0;
  std::thread thread_;
};

ExposedService Probe(uint32_t port) {
  ExposedService svc;
  svc.protocol = "tcp";
  svc.address = "127.0.0.1";
  svc.port = port;
  svc.loopback_only = true;
  ProbeService(&svc, ProbeLimits{}, TimePoint(std::chrono::seconds(1796616000)),
               std::chrono::steady_clock::now() + std::chrono::seconds(5));
  return svc;
}

TEST(ProbeWithoutOpenSsl, TlsServiceIsTlsAndUnexamined) {
  OneShotServer tls([](const std::string& in) {
    // A TLS server refusing our suites: a handshake_failure alert.
    return in.size() > 5 && in[0] == '\x16'
               ? std::string("\x15\x03\x03\x00\x02\x02\x28", 7)
               : std::string();
  });
  const ExposedService svc = Probe(tls.port());
  EXPECT_EQ(svc.kind, "tls");
  EXPECT_EQ(svc.probe_state, "error");
  EXPECT_NE(svc.probe_message.find("no OpenSSL"), std::string::npos)
      << svc.probe_message;
  EXPECT_FALSE(svc.tls.has_value());
}

TEST(ProbeWithoutOpenSsl, PlainHttpIsStillExamined) {
  OneShotServer http([](const std::string& in) {
    return in.rfind("GET / ", 0) == 0
               ? std::string(
                     "HTTP/1.1 200 OK\r\nServer: Microsoft-IIS/10.0\r\n\r\n")
               : std::string("HTTP/1.1 404 Not Found\r\n\r\n");
  });
  const ExposedService svc = Probe(http.port());
  EXPECT_EQ(svc.kind, "http") << svc.probe_message;
  EXPECT_EQ(svc.probe_state, "ok");
  ASSERT_TRUE(svc.http.has_value());
  EXPECT_TRUE(svc.http->version_disclosed);
}

}  // namespace
}  // namespace mamori::facts
