#include "collector/policy/answers.h"

#include <nlohmann/json.hpp>

#include "collector/policy/yaml_util.h"
#include "common/text.h"

namespace mamori::policy {

namespace {

Result<bool> YesNo(const YamlContext& ctx, const YAML::Node& node,
                   const std::string& key) {
  if (!node.IsScalar()) return ctx.Error(node, key, "expected yes or no");
  const std::string v = ToLowerAscii(Trim(node.Scalar()));
  if (v == "yes" || v == "true") return true;
  if (v == "no" || v == "false") return false;
  return ctx.Error(node, key,
                   "expected yes or no, got '" + node.Scalar() + "'");
}

Status ParseSecond(const YamlContext& ctx, const YAML::Node& node,
                   const Questionnaires& q, AnswerSet* out) {
  MAMORI_RETURN_IF_ERROR(ctx.ExpectMap(node, "second_diagnosis"));
  for (const auto& kv : node) {
    const std::string rule = kv.first.Scalar();
    const std::string key = "second_diagnosis." + rule;
    if (q.second.Find(rule) == nullptr) {
      return ctx.Error(kv.first, key, "unknown rule id");
    }
    MAMORI_RETURN_IF_ERROR(ctx.ExpectMap(kv.second, key));
    MAMORI_RETURN_IF_ERROR(ctx.AllowedKeys(
        kv.second, key, {"written", "spread", "managed", "technical"}));
    grading::ViewpointAnswers a;
    if (const YAML::Node w = kv.second["written"]) {
      auto v = YesNo(ctx, w, key + ".written");
      if (!v.ok()) return v.status();
      a.written = *v;
    }
    if (const YAML::Node m = kv.second["managed"]) {
      auto v = YesNo(ctx, m, key + ".managed");
      if (!v.ok()) return v.status();
      a.managed = *v;
    }
    if (const YAML::Node t = kv.second["technical"]) {
      auto v = YesNo(ctx, t, key + ".technical");
      if (!v.ok()) return v.status();
      a.technical = *v;
    }
    if (const YAML::Node s = kv.second["spread"]) {
      auto v = s.IsScalar() ? grading::ParseSpread(s.Scalar()) : std::nullopt;
      if (!v) {
        return ctx.Error(s, key + ".spread",
                         "expected spread, partly, not or unknown");
      }
      a.spread = *v;
    }
    out->second[rule] = a;
  }
  return Status::Ok();
}

}  // namespace

Result<AnswerSet> ParseAnswers(const PolicySource& source,
                               const Questionnaires& questionnaires,
                               const PolicySet& policies) {
  auto root = LoadYaml(source);
  if (!root.ok()) return root.status();
  YamlContext ctx{source.name};
  MAMORI_RETURN_IF_ERROR(ctx.ExpectMap(*root, "(document)"));
  MAMORI_RETURN_IF_ERROR(
      ctx.AllowedKeys(*root, "(document)",
                      {"organisation", "answered_by", "second_diagnosis",
                       "first_diagnosis", "ipa", "settings", "parameters"}));
  AnswerSet out;
  if ((*root)["organisation"]) {
    auto v = ctx.RequiredString(*root, "organisation", "(document)");
    if (!v.ok()) return v.status();
    out.organisation = *v;
  }
  if ((*root)["answered_by"]) {
    auto v = ctx.RequiredString(*root, "answered_by", "(document)");
    if (!v.ok()) return v.status();
    out.answered_by = *v;
  }
  if (const YAML::Node n = (*root)["second_diagnosis"]) {
    MAMORI_RETURN_IF_ERROR(ParseSecond(ctx, n, questionnaires, &out));
  }
  if (const YAML::Node n = (*root)["first_diagnosis"]) {
    MAMORI_RETURN_IF_ERROR(ctx.ExpectMap(n, "first_diagnosis"));
    for (const auto& kv : n) {
      const std::string id = kv.first.Scalar();
      const std::string key = "first_diagnosis." + id;
      if (questionnaires.first.Find(id) == nullptr) {
        return ctx.Error(kv.first, key, "unknown question id");
      }
      auto v = ctx.Integer(kv.second, key);
      if (!v.ok()) return v.status();
      if (*v < 0 || *v > 5) return ctx.Error(kv.second, key, "expected 0-5");
      out.first[id] = static_cast<int>(*v);
    }
  }
  if (const YAML::Node n = (*root)["ipa"]) {
    MAMORI_RETURN_IF_ERROR(ctx.ExpectMap(n, "ipa"));
    for (const auto& kv : n) {
      const std::string key = "ipa." + kv.first.Scalar();
      auto item = ctx.Integer(kv.first, key);
      if (!item.ok()) return item.status();
      if (*item < 1 || *item > grading::kIpaItems) {
        return ctx.Error(kv.first, key, "item numbers are 1-25");
      }
      auto a = kv.second.IsScalar()
                   ? grading::ParseIpaAnswer(kv.second.Scalar())
                   : std::nullopt;
      if (!a) {
        return ctx.Error(kv.second, key,
                         "expected done, partly, not_done, dont_know or "
                         "not_applicable");
      }
      out.ipa[static_cast<int>(*item)] = *a;
    }
  }
  if (const YAML::Node n = (*root)["settings"]) {
    MAMORI_RETURN_IF_ERROR(ctx.ExpectMap(n, "settings"));
    for (const auto& kv : n) {
      const std::string name = kv.first.Scalar();
      const SettingSpec* spec = nullptr;
      for (const SettingSpec& s : kSettings) {
        if (name == s.name) spec = &s;
      }
      if (spec == nullptr) {
        return ctx.Error(kv.first, "settings." + name,
                         "unknown setting (min_coverage_percent, "
                         "min_pass_percent, max_evidence_age_days, "
                         "expected_endpoints, unmanaged_pc_days, "
                         "ipa_not_applicable_points)");
      }
      auto v = ctx.Integer(kv.second, "settings." + name);
      if (!v.ok()) return v.status();
      if (*v < spec->min || *v > spec->max) {
        return ctx.Error(kv.second, "settings." + name,
                         "must be between " + std::to_string(spec->min) +
                             " and " + std::to_string(spec->max));
      }
      out.settings[name] = *v;
    }
  }
  if (const YAML::Node n = (*root)["parameters"]) {
    MAMORI_RETURN_IF_ERROR(ctx.ExpectMap(n, "parameters"));
    for (const auto& kv : n) {
      const std::string check_id = kv.first.Scalar();
      const Check* check = policies.Find(check_id);
      if (check == nullptr) {
        return ctx.Error(kv.first, "parameters." + check_id,
                         "unknown check id");
      }
      MAMORI_RETURN_IF_ERROR(
          ctx.ExpectMap(kv.second, "parameters." + check_id));
      for (const auto& p : kv.second) {
        const std::string name = p.first.Scalar();
        const std::string key = "parameters." + check_id + "." + name;
        const Parameter* param = nullptr;
        for (const Parameter& cp : check->parameters) {
          if (cp.name == name) param = &cp;
        }
        if (param == nullptr) {
          return ctx.Error(p.first, key, "the check has no such parameter");
        }
        if (!p.second.IsScalar())
          return ctx.Error(p.second, key, "expected a value");
        auto v = ParseParamValue(*param, p.second.Scalar());
        if (!v.ok()) return ctx.Error(p.second, key, v.status().message());
        out.parameters[check_id][name] = ParamValueText(*v);
      }
    }
  }
  return out;
}

std::string WriteAnswers(const AnswerSet& a, AnswerFormat format) {
  if (format == AnswerFormat::kJson) {
    nlohmann::ordered_json j = nlohmann::ordered_json::object();
    if (!a.organisation.empty()) j["organisation"] = a.organisation;
    if (!a.answered_by.empty()) j["answered_by"] = a.answered_by;
    auto& second = j["second_diagnosis"] = nlohmann::ordered_json::object();
    for (const auto& [rule, v] : a.second) {
      auto& r = second[rule] = nlohmann::ordered_json::object();
      if (v.written) r["written"] = *v.written;
      if (v.spread != grading::Spread::kUnanswered) {
        r["spread"] = std::string(grading::SpreadName(v.spread));
      }
      if (v.managed) r["managed"] = *v.managed;
      if (v.technical) r["technical"] = *v.technical;
    }
    auto& first = j["first_diagnosis"] = nlohmann::ordered_json::object();
    for (const auto& [id, score] : a.first) first[id] = score;
    auto& ipa = j["ipa"] = nlohmann::ordered_json::object();
    for (const auto& [item, ans] : a.ipa) {
      ipa[std::to_string(item)] = std::string(grading::IpaAnswerName(ans));
    }
    auto& settings = j["settings"] = nlohmann::ordered_json::object();
    for (const auto& [k, v] : a.settings) settings[k] = v;
    auto& params = j["parameters"] = nlohmann::ordered_json::object();
    for (const auto& [check, values] : a.parameters) {
      auto& c = params[check] = nlohmann::ordered_json::object();
      for (const auto& [k, v] : values) c[k] = v;
    }
    return j.dump(2) + "\n";
  }
  YAML::Emitter e;
  e << YAML::BeginMap;
  if (!a.organisation.empty())
    e << YAML::Key << "organisation" << YAML::Value << a.organisation;
  if (!a.answered_by.empty())
    e << YAML::Key << "answered_by" << YAML::Value << a.answered_by;
  e << YAML::Key << "second_diagnosis" << YAML::Value << YAML::BeginMap;
  for (const auto& [rule, v] : a.second) {
    e << YAML::Key << rule << YAML::Value << YAML::Flow << YAML::BeginMap;
    if (v.written)
      e << YAML::Key << "written" << YAML::Value << (*v.written ? "yes" : "no");
    if (v.spread != grading::Spread::kUnanswered) {
      e << YAML::Key << "spread" << YAML::Value
        << std::string(grading::SpreadName(v.spread));
    }
    if (v.managed)
      e << YAML::Key << "managed" << YAML::Value << (*v.managed ? "yes" : "no");
    if (v.technical)
      e << YAML::Key << "technical" << YAML::Value
        << (*v.technical ? "yes" : "no");
    e << YAML::EndMap;
  }
  e << YAML::EndMap;
  e << YAML::Key << "first_diagnosis" << YAML::Value << YAML::BeginMap;
  for (const auto& [id, score] : a.first)
    e << YAML::Key << id << YAML::Value << score;
  e << YAML::EndMap;
  e << YAML::Key << "ipa" << YAML::Value << YAML::BeginMap;
  for (const auto& [item, ans] : a.ipa) {
    e << YAML::Key << item << YAML::Value
      << std::string(grading::IpaAnswerName(ans));
  }
  e << YAML::EndMap;
  e << YAML::Key << "settings" << YAML::Value << YAML::BeginMap;
  for (const auto& [k, v] : a.settings) e << YAML::Key << k << YAML::Value << v;
  e << YAML::EndMap;
  e << YAML::Key << "parameters" << YAML::Value << YAML::BeginMap;
  for (const auto& [check, values] : a.parameters) {
    e << YAML::Key << check << YAML::Value << YAML::BeginMap;
    for (const auto& [k, v] : values) e << YAML::Key << k << YAML::Value << v;
    e << YAML::EndMap;
  }
  e << YAML::EndMap;
  e << YAML::EndMap;
  return std::string(e.c_str()) + "\n";
}

}  // namespace mamori::policy
