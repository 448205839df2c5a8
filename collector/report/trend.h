#pragma once

// Per-rule grade trend (#15 "follow-up over time") from the grade snapshots
// an organisation keeps (GradingPort::GradeHistory, one per evaluation).
// Serve re-grades often, so a run of identical snapshots makes one point;
// the comparison "since the previous report" is with the newest earlier
// snapshot whose grades differ (else the newest earlier one), as the
// report's trend section prints it. The console's trend resource and the
// report share these functions.
//
// Pure functions, no I/O; thread-safe.

#include <optional>
#include <string>
#include <vector>

#include "collector/store/grading_port.h"
#include "common/clock.h"

namespace mamori::report {

// The grades of one snapshot in grading::kRuleIds order; "" for a rule the
// snapshot lacks or an unreadable snapshot (unknown, never a grade).
std::vector<std::string> SnapshotRuleGrades(const store::GradeSnapshot& s);

struct GradePoint {
  TimePoint at;                     // first evaluation with these grades
  std::string overall;              // "A".."D" or ""
  std::vector<std::string> grades;  // kRuleIds order, "" unknown
};

// One grade that differs between the earlier snapshot and the current one.
struct GradeChange {
  std::string subject;  // "overall" or a rule id
  std::string from;     // "A".."D"
  std::string to;       // "A".."D" or "" (no longer graded)
};

struct GradeTrend {
  // Oldest first, one point per change of grades, the last `max_points`.
  std::vector<GradePoint> points;
  // The current grades: the newest snapshot at or before `current_at`.
  std::optional<GradePoint> current;
  // The earlier snapshot compared with; nullopt when there is none.
  std::optional<GradePoint> previous;
  // Overall first, then rules in kRuleIds order; empty when nothing changed
  // (or nothing to compare with).
  std::vector<GradeChange> changes;
};

// `history` newest first (as GradeHistory answers); snapshots after
// `current_at` are ignored. Never fails: an empty history gives an empty
// trend.
GradeTrend BuildGradeTrend(const std::vector<store::GradeSnapshot>& history,
                           TimePoint current_at, size_t max_points);

}  // namespace mamori::report
