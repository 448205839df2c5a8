#include "agent/facts/linux/neigh_netlink.h"

#include <linux/neighbour.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace mamori::facts::linux_util {

namespace {

Status NetlinkError(const char* what, int err) {
  const std::string text = std::string(what) + ": " + std::strerror(err);
  if (err == EPERM || err == EACCES) return PermissionDeniedError(text);
  return UnavailableError(text);
}

// Closes the socket on every path.
class Socket {
 public:
  Socket()
      : fd_(::socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE)) {}
  ~Socket() {
    if (fd_ >= 0) ::close(fd_);
  }
  Socket(const Socket&) = delete;
  Socket& operator=(const Socket&) = delete;
  int fd() const { return fd_; }

 private:
  int fd_;
};

}  // namespace

NeighbourState StateFromNud(uint16_t nud) {
  if (nud & NUD_PERMANENT) return NeighbourState::kPermanent;
  if (nud & NUD_NOARP) return NeighbourState::kNoArp;
  if (nud & NUD_REACHABLE) return NeighbourState::kReachable;
  if (nud & NUD_DELAY) return NeighbourState::kDelay;
  if (nud & NUD_PROBE) return NeighbourState::kProbe;
  if (nud & NUD_STALE) return NeighbourState::kStale;
  if (nud & NUD_FAILED) return NeighbourState::kFailed;
  if (nud & NUD_INCOMPLETE) return NeighbourState::kIncomplete;
  return NeighbourState::kUnspecified;
}

Result<std::string> DumpNeighbourTable() {
  Socket sock;
  if (sock.fd() < 0) return NetlinkError("socket(NETLINK_ROUTE)", errno);
  struct {
    nlmsghdr header;
    ndmsg neigh;
  } req{};
  req.header.nlmsg_len = sizeof req;
  req.header.nlmsg_type = RTM_GETNEIGH;
  req.header.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
  req.header.nlmsg_seq = 1;
  req.neigh.ndm_family = AF_UNSPEC;
  sockaddr_nl kernel{};
  kernel.nl_family = AF_NETLINK;
  if (::sendto(sock.fd(), &req, sizeof req, 0,
               reinterpret_cast<const sockaddr*>(&kernel), sizeof kernel) < 0) {
    return NetlinkError("sendto(RTM_GETNEIGH)", errno);
  }
  std::string out;
  alignas(nlmsghdr) static thread_local char buf[65536];
  while (true) {
    const ssize_t n = ::recv(sock.fd(), buf, sizeof buf, 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      return NetlinkError("recv(RTM_GETNEIGH)", errno);
    }
    if (n == 0) return out;
    if (out.size() + static_cast<size_t>(n) > kMaxNeighbourDumpBytes) {
      return OutOfRangeError("neighbour dump larger than " +
                             std::to_string(kMaxNeighbourDumpBytes) + " bytes");
    }
    out.append(buf, static_cast<size_t>(n));
    // The last message of the datagram says whether the dump is over.
    size_t left = static_cast<size_t>(n);
    bool done = false;
    for (auto* h = reinterpret_cast<nlmsghdr*>(buf); NLMSG_OK(h, left);
         h = NLMSG_NEXT(h, left)) {
      if (h->nlmsg_type == NLMSG_DONE || h->nlmsg_type == NLMSG_ERROR) {
        done = true;
      }
    }
    if (done) return out;
  }
}

Result<std::vector<Neighbour>> ParseNeighbourDump(
    std::string_view bytes, const std::map<int, std::string>& interface_names) {
  std::vector<Neighbour> out;
  size_t pos = 0;
  while (pos + sizeof(nlmsghdr) <= bytes.size()) {
    nlmsghdr h;
    std::memcpy(&h, bytes.data() + pos, sizeof h);
    if (h.nlmsg_len < sizeof(nlmsghdr) || h.nlmsg_len > bytes.size() - pos) {
      return DataLossError("neighbour dump: message at byte " +
                           std::to_string(pos) + " has a bad length");
    }
    const char* body = bytes.data() + pos + NLMSG_HDRLEN;
    const size_t body_len = h.nlmsg_len - NLMSG_HDRLEN;
    pos += NLMSG_ALIGN(h.nlmsg_len);
    if (h.nlmsg_type == NLMSG_DONE) return out;
    if (h.nlmsg_type == NLMSG_ERROR) {
      int32_t error = 0;
      if (body_len >= sizeof error) std::memcpy(&error, body, sizeof error);
      if (error == 0) return out;
      return NetlinkError("RTM_GETNEIGH dump", -error);
    }
    if (h.nlmsg_type != RTM_NEWNEIGH || body_len < sizeof(ndmsg)) continue;
    ndmsg nd;
    std::memcpy(&nd, body, sizeof nd);
    if (nd.ndm_family != AF_INET && nd.ndm_family != AF_INET6) continue;
    Neighbour n;
    n.state = StateFromNud(nd.ndm_state);
    n.router = (nd.ndm_flags & NTF_ROUTER) != 0;
    auto name = interface_names.find(nd.ndm_ifindex);
    n.interface = name != interface_names.end()
                      ? name->second
                      : "if" + std::to_string(nd.ndm_ifindex);
    size_t at = NLMSG_ALIGN(sizeof(ndmsg));
    while (at + sizeof(rtattr) <= body_len) {
      rtattr a;
      std::memcpy(&a, body + at, sizeof a);
      if (a.rta_len < sizeof(rtattr) || a.rta_len > body_len - at) break;
      const auto* value =
          reinterpret_cast<const uint8_t*>(body + at) + RTA_LENGTH(0);
      const size_t value_len = a.rta_len - RTA_LENGTH(0);
      if (a.rta_type == NDA_DST) {
        if (nd.ndm_family == AF_INET && value_len == 4) {
          n.ip = FormatIpv4(value);
        } else if (nd.ndm_family == AF_INET6 && value_len == 16) {
          n.ip = FormatIpv6(value);
        }
      } else if (a.rta_type == NDA_LLADDR) {
        n.mac = FormatMac(value, value_len);
      }
      at += RTA_ALIGN(a.rta_len);
    }
    if (n.ip.empty()) continue;
    out.push_back(std::move(n));
  }
  return DataLossError("neighbour dump ends without NLMSG_DONE");
}

}  // namespace mamori::facts::linux_util
