#include "collector/service/peer_listener.h"

#include <arpa/inet.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sock_diag.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <utility>

#include "common/log.h"
#include "common/text.h"

namespace mamori::service {
namespace {

// How often a peer at its limit may make the listener ask the kernel which
// connections are still open: bounds what a peer hammering the port costs
// (one netlink dump of the port's sockets per interval at most) while a
// slot freed by a closed connection is seen within this delay.
constexpr std::chrono::milliseconds kMinRecountInterval{50};
// Forgets peers whose connections all closed, even when no peer reaches its
// limit, so the table does not keep every address ever seen.
constexpr int kIdleRecountMs = 30'000;

std::string Errno(int error) { return std::strerror(error); }

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }
  int release() { return std::exchange(fd_, -1); }

 private:
  int fd_;
};

// One dump request: all TCP sockets of `family` in ESTABLISHED or CLOSE_WAIT
// whose local port is `port`, the port filtered by the kernel (bytecode
// "sport >= port && sport <= port": a jump past the end plus 4 rejects).
struct DumpRequest {
  nlmsghdr header;
  inet_diag_req_v2 request;
  rtattr filter_header;
  inet_diag_bc_op filter[4];
};

DumpRequest MakeDumpRequest(int family, int port, uint32_t sequence) {
  DumpRequest message;
  std::memset(&message, 0, sizeof(message));
  message.header.nlmsg_len = sizeof(message);
  message.header.nlmsg_type = SOCK_DIAG_BY_FAMILY;
  message.header.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
  message.header.nlmsg_seq = sequence;
  message.request.sdiag_family = static_cast<uint8_t>(family);
  message.request.sdiag_protocol = IPPROTO_TCP;
  message.request.idiag_states =
      (1u << TCP_ESTABLISHED) | (1u << TCP_CLOSE_WAIT);
  message.filter_header.rta_type = INET_DIAG_REQ_BYTECODE;
  message.filter_header.rta_len = RTA_LENGTH(sizeof(message.filter));
  const auto port_value = static_cast<unsigned short>(port);
  message.filter[0] = {INET_DIAG_BC_S_GE, 8,
                       static_cast<unsigned short>(sizeof(message.filter) + 4)};
  message.filter[1] = {0, 0, port_value};
  message.filter[2] = {INET_DIAG_BC_S_LE, 8, 8 + 4};
  message.filter[3] = {0, 0, port_value};
  return message;
}

uint64_t CookieOf(const inet_diag_sockid& id) {
  return (static_cast<uint64_t>(id.idiag_cookie[1]) << 32) | id.idiag_cookie[0];
}

Result<uint64_t> SocketCookie(int fd) {
  uint64_t cookie = 0;
  socklen_t size = sizeof(cookie);
  if (getsockopt(fd, SOL_SOCKET, SO_COOKIE, &cookie, &size) != 0) {
    return UnavailableError("SO_COOKIE: " + Errno(errno));
  }
  return cookie;
}

struct HostPort {
  std::string host;  // without brackets
  std::string port;
};

Result<HostPort> SplitAddress(const std::string& address) {
  const size_t colon = address.rfind(':');
  if (colon == std::string::npos) {
    return InvalidArgumentError("expected HOST:PORT, got '" + address + "'");
  }
  HostPort out{address.substr(0, colon), address.substr(colon + 1)};
  if (!out.host.empty() && out.host.front() == '[') {
    if (out.host.size() < 2 || out.host.back() != ']') {
      return InvalidArgumentError("unbalanced brackets in '" + address + "'");
    }
    out.host = out.host.substr(1, out.host.size() - 2);
  } else if (out.host.find(':') != std::string::npos) {
    return InvalidArgumentError("an IPv6 address needs brackets: '" + address +
                                "'");
  }
  const std::optional<int64_t> port = ParseInt64(out.port);
  if (!port || *port < 0 || *port > 65535) {
    return InvalidArgumentError("port must be 0 to 65535 in '" + address + "'");
  }
  return out;
}

void SetPort(sockaddr_storage* address, int port) {
  if (address->ss_family == AF_INET) {
    reinterpret_cast<sockaddr_in*>(address)->sin_port =
        htons(static_cast<uint16_t>(port));
  } else {
    reinterpret_cast<sockaddr_in6*>(address)->sin6_port =
        htons(static_cast<uint16_t>(port));
  }
}

// A listening socket on `address`; dual_stack lets an IPv6 wildcard accept
// IPv4 peers too. Returns the fd, or the errno of the step that failed.
Result<int> Listen(const sockaddr_storage& address, bool dual_stack) {
  Fd fd(
      socket(address.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (fd.get() < 0) return UnavailableError("socket: " + Errno(errno));
  const int on = 1;
  // As gRPC's own listener: reuse an address in TIME_WAIT after a restart,
  // low latency (accepted sockets inherit TCP_NODELAY). Not SO_REUSEPORT: a
  // second collector on the same port must fail, not share the traffic.
  if (setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) != 0 ||
      setsockopt(fd.get(), IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on)) != 0) {
    return UnavailableError("setsockopt: " + Errno(errno));
  }
  if (address.ss_family == AF_INET6) {
    const int v6_only = dual_stack ? 0 : 1;
    if (setsockopt(fd.get(), IPPROTO_IPV6, IPV6_V6ONLY, &v6_only,
                   sizeof(v6_only)) != 0) {
      return UnavailableError("IPV6_V6ONLY: " + Errno(errno));
    }
  }
  const socklen_t size =
      address.ss_family == AF_INET ? sizeof(sockaddr_in) : sizeof(sockaddr_in6);
  if (bind(fd.get(), reinterpret_cast<const sockaddr*>(&address), size) != 0) {
    return UnavailableError("bind: " + Errno(errno));
  }
  if (listen(fd.get(), SOMAXCONN) != 0) {
    return UnavailableError("listen: " + Errno(errno));
  }
  return fd.release();
}

int BoundPort(int fd) {
  sockaddr_storage bound{};
  socklen_t size = sizeof(bound);
  if (getsockname(fd, reinterpret_cast<sockaddr*>(&bound), &size) != 0) {
    return 0;
  }
  return ntohs(bound.ss_family == AF_INET
                   ? reinterpret_cast<sockaddr_in*>(&bound)->sin_port
                   : reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port);
}

// The addresses `host` stands for, as gRPC's listener reads them: a
// wildcard is one dual-stack IPv6 socket (or IPv4 where the system has no
// IPv6); anything else every address the name resolves to.
Result<std::vector<sockaddr_storage>> Resolve(const std::string& host,
                                              bool* wildcard) {
  std::vector<sockaddr_storage> out;
  *wildcard = host.empty() || host == "0.0.0.0" || host == "::";
  if (*wildcard) {
    sockaddr_storage any{};
    const int probe = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (probe >= 0) {
      close(probe);
      auto* v6 = reinterpret_cast<sockaddr_in6*>(&any);
      v6->sin6_family = AF_INET6;
      v6->sin6_addr = in6addr_any;
    } else {
      auto* v4 = reinterpret_cast<sockaddr_in*>(&any);
      v4->sin_family = AF_INET;
      v4->sin_addr.s_addr = htonl(INADDR_ANY);
    }
    out.push_back(any);
    return out;
  }
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE;
  addrinfo* found = nullptr;
  const int error = getaddrinfo(host.c_str(), nullptr, &hints, &found);
  if (error != 0) {
    return InvalidArgumentError("cannot resolve '" + host +
                                "': " + gai_strerror(error));
  }
  for (addrinfo* a = found; a != nullptr; a = a->ai_next) {
    if (a->ai_family != AF_INET && a->ai_family != AF_INET6) continue;
    sockaddr_storage address{};
    std::memcpy(&address, a->ai_addr,
                std::min<size_t>(a->ai_addrlen, sizeof(address)));
    const bool seen =
        std::any_of(out.begin(), out.end(), [&](const sockaddr_storage& o) {
          return SocketPeerAddress(o) == SocketPeerAddress(address);
        });
    if (!seen) out.push_back(address);
  }
  freeaddrinfo(found);
  if (out.empty()) {
    return InvalidArgumentError("'" + host + "' has no IPv4 or IPv6 address");
  }
  return out;
}

}  // namespace

bool ConnectionTable::Admit(const std::string& peer, uint64_t cookie) {
  std::vector<uint64_t>& open = by_peer_[peer];
  if (open.size() >= limit_) return false;
  open.push_back(cookie);
  return true;
}

void ConnectionTable::KeepOnly(const std::unordered_set<uint64_t>& open) {
  for (auto it = by_peer_.begin(); it != by_peer_.end();) {
    std::vector<uint64_t>& cookies = it->second;
    cookies.erase(std::remove_if(cookies.begin(), cookies.end(),
                                 [&](uint64_t c) { return !open.count(c); }),
                  cookies.end());
    it = cookies.empty() ? by_peer_.erase(it) : std::next(it);
  }
}

size_t ConnectionTable::Count(const std::string& peer) const {
  auto it = by_peer_.find(peer);
  return it == by_peer_.end() ? 0 : it->second.size();
}

Result<std::unordered_set<uint64_t>> OpenSocketCookies(int local_port) {
  Fd fd(socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_SOCK_DIAG));
  if (fd.get() < 0) {
    return UnavailableError("cannot open a sock_diag netlink socket: " +
                            Errno(errno));
  }
  std::unordered_set<uint64_t> cookies;
  uint32_t sequence = 0;
  for (int family : {AF_INET, AF_INET6}) {
    const DumpRequest message = MakeDumpRequest(family, local_port, ++sequence);
    sockaddr_nl kernel{};
    kernel.nl_family = AF_NETLINK;
    if (sendto(fd.get(), &message, sizeof(message), 0,
               reinterpret_cast<sockaddr*>(&kernel), sizeof(kernel)) < 0) {
      return UnavailableError("sock_diag request: " + Errno(errno));
    }
    alignas(nlmsghdr) char buffer[32 * 1024];
    bool done = false;
    while (!done) {
      const ssize_t n = recv(fd.get(), buffer, sizeof(buffer), 0);
      if (n < 0) {
        if (errno == EINTR) continue;
        return UnavailableError("sock_diag reply: " + Errno(errno));
      }
      if (n == 0) return UnavailableError("sock_diag reply: end of stream");
      size_t left = static_cast<size_t>(n);
      for (auto* h = reinterpret_cast<nlmsghdr*>(buffer); NLMSG_OK(h, left);
           h = NLMSG_NEXT(h, left)) {
        if (h->nlmsg_seq != sequence) continue;
        if (h->nlmsg_type == NLMSG_DONE) {
          done = true;
          break;
        }
        if (h->nlmsg_type == NLMSG_ERROR) {
          const auto* error = static_cast<const nlmsgerr*>(NLMSG_DATA(h));
          // No IPv6 in this kernel: no IPv6 sockets to count.
          if (family == AF_INET6 && error->error == -ENOENT) {
            done = true;
            break;
          }
          return UnavailableError("sock_diag for TCP: " + Errno(-error->error));
        }
        if (h->nlmsg_type != SOCK_DIAG_BY_FAMILY ||
            h->nlmsg_len < NLMSG_LENGTH(sizeof(inet_diag_msg))) {
          continue;
        }
        const auto* socket = static_cast<const inet_diag_msg*>(NLMSG_DATA(h));
        if (ntohs(socket->id.idiag_sport) != local_port) continue;
        cookies.insert(CookieOf(socket->id));
      }
    }
  }
  return cookies;
}

std::string SocketPeerAddress(const sockaddr_storage& address) {
  char text[INET6_ADDRSTRLEN] = {};
  if (address.ss_family == AF_INET) {
    const auto* v4 = reinterpret_cast<const sockaddr_in*>(&address);
    inet_ntop(AF_INET, &v4->sin_addr, text, sizeof(text));
    return text;
  }
  if (address.ss_family == AF_INET6) {
    const auto* v6 = reinterpret_cast<const sockaddr_in6*>(&address);
    if (IN6_IS_ADDR_V4MAPPED(&v6->sin6_addr)) {
      inet_ntop(AF_INET, &v6->sin6_addr.s6_addr[12], text, sizeof(text));
    } else {
      inet_ntop(AF_INET6, &v6->sin6_addr, text, sizeof(text));
    }
    return text;
  }
  return "unknown";
}

PeerListener::PeerListener(const Clock& clock, Options options)
    : options_(options),
      table_(std::max<size_t>(options.max_connections_per_peer, 1)),
      refusal_log_(clock, options.log_lines_per_minute) {}

PeerListener::~PeerListener() {
  Stop();
  for (int fd : listen_fds_) close(fd);
  if (wake_fd_ >= 0) close(wake_fd_);
}

Result<std::unique_ptr<PeerListener>> PeerListener::Open(
    const std::string& address, const Clock& clock, Options options) {
  Result<HostPort> split = SplitAddress(address);
  if (!split.ok()) return split.status();
  bool wildcard = false;
  Result<std::vector<sockaddr_storage>> addresses =
      Resolve(split->host, &wildcard);
  if (!addresses.ok()) return addresses.status();
  if (options.max_connections_per_peer > 0) {
    // Fail at start, not at the first peer over its limit.
    if (Result<std::unordered_set<uint64_t>> probe = OpenSocketCookies(0);
        !probe.ok()) {
      return UnavailableError(
          "per-peer connection limits need the kernel's TCP socket "
          "listing (sock_diag): " +
          probe.status().message() +
          " (--max-conns-per-peer 0 turns them off)");
    }
  }
  std::unique_ptr<PeerListener> listener(new PeerListener(clock, options));
  listener->port_ = static_cast<int>(*ParseInt64(split->port));
  std::string errors;
  for (sockaddr_storage& a : *addresses) {
    SetPort(&a, listener->port_);
    Result<int> fd = Listen(a, wildcard);
    if (!fd.ok()) {
      errors += (errors.empty() ? "" : "; ") + SocketPeerAddress(a) + ": " +
                fd.status().message();
      continue;
    }
    listener->listen_fds_.push_back(*fd);
    if (listener->port_ == 0) listener->port_ = BoundPort(*fd);
  }
  if (listener->listen_fds_.empty()) {
    return UnavailableError("cannot listen on " + address + " (" + errors +
                            ")");
  }
  if (options.max_connections_per_peer > 0) {
    if (Result<uint64_t> cookie = SocketCookie(listener->listen_fds_.front());
        !cookie.ok()) {
      return UnavailableError(
          "per-peer connection limits need socket cookies: " +
          cookie.status().message() +
          " (--max-conns-per-peer 0 turns them off)");
    }
  }
  if (!errors.empty()) {
    MAMORI_LOG(kWarning) << "listening on " << address
                         << " on some of its addresses only: " << errors;
  }
  listener->wake_fd_ = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (listener->wake_fd_ < 0) {
    return UnavailableError("eventfd: " + Errno(errno));
  }
  return listener;
}

void PeerListener::Start(
    std::unique_ptr<grpc::experimental::ExternalConnectionAcceptor> acceptor) {
  acceptor_ = std::move(acceptor);
  thread_ = std::thread([this] { AcceptLoop(); });
}

void PeerListener::Stop() {
  if (stopped_) return;
  stopped_ = true;
  if (thread_.joinable()) {
    const uint64_t one = 1;
    (void)!write(wake_fd_, &one, sizeof(one));
    thread_.join();
  }
  // New connections are refused by the kernel from here on.
  for (int fd : listen_fds_) close(fd);
  listen_fds_.clear();
}

void PeerListener::AcceptLoop() {
  std::vector<pollfd> polled;
  for (int fd : listen_fds_) polled.push_back({fd, POLLIN, 0});
  polled.push_back({wake_fd_, POLLIN, 0});
  while (true) {
    const int ready = poll(polled.data(), polled.size(), kIdleRecountMs);
    if (ready < 0 && errno != EINTR) {
      MAMORI_LOG(kError) << "connection listener stopped: poll: "
                         << Errno(errno);
      return;
    }
    if (polled.back().revents != 0) return;  // Stop()
    if (ready == 0 && options_.max_connections_per_peer > 0) Recount(true);
    for (size_t i = 0; i + 1 < polled.size(); ++i) {
      if (polled[i].revents != 0) AcceptFrom(polled[i].fd);
    }
  }
}

void PeerListener::AcceptFrom(int listener_fd) {
  while (true) {
    sockaddr_storage peer{};
    socklen_t size = sizeof(peer);
    const int fd = accept4(listener_fd, reinterpret_cast<sockaddr*>(&peer),
                           &size, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EINTR || errno == ECONNABORTED) continue;
      if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS ||
          errno == ENOMEM) {
        // Out of descriptors: leave the rest in the kernel's queue a moment
        // rather than spin.
        uint64_t left_out = 0;
        if (refusal_log_.Allow(&left_out)) {
          MAMORI_LOG(kWarning) << "cannot accept connections: " << Errno(errno);
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
      }
      return;  // EAGAIN: nothing more queued
    }
    if (options_.max_connections_per_peer > 0) {
      const std::string address = SocketPeerAddress(peer);
      Result<uint64_t> cookie = SocketCookie(fd);
      bool admitted = cookie.ok() && table_.Admit(address, *cookie);
      if (cookie.ok() && !admitted) {
        Recount(false);
        admitted = table_.Admit(address, *cookie);
      }
      if (!admitted) {
        // A reset, not an orderly close: nothing waits in TIME_WAIT on our
        // side for each refused connection.
        const linger reset{1, 0};
        (void)setsockopt(fd, SOL_SOCKET, SO_LINGER, &reset, sizeof(reset));
        close(fd);
        ++refused_;
        uint64_t left_out = 0;
        if (refusal_log_.Allow(&left_out)) {
          MAMORI_LOG(kWarning)
              << "connection from " << address << " refused: "
              << (cookie.ok() ? std::to_string(table_.Count(address)) +
                                    " connections from that address are "
                                    "open (--max-conns-per-peer " +
                                    std::to_string(table_.limit()) + ")"
                              : cookie.status().message())
              << (left_out > 0 ? " (" + std::to_string(left_out) +
                                     " more refusals not logged)"
                               : std::string());
        }
        continue;
      }
    }
    ++admitted_;
    grpc::experimental::ExternalConnectionAcceptor::NewConnectionParameters
        parameters;
    parameters.listener_fd = listener_fd;
    parameters.fd = fd;
    acceptor_->HandleNewConnection(&parameters);
  }
}

void PeerListener::Recount(bool force) {
  const auto now = std::chrono::steady_clock::now();
  if (!force && now - last_recount_ < kMinRecountInterval) return;
  last_recount_ = now;
  Result<std::unordered_set<uint64_t>> open = OpenSocketCookies(port_);
  if (!open.ok()) {
    // Keep the counts: a peer stays refused rather than unbounded.
    uint64_t left_out = 0;
    if (refusal_log_.Allow(&left_out)) {
      MAMORI_LOG(kWarning) << "cannot recount open connections: "
                           << open.status().message();
    }
    return;
  }
  table_.KeepOnly(*open);
}

}  // namespace mamori::service
