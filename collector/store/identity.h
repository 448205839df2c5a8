#pragma once

// Which host an enrolling agent is: the identity rule every store backend
// applies (pure; no I/O). An agent presents its machine id, SMBIOS UUID and
// serial, and may prove it holds an existing host's node key. The store
// loads the organisation's hosts that share any of those identifiers and
// asks DecideEnrollment.
//
// The rule (issue #13 point 2: no takeover by identity collision):
//   - proof of the old node key re-attaches to that host;
//   - otherwise a host re-attaches only when at least two of the three
//     identifiers are present on both sides and agree, and neither hardware
//     identifier (UUID, serial) disagrees: same installation (all agree) or
//     a reinstall on the same hardware (new machine id, UUID and serial
//     agree);
//   - the same machine id on other hardware is a cloned image: a new host
//     flagged as a clone of the first such host;
//   - any other overlap (one identifier, e.g. only the machine id or only the
//     serial) is a possible duplicate: a new host flagged for an organisation
//     admin to merge. The existing host and its node key are left alone.
// Identifiers are compared trimmed and ASCII case-insensitively; empty
// values and all-zero or all-F UUIDs count as absent.
//
// Thread safety: pure functions.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace mamori::store {

struct IdentityKeys {
  std::string machine_id;
  std::string smbios_uuid;
  std::string serial;
};

// An existing host of the organisation that shares an identifier.
struct KnownHost {
  int64_t id = 0;
  IdentityKeys keys;
  bool is_clone = false;
};

enum class EnrollMatch {
  kNewHost,            // nothing in common with any host
  kReattach,           // host_id is the same machine
  kClone,              // new host, clone of host_id
  kPossibleDuplicate,  // new host, possibly the same machine as host_id
};

struct EnrollDecision {
  EnrollMatch match = EnrollMatch::kNewHost;
  // The host re-attached to, cloned or possibly duplicated; unset for
  // kNewHost.
  std::optional<int64_t> host_id;
  friend bool operator==(const EnrollDecision&,
                         const EnrollDecision&) = default;
};

// How two identities compare: identifiers present on both sides that agree
// or disagree.
struct IdentityComparison {
  int agree = 0;
  bool machine_conflict = false;
  bool hardware_conflict = false;  // UUID or serial disagree
  bool machine_agrees = false;
};
IdentityComparison CompareIdentity(const IdentityKeys& a,
                                   const IdentityKeys& b);

// Decides per the rule above. `candidates` are the organisation's hosts
// sharing at least one identifier with `request` (others are ignored), in
// the order to prefer (lowest id first); `proven_host` is a host of the
// organisation whose node key the request proved, if any.
EnrollDecision DecideEnrollment(const IdentityKeys& request,
                                std::span<const KnownHost> candidates,
                                std::optional<int64_t> proven_host);

}  // namespace mamori::store
