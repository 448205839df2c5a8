#pragma once

// RegisterStore: reads and writes the information-asset register of one
// organisation over the collector's SQLite database (tables of the
// "register" migration module, see register_schema.h).
//
// Device assets are derived from the core `hosts` and `host_facts` rows
// when read (name, role, OS, serial, model, last seen), joined with the
// fields people edit; a host whose last report is older than `stale_after`
// is stale, and a retired one stays listed. Every change writes a
// register_history row naming the actor.
//
// Imports are all or nothing: the plan is validated against the database
// (assets and devices that links name must exist) inside one transaction,
// and nothing is written when any error is found. Importing unchanged rows
// writes nothing, so re-importing an export is a no-op.
//
// Thread safety: one RegisterStore per thread; it uses the Database from
// the calling thread only. Other processes may use the file concurrently
// (SQLite locking).

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "collector/store/records/register_records.h"
#include "collector/store/register_port.h"
#include "collector/store/sqlite/sqlite.h"
#include "common/clock.h"
#include "common/status.h"

namespace mamori::asset_register {

class RegisterStore final : public RegisterPort {
 public:
  // `db` and `clock` must outlive the store. The schema must be migrated.
  RegisterStore(store::Database& db, const Clock& clock)
      : db_(db), clock_(clock) {}

  // Information assets of `org` ordered by business area then name.
  // NOT_FOUND naming the organisation when it does not exist.
  Result<std::vector<InformationAsset>> ListAssets(
      const std::string& org) override;
  // Devices of `org` ordered by name, with status and current checks.
  Result<std::vector<DeviceAsset>> ListDevices(
      const std::string& org, std::chrono::seconds stale_after) override;
  // Links of `org` ordered by asset name, kind, target.
  Result<std::vector<AssetLink>> ListLinks(const std::string& org) override;
  // All three, for export.
  Result<RegisterSnapshot> Snapshot(const std::string& org,
                                    std::chrono::seconds stale_after) override;

  // Applies `plan` (or, with `dry_run`, only reports what it would do).
  // Row problems, including links to unknown assets or devices, are in the
  // summary's errors and nothing is written. NOT_FOUND for an unknown
  // organisation; INTERNAL for a database failure (rolled back).
  Result<ImportSummary> Import(const std::string& org, const ImportPlan& plan,
                               const std::string& actor, bool dry_run) override;

  // Edits one device (by host name or numeric host id). Returns true when
  // something changed. NOT_FOUND / INVALID_ARGUMENT as for Link.
  Result<bool> EditDevice(const std::string& org, const std::string& device,
                          const DeviceEdit& edit,
                          const std::string& actor) override;

  // Retires / restores one asset (RegisterPort's contract).
  Result<InformationAsset> RetireAsset(const std::string& org,
                                       const std::string& name,
                                       const AssetRetirement& retirement,
                                       const std::string& actor) override;
  Result<InformationAsset> RestoreAsset(const std::string& org,
                                        const std::string& name,
                                        const std::string& actor) override;

  // Maps check ids (check_results.check_id) to employee-rule ids, from the
  // policy set in force. Results of checks missing here are grouped under
  // their check id instead of a rule.
  void SetCheckRules(
      std::map<std::string, std::string> check_to_rule) override {
    check_rules_ = std::move(check_to_rule);
  }

  // Per asset, most important first, the worst state per rule among its
  // linked devices (fail, then error, then unknown, then pass:
  // grading::StatusSeverity). Reads the grading module's check_results when the
  // table exists; `source` receives which source was used and how many results
  // it held.
  Result<std::vector<AssetRisk>> AssetRisks(const std::string& org,
                                            std::string* source) override;

  // Newest first, at most `limit` entries.
  Result<std::vector<HistoryEntry>> History(const std::string& org,
                                            int64_t limit) override;

 private:
  // The statement for `sql` (a string constant), prepared on first use and
  // reset for reuse after.
  Result<store::Statement*> Stmt(const char* sql);
  Result<int64_t> OrgId(const std::string& org);
  Result<int64_t> ResolveDevice(int64_t org_id, const std::string& device);
  Result<std::vector<std::pair<int64_t, InformationAsset>>> LoadAssets(
      int64_t org_id);
  Result<std::vector<std::pair<int64_t, std::vector<RuleState>>>> HostChecks(
      int64_t org_id, std::string* source);
  Status Record(int64_t org_id, int64_t now, const std::string& actor,
                std::string_view entity, const std::string& entity_name,
                std::string_view action, const std::string& before_json,
                const std::string& after_json);
  // Sets (or, with nullopt, clears) the retirement of asset `name`.
  Result<InformationAsset> SetRetirement(
      const std::string& org, const std::string& name,
      std::optional<AssetRetirement> retirement, const std::string& actor);
  Status UpsertAsset(int64_t org_id, std::optional<int64_t> id,
                     const InformationAsset& asset, int64_t now);

  store::Database& db_;
  const Clock& clock_;
  std::map<std::string, std::string> check_rules_;
  std::unordered_map<const char*, store::Statement> statements_;
};

}  // namespace mamori::asset_register
