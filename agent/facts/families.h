#pragma once

// The agent's fact families: the one list. A family is one line in
// MAMORI_FACT_FAMILIES, in EndpointFacts (proto) field order, plus the include
// of its header above it:
//   X(name, Struct, Gather)
//     name    its EndpointFacts field in facts.proto ("usb_storage");
//     Struct  the struct in agent/facts/<name>.h;
//     Gather  `Struct Gather(const GatherContext&)`, implemented in
//             agent/facts/linux/<name>.cpp and agent/facts/windows/<name>.cpp.
// Everything else follows from that line: the EndpointFacts member and its
// VisitFields line (endpoint.h), the registry entry (registry.cpp), and the
// sources and tests agent/facts/CMakeLists.txt builds for it (it reads the
// names from the `X(` lines below, so keep one family per line).
// mamori_facts_registry_wire_test holds the names to the proto's family
// fields.

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
#include "agent/facts/updates.h"
#include "agent/facts/usb_storage.h"
#include "agent/facts/wifi.h"

// clang-format off
#define MAMORI_FACT_FAMILIES(X)                                        \
  X(system, SystemFacts, GatherSystem)                                 \
  X(hardware, HardwareFacts, GatherHardware)                           \
  X(network, NetworkFacts, GatherNetwork)                              \
  X(packages, PackageFacts, GatherPackages)                            \
  X(updates, UpdateFacts, GatherUpdates)                               \
  X(antivirus, AntivirusFacts, GatherAntivirus)                        \
  X(usb_storage, UsbStorageFacts, GatherUsbStorage)                    \
  X(wifi, WifiFacts, GatherWifi)                                       \
  X(password_policy, PasswordPolicyFacts, GatherPasswordPolicy)        \
  X(screen_lock, ScreenLockFacts, GatherScreenLock)                    \
  X(disk_encryption, DiskEncryptionFacts, GatherDiskEncryption)        \
  X(firewall, FirewallFacts, GatherFirewall)                           \
  X(remote_access, RemoteAccessFacts, GatherRemoteAccess)              \
  X(accounts, AccountFacts, GatherAccounts)                            \
  X(service_exposure, ServiceExposureFacts, GatherServiceExposure)     \
  X(neighbours, NeighbourFacts, GatherNeighbours)
// clang-format on
