#include "agent/facts/endpoint.h"

#include <algorithm>

namespace mamori::facts {

HostIdentity BuildIdentity(const EndpointFacts& facts) {
  HostIdentity id;
  if (facts.system) {
    id.hostname = facts.system->hostname;
    id.machine_id = facts.system->machine_id;
    id.smbios_uuid = facts.system->smbios_uuid;
  }
  if (facts.hardware) id.serial = facts.hardware->serial;
  if (facts.network) {
    for (const NetworkInterface& nic : facts.network->interfaces) {
      const bool physical = nic.kind == InterfaceKind::kWired ||
                            nic.kind == InterfaceKind::kWireless;
      if (physical && !nic.mac.empty()) id.macs.push_back(nic.mac);
    }
  }
  std::sort(id.macs.begin(), id.macs.end());
  return id;
}

}  // namespace mamori::facts
