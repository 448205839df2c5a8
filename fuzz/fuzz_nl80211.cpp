// Fuzz target: the nl80211 replies the agent reads from the kernel (current
// Wi-Fi link), and the information elements inside them, which come from
// any access point in radio range. The input is the attribute stream of one
// generic-netlink reply (after the genl header), read both as an interface
// reply and as a scan reply, then the link decision over both.

#include <netlink/genl/genl.h>
#include <netlink/msg.h>

#include <cstddef>
#include <cstdint>
#include <memory>

#include "agent/facts/linux/nl80211_link.h"

namespace {

using Msg = std::unique_ptr<nl_msg, decltype(&nlmsg_free)>;

// A reply with the attribute bytes as given; nullptr when libnl cannot hold
// them.
Msg Reply(const uint8_t* data, size_t size) {
  Msg m(nlmsg_alloc_size(size + 4096), &nlmsg_free);
  if (m == nullptr ||
      genlmsg_put(m.get(), 0, 0, 0x20, 0, 0, /*cmd=*/34, 1) == nullptr ||
      nlmsg_append(m.get(), const_cast<uint8_t*>(data), size, 0) < 0) {
    return Msg(nullptr, &nlmsg_free);
  }
  return m;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace lu = mamori::facts::linux_util;
  if (size > 1 << 16) return 0;
  Msg m = Reply(data, size);
  if (m == nullptr) return 0;
  std::optional<lu::Nl80211Interface> iface = lu::InterfaceFromMessage(m.get());
  std::optional<lu::Nl80211Bss> bss = lu::BssFromMessage(m.get());
  std::vector<lu::Nl80211Bss> scan;
  if (bss) scan.push_back(*bss);
  (void)lu::LinkFromNl80211("wlan0", iface.value_or(lu::Nl80211Interface{}),
                            scan);
  return 0;
}
