// The first-diagnosis checklist (0–5 per question, four categories) and the
// IPA 5-minute self-check (25 items) as forms. The questions come from the
// questionnaire files in force; the scores and the IPA cross-checks against
// evidence are the grading engine's (GradeReport), read after each save.
#include <nlohmann/json.hpp>

#include "collector/policy/grading_service.h"
#include "collector/web/console_api_parts.h"
#include "common/text.h"

namespace mamori::web {

using nlohmann::json;

namespace {

json Tenths(const std::optional<int>& v) {
  return v ? json(*v / 10.0) : json(nullptr);
}

json CategoryJson(const grading::CategoryScore& c) {
  return {
      {"category", c.category},
      {"answered", c.answered},
      {"counted", c.counted},
      {"average", Tenths(c.average_tenths)},
      {"grade", c.grade ? json(grading::GradeName(*c.grade)) : json(nullptr)}};
}

}  // namespace

HttpResponse FormHandlers::First(int64_t org_id) {
  Result<store::OrgOverview> org = ScopedOrg(org_id);
  if (!org.ok()) return StoreProblem(org.status());
  std::lock_guard<std::mutex> lock(grading_mu());
  Result<policy::GradeReport> report = grading().Report(org->name);
  if (!report.ok()) return StoreProblem(report.status());
  const policy::FirstDiagnosis& form = grading().questionnaires().first;
  json scale = json::object();
  for (const auto& [value, text] : form.scale) scale[value] = Localized(text);
  json categories = json::array();
  for (std::string_view id : grading::kFirstDiagnosisCategories) {
    auto it = form.categories.find(std::string(id));
    categories.push_back({{"id", id},
                          {"name", it != form.categories.end()
                                       ? Localized(it->second)
                                       : json{{"ja", std::string(id)},
                                              {"en", std::string(id)}}}});
  }
  json questions = json::array();
  for (const policy::FirstDiagnosisQuestion& q : form.questions) {
    auto answer = report->answers.first.find(q.id);
    questions.push_back(
        {{"id", q.id},
         {"category", q.category},
         {"text", Localized(q.text)},
         {"score", answer != report->answers.first.end() ? json(answer->second)
                                                         : json(nullptr)}});
  }
  json result = nullptr;
  if (report->first_diagnosis) {
    json per = json::array();
    for (const auto& c : report->first_diagnosis->categories) {
      per.push_back(CategoryJson(c));
    }
    result = {{"categories", per},
              {"overall", CategoryJson(report->first_diagnosis->overall)}};
  }
  return Json({{"scale", scale},
               {"categories", categories},
               {"questions", questions},
               {"result", result},
               {"can_write", CanWrite(org_id)}});
}

HttpResponse FormHandlers::SaveFirst(int64_t org_id) {
  Result<store::OrgOverview> org = ScopedOrg(org_id);
  if (!org.ok()) return StoreProblem(org.status());
  if (!CanWrite(org_id)) return Problem(403, "auth.forbidden");
  if (auto p = ParseBody()) return *p;
  auto answers = call.body.find("answers");
  if (answers == call.body.end() || !answers->is_object()) {
    return FieldProblem("answers", "error.required");
  }
  store::AnswerSet change;
  {
    std::lock_guard<std::mutex> lock(grading_mu());
    const policy::FirstDiagnosis& form = grading().questionnaires().first;
    for (const auto& [id, value] : answers->items()) {
      const std::string field = "answers." + id;
      if (form.Find(id) == nullptr) {
        return FieldProblem(field, "error.unknown_field");
      }
      if (value.is_null()) continue;  // unanswered stays as it was
      if (!value.is_number_integer() || value.get<int64_t>() < 0 ||
          value.get<int64_t>() > 5) {
        return FieldProblem(field, "error.range", {{"min", "0"}, {"max", "5"}});
      }
      change.first[id] = value.get<int>();
    }
    if (Status s = grading().store().SaveAnswers(org_id, change, call.Actor(),
                                                 clock().Now());
        !s.ok()) {
      return StoreProblem(s);
    }
  }
  Audit("answers.first_diagnosis", org->name, org_id, json::object(),
        change.first);
  return First(org_id);
}

HttpResponse FormHandlers::Ipa(int64_t org_id) {
  Result<store::OrgOverview> org = ScopedOrg(org_id);
  if (!org.ok()) return StoreProblem(org.status());
  std::lock_guard<std::mutex> lock(grading_mu());
  Result<policy::GradeReport> report = grading().Report(org->name);
  if (!report.ok()) return StoreProblem(report.status());
  const policy::IpaSelfCheck& form = grading().questionnaires().ipa;
  std::map<std::string, const grading::Discrepancy*> discrepancies;
  for (const grading::Discrepancy& d : report->discrepancies) {
    discrepancies[d.subject] = &d;
  }
  json items = json::array();
  for (const policy::IpaItem& item : form.items) {
    auto answer = report->answers.ipa.find(item.number);
    auto found = discrepancies.find("ipa:" + std::to_string(item.number));
    json discrepancy = nullptr;
    if (found != discrepancies.end()) {
      const grading::Discrepancy& d = *found->second;
      discrepancy = {
          {"direction", grading::DiscrepancyDirectionName(d.direction)},
          {"verdict", grading::TechnicalVerdictName(d.verdict)},
          {"passing", d.passing},
          {"in_scope", d.in_scope}};
    }
    items.push_back(
        {{"number", item.number},
         {"part", grading::IpaPartOf(item.number)},
         {"title", Localized(item.title)},
         {"text", Localized(item.text)},
         {"national_average", item.national_average_hundredths / 100.0},
         {"has_evidence",
          !item.evidence_rule.empty() || !item.evidence_checks.empty()},
         {"answer", answer != report->answers.ipa.end()
                        ? json(grading::IpaAnswerName(answer->second))
                        : json(nullptr)},
         {"discrepancy", discrepancy}});
  }
  json parts = json::array();
  for (const auto& name : form.part_names) parts.push_back(Localized(name));
  json result = nullptr;
  if (report->ipa) {
    const grading::IpaResult& r = *report->ipa;
    result = {{"total", r.total},
              {"parts", r.parts},
              {"answered", r.answered},
              {"dont_know", r.dont_know},
              {"not_applicable", r.not_applicable},
              {"complete", r.complete},
              {"band", grading::IpaBandName(r.band)}};
  }
  return Json({{"parts", parts},
               {"items", items},
               {"result", result},
               {"can_write", CanWrite(org_id)}});
}

HttpResponse FormHandlers::SaveIpa(int64_t org_id) {
  Result<store::OrgOverview> org = ScopedOrg(org_id);
  if (!org.ok()) return StoreProblem(org.status());
  if (!CanWrite(org_id)) return Problem(403, "auth.forbidden");
  if (auto p = ParseBody()) return *p;
  auto answers = call.body.find("answers");
  if (answers == call.body.end() || !answers->is_object()) {
    return FieldProblem("answers", "error.required");
  }
  store::AnswerSet change;
  json after = json::object();
  for (const auto& [key, value] : answers->items()) {
    const std::string field = "answers." + key;
    std::optional<int64_t> number = ParseInt64(key);
    if (!number || *number < 1 || *number > grading::kIpaItems) {
      return FieldProblem(field, "error.unknown_field");
    }
    if (value.is_null()) continue;
    std::optional<grading::IpaAnswer> answer =
        value.is_string() ? grading::ParseIpaAnswer(value.get<std::string>())
                          : std::nullopt;
    if (!answer) {
      return FieldProblem(
          field, "error.one_of",
          {{"values", "done, partly, not_done, dont_know, not_applicable"}});
    }
    change.ipa[static_cast<int>(*number)] = *answer;
    after[key] = value;
  }
  {
    std::lock_guard<std::mutex> lock(grading_mu());
    if (Status s = grading().store().SaveAnswers(org_id, change, call.Actor(),
                                                 clock().Now());
        !s.ok()) {
      return StoreProblem(s);
    }
  }
  Audit("answers.ipa", org->name, org_id, json::object(), after);
  return Ipa(org_id);
}

}  // namespace mamori::web
