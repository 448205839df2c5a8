#pragma once

// The alert conditions that hold for an organisation now, derived from what
// grading stored (pure functions; the store's Reconcile turns the change of
// this set into events, store/alert_port.h):
//   check_failing    a host fails a check (per host and check)
//   banned_software  a banned dictionary title is installed (per host and
//                    title, from software_not_banned's evidence)
//   host_silent      a host has not reported for `silent_days`
//   grade_changed    a rule's grade differs from the one seen last time
//   unmanaged_device a device that looks like a PC, seen on the LAN by the
//                    organisation's hosts, is not enrolled (per device;
//                    AlertService lists them through store/device_store.h)
// Names and details are copied from hosts and evidence, which come from
// endpoints: they are hostile and are cleaned where they are shown
// (render.h), not here.
//
// Thread safety: pure functions.

#include <functional>
#include <string>
#include <vector>

#include "collector/store/alert_port.h"
#include "collector/store/grading_port.h"
#include "collector/store/records/check_records.h"
#include "common/clock.h"

namespace mamori::alerts {

// The check whose failures are reported as banned_software instead of
// check_failing.
inline constexpr char kBannedCheck[] = "software_not_banned";

struct LocalName {
  std::string ja;
  std::string en;
};
// Display names of checks, rules and dictionary titles by id; an unknown id
// returns {id, id}.
using NameLookup = std::function<LocalName(const std::string& id)>;

// check_failing and banned_software conditions of `results` (current
// results of one organisation; host ids as in GradingHost, as text).
std::vector<store::AlertCondition> FailingConditions(
    const std::vector<store::GradingHost>& hosts,
    const std::vector<grading::CheckResult>& results,
    const NameLookup& check_names, const NameLookup& title_names);

// host_silent conditions: hosts whose last report was collected more than
// `silent_days` before `now`. A host that never reported is not silent (it
// has nothing to be silent after; the console lists it as never reported).
std::vector<store::AlertCondition> SilentConditions(
    const std::vector<store::AlertHost>& hosts, TimePoint now, int silent_days);

// grade_changed conditions between two {"rule": "A".."D"} objects: one per
// rule whose grade differs (detail "B → C"). Nothing when `before` is empty
// or either is not such an object.
std::vector<store::AlertCondition> GradeChanges(const std::string& before,
                                                const std::string& after,
                                                const NameLookup& rule_names);

// A device seen by the organisation's hosts that is not enrolled (#20
// part 1). `key` is its stable identity (the MAC address).
struct UnmanagedDevice {
  std::string key;
  std::string address;
  std::string vendor;
  std::string seen_by;  // a host that saw it
};
// unmanaged_device conditions, one per device.
std::vector<store::AlertCondition> UnmanagedDeviceConditions(
    const std::vector<UnmanagedDevice>& devices);

// Splits software_not_banned's `banned_software` evidence ("name version
// (title); …") into (title id, "name version") pairs.
std::vector<std::pair<std::string, std::string>> ParseBannedEvidence(
    const std::string& evidence);

}  // namespace mamori::alerts
