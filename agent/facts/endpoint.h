#pragma once

// EndpointFacts: everything one collection produced, mirroring
// mamori.v1.EndpointFacts. Families not collected stay std::nullopt (absent
// from the JSON and the proto). The family members and their VisitFields
// lines come from the one list, agent/facts/families.h. Value type; not
// thread-safe to mutate concurrently.

#include <optional>
#include <string>
#include <vector>

#include "agent/facts/families.h"
#include "agent/facts/types.h"

namespace mamori::facts {

// Mirrors mamori.v1.HostIdentity.
struct HostIdentity {
  std::string hostname;
  std::string machine_id;
  std::string smbios_uuid;
  std::string serial;
  std::vector<std::string> macs;
};

template <typename V>
void VisitFields(const HostIdentity& f, V& v) {
  v("hostname", f.hostname);
  v("machine_id", f.machine_id);
  v("smbios_uuid", f.smbios_uuid);
  v("serial", f.serial);
  v("macs", f.macs);
}

// Mirrors mamori.v1.EndpointFacts.
struct EndpointFacts {
  std::string agent_version;
  HostIdentity identity;
  std::optional<TimePoint> collected_at;
#define MAMORI_FACT_MEMBER(name, Struct, Gather) std::optional<Struct> name;
  MAMORI_FACT_FAMILIES(MAMORI_FACT_MEMBER)
#undef MAMORI_FACT_MEMBER
};

template <typename V>
void VisitFields(const EndpointFacts& f, V& v) {
  v("agent_version", f.agent_version);
  v("identity", f.identity);
  v("collected_at", f.collected_at);
#define MAMORI_FACT_VISIT(name, Struct, Gather) v(#name, f.name);
  MAMORI_FACT_FAMILIES(MAMORI_FACT_VISIT)
#undef MAMORI_FACT_VISIT
}

// Returns the identity drawn from the collected families: hostname,
// machine-id and SMBIOS UUID from system, serial from hardware, and the
// sorted MACs of physical (wired/wireless) interfaces from network. Fields
// whose family was not collected stay empty.
HostIdentity BuildIdentity(const EndpointFacts& facts);

}  // namespace mamori::facts
