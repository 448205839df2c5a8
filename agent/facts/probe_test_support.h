#pragma once

// Test helpers for the service_exposure probes (test code only): probing a
// port of 127.0.0.1 with the default limits, and, on POSIX, a loopback
// server on port 0 that hands each connection to a callback on its own
// thread. The Windows tests have their own Winsock server.

#include <chrono>
#include <cstdint>

#include "agent/facts/service_probe.h"

#ifndef _WIN32
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>
#endif

namespace mamori::facts::testing {

// Probes 127.0.0.1:`port` as a loopback-only listener, with the default
// limits and a 5 s budget, at 2026-12-07T00:00:00Z.
inline ExposedService ProbeLoopbackPort(uint32_t port) {
  ExposedService svc;
  svc.protocol = "tcp";
  svc.address = "127.0.0.1";
  svc.port = port;
  svc.loopback_only = true;
  ProbeService(&svc, ProbeLimits{}, TimePoint(std::chrono::seconds(1796616000)),
               std::chrono::steady_clock::now() + std::chrono::seconds(5));
  return svc;
}

#ifndef _WIN32
// Accepts connections on 127.0.0.1 port 0; `serve` gets each connected fd
// on its own thread (closed after it returns). The destructor stops
// accepting and joins every connection's thread.
class LoopbackServer {
 public:
  explicit LoopbackServer(std::function<void(int)> serve)
      : serve_(std::move(serve)) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    // A test server on loopback port 0: a failure here shows as port 0 and
    // the test's connection then fails with a clear message.
    if (::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
        ::listen(fd_, 16) != 0) {
      a.sin_port = 0;
    }
    socklen_t len = sizeof a;
    if (::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
      a.sin_port = 0;
    }
    port_ = ntohs(a.sin_port);
    thread_ = std::thread([this] {
      for (;;) {
        const int c = ::accept(fd_, nullptr, nullptr);
        if (c < 0 || stop_) {
          if (c >= 0) ::close(c);
          return;
        }
        std::lock_guard<std::mutex> lock(mu_);
        connections_.emplace_back([this, c] {
          serve_(c);
          ::close(c);
        });
      }
    });
  }
  ~LoopbackServer() {
    stop_ = true;
    ::shutdown(fd_, SHUT_RDWR);
    ::close(fd_);
    thread_.join();
    // Every connection ends when the prober closes its side.
    std::lock_guard<std::mutex> lock(mu_);
    for (std::thread& t : connections_) t.join();
  }
  uint32_t port() const { return port_; }

  // A `serve` callback that answers the first bytes received with
  // `answer(bytes)`.
  static std::function<void(int)> Answering(
      std::function<std::string(const std::string&)> answer) {
    return [answer = std::move(answer)](int c) {
      char buf[4096];
      const ssize_t n = ::recv(c, buf, sizeof buf, 0);
      if (n <= 0) return;
      const std::string reply =
          answer(std::string(buf, static_cast<size_t>(n)));
      ::send(c, reply.data(), reply.size(), MSG_NOSIGNAL);
    };
  }

 private:
  std::function<void(int)> serve_;
  int fd_ = -1;
  uint32_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::mutex mu_;
  std::vector<std::thread> connections_;
  std::thread thread_;
};
#endif

}  // namespace mamori::facts::testing
