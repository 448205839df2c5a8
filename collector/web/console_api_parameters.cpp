// Per-organisation overrides of a check's parameters (the rules page's
// "parameters in force"). The value is checked against the parameter's type
// and bounds before anything is stored; the organisation is re-graded at
// once so the rules page and the dashboard show the effect.
#include <nlohmann/json.hpp>

#include "collector/policy/grading_service.h"
#include "collector/web/console_api_parts.h"

namespace mamori::web {

using nlohmann::json;

namespace {

std::string Bound(const std::optional<double>& v) {
  if (!v) return "-";
  json n = *v;
  if (*v == static_cast<double>(static_cast<int64_t>(*v))) {
    n = static_cast<int64_t>(*v);
  }
  return n.dump();
}

}  // namespace

HttpResponse ParameterHandlers::Save(int64_t org_id) {
  Result<store::OrgOverview> org = ScopedOrg(org_id);
  if (!org.ok()) return StoreProblem(org.status());
  if (!CanWrite(org_id)) return Problem(403, "auth.forbidden");
  if (auto p = ParseBody()) return *p;
  std::string check_id, name, value;
  if (auto p = BodyString("check_id", &check_id, 200)) return *p;
  if (auto p = BodyString("name", &name, 200)) return *p;
  if (auto p = BodyString("value", &value, 1000)) return *p;
  if (check_id.empty()) return FieldProblem("check_id", "error.required");
  if (name.empty()) return FieldProblem("name", "error.required");

  std::lock_guard<std::mutex> lock(grading_mu());
  const policy::Check* check = grading().policies().Find(check_id);
  if (check == nullptr) return FieldProblem("check_id", "param.unknown_check");
  const policy::Parameter* param = nullptr;
  for (const policy::Parameter& p : check->parameters) {
    if (p.name == name) param = &p;
  }
  if (param == nullptr) return FieldProblem("name", "param.unknown_name");
  Result<policy::ParamValue> parsed = policy::ParseParamValue(*param, value);
  if (!parsed.ok()) {
    return FieldProblem("value", "param.bad_value",
                        {{"type", policy::ParamTypeName(param->type)},
                         {"min", Bound(param->min)},
                         {"max", Bound(param->max)}});
  }
  const std::string text = policy::ParamValueText(*parsed);
  Result<store::AnswerSet> current = grading().store().LoadAnswers(org_id);
  if (!current.ok()) return StoreProblem(current.status());
  json before = nullptr;
  if (auto c = current->parameters.find(check_id);
      c != current->parameters.end()) {
    if (auto v = c->second.find(name); v != c->second.end()) {
      before = v->second;
    }
  }
  store::AnswerSet change;
  change.parameters[check_id][name] = text;
  if (Status s = grading().store().SaveAnswers(org_id, change, call.Actor(),
                                               clock().Now());
      !s.ok()) {
    return StoreProblem(s);
  }
  Audit("parameter.set", check_id + "." + name, org_id, {{"value", before}},
        {{"value", text}});
  // The new value changes check results: grade again now rather than at
  // the next report.
  Result<policy::GradeReport> graded = grading().Evaluate(org->name);
  if (!graded.ok()) return StoreProblem(graded.status());
  return Json(
      {{"check_id", check_id},
       {"name", name},
       {"value", text},
       {"default", policy::ParamValueText(param->default_value)},
       {"overall", graded->overall ? json(grading::GradeName(*graded->overall))
                                   : json(nullptr)}});
}

}  // namespace mamori::web
