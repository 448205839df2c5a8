#include "collector/report/trend.h"

#include <iterator>
#include <nlohmann/json.hpp>

#include "collector/grading/grading.h"

namespace mamori::report {

std::vector<std::string> SnapshotRuleGrades(const store::GradeSnapshot& s) {
  std::vector<std::string> out(std::size(grading::kRuleIds));
  const auto j = nlohmann::json::parse(s.rules_json, nullptr, false);
  if (!j.is_object()) return out;
  for (size_t i = 0; i < out.size(); ++i) {
    auto it = j.find(std::string(grading::kRuleIds[i]));
    if (it != j.end() && it->is_string()) out[i] = it->get<std::string>();
  }
  return out;
}

GradeTrend BuildGradeTrend(const std::vector<store::GradeSnapshot>& history,
                           TimePoint current_at, size_t max_points) {
  GradeTrend t;
  for (auto it = history.rbegin(); it != history.rend(); ++it) {
    if (it->evaluated_at > current_at) continue;
    GradePoint p{it->evaluated_at, it->overall, SnapshotRuleGrades(*it)};
    if (!t.points.empty() && t.points.back().overall == p.overall &&
        t.points.back().grades == p.grades) {
      continue;
    }
    t.points.push_back(std::move(p));
  }
  if (t.points.size() > max_points) {
    t.points.erase(t.points.begin(),
                   t.points.end() - static_cast<std::ptrdiff_t>(max_points));
  }

  const store::GradeSnapshot* current = nullptr;
  const store::GradeSnapshot* previous = nullptr;
  for (const auto& s : history) {
    if (s.evaluated_at > current_at) continue;
    if (!current) {
      current = &s;
      continue;
    }
    if (!previous) previous = &s;
    if (s.overall != current->overall ||
        SnapshotRuleGrades(s) != SnapshotRuleGrades(*current)) {
      previous = &s;
      break;
    }
  }
  if (!current) return t;
  t.current = GradePoint{current->evaluated_at, current->overall,
                         SnapshotRuleGrades(*current)};
  if (!previous) return t;
  t.previous = GradePoint{previous->evaluated_at, previous->overall,
                          SnapshotRuleGrades(*previous)};
  if (!t.previous->overall.empty() &&
      t.previous->overall != t.current->overall) {
    t.changes.push_back({"overall", t.previous->overall, t.current->overall});
  }
  for (size_t i = 0; i < t.current->grades.size(); ++i) {
    const std::string& from = t.previous->grades[i];
    const std::string& to = t.current->grades[i];
    if (!from.empty() && from != to) {
      t.changes.push_back({std::string(grading::kRuleIds[i]), from, to});
    }
  }
  return t;
}

}  // namespace mamori::report
