#include "collector/policy/yaml_util.h"

#include <algorithm>
#include <cmath>
#include <set>

#include "common/text.h"

namespace mamori::policy {

Result<YAML::Node> LoadYaml(const PolicySource& source) {
  if (source.text.size() > (1u << 20)) {
    return InvalidArgumentError(source.name + ": larger than 1 MiB");
  }
  if (!IsValidUtf8(source.text)) {
    return InvalidArgumentError(source.name + ": not valid UTF-8");
  }
  try {
    return YAML::Load(source.text);
  } catch (const YAML::Exception& e) {
    return InvalidArgumentError(source.name + ":" +
                                std::to_string(e.mark.line + 1) +
                                ": not valid YAML: " + e.msg);
  }
}

std::string YamlContext::Where(const YAML::Node& node) const {
  const int line = node.Mark().line;
  return file + ":" + std::to_string(line >= 0 ? line + 1 : 0);
}

Status YamlContext::Error(const YAML::Node& node, const std::string& key,
                          const std::string& message) const {
  return InvalidArgumentError(Where(node) + ": " + key + ": " + message);
}

Status YamlContext::ExpectMap(const YAML::Node& node,
                              const std::string& key) const {
  if (!node.IsMap()) return Error(node, key, "expected a mapping of keys");
  return Status::Ok();
}

Status YamlContext::AllowedKeys(
    const YAML::Node& node, const std::string& key,
    std::initializer_list<const char*> allowed) const {
  for (const auto& kv : node) {
    if (!kv.first.IsScalar()) return Error(kv.first, key, "keys must be text");
    const std::string name = kv.first.Scalar();
    const bool known = std::any_of(allowed.begin(), allowed.end(),
                                   [&](const char* a) { return name == a; });
    if (!known) {
      std::string list;
      for (const char* a : allowed)
        list += std::string(list.empty() ? "" : ", ") + a;
      return Error(kv.first, key + "." + name,
                   "unknown key (expected one of: " + list + ")");
    }
  }
  return Status::Ok();
}

Result<std::string> YamlContext::RequiredString(const YAML::Node& node,
                                                const char* field,
                                                const std::string& key) const {
  const YAML::Node v = node[field];
  if (!v) return Error(node, key + "." + field, "missing");
  if (!v.IsScalar()) return Error(v, key + "." + field, "expected text");
  if (Trim(v.Scalar()).empty()) {
    return Error(v, key + "." + field, "must not be empty");
  }
  return v.Scalar();
}

Result<double> YamlContext::Number(const YAML::Node& node,
                                   const std::string& key) const {
  if (!node.IsScalar()) return Error(node, key, "expected a number");
  const std::string t(Trim(node.Scalar()));
  char* end = nullptr;
  const double d = std::strtod(t.c_str(), &end);
  if (t.empty() || end != t.c_str() + t.size() || !std::isfinite(d)) {
    return Error(node, key, "expected a number, got '" + node.Scalar() + "'");
  }
  return d;
}

Result<int64_t> YamlContext::Integer(const YAML::Node& node,
                                     const std::string& key) const {
  if (!node.IsScalar()) return Error(node, key, "expected a whole number");
  auto v = ParseInt64(Trim(node.Scalar()));
  if (!v) {
    return Error(node, key,
                 "expected a whole number, got '" + node.Scalar() + "'");
  }
  return *v;
}

Result<LocalizedText> YamlContext::Localized(const YAML::Node& node,
                                             const char* field,
                                             const std::string& key,
                                             bool required) const {
  LocalizedText out;
  const YAML::Node v = node[field];
  const std::string k = key + "." + field;
  if (!v) {
    if (required) return Error(node, k, "missing (needs ja and en)");
    return out;
  }
  if (!v.IsMap()) return Error(v, k, "expected {ja: ..., en: ...}");
  MAMORI_RETURN_IF_ERROR(AllowedKeys(v, k, {"ja", "en"}));
  for (auto [lang, target] :
       {std::pair{"ja", &out.ja}, std::pair{"en", &out.en}}) {
    auto text = RequiredString(v, lang, k);
    if (!text.ok()) return text.status();
    *target = *text;
  }
  return out;
}

Result<std::vector<std::string>> YamlContext::StringList(
    const YAML::Node& node, const char* field, const std::string& key,
    std::span<const char* const> allowed) const {
  const YAML::Node v = node[field];
  const std::string k = key + "." + field;
  if (!v) return Error(node, k, "missing");
  if (!v.IsSequence() || v.size() == 0) {
    return Error(v, k, "expected a non-empty list");
  }
  std::vector<std::string> out;
  std::set<std::string> seen;
  for (const auto& item : v) {
    if (!item.IsScalar()) return Error(item, k, "expected text items");
    const std::string s = item.Scalar();
    const bool known = std::any_of(allowed.begin(), allowed.end(),
                                   [&](const char* a) { return s == a; });
    if (!known) {
      std::string list;
      for (const char* a : allowed)
        list += std::string(list.empty() ? "" : ", ") + a;
      return Error(item, k,
                   "unknown value '" + s + "' (expected " + list + ")");
    }
    if (!seen.insert(s).second) return Error(item, k, "'" + s + "' twice");
    out.push_back(s);
  }
  return out;
}

}  // namespace mamori::policy
