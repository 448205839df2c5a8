#include "collector/web/console_api_followup.h"

#include <algorithm>
#include <map>

#include "collector/grading/grading.h"
#include "collector/report/followup.h"
#include "collector/report/report_model.h"
#include "collector/report/trend.h"

namespace mamori::web {

namespace {

using nlohmann::json;

std::string Iso(TimePoint t) {
  return report::FormatUtc(t, "%Y-%m-%dT%H:%M:%SZ");
}

json Text(const policy::LocalizedText& text) {
  return {{"ja", text.ja}, {"en", text.en}};
}

json GradeOrNull(const std::string& grade) {
  return grade.empty() ? json(nullptr) : json(grade);
}

json PointJson(const report::GradePoint& p) {
  json grades = json::object();
  for (size_t i = 0; i < p.grades.size(); ++i) {
    grades[std::string(grading::kRuleIds[i])] = GradeOrNull(p.grades[i]);
  }
  return {{"evaluated_at", Iso(p.at)},
          {"overall", GradeOrNull(p.overall)},
          {"grades", grades}};
}

ApiAnswer FromStatus(const Status& s) {
  if (s.code() == StatusCode::kNotFound) {
    return ApiAnswer::Problem(404, "error.not_found");
  }
  return ApiAnswer::Problem(500, "error.internal");
}

bool IsEndpointKind(const std::string& kind) {
  return kind == "fix_endpoints" || kind == "enroll_endpoints";
}

// Open and in-progress items first, then done; within each, the rule order
// of the plan is not known here, so the newest change first.
int StatusRank(const std::string& status) {
  if (status == "in_progress") return 0;
  if (status == "open") return 1;
  return 2;
}

json ItemJson(const store::ImprovementItem& item,
              const std::map<std::string, const grading::Improvement*>& plan,
              const policy::PolicySet& policies) {
  const std::string check_id = report::ItemCheckId(item.key);
  const policy::Check* check =
      check_id.empty() ? nullptr : policies.Find(check_id);
  json endpoints = json::array();
  size_t endpoint_count = 0;
  if (auto it = plan.find(item.key); it != plan.end()) {
    endpoint_count = it->second->endpoints.size();
    for (const auto& e : it->second->endpoints) {
      if (endpoints.size() == 10) break;
      endpoints.push_back(e.hostname);
    }
  }
  return {{"id", item.id},
          {"key", item.key},
          {"rule", item.rule},
          {"kind", item.kind},
          {"check_id", check_id},
          {"title", check ? Text(check->title) : json(nullptr)},
          {"status", item.status},
          {"owner", item.owner},
          {"due", item.due.empty() ? json(nullptr) : json(item.due)},
          {"in_plan", item.in_plan},
          {"automatic", IsEndpointKind(item.kind)},
          {"endpoint_count", endpoint_count},
          {"endpoints", endpoints},
          {"updated_at", Iso(FromUnixSeconds(item.updated_at))}};
}

std::map<std::string, const grading::Improvement*> PlanByKey(
    const policy::GradeReport& plan) {
  std::map<std::string, const grading::Improvement*> out;
  for (const auto& imp : plan.improvements) {
    out[report::ImprovementKey(imp)] = &imp;
  }
  return out;
}

}  // namespace

ApiAnswer GradeTrendAnswer(store::GradingPort& grading,
                           const policy::Questionnaires& questionnaires,
                           const policy::GradeReport& current, int64_t org_id,
                           TimePoint now) {
  // Enough snapshots for kConsoleTrendPoints changes in most histories; a
  // collector that re-grades every few minutes keeps long identical runs.
  Result<std::vector<store::GradeSnapshot>> history =
      grading.GradeHistory(org_id, 2000);
  if (!history.ok()) return FromStatus(history.status());
  json rules_now = json::object();
  for (const auto& r : current.rules) {
    rules_now[r.grade.rule] = std::string(grading::GradeName(r.grade.grade));
  }
  store::GradeSnapshot shown{
      now, current.policy_version,
      current.overall ? std::string(grading::GradeName(*current.overall)) : "",
      rules_now.dump()};
  if (history->empty() || history->front().overall != shown.overall ||
      report::SnapshotRuleGrades(history->front()) !=
          report::SnapshotRuleGrades(shown)) {
    history->insert(history->begin(), std::move(shown));
  }
  const report::GradeTrend trend =
      report::BuildGradeTrend(*history, now, kConsoleTrendPoints);
  json rules = json::array();
  for (std::string_view id : grading::kRuleIds) {
    const policy::SecondDiagnosisRule* r =
        questionnaires.second.Find(std::string(id));
    rules.push_back(
        {{"id", id},
         {"name", r ? Text(r->name) : json{{"ja", id}, {"en", id}}}});
  }
  json points = json::array();
  for (const auto& p : trend.points) points.push_back(PointJson(p));
  json changes = json::array();
  for (const auto& c : trend.changes) {
    changes.push_back(
        {{"subject", c.subject}, {"from", c.from}, {"to", GradeOrNull(c.to)}});
  }
  return ApiAnswer::Document(
      {{"rules", rules},
       {"points", points},
       {"current", trend.current ? PointJson(*trend.current) : json(nullptr)},
       {"previous",
        trend.previous ? PointJson(*trend.previous) : json(nullptr)},
       {"changes", changes}});
}

ApiAnswer ImprovementItemsAnswer(store::ReportStore& store,
                                 const policy::GradeReport& plan,
                                 const policy::PolicySet& policies,
                                 int64_t org_id, bool can_write,
                                 TimePoint now) {
  Result<std::vector<report::TrackedItem>> synced =
      report::SyncImprovementItems(store, org_id, plan.improvements,
                                   ToUnixSeconds(now));
  if (!synced.ok()) return FromStatus(synced.status());
  Result<std::vector<store::ImprovementItem>> items =
      store.ImprovementItems(org_id);
  if (!items.ok()) return FromStatus(items.status());
  std::vector<store::ImprovementItem> sorted = std::move(*items);
  std::stable_sort(sorted.begin(), sorted.end(),
                   [](const auto& a, const auto& b) {
                     if (a.in_plan != b.in_plan) return a.in_plan;
                     if (StatusRank(a.status) != StatusRank(b.status)) {
                       return StatusRank(a.status) < StatusRank(b.status);
                     }
                     return a.id < b.id;
                   });
  const auto by_key = PlanByKey(plan);
  json list = json::array();
  for (const auto& item : sorted) {
    list.push_back(ItemJson(item, by_key, policies));
  }
  return ApiAnswer::Document({{"can_write", can_write}, {"items", list}});
}

ItemPatchResult PatchImprovementItem(store::ReportStore& store,
                                     const policy::GradeReport& plan,
                                     const policy::PolicySet& policies,
                                     int64_t org_id, int64_t item_id,
                                     const json& body, const std::string& actor,
                                     TimePoint now) {
  ItemPatchResult out;
  std::vector<store::ItemChange> changes;
  for (const auto& [name, value] : body.items()) {
    if (name != "status" && name != "owner" && name != "due") {
      out.answer = ApiAnswer::Problem(400, "error.unknown_field", name,
                                      {{"field", name}});
      return out;
    }
    if (name == "due" && value.is_null()) {
      changes.push_back({"due", ""});
      continue;
    }
    if (!value.is_string()) {
      out.answer = ApiAnswer::Problem(400, "error.expected_string", name,
                                      {{"field", name}});
      return out;
    }
    changes.push_back({name, value.get<std::string>()});
  }
  if (changes.empty()) {
    out.answer = ApiAnswer::Problem(400, "error.nothing_to_change", "status",
                                    {{"field", "status, owner, due"}});
    return out;
  }
  if (Status valid = report::ValidateItemChanges(changes); !valid.ok()) {
    const std::string field =
        valid.message().substr(0, valid.message().find(':'));
    if (field == "status") {
      out.answer = ApiAnswer::Problem(
          400, "error.one_of", field,
          {{"field", field}, {"values", "open, in_progress, done"}});
    } else if (field == "due") {
      out.answer =
          ApiAnswer::Problem(400, "error.bad_date", field, {{"field", field}});
    } else if (field == "owner" &&
               valid.message().find("at most") != std::string::npos) {
      out.answer = ApiAnswer::Problem(
          400, "error.too_long", field,
          {{"field", field}, {"max", std::to_string(report::kMaxOwnerBytes)}});
    } else {
      out.answer =
          ApiAnswer::Problem(400, "error.bad_text", field, {{"field", field}});
    }
    return out;
  }
  Result<std::vector<store::ImprovementItem>> items =
      store.ImprovementItems(org_id);
  if (!items.ok()) {
    out.answer = FromStatus(items.status());
    return out;
  }
  auto find = [&](const std::vector<store::ImprovementItem>& all)
      -> const store::ImprovementItem* {
    for (const auto& i : all) {
      if (i.id == item_id) return &i;
    }
    return nullptr;
  };
  const store::ImprovementItem* before = find(*items);
  if (!before) {
    out.answer = ApiAnswer::Problem(404, "error.not_found");
    return out;
  }
  out.key = before->key;
  out.before = {{"status", before->status},
                {"owner", before->owner},
                {"due", before->due}};
  if (Status s = store.UpdateImprovementItem(org_id, item_id, changes, actor,
                                             ToUnixSeconds(now));
      !s.ok()) {
    out.answer = FromStatus(s);
    return out;
  }
  Result<std::vector<store::ImprovementItem>> again =
      store.ImprovementItems(org_id);
  if (!again.ok()) {
    out.answer = FromStatus(again.status());
    return out;
  }
  const store::ImprovementItem* after = find(*again);
  if (!after) {
    out.answer = ApiAnswer::Problem(404, "error.not_found");
    return out;
  }
  out.after = {
      {"status", after->status}, {"owner", after->owner}, {"due", after->due}};
  out.changed = out.after != out.before;
  out.answer = ApiAnswer::Document(ItemJson(*after, PlanByKey(plan), policies));
  return out;
}

}  // namespace mamori::web
