#pragma once

// SqliteSoftwareStore: SoftwarePort (store/software_port.h) over the
// collector's SQLite database, tables of the "software" migration module
// (software_schema.h).
//
// Thread safety: one instance per thread; it owns its connection.

#include <memory>
#include <string>

#include "collector/store/software_port.h"
#include "collector/store/sqlite/sqlite.h"

namespace mamori::store {

class SqliteSoftwareStore final : public SoftwarePort {
 public:
  // Opens the existing, migrated database at `path`. NOT_FOUND when absent.
  static Result<std::unique_ptr<SqliteSoftwareStore>> Open(
      const std::string& path);

  Result<int64_t> OrgId(const std::string& org) override;
  Status SyncDictionary(const SoftwareDictionaryRecord& dictionary) override;
  Result<std::string> DictionaryFingerprint() override;
  Result<SoftwareRules> LoadRules(int64_t org_id) override;
  Status AddRule(int64_t org_id, const SoftwareRule& rule,
                 const std::string& who, TimePoint now) override;
  Status RemoveRule(int64_t org_id, const SoftwareRule& rule,
                    const std::string& who, TimePoint now) override;
  Status SetFloor(int64_t org_id, const SoftwareFloor& floor,
                  const std::string& who, TimePoint now) override;
  Status SetLicences(int64_t org_id, const std::string& title,
                     std::optional<int64_t> owned, const std::string& who,
                     TimePoint now) override;
  Result<std::vector<SoftwareAuditEntry>> History(int64_t org_id,
                                                  int limit) override;
  Result<SoftwareInventory> Inventory(int64_t org_id) override;

 private:
  explicit SqliteSoftwareStore(Database db) : db_(std::move(db)) {}

  Database db_;
};

}  // namespace mamori::store
