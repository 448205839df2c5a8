#pragma once

// Plain data the grading store keeps besides check results: an
// organisation's answer set, the end-of-support reference tables and the
// files of the last custom policy set that validated. The policy layer
// parses and validates them (collector/policy) and names them with `using`;
// they live here so the store's interfaces need nothing from the layer above
// them. The grading words they use (viewpoint answers, IPA answers) are the
// store's own vocabulary, store/records/check_records.h.
//
// Thread safety: values; no shared state.

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "collector/store/records/check_records.h"

namespace mamori::store {

// An organisation's answers (docs/policies.md, "Answer files").
struct AnswerSet {
  // Optional guard: when set, must match the organisation imported into.
  std::string organisation;
  std::string answered_by;
  std::map<std::string, grading::ViewpointAnswers> second;  // by rule id
  std::map<std::string, int> first;                         // by question id
  std::map<int, grading::IpaAnswer> ipa;                    // by item number
  std::map<std::string, int64_t> settings;
  // check id → parameter → value text (validated against the check).
  std::map<std::string, std::map<std::string, std::string>> parameters;
};

// One policy file's name and text.
struct PolicySource {
  std::string name;
  std::string text;
};

struct EndOfSupportEntry {
  std::string product;
  std::string match_key;
  std::string edition;  // "" = every edition
  std::string label;
  std::string ends_on;  // YYYY-MM-DD
  std::string source;   // the vendor's page for the date ("" = see the file)
};

struct BrowserMinimum {
  std::string browser;
  std::string package_pattern;  // SQL LIKE pattern
  int64_t min_major = 0;
  std::string as_of;  // YYYY-MM-DD
};

struct EndOfSupportTable {
  std::vector<EndOfSupportEntry> entries;
  std::vector<BrowserMinimum> browsers;
};

}  // namespace mamori::store
