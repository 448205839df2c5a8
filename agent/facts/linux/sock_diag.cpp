#include "agent/facts/linux/sock_diag.h"

#include <arpa/inet.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <map>

#include "agent/facts/linux/file_util.h"
#include "common/text.h"

namespace mamori::facts::linux_util {

namespace {

constexpr int kTcpListen = 10;  // TCP_LISTEN in the kernel's state enum
constexpr int kTcpClose = 7;    // TCP_CLOSE: how unconnected UDP shows

class NetlinkSocket {
 public:
  NetlinkSocket()
      : fd_(::socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_SOCK_DIAG)) {}
  ~NetlinkSocket() {
    if (fd_ >= 0) ::close(fd_);
  }
  NetlinkSocket(const NetlinkSocket&) = delete;
  NetlinkSocket& operator=(const NetlinkSocket&) = delete;
  int fd() const { return fd_; }

 private:
  int fd_;
};

Status Dump(uint8_t family, uint8_t protocol, uint32_t states,
            std::vector<DiagSocket>* out) {
  NetlinkSocket sock;
  if (sock.fd() < 0) {
    return UnavailableError(std::string("socket(NETLINK_SOCK_DIAG): ") +
                            std::strerror(errno));
  }
  struct {
    nlmsghdr header;
    inet_diag_req_v2 request;
  } msg{};
  msg.header.nlmsg_len = sizeof msg;
  msg.header.nlmsg_type = SOCK_DIAG_BY_FAMILY;
  msg.header.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
  msg.header.nlmsg_seq = 1;
  msg.request.sdiag_family = family;
  msg.request.sdiag_protocol = protocol;
  msg.request.idiag_states = states;
  sockaddr_nl kernel{};
  kernel.nl_family = AF_NETLINK;
  if (::sendto(sock.fd(), &msg, sizeof msg, 0,
               reinterpret_cast<const sockaddr*>(&kernel), sizeof kernel) < 0) {
    return UnavailableError(std::string("sendto(SOCK_DIAG_BY_FAMILY): ") +
                            std::strerror(errno));
  }
  const std::string proto_name =
      std::string(protocol == IPPROTO_TCP ? "tcp" : "udp") +
      (family == AF_INET6 ? "6" : "");
  alignas(nlmsghdr) char buf[32768];
  while (true) {
    const ssize_t n = ::recv(sock.fd(), buf, sizeof buf, 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      return UnavailableError(std::string("recv(NETLINK_SOCK_DIAG): ") +
                              std::strerror(errno));
    }
    size_t left = static_cast<size_t>(n);
    for (auto* h = reinterpret_cast<nlmsghdr*>(buf); NLMSG_OK(h, left);
         h = NLMSG_NEXT(h, left)) {
      if (h->nlmsg_type == NLMSG_DONE) return Status::Ok();
      if (h->nlmsg_type == NLMSG_ERROR) {
        const auto* err = static_cast<const nlmsgerr*>(NLMSG_DATA(h));
        return UnavailableError(std::string("inet_diag dump of ") + proto_name +
                                ": " + std::strerror(-err->error));
      }
      if (h->nlmsg_len < NLMSG_LENGTH(sizeof(inet_diag_msg))) continue;
      const auto* diag = static_cast<const inet_diag_msg*>(NLMSG_DATA(h));
      DiagSocket s;
      s.protocol = proto_name;
      char text[INET6_ADDRSTRLEN] = {};
      ::inet_ntop(diag->idiag_family, diag->id.idiag_src, text, sizeof text);
      s.address = text;
      s.port = ntohs(diag->id.idiag_sport);
      s.inode = diag->idiag_inode;
      // A UDP socket in TCP_CLOSE with no local port is not bound at all.
      if (protocol == IPPROTO_UDP && s.port == 0) continue;
      out->push_back(std::move(s));
    }
    if (n == 0) return Status::Ok();
  }
}

}  // namespace

Result<std::vector<DiagSocket>> ListListeningSockets() {
  std::vector<DiagSocket> out;
  for (uint8_t family :
       {static_cast<uint8_t>(AF_INET), static_cast<uint8_t>(AF_INET6)}) {
    MAMORI_RETURN_IF_ERROR(Dump(family, IPPROTO_TCP, 1u << kTcpListen, &out));
    MAMORI_RETURN_IF_ERROR(Dump(family, IPPROTO_UDP, 1u << kTcpClose, &out));
  }
  return out;
}

void AttachOwners(std::vector<DiagSocket>* sockets) {
  std::map<uint64_t, std::vector<DiagSocket*>> by_inode;
  for (DiagSocket& s : *sockets) {
    if (s.inode != 0) by_inode[s.inode].push_back(&s);
  }
  if (by_inode.empty()) return;
  Result<std::vector<std::string>> pids = ListDirectory("/proc");
  if (!pids.ok()) return;
  size_t unresolved = by_inode.size();
  for (const std::string& pid_text : *pids) {
    const std::optional<uint64_t> pid = ParseUint64(pid_text);
    if (!pid || *pid > UINT32_MAX) continue;
    const std::string fd_dir = "/proc/" + pid_text + "/fd";
    Result<std::vector<std::string>> fds = ListDirectory(fd_dir);
    if (!fds.ok()) continue;
    std::string comm;
    for (const std::string& fd : *fds) {
      const std::optional<std::string> target = ReadLink(fd_dir + "/" + fd);
      if (!target || !StartsWith(*target, "socket:[")) continue;
      const std::optional<uint64_t> inode =
          ParseUint64(std::string_view(*target).substr(8, target->size() - 9));
      if (!inode) continue;
      auto it = by_inode.find(*inode);
      if (it == by_inode.end() || it->second.front()->pid != 0) continue;
      if (comm.empty()) comm = ReadOptional("/proc/" + pid_text + "/comm");
      for (DiagSocket* s : it->second) {
        s->pid = static_cast<uint32_t>(*pid);
        s->process = SanitizeUtf8(comm);
      }
      if (--unresolved == 0) return;
    }
  }
}

Result<std::vector<ListeningSocket>> ListListeningSocketsWithOwners() {
  Result<std::vector<DiagSocket>> sockets = ListListeningSockets();
  if (!sockets.ok()) return sockets.status();
  AttachOwners(&*sockets);
  std::vector<ListeningSocket> out;
  for (DiagSocket& s : *sockets) {
    ListeningSocket l;
    l.protocol = s.protocol;
    l.address = s.address;
    l.port = s.port;
    l.loopback_only = IsLoopbackAddress(s.address);
    l.pid = s.pid;
    l.process = std::move(s.process);
    out.push_back(std::move(l));
  }
  return out;
}

}  // namespace mamori::facts::linux_util
