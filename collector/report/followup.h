#pragma once

// Follow-up over time (#15): the improvement plan as a tracked list. Each
// plan item becomes an ImprovementItem (report_store.h) with status, owner
// and due date that org admins edit (audited). Items about endpoints
// (fix_endpoints, enroll_endpoints) follow the evidence: when an item leaves
// the plan because the evidence now passes it is closed ("done", actor
// "evidence"); when it comes back because the evidence fails again it is
// reopened ("open"). Items about written rules follow people: they leave
// the plan silently (in_plan = false) and are closed by hand.
//
// DecideItemChanges is the pure rule; SyncImprovementItems applies it
// through a ReportStore. Thread-compatible.

#include <string>
#include <string_view>
#include <vector>

#include "collector/grading/grading.h"
#include "collector/report/report_model.h"
#include "collector/store/report_store.h"

namespace mamori::report {

// The actor of automatic changes in the audit trail.
inline constexpr char kEvidenceActor[] = "evidence";

struct PlanKey {
  std::string key;
  std::string rule;
  std::string kind;
};
PlanKey KeyOf(const grading::Improvement& improvement);

struct ItemDecision {
  int64_t item_id = 0;  // 0 = a new item for `add`
  PlanKey add;
  std::vector<store::ItemChange> changes;
};

// What to do so that `items` reflect `plan`: new items for plan keys not yet
// tracked; for tracked items, in_plan and (endpoint items only) status
// changes as described above. Deterministic; no I/O.
std::vector<ItemDecision> DecideItemChanges(
    const std::vector<store::ImprovementItem>& items,
    const std::vector<PlanKey>& plan);

// Applies DecideItemChanges for `org_id` at `now` and returns the items
// afterwards as TrackedItem (for BuildReportModel). Store errors are
// returned.
Result<std::vector<TrackedItem>> SyncImprovementItems(
    store::ReportStore& store, int64_t org_id,
    const std::vector<grading::Improvement>& plan, int64_t now);

// Most bytes of an item's owner.
inline constexpr size_t kMaxOwnerBytes = 80;

// True for a real calendar date "YYYY-MM-DD" (leap years counted).
bool IsCalendarDate(std::string_view text);

// Checks a person's edit of an item before it is stored (the console and
// `improvements set`): status one of open, in_progress, done; due a
// calendar date or "" (clears it); owner well-formed UTF-8 without control
// characters, at most kMaxOwnerBytes; no other field. OK, or
// INVALID_ARGUMENT whose message starts with the field ("due: …").
Status ValidateItemChanges(const std::vector<store::ItemChange>& changes);

// The check an item key names ("fix_endpoints:wifi:wifi_secure" →
// "wifi_secure"), "" for rule items.
std::string ItemCheckId(const std::string& key);

// The items as BuildReportModel wants them.
std::vector<TrackedItem> ToTracked(
    const std::vector<store::ImprovementItem>& items);

}  // namespace mamori::report
