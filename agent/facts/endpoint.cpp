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
  std::sort(id.macs.begin(), id.macs.end());
  return id;
}

}  // namespace mamori::facts
