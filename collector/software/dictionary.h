#pragma once

// The software dictionary (docs/policies.md, "Software dictionary"): YAML
// files under policies/software/ (compiled in) that sort installed programs
// and packages into categories (remote access tools, P2P file sharing,
// personal cloud storage, browsers, office suites, security products, VPN
// clients, archivers, mail clients, …) by name and publisher patterns, with
// Japanese and English names.
//
// A pattern is a glob over the whole name: `*` any text, `?` one character;
// ASCII letters match either case, everything else exactly. Loading is
// strict: an unknown key, a duplicate id, an unknown category or a bad
// pattern (empty, only wildcards, a backslash, control characters, longer
// than kMaxPatternBytes) is refused with the file and line.
//
// Thread safety: pure functions; a Dictionary is an immutable value.

#include <string>
#include <string_view>
#include <vector>

#include "collector/policy/policy.h"
#include "collector/store/software_port.h"
#include "common/status.h"

namespace mamori::software {

inline constexpr size_t kMaxPatternBytes = 200;

struct Category {
  std::string id;
  policy::LocalizedText name;
};

struct MatchRule {
  std::string name;       // glob over the package name
  std::string publisher;  // glob over the publisher; "" = any
};

struct Title {
  std::string id;
  std::string category;
  policy::LocalizedText name;
  std::vector<MatchRule> match;
};

struct Dictionary {
  std::vector<Category> categories;  // in file order
  std::vector<Title> titles;         // in file order

  // nullptr when absent.
  const Category* FindCategory(std::string_view id) const;
  const Title* FindTitle(std::string_view id) const;
  // The first title whose rules match (name, publisher); nullptr when none.
  const Title* Match(std::string_view name, std::string_view publisher) const;
};

// Parses the files into one dictionary. Returns it, or INVALID_ARGUMENT
// "<file>:<line>: <key>: <reason>".
Result<Dictionary> LoadDictionary(
    const std::vector<policy::PolicySource>& files);

// The dictionary compiled into the binary (parsed once). A broken built-in
// file is FAILED_PRECONDITION with the parse error.
Result<const Dictionary*> BuiltinDictionary();

// OK, or INVALID_ARGUMENT saying what is wrong with `glob`.
Status CheckGlob(std::string_view glob);
// Whether `text` matches `glob` (see above).
bool GlobMatches(std::string_view glob, std::string_view text);
// The SQL LIKE form of `glob` with '\' as the escape character.
std::string GlobToLike(std::string_view glob);

// The store's record of `dictionary` (LIKE patterns, a SHA-256
// fingerprint of the content).
store::SoftwareDictionaryRecord ToRecord(const Dictionary& dictionary);

// Brings the dictionary copy of the store at `store_url` up to the built-in
// dictionary (SoftwarePort::SyncDictionary; nothing is written when it is
// current). Returns OK, FAILED_PRECONDITION for a broken built-in file, or
// the store's error.
Status SyncBuiltinDictionary(std::string_view store_url);

}  // namespace mamori::software
