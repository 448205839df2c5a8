#pragma once

// PgSoftwareStore: the software port (store/software_port.h) on PostgreSQL,
// over pg_grading_schema.cpp's software tables: the dictionary (replaced
// whole; the catalogue re-matched in one statement, new packages matched by
// a trigger), per-organisation rules, floors and licences with their audit
// ledger, and the inventory. Text orders as SQLite's (COLLATE "C").
//
// Thread safety: one per thread (one connection).

#include <memory>
#include <string>

#include "collector/store/postgres/pg.h"
#include "collector/store/software_port.h"

namespace mamori::store::pg {

class PgSoftwareStore final : public SoftwarePort {
 public:
  // Connects to `url` (migrated by PostgresStore::Open). Returns the store
  // or UNAVAILABLE.
  static Result<std::unique_ptr<PgSoftwareStore>> Open(const std::string& url);

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
  explicit PgSoftwareStore(Connection conn) : conn_(std::move(conn)) {}

  Connection conn_;
};

}  // namespace mamori::store::pg
