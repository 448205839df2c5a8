#include "agent/facts/linux/nft_netlink.h"

#include <arpa/inet.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netlink.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <tuple>

namespace mamori::facts::linux_util {

namespace {

using ChainKey =
    std::tuple<int, std::string, std::string>;  // family, table, chain

Status ErrnoStatus(const std::string& what, int err) {
  const std::string message = what + ": " + std::strerror(err);
  if (err == EPERM || err == EACCES) return PermissionDeniedError(message);
  if (err == EPROTONOSUPPORT || err == ENOENT || err == EAFNOSUPPORT) {
    return UnimplementedError(message);
  }
  return UnavailableError(message);
}

// Calls `visit(type, payload, length)` for each attribute in [data, data+len).
void ForEachAttr(
    const char* data, size_t len,
    const std::function<void(uint16_t, const char*, size_t)>& visit) {
  while (len >= sizeof(nlattr)) {
    const auto* attr = reinterpret_cast<const nlattr*>(data);
    if (attr->nla_len < sizeof(nlattr) || attr->nla_len > len) return;
    visit(attr->nla_type & NLA_TYPE_MASK, data + NLA_HDRLEN,
          attr->nla_len - NLA_HDRLEN);
    const size_t step = NLA_ALIGN(attr->nla_len);
    if (step >= len) return;
    data += step;
    len -= step;
  }
}

std::string AttrString(const char* p, size_t n) {
  return std::string(p, strnlen(p, n));
}

uint32_t AttrU32(const char* p, size_t n) {
  if (n < 4) return 0;
  uint32_t v;
  std::memcpy(&v, p, 4);
  return ntohl(v);
}

// Sends one dump request and calls `on_message` for each reply payload
// (after the nfgenmsg header) with the message's nfgen family.
Status DumpNft(
    uint16_t msg_type,
    const std::function<void(int, const char*, size_t)>& on_message) {
  const int fd =
      ::socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_NETFILTER);
  if (fd < 0) return ErrnoStatus("socket(NETLINK_NETFILTER)", errno);
  struct {
    nlmsghdr header;
    nfgenmsg gen;
  } req{};
  req.header.nlmsg_len = sizeof req;
  req.header.nlmsg_type =
      static_cast<uint16_t>((NFNL_SUBSYS_NFTABLES << 8) | msg_type);
  req.header.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
  req.header.nlmsg_seq = 1;
  req.gen.nfgen_family = NFPROTO_UNSPEC;
  req.gen.version = NFNETLINK_V0;
  sockaddr_nl kernel{};
  kernel.nl_family = AF_NETLINK;
  if (::sendto(fd, &req, sizeof req, 0,
               reinterpret_cast<const sockaddr*>(&kernel), sizeof kernel) < 0) {
    const int err = errno;
    ::close(fd);
    return ErrnoStatus("sendto(nftables dump)", err);
  }
  alignas(nlmsghdr) static thread_local char buf[65536];
  while (true) {
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      const int err = errno;
      ::close(fd);
      return ErrnoStatus("recv(nftables dump)", err);
    }
    if (n == 0) break;
    size_t left = static_cast<size_t>(n);
    for (auto* h = reinterpret_cast<nlmsghdr*>(buf); NLMSG_OK(h, left);
         h = NLMSG_NEXT(h, left)) {
      if (h->nlmsg_type == NLMSG_DONE) {
        ::close(fd);
        return Status::Ok();
      }
      if (h->nlmsg_type == NLMSG_ERROR) {
        const auto* err = static_cast<const nlmsgerr*>(NLMSG_DATA(h));
        ::close(fd);
        if (err->error == 0) return Status::Ok();
        return ErrnoStatus("nftables dump", -err->error);
      }
      if (h->nlmsg_len < NLMSG_LENGTH(sizeof(nfgenmsg))) continue;
      const auto* gen = static_cast<const nfgenmsg*>(NLMSG_DATA(h));
      const char* payload = static_cast<const char*>(NLMSG_DATA(h)) +
                            NLMSG_ALIGN(sizeof(nfgenmsg));
      const size_t len =
          h->nlmsg_len - NLMSG_LENGTH(NLMSG_ALIGN(sizeof(nfgenmsg)));
      on_message(gen->nfgen_family, payload, len);
    }
  }
  ::close(fd);
  return Status::Ok();
}

FirewallAction PolicyAction(uint32_t verdict) {
  if (verdict == NF_DROP) return FirewallAction::kDrop;
  if (verdict == NF_ACCEPT) return FirewallAction::kAccept;
  return FirewallAction::kUnspecified;
}

int Restrictiveness(FirewallAction a) {
  return a == FirewallAction::kDrop     ? 3
         : a == FirewallAction::kReject ? 2
         : a == FirewallAction::kAccept ? 1
                                        : 0;
}

}  // namespace

Result<RulesetSummary> ReadNftRuleset() {
  RulesetSummary out;
  std::set<ChainKey> input_chains;
  MAMORI_RETURN_IF_ERROR(
      DumpNft(NFT_MSG_GETCHAIN, [&](int family, const char* p, size_t len) {
        std::string table, name, type;
        std::optional<uint32_t> hook;
        std::optional<uint32_t> policy;
        ForEachAttr(p, len, [&](uint16_t t, const char* v, size_t n) {
          if (t == NFTA_CHAIN_TABLE) table = AttrString(v, n);
          if (t == NFTA_CHAIN_NAME) name = AttrString(v, n);
          if (t == NFTA_CHAIN_TYPE) type = AttrString(v, n);
          if (t == NFTA_CHAIN_POLICY) policy = AttrU32(v, n);
          if (t == NFTA_CHAIN_HOOK) {
            ForEachAttr(v, n, [&](uint16_t ht, const char* hv, size_t hn) {
              if (ht == NFTA_HOOK_HOOKNUM) hook = AttrU32(hv, hn);
            });
          }
        });
        const bool inet_family = family == NFPROTO_INET ||
                                 family == NFPROTO_IPV4 ||
                                 family == NFPROTO_IPV6;
        if (!hook || !inet_family || type != "filter") return;
        const FirewallAction action =
            policy ? PolicyAction(*policy) : FirewallAction::kUnspecified;
        if (*hook == NF_INET_LOCAL_IN) {
          out.has_input_chain = true;
          input_chains.insert({family, table, name});
          if (Restrictiveness(action) > Restrictiveness(out.input_policy)) {
            out.input_policy = action;
          }
        } else if (*hook == NF_INET_LOCAL_OUT) {
          if (Restrictiveness(action) > Restrictiveness(out.output_policy)) {
            out.output_policy = action;
          }
        }
      }));
  MAMORI_RETURN_IF_ERROR(
      DumpNft(NFT_MSG_GETRULE, [&](int family, const char* p, size_t len) {
        std::string table, chain;
        ForEachAttr(p, len, [&](uint16_t t, const char* v, size_t n) {
          if (t == NFTA_RULE_TABLE) table = AttrString(v, n);
          if (t == NFTA_RULE_CHAIN) chain = AttrString(v, n);
        });
        ++out.total_rules;
        if (input_chains.count({family, table, chain}) != 0) ++out.input_rules;
      }));
  return out;
}

}  // namespace mamori::facts::linux_util
