// Winsock implementation of the probe socket seam: a non-blocking connect
// with WSAPoll so each step keeps its deadline. WSAStartup is called once per
// process (reference-counted by Winsock; never undone while probing).
#include "agent/facts/probe_socket.h"

// clang-format off
#include <winsock2.h>
#include <ws2tcpip.h>
#include <windows.h>
// clang-format on

#include <algorithm>
#include <mutex>

#include "common/text.h"

namespace mamori::facts {

namespace {

Status WinsockReady() {
  static std::once_flag once;
  static int rc = 0;
  std::call_once(once, [] {
    WSADATA data;
    rc = WSAStartup(MAKEWORD(2, 2), &data);
  });
  if (rc != 0) return InternalError("WSAStartup failed: " + std::to_string(rc));
  return Status();
}

int MillisLeft(ProbeDeadline deadline) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      deadline - std::chrono::steady_clock::now());
  return left.count() <= 0 ? 0 : static_cast<int>(left.count());
}

std::string WsaText(const char* what) {
  return std::string(what) + ": Winsock error " +
         std::to_string(WSAGetLastError());
}

Status WaitFor(SOCKET s, short events, ProbeDeadline deadline,
               const char* what) {
  WSAPOLLFD p{};
  p.fd = s;
  p.events = events;
  const int n = WSAPoll(&p, 1, MillisLeft(deadline));
  if (n > 0) return Status();
  if (n == 0) return DeadlineExceededError(std::string(what) + " timed out");
  return InternalError(WsaText("WSAPoll"));
}

class WinsockProbeSocket final : public ProbeSocket {
 public:
  explicit WinsockProbeSocket(SOCKET s) : s_(s) {}
  ~WinsockProbeSocket() override { closesocket(s_); }

  Status Send(std::string_view bytes, ProbeDeadline deadline) override {
    while (!bytes.empty()) {
      const int chunk =
          static_cast<int>(std::min<size_t>(bytes.size(), 1 << 20));
      const int n = send(s_, bytes.data(), chunk, 0);
      if (n > 0) {
        bytes.remove_prefix(static_cast<size_t>(n));
        continue;
      }
      if (n == SOCKET_ERROR && WSAGetLastError() == WSAEWOULDBLOCK) {
        Status waited = WaitFor(s_, POLLWRNORM, deadline, "send");
        if (!waited.ok()) return waited;
        continue;
      }
      return UnavailableError(WsaText("send"));
    }
    return Status();
  }

  Status ReceiveSome(std::string* out, size_t max_bytes,
                     ProbeDeadline deadline) override {
    char buf[8192];
    for (;;) {
      const int n =
          recv(s_, buf, static_cast<int>(std::min(sizeof buf, max_bytes)), 0);
      if (n >= 0) {
        out->append(buf, static_cast<size_t>(n));
        return Status();
      }
      if (WSAGetLastError() == WSAEWOULDBLOCK) {
        Status waited = WaitFor(s_, POLLRDNORM, deadline, "receive");
        if (!waited.ok()) return waited;
        continue;
      }
      return UnavailableError(WsaText("receive"));
    }
  }

  intptr_t NativeHandleForTls(std::chrono::milliseconds io_timeout) override {
    u_long blocking = 0;
    ioctlsocket(s_, FIONBIO, &blocking);
    const DWORD ms = static_cast<DWORD>(io_timeout.count());
    setsockopt(s_, SOL_SOCKET, SO_RCVTIMEO, reinterpret_cast<const char*>(&ms),
               sizeof ms);
    setsockopt(s_, SOL_SOCKET, SO_SNDTIMEO, reinterpret_cast<const char*>(&ms),
               sizeof ms);
    return static_cast<intptr_t>(s_);
  }

 private:
  SOCKET s_;
};

}  // namespace

Result<std::unique_ptr<ProbeSocket>> ConnectProbeSocket(
    std::string_view address, uint32_t port, ProbeDeadline deadline) {
  Status ready = WinsockReady();
  if (!ready.ok()) return ready;
  if (port == 0 || port > 65535) {
    return InvalidArgumentError("port " + std::to_string(port) +
                                " outside 1..65535");
  }
  const std::string addr(address);
  sockaddr_storage ss{};
  int len = 0;
  int family = AF_INET;
  auto* v4 = reinterpret_cast<sockaddr_in*>(&ss);
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&ss);
  if (inet_pton(AF_INET, addr.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(static_cast<u_short>(port));
    len = sizeof *v4;
  } else if (inet_pton(AF_INET6, addr.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(static_cast<u_short>(port));
    family = AF_INET6;
    len = sizeof *v6;
  } else {
    return InvalidArgumentError("not an IP address: \"" + SanitizeUtf8(addr) +
                                "\"");
  }
  const SOCKET s = socket(family, SOCK_STREAM, IPPROTO_TCP);
  if (s == INVALID_SOCKET) return InternalError(WsaText("socket"));
  auto sock = std::make_unique<WinsockProbeSocket>(s);
  u_long nonblocking = 1;
  ioctlsocket(s, FIONBIO, &nonblocking);
  const BOOL one = TRUE;
  setsockopt(s, IPPROTO_TCP, TCP_NODELAY, reinterpret_cast<const char*>(&one),
             sizeof one);
  const std::string where = addr + " port " + std::to_string(port);
  if (connect(s, reinterpret_cast<sockaddr*>(&ss), len) == SOCKET_ERROR) {
    if (WSAGetLastError() != WSAEWOULDBLOCK) {
      return UnavailableError("connect to " + where + ": " +
                              WsaText("connect"));
    }
    // A refused connect shows as POLLERR/POLLHUP, i.e. "ready".
    Status waited = WaitFor(s, POLLWRNORM, deadline, "connect");
    if (!waited.ok())
      return DeadlineExceededError("connect to " + where + " timed out");
    int err = 0;
    int err_len = sizeof err;
    getsockopt(s, SOL_SOCKET, SO_ERROR, reinterpret_cast<char*>(&err),
               &err_len);
    if (err != 0) {
      return UnavailableError("connect to " + where + ": Winsock error " +
                              std::to_string(err));
    }
  }
  return std::unique_ptr<ProbeSocket>(std::move(sock));
}

}  // namespace mamori::facts
