#include "collector/store/sqlite/register_store.h"

#include <algorithm>

#include "collector/store/sqlite/org_lookup.h"
#include "common/text.h"

namespace mamori::asset_register {
namespace {

using store::Statement;
using store::Transaction;

constexpr const char* kSelectAssets =
    "SELECT id, business_area, name, note, users, owning_department, medium, "
    "personal, sensitive_personal, my_number, confidentiality, integrity, "
    "availability, retention, registered_on, retired_on, retired_reason, "
    "retired_by FROM register_assets "
    "WHERE org_id = ? ORDER BY business_area, name";

constexpr const char* kInsertHistory =
    "INSERT INTO register_history (org_id, changed_at, actor, entity, "
    "entity_name, action, before_json, after_json) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?)";

constexpr const char* kUpdateAsset =
    "UPDATE register_assets SET business_area = ?, name = ?, note = ?, "
    "users = ?, owning_department = ?, medium = ?, personal = ?, "
    "sensitive_personal = ?, my_number = ?, confidentiality = ?, "
    "integrity = ?, availability = ?, retention = ?, registered_on = ?, "
    "updated_at = ? WHERE org_id = ? AND id = ?";

constexpr const char* kInsertAsset =
    "INSERT INTO register_assets (business_area, name, note, users, "
    "owning_department, medium, personal, sensitive_personal, my_number, "
    "confidentiality, integrity, availability, retention, registered_on, "
    "updated_at, org_id, created_at) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";

InformationAsset AssetFromRow(const Statement& s) {
  InformationAsset a;
  a.business_area = s.ColumnText(1);
  a.name = s.ColumnText(2);
  a.note = s.ColumnText(3);
  a.users = s.ColumnText(4);
  a.owning_department = s.ColumnText(5);
  a.medium = ParseMedium(s.ColumnText(6)).value_or(Medium::kPaper);
  a.personal = s.ColumnInt(7) != 0;
  a.sensitive_personal = s.ColumnInt(8) != 0;
  a.my_number = s.ColumnInt(9) != 0;
  a.confidentiality = static_cast<int>(s.ColumnInt(10));
  a.integrity = static_cast<int>(s.ColumnInt(11));
  a.availability = static_cast<int>(s.ColumnInt(12));
  a.retention = s.ColumnText(13);
  a.registered_on = s.ColumnText(14);
  if (!s.ColumnIsNull(15)) {
    a.retired =
        AssetRetirement{s.ColumnText(15), s.ColumnText(16), s.ColumnText(17)};
  }
  return a;
}

}  // namespace

Result<Statement*> RegisterStore::Stmt(const char* sql) {
  auto found = statements_.find(sql);
  if (found != statements_.end()) {
    found->second.Reset();
    return &found->second;
  }
  auto prepared = db_.Prepare(sql);
  if (!prepared.ok()) return prepared.status();
  return &statements_.emplace(sql, std::move(*prepared)).first->second;
}

Result<int64_t> RegisterStore::OrgId(const std::string& org) {
  return OrgIdByName(db_, org);
}

Result<std::vector<std::pair<int64_t, InformationAsset>>>
RegisterStore::LoadAssets(int64_t org_id) {
  auto stmt = db_.Prepare(kSelectAssets);
  if (!stmt.ok()) return stmt.status();
  stmt->Bind(1, org_id);
  std::vector<std::pair<int64_t, InformationAsset>> out;
  while (true) {
    auto row = stmt->Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    out.emplace_back(stmt->ColumnInt(0), AssetFromRow(*stmt));
  }
  return out;
}

Result<std::vector<InformationAsset>> RegisterStore::ListAssets(
    const std::string& org) {
  auto org_id = OrgId(org);
  if (!org_id.ok()) return org_id.status();
  auto rows = LoadAssets(*org_id);
  if (!rows.ok()) return rows.status();
  std::vector<InformationAsset> out;
  out.reserve(rows->size());
  for (auto& [id, asset] : *rows) out.push_back(std::move(asset));
  return out;
}

Result<std::vector<std::pair<int64_t, std::vector<RuleState>>>>
RegisterStore::HostChecks(int64_t org_id, std::string* source) {
  std::vector<std::pair<int64_t, std::vector<RuleState>>> out;
  // check_results belongs to the grading module, which may be absent from
  // an older or register-only database.
  auto exists = db_.Prepare(
      "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = "
      "'check_results'");
  if (!exists.ok()) return exists.status();
  auto present = exists->Step();
  if (!present.ok()) return present.status();
  if (!*present) {
    *source = "none: this database has no check results (grading module)";
    return out;
  }
  auto stmt = db_.Prepare(
      "SELECT host_id, check_id, status FROM check_results "
      "WHERE org_id = ? ORDER BY host_id, check_id");
  if (!stmt.ok()) return stmt.status();
  stmt->Bind(1, org_id);
  HostRuleStates states(check_rules_);
  while (true) {
    auto row = stmt->Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    states.Add(stmt->ColumnInt(0), stmt->ColumnText(1), stmt->ColumnText(2));
  }
  return states.Finish(source);
}

Result<std::vector<DeviceAsset>> RegisterStore::ListDevices(
    const std::string& org, std::chrono::seconds stale_after) {
  auto org_id = OrgId(org);
  if (!org_id.ok()) return org_id.status();
  auto stmt = db_.Prepare(
      "SELECT h.id, h.hostname, h.os_name, h.os_version, h.serial, "
      "h.last_seen, json_extract(s.payload_json, '$.role'), "
      "json_extract(hw.payload_json, '$.vendor'), "
      "json_extract(hw.payload_json, '$.model'), "
      "json_extract(hw.payload_json, '$.serial'), "
      "d.owner, d.location, d.retired_at, "
      "EXISTS (SELECT 1 FROM host_revocations r WHERE r.host_id = h.id "
      "AND r.revoked_at >= h.enrolled_at) "
      "FROM hosts h "
      "LEFT JOIN host_facts s ON s.host_id = h.id AND s.family = 'system' "
      "LEFT JOIN host_facts hw ON hw.host_id = h.id AND hw.family = "
      "'hardware' "
      "LEFT JOIN register_devices d ON d.host_id = h.id "
      "WHERE h.org_id = ? ORDER BY h.hostname, h.id");
  if (!stmt.ok()) return stmt.status();
  stmt->Bind(1, *org_id);
  const int64_t stale_before =
      ToUnixSeconds(clock_.Now()) - stale_after.count();
  std::vector<DeviceAsset> out;
  while (true) {
    auto row = stmt->Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    DeviceRow d;
    d.host_id = stmt->ColumnInt(0);
    d.hostname = stmt->ColumnText(1);
    d.os_name = stmt->ColumnText(2);
    d.os_version = stmt->ColumnText(3);
    d.host_serial = stmt->ColumnText(4);
    d.last_seen = stmt->ColumnInt(5);
    d.role = stmt->ColumnText(6);
    d.vendor = stmt->ColumnText(7);
    d.model = stmt->ColumnText(8);
    d.hardware_serial = stmt->ColumnText(9);
    d.owner = stmt->ColumnText(10);
    d.location = stmt->ColumnText(11);
    d.retired = !stmt->ColumnIsNull(12);
    d.revoked = stmt->ColumnInt(13) != 0;
    out.push_back(DeviceFromRow(d, stale_before));
  }
  std::string source;
  auto checks = HostChecks(*org_id, &source);
  if (!checks.ok()) return checks.status();
  AttachChecks(*checks, &out);
  return out;
}

Result<std::vector<AssetLink>> RegisterStore::ListLinks(
    const std::string& org) {
  auto org_id = OrgId(org);
  if (!org_id.ok()) return org_id.status();
  auto stmt = db_.Prepare(
      "SELECT a.name, l.host_id IS NULL, COALESCE(h.hostname, l.service) "
      "FROM register_links l JOIN register_assets a ON a.id = l.asset_id "
      "LEFT JOIN hosts h ON h.id = l.host_id "
      "WHERE l.org_id = ? ORDER BY a.name, 2, 3");
  if (!stmt.ok()) return stmt.status();
  stmt->Bind(1, *org_id);
  std::vector<AssetLink> out;
  while (true) {
    auto row = stmt->Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    out.push_back({stmt->ColumnText(0),
                   stmt->ColumnInt(1) ? LinkKind::kService : LinkKind::kDevice,
                   stmt->ColumnText(2)});
  }
  return out;
}

Result<RegisterSnapshot> RegisterStore::Snapshot(
    const std::string& org, std::chrono::seconds stale_after) {
  RegisterSnapshot s;
  auto assets = ListAssets(org);
  if (!assets.ok()) return assets.status();
  s.assets = std::move(*assets);
  auto devices = ListDevices(org, stale_after);
  if (!devices.ok()) return devices.status();
  s.devices = std::move(*devices);
  auto links = ListLinks(org);
  if (!links.ok()) return links.status();
  s.links = std::move(*links);
  return s;
}

Status RegisterStore::Record(int64_t org_id, int64_t now,
                             const std::string& actor, std::string_view entity,
                             const std::string& entity_name,
                             std::string_view action,
                             const std::string& before_json,
                             const std::string& after_json) {
  auto cached = Stmt(kInsertHistory);
  if (!cached.ok()) return cached.status();
  Statement* stmt = *cached;
  stmt->Bind(1, org_id).Bind(2, now).Bind(3, actor).Bind(4, entity);
  stmt->Bind(5, entity_name).Bind(6, action);
  if (before_json.empty()) {
    stmt->BindNull(7);
  } else {
    stmt->Bind(7, before_json);
  }
  if (after_json.empty()) {
    stmt->BindNull(8);
  } else {
    stmt->Bind(8, after_json);
  }
  return stmt->Run();
}

Status RegisterStore::UpsertAsset(int64_t org_id, std::optional<int64_t> id,
                                  const InformationAsset& a, int64_t now) {
  auto cached = Stmt(id ? kUpdateAsset : kInsertAsset);
  if (!cached.ok()) return cached.status();
  Statement* stmt = *cached;
  stmt->Bind(1, a.business_area).Bind(2, a.name).Bind(3, a.note);
  stmt->Bind(4, a.users).Bind(5, a.owning_department);
  stmt->Bind(6, MediumCode(a.medium));
  stmt->Bind(7, int64_t{a.personal}).Bind(8, int64_t{a.sensitive_personal});
  stmt->Bind(9, int64_t{a.my_number});
  stmt->Bind(10, int64_t{a.confidentiality}).Bind(11, int64_t{a.integrity});
  stmt->Bind(12, int64_t{a.availability});
  stmt->Bind(13, a.retention).Bind(14, a.registered_on).Bind(15, now);
  stmt->Bind(16, org_id).Bind(17, id ? *id : now);
  return stmt->Run();
}

Result<int64_t> RegisterStore::ResolveDevice(int64_t org_id,
                                             const std::string& device) {
  auto stmt = db_.Prepare(
      "SELECT id FROM hosts WHERE org_id = ? AND hostname = ? ORDER BY id");
  if (!stmt.ok()) return stmt.status();
  stmt->Bind(1, org_id).Bind(2, device);
  std::vector<int64_t> ids;
  while (true) {
    auto row = stmt->Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    ids.push_back(stmt->ColumnInt(0));
  }
  if (ids.size() == 1) return ids[0];
  if (ids.size() > 1) {
    std::string list;
    for (int64_t id : ids)
      list += (list.empty() ? "" : ", ") + std::to_string(id);
    return InvalidArgumentError("several devices are named \"" + device +
                                "\" (host ids " + list +
                                "); name the device by its host id");
  }
  // A host id typed instead of a name.
  if (auto id = ParseInt64(device)) {
    auto by_id =
        db_.Prepare("SELECT id FROM hosts WHERE org_id = ? AND id = ?");
    if (!by_id.ok()) return by_id.status();
    by_id->Bind(1, org_id).Bind(2, *id);
    auto row = by_id->Step();
    if (!row.ok()) return row.status();
    if (*row) return *id;
  }
  return NotFoundError("no device named \"" + device + "\"");
}

Result<ImportSummary> RegisterStore::Import(const std::string& org,
                                            const ImportPlan& plan,
                                            const std::string& actor,
                                            bool dry_run) {
  auto org_id = OrgId(org);
  if (!org_id.ok()) return org_id.status();
  ImportSummary summary;
  summary.errors = plan.errors;
  summary.warnings = plan.warnings;

  Transaction tx(db_);
  MAMORI_RETURN_IF_ERROR(tx.Begin());
  auto existing = LoadAssets(*org_id);
  if (!existing.ok()) return existing.status();
  const StoredAssets by_name = AssetsByName(std::move(*existing));
  auto links = CheckImport(
      plan, by_name,
      [&](const std::string& device) { return ResolveDevice(*org_id, device); },
      &summary);
  if (!links.ok()) return links.status();
  if (!summary.errors.empty()) return summary;  // rolled back: nothing written

  const int64_t now = ToUnixSeconds(clock_.Now());
  for (const AssetWrite& w : PlanAssetWrites(plan, by_name, &summary)) {
    MAMORI_RETURN_IF_ERROR(UpsertAsset(*org_id, w.id, w.asset, now));
    MAMORI_RETURN_IF_ERROR(Record(*org_id, now, actor, "asset", w.asset.name,
                                  w.id ? "update" : "create", w.before_json,
                                  w.after_json));
  }

  auto insert_link = db_.Prepare(
      "INSERT INTO register_links (org_id, asset_id, host_id, service, "
      "created_at) SELECT ?, id, ?, ?, ? FROM register_assets "
      "WHERE org_id = ? AND name = ? ON CONFLICT DO NOTHING");
  if (!insert_link.ok()) return insert_link.status();
  for (const PlannedLink& planned : *links) {
    const AssetLink& link = planned.row->link;
    insert_link->Reset();
    insert_link->Bind(1, *org_id);
    if (planned.host_id) {
      insert_link->Bind(2, *planned.host_id).BindNull(3);
    } else {
      insert_link->BindNull(2).Bind(3, link.target);
    }
    insert_link->Bind(4, now).Bind(5, *org_id).Bind(6, link.asset_name);
    MAMORI_RETURN_IF_ERROR(insert_link->Run());
    if (db_.Changes() == 0) continue;
    ++summary.links_added;
    MAMORI_RETURN_IF_ERROR(Record(*org_id, now, actor, "link", link.asset_name,
                                  "create", "", LinkJson(link)));
  }
  if (dry_run) return summary;  // the transaction rolls back
  MAMORI_RETURN_IF_ERROR(tx.Commit());
  summary.applied = true;
  return summary;
}

Result<bool> RegisterStore::EditDevice(const std::string& org,
                                       const std::string& device,
                                       const DeviceEdit& edit,
                                       const std::string& actor) {
  auto org_id = OrgId(org);
  if (!org_id.ok()) return org_id.status();
  MAMORI_RETURN_IF_ERROR(CheckDeviceEdit(edit));
  Transaction tx(db_);
  MAMORI_RETURN_IF_ERROR(tx.Begin());
  auto host = ResolveDevice(*org_id, device);
  if (!host.ok()) return host.status();
  auto current = db_.Prepare(
      "SELECT owner, location, retired_at FROM register_devices "
      "WHERE host_id = ? AND org_id = ?");
  if (!current.ok()) return current.status();
  current->Bind(1, *host).Bind(2, *org_id);
  auto row = current->Step();
  if (!row.ok()) return row.status();
  std::optional<DeviceFields> stored;
  if (*row) {
    stored = DeviceFields{current->ColumnText(0), current->ColumnText(1),
                          current->ColumnOptionalInt(2)};
  }
  const int64_t now = ToUnixSeconds(clock_.Now());
  const std::optional<DeviceChange> change = PlanDeviceEdit(stored, edit, now);
  if (!change) return false;
  auto upsert = db_.Prepare(
      "INSERT INTO register_devices (host_id, org_id, owner, location, "
      "retired_at, updated_at) VALUES (?, ?, ?, ?, ?, ?) "
      "ON CONFLICT (host_id) DO UPDATE SET owner = excluded.owner, "
      "location = excluded.location, retired_at = excluded.retired_at, "
      "updated_at = excluded.updated_at");
  if (!upsert.ok()) return upsert.status();
  upsert->Bind(1, *host).Bind(2, *org_id).Bind(3, change->after.owner);
  upsert->Bind(4, change->after.location)
      .Bind(5, change->after.retired_at)
      .Bind(6, now);
  MAMORI_RETURN_IF_ERROR(upsert->Run());
  MAMORI_RETURN_IF_ERROR(Record(*org_id, now, actor, "device", device,
                                change->action, change->before_json,
                                change->after_json));
  MAMORI_RETURN_IF_ERROR(tx.Commit());
  return true;
}

Result<InformationAsset> RegisterStore::RetireAsset(
    const std::string& org, const std::string& name,
    const AssetRetirement& retirement, const std::string& actor) {
  AssetRetirement stored = retirement;
  stored.retired_by = actor;
  std::string field;
  const std::string problem = RetirementProblem(
      stored, IsoDateFromUnix(ToUnixSeconds(clock_.Now())), &field);
  if (!problem.empty()) return InvalidArgumentError(field + ": " + problem);
  return SetRetirement(org, name, std::move(stored), actor);
}

Result<InformationAsset> RegisterStore::RestoreAsset(const std::string& org,
                                                     const std::string& name,
                                                     const std::string& actor) {
  return SetRetirement(org, name, std::nullopt, actor);
}

Result<InformationAsset> RegisterStore::SetRetirement(
    const std::string& org, const std::string& name,
    std::optional<AssetRetirement> retirement, const std::string& actor) {
  auto org_id = OrgId(org);
  if (!org_id.ok()) return org_id.status();
  Transaction tx(db_);
  MAMORI_RETURN_IF_ERROR(tx.Begin());
  auto assets = LoadAssets(*org_id);
  if (!assets.ok()) return assets.status();
  auto found = std::find_if(assets->begin(), assets->end(), [&](const auto& a) {
    return a.second.name == name;
  });
  if (found == assets->end()) {
    return NotFoundError("no information asset named \"" + name + "\"");
  }
  const InformationAsset before = found->second;
  if (std::string problem =
          RetirementChangeProblem(before, retirement.has_value());
      !problem.empty()) {
    return FailedPreconditionError(problem);
  }
  InformationAsset after = before;
  after.retired = retirement;
  auto update = db_.Prepare(
      "UPDATE register_assets SET retired_on = ?, retired_reason = ?, "
      "retired_by = ?, updated_at = ? WHERE org_id = ? AND id = ?");
  if (!update.ok()) return update.status();
  const int64_t now = ToUnixSeconds(clock_.Now());
  if (retirement) {
    update->Bind(1, retirement->retired_on).Bind(2, retirement->reason);
    update->Bind(3, retirement->retired_by);
  } else {
    update->BindNull(1).BindNull(2).BindNull(3);
  }
  update->Bind(4, now).Bind(5, *org_id).Bind(6, found->first);
  MAMORI_RETURN_IF_ERROR(update->Run());
  MAMORI_RETURN_IF_ERROR(Record(*org_id, now, actor, "asset", name,
                                retirement ? "retire" : "restore",
                                AssetJson(before), AssetJson(after)));
  MAMORI_RETURN_IF_ERROR(tx.Commit());
  return after;
}

Result<std::vector<AssetRisk>> RegisterStore::AssetRisks(const std::string& org,
                                                         std::string* source) {
  auto org_id = OrgId(org);
  if (!org_id.ok()) return org_id.status();
  auto checks = HostChecks(*org_id, source);
  if (!checks.ok()) return checks.status();
  auto stmt = db_.Prepare(
      "SELECT a.name, a.importance, l.host_id, h.hostname, l.service "
      "FROM register_assets a "
      "LEFT JOIN register_links l ON l.asset_id = a.id "
      "LEFT JOIN hosts h ON h.id = l.host_id "
      "WHERE a.org_id = ? AND a.retired_on IS NULL "
      "ORDER BY a.importance DESC, a.name, h.hostname, "
      "l.service");
  if (!stmt.ok()) return stmt.status();
  stmt->Bind(1, *org_id);
  AssetRiskBuilder risks(*checks);
  while (true) {
    auto row = stmt->Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    risks.Add(stmt->ColumnText(0), static_cast<int>(stmt->ColumnInt(1)),
              stmt->ColumnOptionalInt(2), stmt->ColumnText(3),
              stmt->ColumnIsNull(4)
                  ? std::nullopt
                  : std::optional<std::string>(stmt->ColumnText(4)));
  }
  return risks.Finish();
}

Result<std::vector<HistoryEntry>> RegisterStore::History(const std::string& org,
                                                         int64_t limit) {
  auto org_id = OrgId(org);
  if (!org_id.ok()) return org_id.status();
  auto stmt = db_.Prepare(
      "SELECT changed_at, actor, entity, entity_name, action, "
      "COALESCE(before_json, ''), COALESCE(after_json, '') "
      "FROM register_history WHERE org_id = ? ORDER BY id DESC LIMIT ?");
  if (!stmt.ok()) return stmt.status();
  stmt->Bind(1, *org_id).Bind(2, limit);
  std::vector<HistoryEntry> out;
  while (true) {
    auto row = stmt->Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    out.push_back({stmt->ColumnInt(0), stmt->ColumnText(1), stmt->ColumnText(2),
                   stmt->ColumnText(3), stmt->ColumnText(4),
                   stmt->ColumnText(5), stmt->ColumnText(6)});
  }
  return out;
}

}  // namespace mamori::asset_register
