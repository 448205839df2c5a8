#include "collector/policy/questionnaire.h"

#include <algorithm>
#include <cmath>
#include <set>

#include "collector/grading/grading.h"
#include "collector/grading/questionnaire_scoring.h"
#include "collector/policy/yaml_util.h"
#include "common/text.h"

namespace mamori::policy {

const SecondDiagnosisRule* SecondDiagnosis::Find(
    const std::string& rule) const {
  for (const auto& r : rules) {
    if (r.rule == rule) return &r;
  }
  return nullptr;
}

const FirstDiagnosisQuestion* FirstDiagnosis::Find(
    const std::string& id) const {
  for (const auto& q : questions) {
    if (q.id == id) return &q;
  }
  return nullptr;
}

bool IsIsoDate(const std::string& text) {
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return false;
  auto y = ParseInt64(std::string_view(text).substr(0, 4));
  auto m = ParseInt64(std::string_view(text).substr(5, 2));
  auto d = ParseInt64(std::string_view(text).substr(8, 2));
  if (!y || !m || !d || *m < 1 || *m > 12 || *d < 1) return false;
  static constexpr int kDays[] = {31, 29, 31, 30, 31, 30,
                                  31, 31, 30, 31, 30, 31};
  if (*d > kDays[*m - 1]) return false;
  const bool leap = (*y % 4 == 0 && *y % 100 != 0) || *y % 400 == 0;
  return !(*m == 2 && *d == 29 && !leap);
}

namespace {

Status ParseSecond(const YamlContext& ctx, const YAML::Node& root,
                   SecondDiagnosis* out) {
  MAMORI_RETURN_IF_ERROR(ctx.AllowedKeys(
      root, "(document)", {"questionnaire", "viewpoints", "rules"}));
  const YAML::Node vp = root["viewpoints"];
  if (!vp || !vp.IsMap())
    return ctx.Error(root, "viewpoints", "expected a mapping");
  MAMORI_RETURN_IF_ERROR(ctx.AllowedKeys(
      vp, "viewpoints", {"written", "spread", "managed", "technical"}));
  for (const char* v : {"written", "spread", "managed", "technical"}) {
    auto t = ctx.Localized(vp, v, "viewpoints", true);
    if (!t.ok()) return t.status();
    out->viewpoints[v] = *t;
  }
  const YAML::Node rules = root["rules"];
  if (!rules || !rules.IsSequence()) {
    return ctx.Error(root, "rules", "expected a list of the ten rules");
  }
  std::set<std::string> seen;
  for (const auto& n : rules) {
    MAMORI_RETURN_IF_ERROR(ctx.ExpectMap(n, "rules[]"));
    MAMORI_RETURN_IF_ERROR(
        ctx.AllowedKeys(n, "rules[]", {"rule", "name", "scope", "example"}));
    SecondDiagnosisRule r;
    auto id = ctx.RequiredString(n, "rule", "rules[]");
    if (!id.ok()) return id.status();
    if (!grading::IsRuleId(*id)) {
      return ctx.Error(n["rule"], "rules[].rule",
                       "unknown rule id '" + *id + "'");
    }
    if (!seen.insert(*id).second) {
      return ctx.Error(n["rule"], "rules[].rule", "'" + *id + "' listed twice");
    }
    r.rule = *id;
    for (auto [field, target] :
         {std::pair{"name", &r.name}, std::pair{"scope", &r.scope},
          std::pair{"example", &r.example}}) {
      auto t = ctx.Localized(n, field, "rules[" + r.rule + "]", true);
      if (!t.ok()) return t.status();
      *target = *t;
    }
    out->rules.push_back(std::move(r));
  }
  for (std::string_view id : grading::kRuleIds) {
    if (seen.count(std::string(id)) == 0) {
      return ctx.Error(rules, "rules",
                       "rule '" + std::string(id) + "' is missing");
    }
  }
  return Status::Ok();
}

Status ParseFirst(const YamlContext& ctx, const YAML::Node& root,
                  FirstDiagnosis* out) {
  MAMORI_RETURN_IF_ERROR(
      ctx.AllowedKeys(root, "(document)",
                      {"questionnaire", "scale", "categories", "questions"}));
  const YAML::Node scale = root["scale"];
  if (!scale || !scale.IsMap())
    return ctx.Error(root, "scale", "expected a mapping");
  MAMORI_RETURN_IF_ERROR(
      ctx.AllowedKeys(scale, "scale", {"0", "1", "2", "3", "4", "5"}));
  for (const char* s : {"0", "1", "2", "3", "4", "5"}) {
    auto t = ctx.Localized(scale, s, "scale", true);
    if (!t.ok()) return t.status();
    out->scale[s] = *t;
  }
  const YAML::Node cats = root["categories"];
  if (!cats || !cats.IsMap()) {
    return ctx.Error(root, "categories", "expected a mapping");
  }
  MAMORI_RETURN_IF_ERROR(ctx.AllowedKeys(
      cats, "categories",
      {"management", "organisation", "system_admin_rules", "employee_rules"}));
  for (std::string_view c : grading::kFirstDiagnosisCategories) {
    auto t = ctx.Localized(cats, std::string(c).c_str(), "categories", true);
    if (!t.ok()) return t.status();
    out->categories[std::string(c)] = *t;
  }
  const YAML::Node qs = root["questions"];
  if (!qs || !qs.IsSequence() || qs.size() == 0) {
    return ctx.Error(root, "questions", "expected a non-empty list");
  }
  std::set<std::string> seen;
  for (const auto& n : qs) {
    MAMORI_RETURN_IF_ERROR(ctx.ExpectMap(n, "questions[]"));
    MAMORI_RETURN_IF_ERROR(
        ctx.AllowedKeys(n, "questions[]", {"id", "category", "text"}));
    FirstDiagnosisQuestion q;
    auto id = ctx.RequiredString(n, "id", "questions[]");
    if (!id.ok()) return id.status();
    if (!seen.insert(*id).second) {
      return ctx.Error(n["id"], "questions[].id", "'" + *id + "' listed twice");
    }
    q.id = *id;
    auto cat = ctx.RequiredString(n, "category", "questions[" + q.id + "]");
    if (!cat.ok()) return cat.status();
    if (out->categories.count(*cat) == 0) {
      return ctx.Error(n["category"], "questions[" + q.id + "].category",
                       "unknown category '" + *cat + "'");
    }
    q.category = *cat;
    auto text = ctx.Localized(n, "text", "questions[" + q.id + "]", true);
    if (!text.ok()) return text.status();
    q.text = *text;
    out->questions.push_back(std::move(q));
  }
  return Status::Ok();
}

Status ParseIpa(const YamlContext& ctx, const YAML::Node& root,
                IpaSelfCheck* out) {
  MAMORI_RETURN_IF_ERROR(ctx.AllowedKeys(
      root, "(document)",
      {"questionnaire", "not_applicable_points", "parts", "items"}));
  if (root["not_applicable_points"]) {
    auto v =
        ctx.Integer(root["not_applicable_points"], "not_applicable_points");
    if (!v.ok()) return v.status();
    if (*v < -1 || *v > 4) {
      return ctx.Error(root["not_applicable_points"], "not_applicable_points",
                       "must be between -1 and 4");
    }
    out->not_applicable_points = static_cast<int>(*v);
  }
  const YAML::Node parts = root["parts"];
  if (!parts || !parts.IsSequence() || parts.size() != 3) {
    return ctx.Error(root, "parts", "expected a list of three parts");
  }
  for (const auto& p : parts) {
    MAMORI_RETURN_IF_ERROR(ctx.ExpectMap(p, "parts[]"));
    MAMORI_RETURN_IF_ERROR(
        ctx.AllowedKeys(p, "parts[]", {"number", "items", "name"}));
    auto name = ctx.Localized(p, "name", "parts[]", true);
    if (!name.ok()) return name.status();
    out->part_names.push_back(*name);
  }
  const YAML::Node items = root["items"];
  if (!items || !items.IsSequence()) {
    return ctx.Error(root, "items", "expected the list of 25 items");
  }
  for (const auto& n : items) {
    MAMORI_RETURN_IF_ERROR(ctx.ExpectMap(n, "items[]"));
    MAMORI_RETURN_IF_ERROR(ctx.AllowedKeys(
        n, "items[]",
        {"number", "title", "text", "national_average", "evidence"}));
    IpaItem item;
    if (!n["number"]) return ctx.Error(n, "items[].number", "missing");
    auto number = ctx.Integer(n["number"], "items[].number");
    if (!number.ok()) return number.status();
    const int expected = static_cast<int>(out->items.size()) + 1;
    if (*number != expected) {
      return ctx.Error(n["number"], "items[].number",
                       "expected item " + std::to_string(expected) + ", got " +
                           std::to_string(*number));
    }
    item.number = expected;
    const std::string key = "items[" + std::to_string(expected) + "]";
    for (auto [field, target] :
         {std::pair{"title", &item.title}, std::pair{"text", &item.text}}) {
      auto t = ctx.Localized(n, field, key, true);
      if (!t.ok()) return t.status();
      *target = *t;
    }
    if (n["national_average"]) {
      auto avg = ctx.Number(n["national_average"], key + ".national_average");
      if (!avg.ok()) return avg.status();
      if (*avg < -1 || *avg > 4) {
        return ctx.Error(n["national_average"], key + ".national_average",
                         "must be between -1 and 4");
      }
      item.national_average_hundredths =
          static_cast<int>(std::lround(*avg * 100));
    }
    if (const YAML::Node ev = n["evidence"]) {
      MAMORI_RETURN_IF_ERROR(ctx.ExpectMap(ev, key + ".evidence"));
      MAMORI_RETURN_IF_ERROR(
          ctx.AllowedKeys(ev, key + ".evidence", {"rule", "checks"}));
      if (ev["rule"]) {
        auto rule = ctx.RequiredString(ev, "rule", key + ".evidence");
        if (!rule.ok()) return rule.status();
        if (!grading::IsRuleId(*rule)) {
          return ctx.Error(ev["rule"], key + ".evidence.rule",
                           "unknown rule id '" + *rule + "'");
        }
        item.evidence_rule = *rule;
      }
      if (const YAML::Node checks = ev["checks"]) {
        if (!checks.IsSequence()) {
          return ctx.Error(checks, key + ".evidence.checks", "expected a list");
        }
        for (const auto& c : checks) {
          if (!c.IsScalar()) {
            return ctx.Error(c, key + ".evidence.checks", "expected check ids");
          }
          item.evidence_checks.push_back(c.Scalar());
        }
      }
    }
    out->items.push_back(std::move(item));
  }
  if (out->items.size() != static_cast<size_t>(grading::kIpaItems)) {
    return ctx.Error(
        items, "items",
        "expected 25 items, got " + std::to_string(out->items.size()));
  }
  return Status::Ok();
}

}  // namespace

Result<Questionnaires> ParseQuestionnaires(
    const std::vector<PolicySource>& sources) {
  Questionnaires q;
  std::set<std::string> seen;
  for (const PolicySource& s : sources) {
    auto root = LoadYaml(s);
    if (!root.ok()) return root.status();
    YamlContext ctx{s.name};
    MAMORI_RETURN_IF_ERROR(ctx.ExpectMap(*root, "(document)"));
    auto kind = ctx.RequiredString(*root, "questionnaire", "(document)");
    if (!kind.ok()) return kind.status();
    if (!seen.insert(*kind).second) {
      return ctx.Error((*root)["questionnaire"], "questionnaire",
                       "'" + *kind + "' defined twice");
    }
    if (*kind == "second_diagnosis") {
      MAMORI_RETURN_IF_ERROR(ParseSecond(ctx, *root, &q.second));
    } else if (*kind == "first_diagnosis") {
      MAMORI_RETURN_IF_ERROR(ParseFirst(ctx, *root, &q.first));
    } else if (*kind == "ipa_self_check") {
      MAMORI_RETURN_IF_ERROR(ParseIpa(ctx, *root, &q.ipa));
    } else {
      return ctx.Error((*root)["questionnaire"], "questionnaire",
                       "unknown questionnaire '" + *kind +
                           "' (second_diagnosis, first_diagnosis, "
                           "ipa_self_check)");
    }
  }
  for (const char* k :
       {"second_diagnosis", "first_diagnosis", "ipa_self_check"}) {
    if (seen.count(k) == 0) {
      return InvalidArgumentError(std::string("questionnaire '") + k +
                                  "' is missing");
    }
  }
  return q;
}

Result<EndOfSupportTable> ParseEndOfSupport(const PolicySource& source) {
  auto root = LoadYaml(source);
  if (!root.ok()) return root.status();
  YamlContext ctx{source.name};
  MAMORI_RETURN_IF_ERROR(ctx.ExpectMap(*root, "(document)"));
  MAMORI_RETURN_IF_ERROR(
      ctx.AllowedKeys(*root, "(document)", {"products", "browsers"}));
  EndOfSupportTable table;
  const YAML::Node products = (*root)["products"];
  if (!products || !products.IsSequence()) {
    return ctx.Error(*root, "products", "expected a list");
  }
  std::set<std::string> seen;
  for (const auto& n : products) {
    MAMORI_RETURN_IF_ERROR(ctx.ExpectMap(n, "products[]"));
    MAMORI_RETURN_IF_ERROR(ctx.AllowedKeys(
        n, "products[]", {"product", "match", "label", "ends", "source"}));
    auto product = ctx.RequiredString(n, "product", "products[]");
    if (!product.ok()) return product.status();
    auto match = ctx.RequiredString(n, "match", "products[]");
    if (!match.ok()) return match.status();
    auto label = ctx.RequiredString(n, "label", "products[]");
    if (!label.ok()) return label.status();
    // Where the date comes from: required for `package` entries (any
    // program by name, so the reader must be able to check the claim).
    std::string source;
    if (const YAML::Node src = n["source"]) {
      if (!src.IsScalar() || src.Scalar().rfind("https://", 0) != 0) {
        return ctx.Error(src, "products[" + *label + "].source",
                         "expected an https:// address");
      }
      source = src.Scalar();
    } else if (*product == "package") {
      return ctx.Error(n, "products[" + *label + "].source",
                       "missing (required for package entries)");
    }
    const YAML::Node ends = n["ends"];
    const std::string key = "products[" + *label + "].ends";
    if (!ends || !ends.IsMap() || ends.size() == 0) {
      return ctx.Error(ends ? ends : n, key, "expected {edition: YYYY-MM-DD}");
    }
    MAMORI_RETURN_IF_ERROR(
        ctx.AllowedKeys(ends, key, {"all", "home_pro", "enterprise", "ltsc"}));
    for (const auto& kv : ends) {
      const std::string edition = kv.first.Scalar();
      if (!kv.second.IsScalar() || !IsIsoDate(kv.second.Scalar())) {
        return ctx.Error(kv.second, key + "." + edition,
                         "expected a date YYYY-MM-DD");
      }
      EndOfSupportEntry e{
          *product,           *match, edition == "all" ? "" : edition, *label,
          kv.second.Scalar(), source};
      if (!seen.insert(e.product + "|" + e.match_key + "|" + e.edition)
               .second) {
        return ctx.Error(
            kv.first, key + "." + edition,
            "duplicate entry for " + e.product + " " + e.match_key);
      }
      table.entries.push_back(std::move(e));
    }
  }
  if (const YAML::Node b = (*root)["browsers"]) {
    MAMORI_RETURN_IF_ERROR(ctx.ExpectMap(b, "browsers"));
    MAMORI_RETURN_IF_ERROR(
        ctx.AllowedKeys(b, "browsers", {"as_of", "minimums"}));
    auto as_of = ctx.RequiredString(b, "as_of", "browsers");
    if (!as_of.ok()) return as_of.status();
    if (!IsIsoDate(*as_of)) {
      return ctx.Error(b["as_of"], "browsers.as_of",
                       "expected a date YYYY-MM-DD");
    }
    const YAML::Node mins = b["minimums"];
    if (!mins || !mins.IsSequence()) {
      return ctx.Error(b, "browsers.minimums", "expected a list");
    }
    for (const auto& m : mins) {
      MAMORI_RETURN_IF_ERROR(ctx.ExpectMap(m, "browsers.minimums[]"));
      MAMORI_RETURN_IF_ERROR(ctx.AllowedKeys(
          m, "browsers.minimums[]", {"browser", "min_major", "packages"}));
      auto browser = ctx.RequiredString(m, "browser", "browsers.minimums[]");
      if (!browser.ok()) return browser.status();
      if (!m["min_major"]) {
        return ctx.Error(m, "browsers.minimums[" + *browser + "].min_major",
                         "missing");
      }
      auto major = ctx.Integer(m["min_major"],
                               "browsers.minimums[" + *browser + "].min_major");
      if (!major.ok()) return major.status();
      const YAML::Node pk = m["packages"];
      if (!pk || !pk.IsSequence() || pk.size() == 0) {
        return ctx.Error(pk ? pk : m,
                         "browsers.minimums[" + *browser + "].packages",
                         "expected a non-empty list of package name patterns");
      }
      for (const auto& p : pk) {
        if (!p.IsScalar() || p.Scalar().empty()) {
          return ctx.Error(p, "browsers.minimums[" + *browser + "].packages",
                           "expected package names");
        }
        table.browsers.push_back({*browser, p.Scalar(), *major, *as_of});
      }
    }
  }
  return table;
}

}  // namespace mamori::policy
