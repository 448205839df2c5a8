#pragma once

// PgRegisterStore: the information-asset register (store/register_port.h)
// on PostgreSQL, over the tables of pg_register_schema.cpp, with the same
// behaviour as the SQLite RegisterStore (the Backends/* cases of
// collector/register/register_store_test.cpp run on both). Device assets
// are read from hosts and host_facts (jsonb) joined with the edited fields;
// imports run in one transaction that a dry run or any row error rolls
// back. Several collectors may share the database: an import takes a
// transaction advisory lock per organisation, so two imports of one
// organisation never both create the same asset.
//
// Thread safety: one per thread (it owns its connection).

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "collector/store/postgres/pg.h"
#include "collector/store/register_port.h"
#include "common/clock.h"

namespace mamori::store::pg {

class PgRegisterStore final : public asset_register::RegisterPort {
 public:
  // Connects to `url` (a database PostgresStore::Open migrated). `clock`
  // must outlive the store. Returns it, or UNAVAILABLE.
  static Result<std::unique_ptr<PgRegisterStore>> Open(const std::string& url,
                                                       const Clock& clock);

  Result<std::vector<asset_register::InformationAsset>> ListAssets(
      const std::string& org) override;
  Result<std::vector<asset_register::DeviceAsset>> ListDevices(
      const std::string& org, std::chrono::seconds stale_after) override;
  Result<std::vector<asset_register::AssetLink>> ListLinks(
      const std::string& org) override;
  Result<asset_register::RegisterSnapshot> Snapshot(
      const std::string& org, std::chrono::seconds stale_after) override;
  Result<asset_register::ImportSummary> Import(
      const std::string& org, const asset_register::ImportPlan& plan,
      const std::string& actor, bool dry_run) override;
  Result<bool> EditDevice(const std::string& org, const std::string& device,
                          const asset_register::DeviceEdit& edit,
                          const std::string& actor) override;
  Result<asset_register::InformationAsset> RetireAsset(
      const std::string& org, const std::string& name,
      const asset_register::AssetRetirement& retirement,
      const std::string& actor) override;
  Result<asset_register::InformationAsset> RestoreAsset(
      const std::string& org, const std::string& name,
      const std::string& actor) override;
  void SetCheckRules(
      std::map<std::string, std::string> check_to_rule) override {
    check_rules_ = std::move(check_to_rule);
  }
  Result<std::vector<asset_register::AssetRisk>> AssetRisks(
      const std::string& org, std::string* source) override;
  Result<std::vector<asset_register::HistoryEntry>> History(
      const std::string& org, int64_t limit) override;

 private:
  PgRegisterStore(Connection conn, const Clock& clock)
      : conn_(std::move(conn)), clock_(clock) {}

  Result<int64_t> OrgId(const std::string& org);
  Result<std::vector<std::pair<int64_t, asset_register::InformationAsset>>>
  LoadAssets(int64_t org_id);
  // Per host of the organisation, the worst state per rule (or per check
  // id when no rule is known for it); `source` says where they came from.
  Result<
      std::vector<std::pair<int64_t, std::vector<asset_register::RuleState>>>>
  HostChecks(int64_t org_id, std::string* source);
  // A device named by host name or numeric host id (see RegisterPort::Link).
  Result<int64_t> ResolveDevice(int64_t org_id, const std::string& device);
  Status Record(int64_t org_id, int64_t now, const std::string& actor,
                std::string_view entity, const std::string& entity_name,
                std::string_view action, const std::string& before_json,
                const std::string& after_json);
  // Sets (or, with nullopt, clears) the retirement of asset `name`.
  Result<asset_register::InformationAsset> SetRetirement(
      const std::string& org, const std::string& name,
      std::optional<asset_register::AssetRetirement> retirement,
      const std::string& actor);
  Status UpsertAsset(int64_t org_id, std::optional<int64_t> id,
                     const asset_register::InformationAsset& asset,
                     int64_t now);

  Connection conn_;
  const Clock& clock_;
  std::map<std::string, std::string> check_rules_;
};

}  // namespace mamori::store::pg
