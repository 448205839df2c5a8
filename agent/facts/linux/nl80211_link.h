#pragma once

// The current Wi-Fi link on Linux through nl80211 (generic netlink, libnl-
// genl-3): per wireless interface NL80211_CMD_GET_INTERFACE (type, SSID) and
// an NL80211_CMD_GET_SCAN dump, whose BSS marked NL80211_BSS_STATUS
// associated (or IBSS joined) is the link; its information elements give the
// security (agent/facts/wifi_ie.h). One netlink socket per collection, no
// child process. Needs no privilege: both commands are open to any user.
//
// The security is what the access point offers (the elements of its beacon /
// probe response), rated by the weakest offer; nl80211 does not report the
// AKM this station negotiated.
//
// Thread-safe (no shared state); an Nl80211Client is used by one thread.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "agent/facts/wifi.h"
#include "common/status.h"

struct nl_msg;
struct nl_sock;

namespace mamori::facts::linux_util {

// What NL80211_CMD_GET_INTERFACE says about one interface.
struct Nl80211Interface {
  std::optional<uint32_t> iftype;   // NL80211_ATTR_IFTYPE (NL80211_IFTYPE_*)
  std::optional<std::string> ssid;  // NL80211_ATTR_SSID, raw bytes
};

// One entry of an NL80211_CMD_GET_SCAN dump.
struct Nl80211Bss {
  std::string bssid;                      // "aa:bb:cc:dd:ee:ff"; "" if absent
  std::optional<uint32_t> status;         // NL80211_BSS_STATUS
  std::optional<uint32_t> frequency_mhz;  // NL80211_BSS_FREQUENCY
  std::optional<uint16_t> capability;     // NL80211_BSS_CAPABILITY
  // NL80211_BSS_INFORMATION_IES, or NL80211_BSS_BEACON_IES without them.
  std::string ies;
};

// Parse one reply of NL80211_CMD_GET_INTERFACE / NL80211_CMD_GET_SCAN;
// nullopt when its attributes do not parse (or a scan reply has no BSS).
// Attributes shorter than their type are treated as absent.
std::optional<Nl80211Interface> InterfaceFromMessage(nl_msg* msg);
std::optional<Nl80211Bss> BssFromMessage(nl_msg* msg);

// One interface's link as far as it could be read.
struct InterfaceLink {
  // nullopt: not associated. Present with security kUnspecified when the
  // associated BSS's security could not be decoded (`problem` says why).
  std::optional<WifiNetwork> network;
  // Non-empty when the link or its security is not determined.
  std::string problem;
};

// Pure: the link of interface `ifname` from the two answers. Only station,
// P2P-client, IBSS (and unreported) interface types can have a current link;
// access points, monitors and mesh points are "not associated". An
// associated BSS gives the network (SSID from the interface, else from the
// elements; BSSID; frequency; security); several (multi-link) give the
// weakest, an undecodable one counting as the weakest. An SSID on the
// interface without an associated BSS (connecting) is a problem, not "not
// connected".
InterfaceLink LinkFromNl80211(std::string_view ifname,
                              const Nl80211Interface& iface,
                              const std::vector<Nl80211Bss>& bss);

// One adapter's answer: its link, or the error reading it.
struct AdapterLink {
  std::string name;
  Result<InterfaceLink> link;
};

// Pure: fills facts->current (the weakest associated link of all adapters,
// an undetermined security counting as the weakest), current_unknown and
// current_status from the per-adapter answers: the first read error →
// its status (PERMISSION_DENIED, UNSUPPORTED, ERROR) and current_unknown;
// else a problem → ERROR and current_unknown; else OK, with message "not
// connected" when no adapter is associated.
void ApplyCurrentLinks(const std::vector<AdapterLink>& links, WifiFacts* facts);

// A generic netlink socket bound to the nl80211 family.
class Nl80211Client {
 public:
  // Errors: UNIMPLEMENTED when the kernel has no nl80211 family (or no
  // generic netlink), PERMISSION_DENIED, UNAVAILABLE for other failures;
  // each message names the call.
  static Result<std::unique_ptr<Nl80211Client>> Open();
  ~Nl80211Client();
  Nl80211Client(const Nl80211Client&) = delete;
  Nl80211Client& operator=(const Nl80211Client&) = delete;

  Result<Nl80211Interface> GetInterface(uint32_t ifindex);
  Result<std::vector<Nl80211Bss>> GetScan(uint32_t ifindex);

 private:
  Nl80211Client(nl_sock* sock, int family) : sock_(sock), family_(family) {}
  nl_sock* sock_;
  int family_;
};

// Live: reads the link of every adapter (by name, from /sys) through one
// Nl80211Client and applies it to `facts`. No adapter → current_status
// NOT_APPLICABLE and no socket is opened.
void ReadCurrentLink(const std::vector<WifiAdapter>& adapters,
                     WifiFacts* facts);

}  // namespace mamori::facts::linux_util
