#pragma once

// EndpointFacts: everything one collection produced, mirroring
// mamori.v1.EndpointFacts. Families not collected stay std::nullopt (absent
// from the JSON and the proto). Adding a family: one member here, one line in
// VisitFields (proto order), one line in registry.cpp. Value type; not
// thread-safe to mutate concurrently.

#include <optional>
#include <string>
#include <vector>

#include "agent/facts/accounts.h"
#include "agent/facts/antivirus.h"
#include "agent/facts/disk_encryption.h"
#include "agent/facts/firewall.h"
#include "agent/facts/hardware.h"
#include "agent/facts/neighbours.h"
#include "agent/facts/network.h"
#include "agent/facts/packages.h"
#include "agent/facts/password_policy.h"
#include "agent/facts/remote_access.h"
#include "agent/facts/screen_lock.h"
#include "agent/facts/service_exposure.h"
#include "agent/facts/system.h"
#include "agent/facts/types.h"
#include "agent/facts/updates.h"
#include "agent/facts/usb_storage.h"
#include "agent/facts/wifi.h"

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
  std::optional<SystemFacts> system;
  std::optional<HardwareFacts> hardware;
  std::optional<NetworkFacts> network;
  std::optional<PackageFacts> packages;
  std::optional<UpdateFacts> updates;
  std::optional<AccountFacts> accounts;
  std::optional<AntivirusFacts> antivirus;
  std::optional<UsbStorageFacts> usb_storage;
  std::optional<WifiFacts> wifi;
  std::optional<PasswordPolicyFacts> password_policy;
  std::optional<ScreenLockFacts> screen_lock;
  std::optional<DiskEncryptionFacts> disk_encryption;
  std::optional<FirewallFacts> firewall;
  std::optional<RemoteAccessFacts> remote_access;
  std::optional<ServiceExposureFacts> service_exposure;
  std::optional<NeighbourFacts> neighbours;
};

template <typename V>
void VisitFields(const EndpointFacts& f, V& v) {
  v("agent_version", f.agent_version);
  v("identity", f.identity);
  v("collected_at", f.collected_at);
  v("system", f.system);
  v("hardware", f.hardware);
  v("network", f.network);
  v("packages", f.packages);
  v("updates", f.updates);
  v("antivirus", f.antivirus);
  v("usb_storage", f.usb_storage);
  v("wifi", f.wifi);
  v("password_policy", f.password_policy);
  v("screen_lock", f.screen_lock);
  v("disk_encryption", f.disk_encryption);
  v("firewall", f.firewall);
  v("remote_access", f.remote_access);
  v("accounts", f.accounts);
  v("service_exposure", f.service_exposure);
  v("neighbours", f.neighbours);
}

// Returns the identity drawn from the collected families: hostname,
// machine-id and SMBIOS UUID from system, serial from hardware, and the
// sorted MACs of physical (wired/wireless) interfaces from network. Fields
// whose family was not collected stay empty.
HostIdentity BuildIdentity(const EndpointFacts& facts);

}  // namespace mamori::facts
