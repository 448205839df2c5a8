#include "collector/policy/policy.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <set>

#include "collector/grading/grading.h"
#include "collector/pki/crypto.h"
#include "collector/policy/check_dialect.h"
#include "collector/policy/yaml_util.h"
#include "collector/sql/sql_tokens.h"
#include "common/text.h"

namespace mamori::policy {

const char* ParamTypeName(ParamType type) {
  switch (type) {
    case ParamType::kInteger:
      return "integer";
    case ParamType::kNumber:
      return "number";
    case ParamType::kString:
      return "string";
    case ParamType::kBoolean:
      return "boolean";
  }
  return "integer";
}

std::string ParamValueText(const ParamValue& value) {
  if (const auto* i = std::get_if<int64_t>(&value)) return std::to_string(*i);
  if (const auto* d = std::get_if<double>(&value)) {
    std::string s = std::to_string(*d);
    while (s.size() > 1 && s.back() == '0') s.pop_back();
    if (!s.empty() && s.back() == '.') s.pop_back();
    return s;
  }
  if (const auto* b = std::get_if<bool>(&value)) return *b ? "true" : "false";
  return std::get<std::string>(value);
}

Result<ParamValue> ParseParamValue(const Parameter& param,
                                   const std::string& text) {
  const std::string where = "parameter '" + param.name + "'";
  ParamValue value;
  switch (param.type) {
    case ParamType::kInteger: {
      auto v = ParseInt64(Trim(text));
      if (!v) {
        return InvalidArgumentError(where + ": expected an integer, got '" +
                                    text + "'");
      }
      value = *v;
      break;
    }
    case ParamType::kNumber: {
      std::string t(Trim(text));
      char* end = nullptr;
      const double d = std::strtod(t.c_str(), &end);
      if (t.empty() || end != t.c_str() + t.size() || !std::isfinite(d)) {
        return InvalidArgumentError(where + ": expected a number, got '" +
                                    text + "'");
      }
      value = d;
      break;
    }
    case ParamType::kBoolean: {
      std::string t = ToLowerAscii(Trim(text));
      if (t == "true" || t == "yes") {
        value = true;
      } else if (t == "false" || t == "no") {
        value = false;
      } else {
        return InvalidArgumentError(where + ": expected true or false, got '" +
                                    text + "'");
      }
      break;
    }
    case ParamType::kString:
      if (!IsValidUtf8(text) || text.size() > 1024) {
        return InvalidArgumentError(
            where + ": expected UTF-8 text of at most 1024 bytes");
      }
      value = text;
      break;
  }
  double numeric = 0;
  if (const auto* i = std::get_if<int64_t>(&value)) {
    numeric = static_cast<double>(*i);
  } else if (const auto* d = std::get_if<double>(&value)) {
    numeric = *d;
  } else {
    return value;
  }
  if ((param.min && numeric < *param.min) ||
      (param.max && numeric > *param.max)) {
    return InvalidArgumentError(
        where + ": " + text + " is outside " +
        (param.min ? ParamValueText(ParamValue(*param.min)) : "-inf") + ".." +
        (param.max ? ParamValueText(ParamValue(*param.max)) : "inf"));
  }
  return value;
}

const char* RequirementForView(std::string_view view) {
  for (const char* v : kDevicesViews) {
    if (view == v) return "devices";
  }
  for (const char* v : kSoftwareRulesViews) {
    if (view == v) return "software_rules";
  }
  return nullptr;
}

PolicySet RunnableOn(const PolicySet& set,
                     const std::vector<std::string>& available,
                     std::vector<std::string>* left_out) {
  PolicySet out;
  out.version = set.version;
  for (const Check& c : set.checks) {
    auto missing = std::find_if(
        c.requirements.begin(), c.requirements.end(), [&](const auto& r) {
          return std::find(available.begin(), available.end(), r) ==
                 available.end();
        });
    if (missing == c.requirements.end()) {
      out.checks.push_back(c);
    } else {
      left_out->push_back(c.id + " (requires " + *missing + ")");
    }
  }
  return out;
}

const Check* PolicySet::Find(const std::string& id) const {
  for (const Check& c : checks) {
    if (c.id == id) return &c;
  }
  return nullptr;
}

namespace {

bool ValidId(const std::string& id) {
  if (id.empty() || id.size() > 64) return false;
  if (!(id[0] >= 'a' && id[0] <= 'z')) return false;
  return std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
  });
}

Result<Parameter> ParseParameter(const YamlContext& ctx,
                                 const std::string& name,
                                 const YAML::Node& node) {
  Parameter p;
  p.name = name;
  if (!ValidId(name)) {
    return ctx.Error(node, "parameters." + name,
                     "parameter names are lower_snake_case");
  }
  MAMORI_RETURN_IF_ERROR(ctx.ExpectMap(node, "parameters." + name));
  MAMORI_RETURN_IF_ERROR(
      ctx.AllowedKeys(node, "parameters." + name,
                      {"type", "default", "min", "max", "description"}));
  auto type = ctx.RequiredString(node, "type", "parameters." + name);
  if (!type.ok()) return type.status();
  if (*type == "integer") {
    p.type = ParamType::kInteger;
  } else if (*type == "number") {
    p.type = ParamType::kNumber;
  } else if (*type == "string") {
    p.type = ParamType::kString;
  } else if (*type == "boolean") {
    p.type = ParamType::kBoolean;
  } else {
    return ctx.Error(
        node["type"], "parameters." + name + ".type",
        "expected integer, number, string or boolean, got '" + *type + "'");
  }
  for (const char* bound : {"min", "max"}) {
    if (!node[bound]) continue;
    auto v = ctx.Number(node[bound], "parameters." + name + "." + bound);
    if (!v.ok()) return v.status();
    (std::string(bound) == "min" ? p.min : p.max) = *v;
  }
  auto description =
      ctx.Localized(node, "description", "parameters." + name, true);
  if (!description.ok()) return description.status();
  p.description = *description;
  const YAML::Node def = node["default"];
  if (!def || !def.IsScalar()) {
    return ctx.Error(def ? def : node, "parameters." + name + ".default",
                     "a scalar default value is required");
  }
  auto value = ParseParamValue(p, def.Scalar());
  if (!value.ok()) {
    return ctx.Error(def, "parameters." + name + ".default",
                     value.status().message());
  }
  p.default_value = *value;
  return p;
}

Result<Check> ParseCheck(const YamlContext& ctx, const YAML::Node& node,
                         bool builtin) {
  MAMORI_RETURN_IF_ERROR(ctx.ExpectMap(node, "checks[]"));
  Check c;
  c.builtin = builtin;
  c.source = ctx.Where(node);
  auto id = ctx.RequiredString(node, "id", "checks[]");
  if (!id.ok()) return id.status();
  c.id = *id;
  if (!ValidId(c.id)) {
    return ctx.Error(node["id"], "id",
                     "check ids are lower_snake_case, at most 64 characters");
  }
  const std::string key = "checks[" + c.id + "]";
  MAMORI_RETURN_IF_ERROR(ctx.AllowedKeys(
      node, key,
      {"id", "rule", "topic", "title", "description", "remediation", "severity",
       "platforms", "roles", "parameters", "requires", "query"}));
  if (static_cast<bool>(node["rule"]) == static_cast<bool>(node["topic"])) {
    return ctx.Error(node, key, "needs exactly one of 'rule' or 'topic'");
  }
  if (node["rule"]) {
    auto rule = ctx.RequiredString(node, "rule", key);
    if (!rule.ok()) return rule.status();
    if (!grading::IsRuleId(*rule)) {
      return ctx.Error(node["rule"], key + ".rule",
                       "unknown rule id '" + *rule +
                           "' (one of basic_policy, software_updates, "
                           "antivirus, passwords, email, wifi, web_browsing, "
                           "physical_access, removable_media, "
                           "confidentiality)");
    }
    c.rule = *rule;
  } else {
    auto topic = ctx.RequiredString(node, "topic", key);
    if (!topic.ok()) return topic.status();
    if (std::none_of(std::begin(kTopics), std::end(kTopics),
                     [&](const char* t) { return *topic == t; })) {
      return ctx.Error(node["topic"], key + ".topic",
                       "unknown topic '" + *topic +
                           "' (one of remote_access, firewall, backup, vpn, "
                           "exposed_services, software)");
    }
    c.topic = *topic;
  }
  for (auto [field, target] :
       {std::pair{"title", &c.title}, std::pair{"description", &c.description},
        std::pair{"remediation", &c.remediation}}) {
    auto text = ctx.Localized(node, field, key, true);
    if (!text.ok()) return text.status();
    *target = *text;
  }
  if (node["severity"]) {
    auto severity = ctx.RequiredString(node, "severity", key);
    if (!severity.ok()) return severity.status();
    if (std::none_of(std::begin(kSeverities), std::end(kSeverities),
                     [&](const char* s) { return *severity == s; })) {
      return ctx.Error(node["severity"], key + ".severity",
                       "unknown severity '" + *severity +
                           "' (one of high, medium, low, info)");
    }
    c.severity = *severity;
  }
  auto platforms = ctx.StringList(node, "platforms", key, kPlatforms);
  if (!platforms.ok()) return platforms.status();
  c.platforms = *platforms;
  auto roles = ctx.StringList(node, "roles", key, kRoles);
  if (!roles.ok()) return roles.status();
  c.roles = *roles;
  if (node["requires"]) {
    auto requirements = ctx.StringList(node, "requires", key, kRequirements);
    if (!requirements.ok()) return requirements.status();
    c.requirements = *requirements;
  }
  if (const YAML::Node params = node["parameters"]) {
    MAMORI_RETURN_IF_ERROR(ctx.ExpectMap(params, key + ".parameters"));
    for (const auto& kv : params) {
      const std::string name = kv.first.as<std::string>();
      auto p = ParseParameter(ctx, name, kv.second);
      if (!p.ok()) return p.status();
      c.parameters.push_back(std::move(*p));
    }
  }
  auto query = ctx.RequiredString(node, "query", key);
  if (!query.ok()) return query.status();
  c.query = *query;
  if (c.query.size() > 64 * 1024) {
    return ctx.Error(node["query"], key + ".query", "longer than 64 KiB");
  }
  // The portable dialect (docs/policies.md): the same text must run on every
  // store backend, so SQLite-only constructs are refused here, before the
  // store prepares the query.
  if (const DialectViolation v = CheckDialect(c.query); v.line > 0) {
    const std::string at = std::to_string(v.line);
    return ctx.Error(node["query"], key + ".query",
                     "line " + at + " of the query: '" + v.construct +
                         "' is outside the check dialect: " + v.reason_en +
                         " / クエリの " + at + " 行目: '" + v.construct +
                         "' はチェック用 SQL の範囲外です: " + v.reason_ja);
  }
  // A read of organisation or fleet data must be declared, so that a
  // backend without it leaves the check out, and the self-check says it
  // needs the collector, instead of failing or passing it.
  for (const sql::Token& t : sql::Tokenize(c.query)) {
    if (t.kind != sql::TokenKind::kWord) continue;
    const std::string word = ToLowerAscii(t.text);
    const char* needed = RequirementForView(word);
    if (needed == nullptr ||
        std::find(c.requirements.begin(), c.requirements.end(), needed) !=
            c.requirements.end()) {
      continue;
    }
    const std::string at = std::to_string(t.line);
    const std::string declare = "'requires: [" + std::string(needed) + "]'";
    return ctx.Error(node["query"], key + ".query",
                     "line " + at + " of the query reads " + word +
                         ", which needs " + declare + " / クエリの " + at +
                         " 行目は " + word + " を読むため " + declare +
                         " が必要です");
  }
  return c;
}

}  // namespace

Result<std::vector<Check>> ParsePolicyFile(const PolicySource& source,
                                           bool builtin) {
  auto root = LoadYaml(source);
  if (!root.ok()) return root.status();
  YamlContext ctx{source.name};
  MAMORI_RETURN_IF_ERROR(ctx.ExpectMap(*root, "(document)"));
  MAMORI_RETURN_IF_ERROR(ctx.AllowedKeys(*root, "(document)", {"checks"}));
  const YAML::Node list = (*root)["checks"];
  if (!list || !list.IsSequence()) {
    return ctx.Error(list ? list : *root, "checks",
                     "expected a list of checks");
  }
  std::vector<Check> out;
  for (const auto& node : list) {
    auto c = ParseCheck(ctx, node, builtin);
    if (!c.ok()) return c.status();
    out.push_back(std::move(*c));
  }
  return out;
}

Result<PolicySet> BuildPolicySet(const std::vector<PolicySource>& sources,
                                 bool builtin) {
  PolicySet set;
  std::map<std::string, std::string> seen;  // id → source
  std::string digest_input;
  for (const PolicySource& s : sources) {
    auto checks = ParsePolicyFile(s, builtin);
    if (!checks.ok()) return checks.status();
    for (Check& c : *checks) {
      auto [it, inserted] = seen.emplace(c.id, c.source);
      if (!inserted) {
        return InvalidArgumentError(c.source + ": id: check '" + c.id +
                                    "' is already defined at " + it->second);
      }
      set.checks.push_back(std::move(c));
    }
    digest_input += s.name;
    digest_input.push_back('\0');
    digest_input += s.text;
    digest_input.push_back('\0');
  }
  set.version = pki::Sha256Hex(digest_input);
  return set;
}

Result<std::vector<PolicySource>> ReadPolicyDir(const std::string& dir) {
  namespace fs = std::filesystem;
  std::vector<PolicySource> out;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return out;
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    if (entry.is_regular_file() && entry.path().extension() == ".yaml") {
      files.push_back(entry.path());
    }
  }
  if (ec) return InternalError(dir + ": " + ec.message());
  std::sort(files.begin(), files.end());
  for (const fs::path& f : files) {
    auto text = ReadFile(f.string(), 1 << 20);
    if (!text.ok()) return text.status();
    out.push_back({f.filename().string(), std::move(*text)});
  }
  return out;
}

}  // namespace mamori::policy
