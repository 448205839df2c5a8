#include "collector/report/followup.h"

#include <map>

#include "common/text.h"

namespace mamori::report {

namespace {

bool IsEndpointKind(const std::string& kind) {
  return kind == "fix_endpoints" || kind == "enroll_endpoints";
}

bool HasControlCharacter(std::string_view text) {
  for (size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x20 || c == 0x7f) return true;
    // C1 controls U+0080–U+009F are C2 80–C2 9F in UTF-8.
    if (c == 0xc2 && i + 1 < text.size()) {
      const auto next = static_cast<unsigned char>(text[i + 1]);
      if (next >= 0x80 && next <= 0x9f) return true;
    }
  }
  return false;
}

}  // namespace

bool IsCalendarDate(std::string_view s) {
  if (s.size() != 10 || s[4] != '-' || s[7] != '-') return false;
  for (size_t i : {0, 1, 2, 3, 5, 6, 8, 9}) {
    if (s[i] < '0' || s[i] > '9') return false;
  }
  auto number = [&](size_t at, size_t n) {
    int v = 0;
    for (size_t i = at; i < at + n; ++i) v = v * 10 + (s[i] - '0');
    return v;
  };
  const int year = number(0, 4), month = number(5, 2), day = number(8, 2);
  if (year < 1970 || month < 1 || month > 12 || day < 1) return false;
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30,
                                  31, 31, 30, 31, 30, 31};
  const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  return day <= kDays[month - 1] + (month == 2 && leap ? 1 : 0);
}

Status ValidateItemChanges(const std::vector<store::ItemChange>& changes) {
  for (const auto& c : changes) {
    if (c.field == "status") {
      if (c.value != "open" && c.value != "in_progress" && c.value != "done") {
        return InvalidArgumentError(
            "status: expected open, in_progress or done");
      }
    } else if (c.field == "due") {
      if (!c.value.empty() && !IsCalendarDate(c.value)) {
        return InvalidArgumentError(
            "due: expected a calendar date YYYY-MM-DD (or empty to clear)");
      }
    } else if (c.field == "owner") {
      if (c.value.size() > kMaxOwnerBytes) {
        return InvalidArgumentError("owner: at most " +
                                    std::to_string(kMaxOwnerBytes) + " bytes");
      }
      if (!IsValidUtf8(c.value) || HasControlCharacter(c.value)) {
        return InvalidArgumentError(
            "owner: invalid UTF-8 or control characters");
      }
    } else {
      return InvalidArgumentError(c.field + ": not a field of an item");
    }
  }
  return Status::Ok();
}

std::string ItemCheckId(const std::string& key) {
  const size_t first = key.find(':');
  if (first == std::string::npos) return "";
  const size_t second = key.find(':', first + 1);
  return second == std::string::npos ? "" : key.substr(second + 1);
}

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
    out.push_back(
        {i.id, i.key, i.status, i.owner, i.due, i.rule, i.kind, i.updated_at});
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
      // Another process (`report`, a scheduled report, the console) synced
      // the same plan between our read and this add: the item is there.
      if (!id.ok() && id.status().code() != StatusCode::kAlreadyExists) {
        return id.status();
      }
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
