#include "collector/report/followup.h"

#include <map>

namespace mamori::report {

namespace {

bool IsEndpointKind(const std::string& kind) {
  return kind == "fix_endpoints" || kind == "enroll_endpoints";
}

}  // namespace

PlanKey KeyOf(const grading::Improvement& imp) {
  return {ImprovementKey(imp), imp.rule,
          std::string(grading::ImprovementKindName(imp.kind))};
}

std::vector<ItemDecision> DecideItemChanges(
    const std::vector<store::ImprovementItem>& items,
    const std::vector<PlanKey>& plan) {
  std::map<std::string, const PlanKey*> in_plan;
  for (const auto& p : plan) in_plan[p.key] = &p;
  std::vector<ItemDecision> out;
  std::map<std::string, bool> tracked;
  for (const auto& item : items) {
    tracked[item.key] = true;
    const bool now_in_plan = in_plan.count(item.key) > 0;
    ItemDecision d;
    d.item_id = item.id;
    if (now_in_plan != item.in_plan) {
      d.changes.push_back({"in_plan", now_in_plan ? "1" : "0"});
    }
    if (IsEndpointKind(item.kind)) {
      if (!now_in_plan && item.status != "done") {
        d.changes.push_back({"status", "done"});
      } else if (now_in_plan && item.status == "done") {
        d.changes.push_back({"status", "open"});
      }
    }
    if (!d.changes.empty()) out.push_back(std::move(d));
  }
  for (const auto& p : plan) {
    if (tracked.count(p.key)) continue;
    ItemDecision d;
    d.add = p;
    out.push_back(std::move(d));
  }
  return out;
}

std::vector<TrackedItem> ToTracked(
    const std::vector<store::ImprovementItem>& items) {
  std::vector<TrackedItem> out;
  for (const auto& i : items) {
    out.push_back({i.id, i.key, i.status, i.owner, i.due});
  }
  return out;
}

Result<std::vector<TrackedItem>> SyncImprovementItems(
    store::ReportStore& store, int64_t org_id,
    const std::vector<grading::Improvement>& plan, int64_t now) {
  auto items = store.ImprovementItems(org_id);
  if (!items.ok()) return items.status();
  std::vector<PlanKey> keys;
  for (const auto& imp : plan) keys.push_back(KeyOf(imp));
  for (const auto& d : DecideItemChanges(*items, keys)) {
    if (d.item_id == 0) {
      auto id = store.AddImprovementItem(org_id, d.add.key, d.add.rule,
                                         d.add.kind, now);
      if (!id.ok()) return id.status();
    } else {
      MAMORI_RETURN_IF_ERROR(store.UpdateImprovementItem(
          org_id, d.item_id, d.changes, kEvidenceActor, now));
    }
  }
  items = store.ImprovementItems(org_id);
  if (!items.ok()) return items.status();
  return ToTracked(*items);
}

}  // namespace mamori::report
