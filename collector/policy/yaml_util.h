#pragma once

// Strict reading of YAML documents with yaml-cpp for the policy, end-of-
// support, questionnaire and answer files: every error names the file, the
// line and the key, and yaml-cpp's exceptions never escape (they are caught
// here and turned into Status). Thread-safe (no shared state).

#include <yaml-cpp/yaml.h>

#include <initializer_list>
#include <span>
#include <string>
#include <vector>

#include "collector/policy/policy.h"
#include "common/status.h"

namespace mamori::policy {

// Parses `source.text` (at most 1 MiB of valid UTF-8). Returns the root node
// or INVALID_ARGUMENT "<name>:<line>: <reason>".
Result<YAML::Node> LoadYaml(const PolicySource& source);

// Error helpers bound to one file name.
struct YamlContext {
  std::string file;

  // "<file>:<line>" of `node` (1-based line).
  std::string Where(const YAML::Node& node) const;
  // INVALID_ARGUMENT "<file>:<line>: <key>: <message>".
  Status Error(const YAML::Node& node, const std::string& key,
               const std::string& message) const;

  Status ExpectMap(const YAML::Node& node, const std::string& key) const;
  // Fails on the first key of `node` not in `allowed`.
  Status AllowedKeys(const YAML::Node& node, const std::string& key,
                     std::initializer_list<const char*> allowed) const;
  // node[field] as a non-empty scalar string.
  Result<std::string> RequiredString(const YAML::Node& node, const char* field,
                                     const std::string& key) const;
  // A scalar that is a finite number.
  Result<double> Number(const YAML::Node& node, const std::string& key) const;
  // A scalar that is a whole number.
  Result<int64_t> Integer(const YAML::Node& node, const std::string& key) const;
  // node[field] as {ja: …, en: …}; both required when `required`.
  Result<LocalizedText> Localized(const YAML::Node& node, const char* field,
                                  const std::string& key, bool required) const;
  // node[field] as a non-empty list of distinct strings from `allowed`.
  Result<std::vector<std::string>> StringList(
      const YAML::Node& node, const char* field, const std::string& key,
      std::span<const char* const> allowed) const;
};

}  // namespace mamori::policy
