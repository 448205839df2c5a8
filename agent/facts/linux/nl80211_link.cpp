#include "agent/facts/linux/nl80211_link.h"

#include <linux/nl80211.h>
#include <net/if.h>
#include <netlink/errno.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/netlink.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <exception>
#include <functional>
#include <new>

#include "agent/facts/wifi_ie.h"

namespace mamori::facts::linux_util {

namespace {

constexpr uint16_t kCapabilityPrivacy = 0x0010;  // IEEE 802.11 9.4.1.4

Status KernelError(const std::string& what, int err) {
  const std::string message = what + ": " + std::strerror(err);
  if (err == EPERM || err == EACCES) return PermissionDeniedError(message);
  if (err == EPROTONOSUPPORT || err == EAFNOSUPPORT) {
    return UnimplementedError(message);
  }
  return UnavailableError(message);
}

// libnl's own codes (NLE_*, passed negative or positive).
Status LibnlError(const std::string& what, int code) {
  const int nle = code < 0 ? -code : code;
  const std::string message = what + ": " + nl_geterror(nle);
  if (nle == NLE_PERM || nle == NLE_NOACCESS) {
    return PermissionDeniedError(message);
  }
  if (nle == NLE_AF_NOSUPPORT || nle == NLE_OPNOTSUPP) {
    return UnimplementedError(message);
  }
  if (nle == NLE_DUMP_INTR) return AbortedError(message);  // retried
  return UnavailableError(message);
}

std::optional<uint32_t> U32(const nlattr* a) {
  if (a == nullptr || nla_len(a) < 4) return std::nullopt;
  return nla_get_u32(const_cast<nlattr*>(a));
}

std::optional<uint16_t> U16(const nlattr* a) {
  if (a == nullptr || nla_len(a) < 2) return std::nullopt;
  return nla_get_u16(const_cast<nlattr*>(a));
}

std::string Bytes(const nlattr* a) {
  if (a == nullptr) return {};
  return {static_cast<const char*>(nla_data(a)),
          static_cast<size_t>(nla_len(a))};
}

std::string Mac(const nlattr* a) {
  if (a == nullptr || nla_len(a) != 6) return {};
  const auto* b = static_cast<const unsigned char*>(nla_data(a));
  char buf[18];
  std::snprintf(buf, sizeof(buf), "%02x:%02x:%02x:%02x:%02x:%02x", b[0], b[1],
                b[2], b[3], b[4], b[5]);
  return buf;
}

// Station, P2P client and IBSS interfaces have a current link; an unreported
// type is treated as one (the associated BSS decides).
bool IsClientType(const Nl80211Interface& iface) {
  return !iface.iftype.has_value() || *iface.iftype == NL80211_IFTYPE_STATION ||
         *iface.iftype == NL80211_IFTYPE_P2P_CLIENT ||
         *iface.iftype == NL80211_IFTYPE_ADHOC;
}

// One request/answer exchange. `on_message` parses each reply and returns
// false when it is malformed.
struct Exchange {
  std::function<bool(nl_msg*)> on_message;
  int state = 1;  // > 0 running, 0 done, < 0 kernel errno (negative)
  bool out_of_memory = false;
  bool malformed = false;
  char parse_failure[160] = {};  // what a parser threw (not bad_alloc)
};

int OnValid(nl_msg* msg, void* arg) {
  auto* ex = static_cast<Exchange*>(arg);
  try {
    if (!ex->on_message(msg)) ex->malformed = true;
  } catch (const std::bad_alloc&) {  // no exception may cross libnl's C frames
    ex->out_of_memory = true;
    return NL_STOP;
  } catch (const std::exception& e) {
    std::snprintf(ex->parse_failure, sizeof(ex->parse_failure), "%s", e.what());
    return NL_STOP;
  } catch (...) {
    std::snprintf(ex->parse_failure, sizeof(ex->parse_failure), "%s",
                  "unknown exception");
    return NL_STOP;
  }
  return NL_SKIP;
}

int OnError(sockaddr_nl* /*nla*/, nlmsgerr* err, void* arg) {
  static_cast<Exchange*>(arg)->state = err->error < 0 ? err->error : -EIO;
  return NL_STOP;
}

int OnFinish(nl_msg* /*msg*/, void* arg) {
  static_cast<Exchange*>(arg)->state = 0;
  return NL_SKIP;
}

int OnAck(nl_msg* /*msg*/, void* arg) {
  static_cast<Exchange*>(arg)->state = 0;
  return NL_STOP;
}

using MsgPtr = std::unique_ptr<nl_msg, decltype(&nlmsg_free)>;
using CbPtr = std::unique_ptr<nl_cb, decltype(&nl_cb_put)>;

// Sends `cmd` for `ifindex` (a dump when `dump`) and runs the answer through
// `on_message`.
Status Run(nl_sock* sock, int family, uint8_t cmd, uint32_t ifindex, bool dump,
           const std::string& what,
           const std::function<bool(nl_msg*)>& on_message) {
  MsgPtr msg(nlmsg_alloc(), &nlmsg_free);
  CbPtr cb(nl_cb_alloc(NL_CB_DEFAULT), &nl_cb_put);
  if (msg == nullptr || cb == nullptr) {
    return ResourceExhaustedError(what + ": out of memory");
  }
  if (genlmsg_put(msg.get(), NL_AUTO_PORT, NL_AUTO_SEQ, family, 0,
                  dump ? NLM_F_DUMP : 0, cmd, 0) == nullptr ||
      nla_put_u32(msg.get(), NL80211_ATTR_IFINDEX, ifindex) < 0) {
    return InternalError(what + ": cannot build the request");
  }
  Exchange ex;
  ex.on_message = on_message;
  nl_cb_set(cb.get(), NL_CB_VALID, NL_CB_CUSTOM, OnValid, &ex);
  nl_cb_set(cb.get(), NL_CB_FINISH, NL_CB_CUSTOM, OnFinish, &ex);
  nl_cb_set(cb.get(), NL_CB_ACK, NL_CB_CUSTOM, OnAck, &ex);
  nl_cb_err(cb.get(), NL_CB_CUSTOM, OnError, &ex);
  const int sent = nl_send_auto(sock, msg.get());
  if (sent < 0) return LibnlError(what + ": send", sent);
  while (ex.state > 0) {
    const int rc = nl_recvmsgs_report(sock, cb.get());
    if (ex.out_of_memory) {
      return ResourceExhaustedError(what + ": out of memory");
    }
    if (ex.parse_failure[0] != '\0') {
      return InternalError(what +
                           ": reading the answer failed: " + ex.parse_failure);
    }
    if (ex.state < 0) return KernelError(what, -ex.state);
    if (rc < 0) return LibnlError(what, rc);
    // 0 messages: the receive timed out (SO_RCVTIMEO) or was interrupted.
    if (rc == 0 && ex.state > 0) {
      return DeadlineExceededError(what + ": no answer from the kernel");
    }
  }
  // Not one attribute may be guessed: a reply that did not parse could be
  // the associated BSS.
  if (ex.malformed) return DataLossError(what + ": malformed answer");
  return Status::Ok();
}

}  // namespace

// --- Reply parsing ---------------------------------------------------------

std::optional<Nl80211Interface> InterfaceFromMessage(nl_msg* msg) {
  nlattr* tb[NL80211_ATTR_MAX + 1] = {};
  if (genlmsg_parse(nlmsg_hdr(msg), 0, tb, NL80211_ATTR_MAX, nullptr) < 0) {
    return std::nullopt;
  }
  Nl80211Interface out;
  out.iftype = U32(tb[NL80211_ATTR_IFTYPE]);
  if (tb[NL80211_ATTR_SSID] != nullptr) out.ssid = Bytes(tb[NL80211_ATTR_SSID]);
  return out;
}

std::optional<Nl80211Bss> BssFromMessage(nl_msg* msg) {
  nlattr* tb[NL80211_ATTR_MAX + 1] = {};
  if (genlmsg_parse(nlmsg_hdr(msg), 0, tb, NL80211_ATTR_MAX, nullptr) < 0 ||
      tb[NL80211_ATTR_BSS] == nullptr) {
    return std::nullopt;
  }
  nlattr* b[NL80211_BSS_MAX + 1] = {};
  if (nla_parse_nested(b, NL80211_BSS_MAX, tb[NL80211_ATTR_BSS], nullptr) < 0) {
    return std::nullopt;
  }
  Nl80211Bss bss;
  bss.bssid = Mac(b[NL80211_BSS_BSSID]);
  bss.status = U32(b[NL80211_BSS_STATUS]);
  bss.frequency_mhz = U32(b[NL80211_BSS_FREQUENCY]);
  bss.capability = U16(b[NL80211_BSS_CAPABILITY]);
  bss.ies = b[NL80211_BSS_INFORMATION_ELEMENTS] != nullptr
                ? Bytes(b[NL80211_BSS_INFORMATION_ELEMENTS])
                : Bytes(b[NL80211_BSS_BEACON_IES]);
  return bss;
}

// --- Pure part --------------------------------------------------------------

InterfaceLink LinkFromNl80211(std::string_view ifname,
                              const Nl80211Interface& iface,
                              const std::vector<Nl80211Bss>& bss) {
  InterfaceLink out;
  if (!IsClientType(iface)) {
    return out;  // an access point, monitor, mesh point...: no client link
  }
  const std::string name(ifname);
  for (const Nl80211Bss& b : bss) {
    if (b.status != NL80211_BSS_STATUS_ASSOCIATED &&
        b.status != NL80211_BSS_STATUS_IBSS_JOINED) {
      continue;
    }
    std::optional<bool> privacy;
    if (b.capability.has_value()) {
      privacy = (*b.capability & kCapabilityPrivacy) != 0;
    }
    const BssSecurity security = DecodeBssSecurity(b.ies, privacy);
    WifiNetwork net;
    std::string ssid = iface.ssid.value_or("");
    if (ssid.empty()) ssid = SsidFromIes(b.ies).value_or("");
    net.ssid = SanitizeUtf8(ssid);
    net.security = security.security;
    net.enterprise = security.enterprise;
    net.cipher = security.cipher;
    net.auto_connect = false;
    net.source = "nl80211";
    net.interface = SanitizeUtf8(name);
    net.bssid = b.bssid;
    net.frequency_mhz = b.frequency_mhz.value_or(0);
    const bool weaker =
        !out.network.has_value() || SecurityStrength(net.security) <
                                        SecurityStrength(out.network->security);
    if (!security.error.empty() && out.problem.empty()) {
      out.problem = name + ": associated BSS " + b.bssid +
                    ": security not determined: " + security.error;
    }
    if (weaker) out.network = std::move(net);
  }
  if (!out.network.has_value() && iface.ssid.has_value() &&
      !iface.ssid->empty()) {
    out.problem = name + ": nl80211 gives SSID \"" + SanitizeUtf8(*iface.ssid) +
                  "\" but no associated BSS (connecting?)";
  }
  return out;
}

void ApplyCurrentLinks(const std::vector<AdapterLink>& links,
                       WifiFacts* facts) {
  std::optional<WifiNetwork> current;
  Status first_error;
  std::string problem;
  for (const AdapterLink& l : links) {
    if (!l.link.ok()) {
      if (first_error.ok()) first_error = l.link.status().WithContext(l.name);
      continue;
    }
    if (!l.link->problem.empty() && problem.empty()) problem = l.link->problem;
    const std::optional<WifiNetwork>& net = l.link->network;
    if (net.has_value() &&
        (!current.has_value() || SecurityStrength(net->security) <
                                     SecurityStrength(current->security))) {
      current = net;
    }
  }
  facts->current = std::move(current);
  if (!first_error.ok()) {
    facts->current_unknown = true;
    facts->current_status = StatusFromError(first_error);
  } else if (!problem.empty()) {
    facts->current_unknown = true;
    facts->current_status = ErrorStatus(problem);
  } else {
    facts->current_unknown = false;
    facts->current_status = OkStatus();
    if (!facts->current.has_value()) {
      facts->current_status->message = "not connected";
    }
  }
}

// --- Live part --------------------------------------------------------------

Result<std::unique_ptr<Nl80211Client>> Nl80211Client::Open() {
  nl_sock* sock = nl_socket_alloc();
  if (sock == nullptr) return ResourceExhaustedError("nl_socket_alloc");
  std::unique_ptr<nl_sock, decltype(&nl_socket_free)> owner(sock,
                                                            &nl_socket_free);
  const int rc = genl_connect(sock);
  if (rc < 0) return LibnlError("generic netlink socket", rc);
  // Scan dumps carry whole beacons: let libnl size its buffer per message.
  nl_socket_enable_msg_peek(sock);
  // The kernel answers at once; never wait forever on it.
  timeval timeout{5, 0};
  (void)setsockopt(nl_socket_get_fd(sock), SOL_SOCKET, SO_RCVTIMEO, &timeout,
                   sizeof(timeout));
  const int family = genl_ctrl_resolve(sock, NL80211_GENL_NAME);
  if (family == -NLE_OBJ_NOTFOUND) {
    return UnimplementedError(
        "the kernel has no nl80211 generic netlink family (cfg80211 not "
        "loaded or not built)");
  }
  if (family < 0) return LibnlError("resolving nl80211", family);
  return std::unique_ptr<Nl80211Client>(
      new Nl80211Client(owner.release(), family));
}

Nl80211Client::~Nl80211Client() { nl_socket_free(sock_); }

Result<Nl80211Interface> Nl80211Client::GetInterface(uint32_t ifindex) {
  Nl80211Interface out;
  Status s = Run(sock_, family_, NL80211_CMD_GET_INTERFACE, ifindex,
                 /*dump=*/false, "NL80211_CMD_GET_INTERFACE", [&](nl_msg* msg) {
                   std::optional<Nl80211Interface> i =
                       InterfaceFromMessage(msg);
                   if (i.has_value()) out = std::move(*i);
                   return i.has_value();
                 });
  if (!s.ok()) return s;
  return out;
}

Result<std::vector<Nl80211Bss>> Nl80211Client::GetScan(uint32_t ifindex) {
  std::vector<Nl80211Bss> out;
  const auto on_message = [&](nl_msg* msg) {
    std::optional<Nl80211Bss> bss = BssFromMessage(msg);
    if (bss.has_value()) out.push_back(std::move(*bss));
    return bss.has_value();
  };
  // The BSS list may change under a dump (NLM_F_DUMP_INTR): retry.
  Status s;
  for (int attempt = 0; attempt < 3; ++attempt) {
    out.clear();
    s = Run(sock_, family_, NL80211_CMD_GET_SCAN, ifindex, /*dump=*/true,
            "NL80211_CMD_GET_SCAN", on_message);
    if (s.code() != StatusCode::kAborted) break;
  }
  if (!s.ok()) return s;
  return out;
}

namespace {

Result<InterfaceLink> ReadOne(Nl80211Client* client, const std::string& name) {
  const unsigned int ifindex = if_nametoindex(name.c_str());
  if (ifindex == 0) return KernelError("if_nametoindex", errno);
  Result<Nl80211Interface> iface = client->GetInterface(ifindex);
  if (!iface.ok()) return iface.status();
  if (!IsClientType(*iface)) return LinkFromNl80211(name, *iface, {});
  Result<std::vector<Nl80211Bss>> bss = client->GetScan(ifindex);
  if (!bss.ok()) return bss.status();
  return LinkFromNl80211(name, *iface, *bss);
}

}  // namespace

void ReadCurrentLink(const std::vector<WifiAdapter>& adapters,
                     WifiFacts* facts) {
  if (adapters.empty()) {
    facts->current.reset();
    facts->current_unknown = false;
    facts->current_status = NotApplicableStatus("no wireless adapter");
    return;
  }
  Result<std::unique_ptr<Nl80211Client>> client = Nl80211Client::Open();
  if (!client.ok()) {
    facts->current.reset();
    facts->current_unknown = true;
    facts->current_status = StatusFromError(client.status());
    return;
  }
  std::vector<AdapterLink> links;
  for (const WifiAdapter& a : adapters) {
    links.push_back({a.name, ReadOne(client->get(), a.name)});
  }
  ApplyCurrentLinks(links, facts);
}

}  // namespace mamori::facts::linux_util
