// POSIX implementation of the probe socket seam: a non-blocking connect with
// poll() so each step keeps its deadline.
#include "agent/facts/probe_socket.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/x509_vfy.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "common/text.h"

namespace mamori::facts {

namespace {

int MillisLeft(ProbeDeadline deadline) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      deadline - std::chrono::steady_clock::now());
  return left.count() <= 0 ? 0 : static_cast<int>(left.count());
}

// Waits until `fd` is ready for `events` or the deadline passes.
Status WaitFor(int fd, short events, ProbeDeadline deadline, const char* what) {
  for (;;) {
    pollfd p{fd, events, 0};
    const int n = ::poll(&p, 1, MillisLeft(deadline));
    if (n > 0) return Status();
    if (n == 0) return DeadlineExceededError(std::string(what) + " timed out");
    if (errno != EINTR) {
      return InternalError(std::string("poll: ") + std::strerror(errno));
    }
  }
}

class PosixProbeSocket final : public ProbeSocket {
 public:
  explicit PosixProbeSocket(int fd) : fd_(fd) {}
  ~PosixProbeSocket() override { ::close(fd_); }

  Status Send(std::string_view bytes, ProbeDeadline deadline) override {
    while (!bytes.empty()) {
      const ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
      if (n > 0) {
        bytes.remove_prefix(static_cast<size_t>(n));
        continue;
      }
      if (n < 0 &&
          (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
        Status waited = WaitFor(fd_, POLLOUT, deadline, "send");
        if (!waited.ok()) return waited;
        continue;
      }
      return UnavailableError(std::string("send: ") + std::strerror(errno));
    }
    return Status();
  }

  Status ReceiveSome(std::string* out, size_t max_bytes,
                     ProbeDeadline deadline) override {
    char buf[8192];
    for (;;) {
      const ssize_t n = ::recv(fd_, buf, std::min(sizeof buf, max_bytes), 0);
      if (n >= 0) {
        out->append(buf, static_cast<size_t>(n));
        return Status();
      }
      if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) {
        Status waited = WaitFor(fd_, POLLIN, deadline, "receive");
        if (!waited.ok()) return waited;
        continue;
      }
      return UnavailableError(std::string("receive: ") + std::strerror(errno));
    }
  }

  intptr_t NativeHandleForTls(std::chrono::milliseconds io_timeout) override {
    const int flags = ::fcntl(fd_, F_GETFL, 0);
    ::fcntl(fd_, F_SETFL, flags & ~O_NONBLOCK);
    timeval tv{};
    tv.tv_sec = io_timeout.count() / 1000;
    tv.tv_usec = static_cast<suseconds_t>((io_timeout.count() % 1000) * 1000);
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    ::setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    return fd_;
  }

 private:
  int fd_;
};

}  // namespace

Result<std::unique_ptr<ProbeSocket>> ConnectProbeSocket(
    std::string_view address, uint32_t port, ProbeDeadline deadline) {
  const std::string addr(address);
  sockaddr_storage ss{};
  socklen_t len = 0;
  int family = AF_INET;
  if (auto* v4 = reinterpret_cast<sockaddr_in*>(&ss);
      ::inet_pton(AF_INET, addr.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(static_cast<uint16_t>(port));
    len = sizeof *v4;
  } else if (auto* v6 = reinterpret_cast<sockaddr_in6*>(&ss);
             ::inet_pton(AF_INET6, addr.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(static_cast<uint16_t>(port));
    family = AF_INET6;
    len = sizeof *v6;
  } else {
    return InvalidArgumentError("not an IP address: \"" + SanitizeUtf8(addr) +
                                "\"");
  }
  if (port == 0 || port > 65535) {
    return InvalidArgumentError("port " + std::to_string(port) +
                                " outside 1..65535");
  }
  const int fd =
      ::socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return InternalError(std::string("socket: ") + std::strerror(errno));
  auto sock = std::make_unique<PosixProbeSocket>(fd);
  const int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  const std::string where = addr + " port " + std::to_string(port);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&ss), len) != 0) {
    if (errno != EINPROGRESS) {
      return UnavailableError("connect to " + where + ": " +
                              std::strerror(errno));
    }
    Status waited = WaitFor(fd, POLLOUT, deadline, "connect");
    if (!waited.ok())
      return DeadlineExceededError("connect to " + where + " timed out");
    int err = 0;
    socklen_t err_len = sizeof err;
    ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &err_len);
    if (err != 0) {
      return UnavailableError("connect to " + where + ": " +
                              std::strerror(err));
    }
  }
  return std::unique_ptr<ProbeSocket>(std::move(sock));
}

bool LoadSystemTrustStore(x509_store_st* store) {
  // The distribution's bundle (/etc/ssl/certs on Debian, the pki tree on
  // RHEL): what curl and every OpenSSL client on the host trust.
  return X509_STORE_set_default_paths(store) == 1;
}

}  // namespace mamori::facts
