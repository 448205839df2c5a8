#pragma once

// RegisterPort: the information-asset register of one organisation in the
// collector's store (docs/register.md). The SQLite implementation is
// asset_register::RegisterStore (store/sqlite/register_store.h); get one
// from Store::OpenRegister().
//
// Device assets are derived from the core hosts and their facts when read
// (name, role, OS, serial, model, last seen), joined with the fields people
// edit; a host whose last report is older than `stale_after` is stale, and a
// retired one stays listed. Every change writes a history entry naming the
// actor. Imports are all or nothing, and importing unchanged rows writes
// nothing.
//
// Tenancy: every method takes the organisation's name and touches only its
// rows; NOT_FOUND naming it when it does not exist. Other errors are the
// database's (INTERNAL), with nothing written.
//
// Thread safety: one RegisterPort per thread.

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "collector/store/records/register_records.h"
#include "common/status.h"

namespace mamori::asset_register {

// Outcome of an import (or of a dry run: what would happen).
struct ImportSummary {
  int64_t created = 0;
  int64_t updated = 0;
  int64_t unchanged = 0;
  int64_t links_added = 0;
  bool applied = false;  // false for a dry run or when errors were found
  std::vector<ImportError> errors;
  std::vector<std::string> warnings;
};

// Changes to one device's editable fields; unset = keep.
struct DeviceEdit {
  std::optional<std::string> owner;
  std::optional<std::string> location;
  std::optional<bool> retired;
};

// Per information asset, the worst current state of each employee rule
// among the devices it is linked to (services have no checks).
struct AssetRisk {
  std::string asset_name;
  int importance = 1;
  std::vector<std::string> devices;  // linked device names
  std::vector<RuleState> worst;      // one per rule, worst first
  std::vector<std::string> services;
};

struct HistoryEntry {
  int64_t changed_at = 0;
  std::string actor;
  std::string entity;
  std::string entity_name;
  std::string action;
  std::string before_json;  // "" when created
  std::string after_json;   // "" when removed
};

class RegisterPort {
 public:
  virtual ~RegisterPort() = default;

  // Information assets of `org` ordered by business area then name, the
  // retired ones included (with `retired` set: callers choose what to show).
  // NOT_FOUND naming the organisation when it does not exist.
  virtual Result<std::vector<InformationAsset>> ListAssets(
      const std::string& org) = 0;
  // Devices of `org` ordered by name, with status and current checks.
  virtual Result<std::vector<DeviceAsset>> ListDevices(
      const std::string& org, std::chrono::seconds stale_after) = 0;
  // Links of `org` ordered by asset name, kind, target.
  virtual Result<std::vector<AssetLink>> ListLinks(const std::string& org) = 0;
  // All three, for export.
  virtual Result<RegisterSnapshot> Snapshot(
      const std::string& org, std::chrono::seconds stale_after) = 0;

  // Applies `plan` (or, with `dry_run`, only reports what it would do).
  // Row problems, including links to unknown assets or devices and rows
  // whose retired state differs from the register's (ImportedStateProblem:
  // an import never retires or restores), are in the summary's errors and
  // nothing is written. A retired asset's other fields are updated like any.
  // NOT_FOUND for an unknown organisation; INTERNAL for a database failure
  // (rolled back).
  virtual Result<ImportSummary> Import(const std::string& org,
                                       const ImportPlan& plan,
                                       const std::string& actor,
                                       bool dry_run) = 0;

  // One asset is created or replaced through Import with a plan of one row
  // (collector/register/import_file.h's PutAsset validates it first).
  // The stored asset named `name`; NOT_FOUND when absent. Not virtual: it
  // is ListAssets filtered (register_port.cpp).
  Result<InformationAsset> GetAsset(const std::string& org,
                                    const std::string& name);

  // Links `asset_name` to a device (by host name or numeric host id) or to
  // a named external service. Returns true when added, false when it
  // already existed. NOT_FOUND for an unknown asset or device;
  // INVALID_ARGUMENT when a device name matches several hosts or the target
  // is empty. Not virtual: one link is a one-row Import on every backend
  // (register_port.cpp).
  Result<bool> Link(const std::string& org, const std::string& asset_name,
                    LinkKind kind, const std::string& target,
                    const std::string& actor);

  // Edits one device (by host name or numeric host id). Returns true when
  // something changed. NOT_FOUND / INVALID_ARGUMENT as for Link.
  virtual Result<bool> EditDevice(const std::string& org,
                                  const std::string& device,
                                  const DeviceEdit& edit,
                                  const std::string& actor) = 0;

  // Retires the asset named `name`: stores `retirement` (its retired_by is
  // replaced by `actor`) and a history entry "retire" with the asset before
  // and after. Returns the asset as stored. INVALID_ARGUMENT naming the
  // field when RetirementProblem finds one (today = the store clock's UTC
  // date); NOT_FOUND for an unknown asset; FAILED_PRECONDITION when it is
  // already retired (its date in the message). Nothing is deleted: the
  // asset's links stay.
  virtual Result<InformationAsset> RetireAsset(
      const std::string& org, const std::string& name,
      const AssetRetirement& retirement, const std::string& actor) = 0;
  // Puts a retired asset back in service (history entry "restore").
  // Returns the asset as stored; NOT_FOUND for an unknown asset;
  // FAILED_PRECONDITION when it is not retired.
  virtual Result<InformationAsset> RestoreAsset(const std::string& org,
                                                const std::string& name,
                                                const std::string& actor) = 0;

  // Maps check ids (check_results.check_id) to employee-rule ids, from the
  // policy set in force. Results of checks missing here are grouped under
  // their check id instead of a rule.
  virtual void SetCheckRules(
      std::map<std::string, std::string> check_to_rule) = 0;

  // Per asset in service (retired ones are left out), most important
  // first, the worst state per rule among its linked devices (fail, then error,
  // then unknown, then pass: grading::StatusSeverity). Reads the grading
  // module's check_results when the table exists; `source` receives which
  // source was used and how many results it held.
  virtual Result<std::vector<AssetRisk>> AssetRisks(const std::string& org,
                                                    std::string* source) = 0;

  // Newest first, at most `limit` entries.
  virtual Result<std::vector<HistoryEntry>> History(const std::string& org,
                                                    int64_t limit) = 0;
};

// JSON of one asset as written to history and `register list --format json`.
std::string AssetJson(const InformationAsset& asset);

// --- The rules of Import and EditDevice, written once for every backend
// (each backend runs only its SQL around them). Pure functions.

// An organisation's assets by name, with their row ids.
using StoredAssets =
    std::map<std::string, std::pair<int64_t, InformationAsset>>;
StoredAssets AssetsByName(
    std::vector<std::pair<int64_t, InformationAsset>> assets);

// A link an import adds: its row and, for a device, the host id it names.
struct PlannedLink {
  const ParsedLink* row = nullptr;
  std::optional<int64_t> host_id;  // unset for a service
};

// Checks `plan` against the register `stored` before anything is written,
// adding to `summary->errors` every asset row whose retired state differs
// from the register's (ImportedStateProblem) and every link to an asset
// neither in the file nor in the register or to a device `resolve_device`
// (host name or id → host id) refuses with NOT_FOUND or INVALID_ARGUMENT.
// Returns the links to add, or any other error of `resolve_device` (the
// store's own).
Result<std::vector<PlannedLink>> CheckImport(
    const ImportPlan& plan, const StoredAssets& stored,
    const std::function<Result<int64_t>(const std::string& device)>&
        resolve_device,
    ImportSummary* summary);

// One asset row an import writes, with its history entry's two sides.
struct AssetWrite {
  std::optional<int64_t> id;  // the row to update; unset = insert
  InformationAsset asset;     // the file's fields, the register's retirement
  std::string before_json;    // AssetJson of the stored asset, "" when new
  std::string after_json;     // AssetJson of `asset`
};

// The asset rows `plan` changes, in the plan's order; counts each row as
// created, updated or (not returned) unchanged in `summary`.
std::vector<AssetWrite> PlanAssetWrites(const ImportPlan& plan,
                                        const StoredAssets& stored,
                                        ImportSummary* summary);

// A link as its history entry's after side: {"kind":…,"target":…}.
std::string LinkJson(const AssetLink& link);

// The fields people edit on a device asset, as stored.
struct DeviceFields {
  std::string owner;
  std::string location;
  std::optional<int64_t> retired_at;  // Unix seconds; unset = in service
};

// OK, or INVALID_ARGUMENT when the owner or location is not valid UTF-8 of
// at most kMaxShortText bytes.
Status CheckDeviceEdit(const DeviceEdit& edit);

// What EditDevice stores: the new fields and the history entry.
struct DeviceChange {
  DeviceFields after;
  std::string action;       // "retire" or "update"
  std::string before_json;  // "" when the device had no stored fields
  std::string after_json;
};

// `edit` applied at `now` to the device's stored fields (`current`,
// nullopt = none stored). nullopt when nothing would change.
std::optional<DeviceChange> PlanDeviceEdit(
    const std::optional<DeviceFields>& current, const DeviceEdit& edit,
    int64_t now);

// --- The rules of the register's reads (ListDevices, AssetRisks), written
// once for every backend. Pure.

// One device as a store reads it: the host, its system and hardware facts
// (absent: empty) and the fields people edit.
struct DeviceRow {
  int64_t host_id = 0;
  std::string hostname;
  std::string os_name;
  std::string os_version;
  std::string host_serial;
  int64_t last_seen = 0;
  std::string role;  // the proto enum's name, ENDPOINT_ROLE_…
  std::string vendor;
  std::string model;
  std::string hardware_serial;
  std::string owner;
  std::string location;
  bool retired = false;
  bool revoked = false;  // revoked after its last enrollment
};

// The device asset of `row`, without checks: the OS name with its version,
// the host's serial or else the hardware's, the model with its vendor in
// front, the role in lower case ("" for unspecified) and the status
// (retired, else revoked, else stale when last seen before `stale_before`,
// else active).
DeviceAsset DeviceFromRow(const DeviceRow& row, int64_t stale_before);

// Per host (ascending id), its worst current state per employee rule
// (states per rule, ascending id).
using HostRuleStateList =
    std::vector<std::pair<int64_t, std::vector<RuleState>>>;

// Folds check results, one at a time, into each host's worst state per
// rule (grading::StatusSeverity); a check with no rule in `check_to_rule`
// stands under its own id.
class HostRuleStates {
 public:
  explicit HostRuleStates(
      const std::map<std::string, std::string>& check_to_rule)
      : check_to_rule_(check_to_rule) {}
  void Add(int64_t host_id, const std::string& check_id,
           const std::string& state);
  // The states, and in `source` what they came from ("check_results
  // (grading module): N current results", with how many were grouped by
  // check id).
  HostRuleStateList Finish(std::string* source) const;

 private:
  const std::map<std::string, std::string>& check_to_rule_;
  std::map<int64_t, std::map<std::string, std::string>> worst_;
  int64_t results_ = 0;
  int64_t unmapped_ = 0;
};

// Sets each device's checks to its host's states in `checks`.
void AttachChecks(const HostRuleStateList& checks,
                  std::vector<DeviceAsset>* devices);

// Builds AssetRisks from the rows of assets joined with their links, in
// the order the list shows (an asset's rows together).
class AssetRiskBuilder {
 public:
  explicit AssetRiskBuilder(const HostRuleStateList& checks)
      : by_host_(checks.begin(), checks.end()) {}
  // One link of `asset_name` (to a device `host_id` named `hostname`, or to
  // `service`), or the asset alone (neither set).
  void Add(const std::string& asset_name, int importance,
           std::optional<int64_t> host_id, const std::string& hostname,
           const std::optional<std::string>& service);
  // The risks, each asset's rules worst first.
  std::vector<AssetRisk> Finish();

 private:
  void FinishAsset();

  std::map<int64_t, std::vector<RuleState>> by_host_;
  std::vector<AssetRisk> out_;
  std::map<std::string, std::string> worst_;  // rule → state, current asset
};

}  // namespace mamori::asset_register
