#include "collector/store/ingest_plan.h"

namespace mamori::store {

IngestPlanner::IngestPlanner(const ReportInput& report)
    : report_(report),
      part_matches_(report.unchanged.size(), 0),
      family_refs_(report.families.size(), 0) {}

void IngestPlanner::AddStored(std::string_view family, std::string_view sha256,
                              int64_t ref) {
  // Families are matched by name: a few dozen short comparisons, no copies.
  bool named = false;
  for (size_t i = 0; i < report_.unchanged.size(); ++i) {
    if (report_.unchanged[i].family == family) {
      part_matches_[i] = report_.unchanged[i].sha256 == sha256 ? ref : 0;
      named = true;
    }
  }
  for (size_t i = 0; i < report_.families.size(); ++i) {
    if (report_.families[i].family == family) {
      family_refs_[i] = report_.families[i].sha256 == sha256 ? ref : 0;
      named = true;
    }
  }
  names_every_family_ = names_every_family_ && named;
}

IngestPlan IngestPlanner::Finish(std::optional<int64_t> vouched_at) const {
  IngestPlan plan;
  for (size_t i = 0; i < report_.unchanged.size(); ++i) {
    if (part_matches_[i] == 0) {
      plan.missing_parts.push_back(report_.unchanged[i].family);
    }
  }
  plan.unchanged_family_ref = family_refs_;
  if (!plan.missing_parts.empty()) return plan;

  plan.stamp_host =
      names_every_family_ && report_.collected_at.has_value() &&
      (!vouched_at.has_value() || *vouched_at <= *report_.collected_at);
  plan.touches.reserve(report_.unchanged.size() + report_.families.size());
  auto add_touch = [&plan](int64_t ref,
                           const std::optional<int64_t>& collected_at) {
    for (const IngestPlan::Touch& t : plan.touches) {
      if (t.ref == ref) return;
    }
    plan.touches.push_back({ref, collected_at});
  };
  if (!plan.stamp_host) {
    for (int64_t ref : part_matches_) add_touch(ref, report_.collected_at);
  }
  for (size_t i = 0; i < report_.families.size(); ++i) {
    if (family_refs_[i] != 0 &&
        !(plan.stamp_host &&
          report_.families[i].collected_at == report_.collected_at)) {
      add_touch(family_refs_[i], report_.families[i].collected_at);
    }
  }
  return plan;
}

}  // namespace mamori::store
