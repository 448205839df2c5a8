#pragma once

// Policy files: YAML documents describing checks (docs/policies.md). A check
// names its employee rule, carries Japanese and English texts, the platforms
// and endpoint roles it applies to, typed parameters with defaults an
// organisation may override, and one SQL query over the documented fact
// views (v_hosts, v_antivirus_products, …) returning per host a status and
// evidence columns.
//
// Parsing is strict: unknown keys, wrong types, unknown rule ids, duplicate
// ids and missing texts are errors naming the file, line and key. Whether the
// SQL prepares is checked separately (ValidateQueries) because it needs a
// database with the views.
//
// Thread safety: the functions are pure or only read files; PolicySet is an
// immutable value once built and may be shared between threads.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "collector/store/grading_records.h"
#include "common/status.h"

namespace mamori::policy {

struct LocalizedText {
  std::string ja;
  std::string en;
  // The text in `lang` ("ja" or anything else → English).
  const std::string& In(const std::string& lang) const {
    return lang == "ja" ? ja : en;
  }
};

enum class ParamType { kInteger, kNumber, kString, kBoolean };
// "integer", "number", "string", "boolean".
const char* ParamTypeName(ParamType type);

// A parameter value. Integers stay integers so SQL compares them exactly.
using ParamValue = std::variant<int64_t, double, std::string, bool>;
// The value as text ("72", "true").
std::string ParamValueText(const ParamValue& value);

struct Parameter {
  std::string name;
  ParamType type = ParamType::kInteger;
  ParamValue default_value;
  // Inclusive bounds for integer and number parameters.
  std::optional<double> min;
  std::optional<double> max;
  LocalizedText description;
};

// Parses `text` as a value of `param`'s type within its bounds. Returns the
// value or INVALID_ARGUMENT naming the parameter and what was expected.
Result<ParamValue> ParseParamValue(const Parameter& param,
                                   const std::string& text);

// Endpoint roles a check applies to (domain terms, not proto enums).
inline constexpr const char* kRoles[] = {"workstation", "laptop", "server"};
inline constexpr const char* kPlatforms[] = {"windows", "linux"};
// Trend topics reported beside the ten rules (domain.md §2), not graded.
inline constexpr const char* kTopics[] = {"remote_access",    "firewall",
                                          "backup",           "vpn",
                                          "exposed_services", "software"};
// Severities of a finding, as seed 001's vulnerability scan ranks them.
inline constexpr const char* kSeverities[] = {"high", "medium", "low", "info"};
// What a check may require beyond one endpoint's own facts (`requires:` in
// a policy file): data of the organisation or of its fleet, which only a
// collector holds. A backend that does not keep one yet leaves the check out
// (RunnableOn); the self-check, which grades one endpoint alone, reports the
// check as needing the collector (collector/selfcheck). A query that reads
// one of a requirement's views must declare it: the loader refuses it
// otherwise, so the declaration cannot be forgotten.
//   "devices": the unmanaged devices seen on the LAN by the organisation's
//     hosts (kDevicesViews);
//   "software_rules": the organisation's software rules, version floors and
//     licence counts (kSoftwareRulesViews).
inline constexpr const char* kRequirements[] = {"devices", "software_rules"};
// The views a check may read only with `requires: [devices]`.
inline constexpr const char* kDevicesViews[] = {
    "v_device_witnesses", "v_enrolled_macs", "v_network_devices",
    "v_unmanaged_devices"};
// The views a check may read only with `requires: [software_rules]`.
inline constexpr const char* kSoftwareRulesViews[] = {
    "v_software_floors", "v_software_licences", "v_software_rules"};
// The requirement (one of kRequirements) a query must declare to read
// `view` (lower case); nullptr when reading it needs none.
const char* RequirementForView(std::string_view view);

struct Check {
  std::string id;
  // Exactly one of `rule` (one of the ten employee-rule ids: the check counts
  // toward that rule's technical measure) and `topic` (one of kTopics:
  // reported beside the rules, not graded) is set.
  std::string rule;
  std::string topic;
  LocalizedText title;
  LocalizedText description;
  LocalizedText remediation;
  // One of kSeverities when the policy file says (exposed_services checks
  // do); empty otherwise.
  std::string severity;
  std::vector<std::string> platforms;  // subset of kPlatforms
  std::vector<std::string> roles;      // subset of kRoles
  std::vector<Parameter> parameters;
  // Subset of kRequirements the backend must have for the check to run;
  // where it lacks one the check is left out (absent), never graded.
  std::vector<std::string> requirements;
  std::string query;
  // Where it was defined, for error messages ("antivirus.yaml:12").
  std::string source;
  bool builtin = false;
};

// The checks in force, with a version that changes whenever any check does.
struct PolicySet {
  std::vector<Check> checks;
  // Hex SHA-256 over the sources' names and contents.
  std::string version;
  const Check* Find(const std::string& id) const;
};

// Returns `set` without the checks requiring something not in `available`
// (each of kRequirements the backend has), appending "id (requires X)" for
// each left out to `left_out`. The version stays `set`'s. Pure.
PolicySet RunnableOn(const PolicySet& set,
                     const std::vector<std::string>& available,
                     std::vector<std::string>* left_out);

// One policy file's name and text (kept by the grading store as the last
// good custom set, so the type lives with the store's records).
using store::PolicySource;

// Parses one policy file. Returns its checks, or INVALID_ARGUMENT whose
// message starts "<name>:<line>: <key>: " and says what was wrong.
Result<std::vector<Check>> ParsePolicyFile(const PolicySource& source,
                                           bool builtin);

// Parses several files into one set; duplicate check ids across files are
// errors naming both places. `version` is computed from the sources.
Result<PolicySet> BuildPolicySet(const std::vector<PolicySource>& sources,
                                 bool builtin);

// The built-in policy files compiled into the binary from policies/checks/.
const std::vector<PolicySource>& BuiltinPolicySources();
// The end-of-support table compiled in from policies/end_of_support.yaml.
const PolicySource& BuiltinEndOfSupportSource();
// The questionnaires compiled in from policies/questionnaires/.
const std::vector<PolicySource>& BuiltinQuestionnaireSources();
// The software dictionary compiled in from policies/software/ (parsed by
// collector/software/dictionary.h).
const std::vector<PolicySource>& BuiltinSoftwareDictionarySources();

// Reads every *.yaml file of `dir` (sorted by name). A missing directory
// gives an empty list; unreadable files are errors naming them.
Result<std::vector<PolicySource>> ReadPolicyDir(const std::string& dir);

}  // namespace mamori::policy
