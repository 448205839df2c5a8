#pragma once

// What storing one report changes: the ingest rule every store backend
// applies (pure; no I/O). The backend authenticates the host, then feeds the
// planner the part digests it holds for the host (one call per stored
// family, with a backend reference to the stored row) and asks for the plan:
//
//   - missing parts: unchanged parts whose digest the store does not hold
//     (then nothing is stored: the agent resends them in full, or the
//     report id was seen before and it is a duplicate);
//   - per family sent in full: the stored row when its digest is unchanged
//     (only collected_at moves), else it is written with a history entry;
//   - stamp_host: the report names every family the host holds and is not
//     older than the last such report, so it vouches for all of them at its
//     own collected_at (no per-family write for those found unchanged);
//   - touches: stored rows whose collected_at moves, each once.
//
// Thread safety: an IngestPlanner is used by one thread; the plan is a value.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "collector/store/store.h"

namespace mamori::store {

struct IngestPlan {
  std::vector<std::string> missing_parts;
  // Per report.families entry: the stored row's reference when its digest
  // is unchanged, 0 when the family is to be written.
  std::vector<int64_t> unchanged_family_ref;
  bool stamp_host = false;
  struct Touch {
    int64_t ref = 0;
    std::optional<int64_t> collected_at;
    friend bool operator==(const Touch&, const Touch&) = default;
  };
  std::vector<Touch> touches;
};

class IngestPlanner {
 public:
  // `report` must outlive the planner.
  explicit IngestPlanner(const ReportInput& report);

  // One stored family of the host: its name, digest and a non-zero
  // reference the backend uses to update it.
  void AddStored(std::string_view family, std::string_view sha256, int64_t ref);

  // The plan, given when the host's facts were last vouched for by a
  // complete report (unset = never).
  IngestPlan Finish(std::optional<int64_t> vouched_at) const;

 private:
  const ReportInput& report_;
  std::vector<int64_t> part_matches_;  // per report.unchanged: ref or 0
  std::vector<int64_t> family_refs_;   // per report.families: ref or 0
  bool names_every_family_ = true;
};

}  // namespace mamori::store
