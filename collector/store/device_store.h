#pragma once

// DeviceStore (issue #20): the devices an organisation's agents saw in their
// neighbour tables, as the store keeps them (store/sqlite: grading migration
// 8, device_sightings kept by a trigger when a report stores the neighbours
// family). One row per organisation and MAC with first and last seen, the
// hosts that saw it (witnesses), the vendor from the IEEE registry, the
// administrators' mark, whether the MAC is one of the organisation's own
// enrolled hosts, and whether the device looks like a PC.
//
// Every read and write names one organisation id and touches that
// organisation's rows only; callers check the caller's scope first
// (OrgScope for the console; the CLI is the operator). MACs are data, never
// identity: a device is whatever claimed that MAC on the witnesses' LANs.
//
// Thread safety: every public method takes an internal mutex.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/status.h"

namespace mamori::store {

// One IEEE assignment (collector/devices/oui.h makes them).
struct VendorRow {
  std::string prefix;  // upper-case hex, 6, 7 or 9 digits
  std::string organization;
  bool pc_maker = false;
};

// One host that listed the device.
struct DeviceWitness {
  int64_t host_id = 0;
  std::string hostname;
  std::string ips;  // comma separated, as the host's table had them
  std::string interface;
  bool gateway = false;  // the host's gateway or an IPv6 router
  TimePoint first_seen;
  TimePoint last_seen;
  bool current = false;  // still in the host's current table
};

struct NetworkDevice {
  std::string mac;
  std::string ips;  // of the most recent sighting
  TimePoint first_seen;
  TimePoint last_seen;
  std::vector<DeviceWitness> witnesses;
  bool locally_administered = false;  // randomised or set by hand
  std::string vendor;                 // "" when unknown
  bool vendor_pc_maker = false;
  bool gateway = false;
  std::string mark;  // "", "not_pc" or "needs_agent"
  std::string mark_kind;
  std::string mark_note;
  std::string marked_by;
  std::optional<TimePoint> marked_at;
  bool enrolled = false;  // one of the organisation's enrolled hosts
  bool looks_like_pc = false;
};

struct DeviceQuery {
  // Also list the organisation's enrolled hosts (normally left out).
  bool include_enrolled = false;
  // Only devices some witness listed at or after this time.
  std::optional<TimePoint> seen_since;
  // Only devices that look like PCs.
  bool pcs_only = false;
};

// A mark an administrator sets: "not_pc" with a kind (printer, router, nas,
// phone, other) or "needs_agent".
struct DeviceMark {
  std::string mac;  // any of the layouts oui.h's ParseMac accepts
  std::string verdict;
  std::string kind;
  std::string note;  // at most 500 bytes of UTF-8
};

// Who changes a mark, for the audit row (console_audit).
struct DeviceActor {
  std::string actor;   // account name, "cli:<user>"
  std::string source;  // client address, "cli"
};

class DeviceStore {
 public:
  virtual ~DeviceStore() = default;

  // The signature of the vendor rows in the store; "" when none were loaded.
  virtual Result<std::string> VendorSignature() = 0;
  // Replaces every vendor row with `rows` in one transaction and records
  // `signature`. Returns OK; the database error otherwise (nothing changed).
  virtual Status ReplaceVendors(const std::vector<VendorRow>& rows,
                                const std::string& signature,
                                TimePoint now) = 0;

  // The organisation's devices, most recently seen first, witnesses most
  // recent first. NOT_FOUND for an unknown organisation.
  virtual Result<std::vector<NetworkDevice>> ListDevices(
      int64_t org_id, const DeviceQuery& query) = 0;
  // Devices that look like PCs, are not enrolled, and were seen at or after
  // `seen_since`. NOT_FOUND for an unknown organisation.
  virtual Result<int64_t> CountUnmanagedPcs(int64_t org_id,
                                            TimePoint seen_since) = 0;

  // Sets (or replaces) the mark of a MAC some witness of the organisation
  // saw, and appends an audit row ("device.mark") in the same transaction.
  // INVALID_ARGUMENT naming the field for a malformed MAC, an unknown
  // verdict or kind, a kind with needs_agent, or a note that is too long or
  // not UTF-8; NOT_FOUND when no host of the organisation saw the MAC.
  virtual Status MarkDevice(int64_t org_id, const DeviceMark& mark,
                            const DeviceActor& actor, TimePoint now) = 0;
  // Removes a mark, with an audit row ("device.unmark"). NOT_FOUND when the
  // MAC has no mark in the organisation.
  virtual Status ClearMark(int64_t org_id, const std::string& mac,
                           const DeviceActor& actor, TimePoint now) = 0;
};

}  // namespace mamori::store
