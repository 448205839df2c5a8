#pragma once

// SoftwarePort: the software dictionary's copy in the store, each
// organisation's software rules (banned and required categories or titles,
// version floors, licences owned) with their audit trail, and the software
// ledger (ソフトウェア台帳) read: which dictionary title is installed where.
//
// The dictionary (collector/software/dictionary.h) is global reference data:
// SyncDictionary replaces it and re-matches the package catalogue; from then
// on every new catalogue row is matched as it is stored, so the checks of
// policies/checks/software.yaml read ready matches (docs/policies.md,
// "Software rules").
//
// Tenancy: every method taking an org_id reads and writes only that
// organisation's rows; the dictionary is global. Errors: NOT_FOUND and
// INVALID_ARGUMENT as stated per method; anything else is the database's
// (INTERNAL, or UNAVAILABLE when it is busy), with nothing written.
//
// Thread safety: one SoftwarePort per thread (it owns a connection).

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/status.h"

namespace mamori::store {

// One way a dictionary title is recognised: SQL LIKE patterns (escape '\')
// over the package name and, when not empty, its publisher.
struct SoftwareMatchPattern {
  // The name pattern's first character, A-Z lowercased; "" when the
  // pattern starts with a wildcard. Only packages whose name starts with it
  // (ASCII case folded, as LIKE does) are tried against the pattern.
  std::string first_char;
  std::string name_like;
  std::string publisher_like;  // "" = any publisher
};

struct SoftwareTitleRecord {
  std::string id;
  std::string category;
  std::string name_ja;
  std::string name_en;
  std::vector<SoftwareMatchPattern> patterns;
};

struct SoftwareCategoryRecord {
  std::string id;
  std::string name_ja;
  std::string name_en;
};

struct SoftwareDictionaryRecord {
  std::vector<SoftwareCategoryRecord> categories;
  std::vector<SoftwareTitleRecord> titles;
  // Identifies the content: the store re-matches only when it changes.
  std::string fingerprint;
};

// action "ban" or "require"; target_kind "category" or "title"; platform
// "" (every host), "windows" or "linux".
struct SoftwareRule {
  std::string action;
  std::string target_kind;
  std::string target;
  std::string platform;
};

struct SoftwareFloor {
  std::string title;
  std::string min_version;
};

struct SoftwareLicence {
  std::string title;
  int64_t owned = 0;
};

struct SoftwareRules {
  std::vector<SoftwareRule> rules;        // by action, kind, target
  std::vector<SoftwareFloor> floors;      // by title
  std::vector<SoftwareLicence> licences;  // by title
};

struct SoftwareAuditEntry {
  TimePoint at;
  std::string who;
  std::string action;  // "rule_added", "floor_set", "licences_cleared", …
  std::string detail;  // "ban title teamviewer", "forticlient >= 7.2", …
};

// One installed package that matched a dictionary title on one host.
struct SoftwareInstall {
  std::string title;
  int64_t host_id = 0;
  std::string hostname;
  std::string platform;  // "windows", "linux", "" unknown
  std::string package;   // the name as the host reported it
  std::string version;
  std::string publisher;
};

struct SoftwareInventory {
  std::vector<SoftwareInstall> installs;  // by title, hostname, package
  int64_t hosts = 0;
  // Hosts whose package list was not collected (no packages family, or its
  // status is not ok): their software is unknown, not absent.
  std::vector<std::string> hosts_without_inventory;
};

class SoftwarePort {
 public:
  virtual ~SoftwarePort() = default;

  // The organisation's id; NOT_FOUND naming it when absent.
  virtual Result<int64_t> OrgId(const std::string& org) = 0;

  // Replaces the dictionary with `dictionary` and re-matches every package
  // of the catalogue when its fingerprint differs from the stored one; does
  // nothing otherwise. All or nothing.
  virtual Status SyncDictionary(const SoftwareDictionaryRecord& dictionary) = 0;
  // The stored dictionary's fingerprint ("" before the first sync).
  virtual Result<std::string> DictionaryFingerprint() = 0;

  virtual Result<SoftwareRules> LoadRules(int64_t org_id) = 0;

  // Each change writes one audit row with `who` and `now` in the same
  // transaction. The caller validates targets against the dictionary.
  // AddRule: ALREADY_EXISTS when the same rule is there.
  virtual Status AddRule(int64_t org_id, const SoftwareRule& rule,
                         const std::string& who, TimePoint now) = 0;
  // NOT_FOUND when no such rule.
  virtual Status RemoveRule(int64_t org_id, const SoftwareRule& rule,
                            const std::string& who, TimePoint now) = 0;
  // Sets (or, with an empty min_version, clears: NOT_FOUND when none) the
  // version floor of a title.
  virtual Status SetFloor(int64_t org_id, const SoftwareFloor& floor,
                          const std::string& who, TimePoint now) = 0;
  // Sets the licences owned for a title (or, with nullopt, clears them:
  // NOT_FOUND when none). INVALID_ARGUMENT for a negative count.
  virtual Status SetLicences(int64_t org_id, const std::string& title,
                             std::optional<int64_t> owned,
                             const std::string& who, TimePoint now) = 0;
  // Newest first, at most `limit`.
  virtual Result<std::vector<SoftwareAuditEntry>> History(int64_t org_id,
                                                          int limit) = 0;

  // The organisation's matched installs and the hosts whose software is
  // unknown.
  virtual Result<SoftwareInventory> Inventory(int64_t org_id) = 0;
};

}  // namespace mamori::store
