#pragma once

// Whether a report comes from the machine its host record was enrolled
// from. The node key proves the agent's state directory, not the machine: a
// copied state directory (an imaged disk, a backup restored elsewhere) makes
// two machines report as one host. Each report carries the identity facts
// the agent read (HostIdentity); a report whose stable identifiers
// contradict the enrolled ones is refused and the host flagged, never merged
// into the enrolled machine's facts.
//
// Rule: the stable identifiers are the machine id, the SMBIOS UUID and the
// serial number. Any of them present (non-empty) on both sides and
// different is a conflict. When no stable identifier is present on both
// sides, a different host name together with disjoint MAC address sets
// (both non-empty) is one too. Identifiers missing on either side never
// conflict (a serial unreadable without root, a container without DMI).
// Comparison is exact after the normalisation enrollment applies (SMBIOS
// UUID lower case, MACs sorted).
//
// Pure and thread-safe.

#include <optional>
#include <string>

#include "collector/store/store.h"

namespace mamori::store {

// Returns a description of the first conflict ("machine_id 'a…' ≠ 'b…'"),
// or nullopt when `reported` may be the enrolled machine. Values in the
// description are cut to 64 bytes.
std::optional<std::string> ReportedIdentityConflict(
    const HostIdentityData& enrolled, const HostIdentityData& reported);

// Comma-separated sorted MACs (as hosts.macs stores them) → list.
std::vector<std::string> SplitMacs(const std::string& joined);

}  // namespace mamori::store
