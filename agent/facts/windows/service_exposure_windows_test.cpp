// service_exposure on Windows (under Wine here): the TCP listener table and
// the Winsock probe seam against a small HTTP server and a TLS-speaking one
// in this process. The gatherer itself is not called: it would probe every
// listener of the machine running the test.
#include <gtest/gtest.h>

// clang-format off
#include <winsock2.h>
#include <ws2tcpip.h>
#include <windows.h>
// clang-format on

#include <functional>
#include <thread>

#include "agent/facts/probe_test_support.h"
#include "agent/facts/windows/listening_sockets.h"
#include "agent/facts/windows/win_error.h"

namespace mamori::facts {
namespace {

// A loopback server on port 0 answering each connection's first bytes.
class WinsockServer {
 public:
  explicit WinsockServer(std::function<std::string(const std::string&)> answer)
      : answer_(std::move(answer)) {
    WSADATA data;
    WSAStartup(MAKEWORD(2, 2), &data);
    s_ = socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(bind(s_, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
    EXPECT_EQ(listen(s_, 16), 0);
    int len = sizeof a;
    getsockname(s_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    thread_ = std::thread([this] {
      for (;;) {
        SOCKET c = accept(s_, nullptr, nullptr);
        if (c == INVALID_SOCKET) return;
        char buf[4096];
        const int n = recv(c, buf, sizeof buf, 0);
        if (n > 0) {
          const std::string reply =
              answer_(std::string(buf, static_cast<size_t>(n)));
          send(c, reply.data(), static_cast<int>(reply.size()), 0);
        }
        shutdown(c, SD_BOTH);
        closesocket(c);
      }
    });
  }
  ~WinsockServer() {
    closesocket(s_);
    thread_.join();
  }
  uint32_t port() const { return port_; }

 private:
  std::function<std::string(const std::string&)> answer_;
  SOCKET s_ = INVALID_SOCKET;
  uint32_t port_ = 0;
  std::thread thread_;
};

ExposedService Probe(uint32_t port) { return testing::ProbeLoopbackPort(port); }

TEST(WindowsServiceExposure, ListenerTableShowsOurSocket) {
  WinsockServer server([](const std::string&) { return std::string(); });
  std::vector<ListeningSocket> sockets;
  const CollectionStatus s = win::ReadListeningSockets(false, &sockets);
  ASSERT_TRUE(s.ok()) << s.message;
  bool found = false;
  for (const ListeningSocket& l : sockets) {
    EXPECT_TRUE(l.protocol == "tcp" || l.protocol == "tcp6")
        << l.protocol;  // no UDP
    if (l.port == server.port() && l.address == "127.0.0.1") {
      found = true;
      EXPECT_TRUE(l.loopback_only);
      if (win::RunningUnderWine()) {
        // Wine 8 gives owning PID 0 for every listener, its own processes'
        // too: the owner is unknown there (service_exposure.cpp).
        EXPECT_EQ(l.pid, 0u);
      } else {
        EXPECT_EQ(l.pid, GetCurrentProcessId());
        EXPECT_EQ(l.process, "mamori_facts_windows_test.exe");
      }
    }
  }
  EXPECT_TRUE(found) << "port " << server.port() << " not in the TCP table";
}

TEST(WindowsServiceExposure, HttpServiceThroughWinsock) {
  WinsockServer http([](const std::string& in) {
    return in.rfind("GET / ", 0) == 0
               ? std::string(
                     "HTTP/1.1 200 OK\r\nServer: Microsoft-IIS/10.0\r\n"
                     "X-Powered-By: ASP.NET\r\n\r\n")
               : std::string(
                     "HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: "
                     "NTLM\r\n\r\n");
  });
  const ExposedService svc = Probe(http.port());
  EXPECT_EQ(svc.probe_state, "ok") << svc.probe_message;
  EXPECT_EQ(svc.kind, "http");
  ASSERT_TRUE(svc.http.has_value());
  EXPECT_TRUE(svc.http->version_disclosed);
  EXPECT_TRUE(svc.http->ntlm_offered);  // on the protected paths
  EXPECT_EQ(svc.http->admin_paths.size(), AdminPaths().size());
}

TEST(WindowsServiceExposure, TlsServiceWithoutOpenSslIsNotGuessed) {
  WinsockServer tls([](const std::string& in) {
    return in.size() > 5 && in[0] == '\x16'
               ? std::string("\x15\x03\x03\x00\x02\x02\x28", 7)
               : std::string();
  });
  const ExposedService svc = Probe(tls.port());
#ifdef MAMORI_EXPOSURE_TLS
  // With OpenSSL the handshake is refused by the alert: not TLS-accepting.
  EXPECT_NE(svc.kind, "https");
#else
  EXPECT_EQ(svc.kind, "tls");
  EXPECT_EQ(svc.probe_state, "error");
  EXPECT_NE(svc.probe_message.find("no OpenSSL"), std::string::npos)
      << svc.probe_message;
#endif
}

TEST(WindowsServiceExposure, ClosedPortIsRefused) {
  uint32_t port;
  {
    WinsockServer gone([](const std::string&) { return std::string(); });
    port = gone.port();
  }
  const ExposedService svc = Probe(port);
  EXPECT_EQ(svc.probe_state, "refused") << svc.probe_message;
}

}  // namespace
}  // namespace mamori::facts
