#include "collector/store/postgres/pg_register_store.h"

#include <algorithm>

#include "common/text.h"

namespace mamori::store::pg {
namespace {

using asset_register::AssetLink;
using asset_register::AssetRetirement;
using asset_register::AssetRisk;
using asset_register::DeviceAsset;
using asset_register::DeviceEdit;
using asset_register::DeviceStatus;
using asset_register::HistoryEntry;
using asset_register::ImportPlan;
using asset_register::ImportSummary;
using asset_register::InformationAsset;
using asset_register::LinkKind;
using asset_register::RegisterSnapshot;
using asset_register::RuleState;

// Names sort byte-wise (COLLATE "C"), as SQLite's BINARY collation does,
// whatever the database's locale.
constexpr const char* kSelectAssets =
    "SELECT id, business_area, name, note, users, owning_department, medium, "
    "personal, sensitive_personal, my_number, confidentiality, integrity, "
    "availability, retention, registered_on, retired_on, retired_reason, "
    "retired_by FROM register_assets "
    "WHERE org_id = $1 ORDER BY business_area COLLATE \"C\", "
    "name COLLATE \"C\"";

constexpr const char* kInsertHistory =
    "INSERT INTO register_history (org_id, changed_at, actor, entity, "
    "entity_name, action, before_json, after_json) "
    "VALUES ($1, $2, $3, $4, $5, $6, $7, $8)";

constexpr const char* kUpdateAsset =
    "UPDATE register_assets SET business_area = $1, name = $2, note = $3, "
    "users = $4, owning_department = $5, medium = $6, personal = $7, "
    "sensitive_personal = $8, my_number = $9, confidentiality = $10, "
    "integrity = $11, availability = $12, retention = $13, "
    "registered_on = $14, updated_at = $15 WHERE org_id = $16 AND id = $17";

constexpr const char* kInsertAsset =
    "INSERT INTO register_assets (business_area, name, note, users, "
    "owning_department, medium, personal, sensitive_personal, my_number, "
    "confidentiality, integrity, availability, retention, registered_on, "
    "updated_at, org_id, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, "
    "$9, $10, $11, $12, $13, $14, $15, $16, $17)";

constexpr const char* kInsertLink =
    "INSERT INTO register_links (org_id, asset_id, host_id, service, "
    "created_at) SELECT $1::bigint, id, $2::bigint, $3::text, $4::bigint "
    "FROM register_assets WHERE org_id = $1 AND name = $5 "
    "ON CONFLICT DO NOTHING";

InformationAsset AssetFromRow(const Rows& rows, int r) {
  InformationAsset a;
  a.business_area = rows.Text(r, 1);
  a.name = rows.Text(r, 2);
  a.note = rows.Text(r, 3);
  a.users = rows.Text(r, 4);
  a.owning_department = rows.Text(r, 5);
  a.medium = asset_register::ParseMedium(rows.View(r, 6))
                 .value_or(asset_register::Medium::kPaper);
  a.personal = rows.Int(r, 7) != 0;
  a.sensitive_personal = rows.Int(r, 8) != 0;
  a.my_number = rows.Int(r, 9) != 0;
  a.confidentiality = static_cast<int>(rows.Int(r, 10));
  a.integrity = static_cast<int>(rows.Int(r, 11));
  a.availability = static_cast<int>(rows.Int(r, 12));
  a.retention = rows.Text(r, 13);
  a.registered_on = rows.Text(r, 14);
  if (!rows.IsNull(r, 15)) {
    a.retired = asset_register::AssetRetirement{
        rows.Text(r, 15), rows.Text(r, 16), rows.Text(r, 17)};
  }
  return a;
}

}  // namespace

Result<std::unique_ptr<PgRegisterStore>> PgRegisterStore::Open(
    const std::string& url, const Clock& clock) {
  Result<Connection> conn = Connection::Open(url);
  if (!conn.ok()) return conn.status();
  return std::unique_ptr<PgRegisterStore>(
      new PgRegisterStore(std::move(conn).value(), clock));
}

Result<int64_t> PgRegisterStore::OrgId(const std::string& org) {
  Result<Rows> rows = conn_.Query(
      "SELECT id FROM organizations WHERE name = $1", Params().Add(org));
  if (!rows.ok()) return rows.status();
  if (rows->size() == 0) {
    return NotFoundError("organisation \"" + org + "\" not found");
  }
  return rows->Int(0, 0);
}

Result<std::vector<std::pair<int64_t, InformationAsset>>>
PgRegisterStore::LoadAssets(int64_t org_id) {
  Result<Rows> rows = conn_.Query(kSelectAssets, Params().Add(org_id));
  if (!rows.ok()) return rows.status();
  std::vector<std::pair<int64_t, InformationAsset>> out;
  out.reserve(static_cast<size_t>(rows->size()));
  for (int r = 0; r < rows->size(); ++r) {
    out.emplace_back(rows->Int(r, 0), AssetFromRow(*rows, r));
  }
  return out;
}

Result<std::vector<InformationAsset>> PgRegisterStore::ListAssets(
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
PgRegisterStore::HostChecks(int64_t org_id, std::string* source) {
  Result<Rows> rows = conn_.Query(
      "SELECT host_id, check_id, status FROM check_results "
      "WHERE org_id = $1 ORDER BY host_id, check_id COLLATE \"C\"",
      Params().Add(org_id));
  if (!rows.ok()) return rows.status();
  asset_register::HostRuleStates states(check_rules_);
  for (int r = 0; r < rows->size(); ++r) {
    states.Add(rows->Int(r, 0), rows->Text(r, 1), rows->Text(r, 2));
  }
  return states.Finish(source);
}

Result<std::vector<DeviceAsset>> PgRegisterStore::ListDevices(
    const std::string& org, std::chrono::seconds stale_after) {
  auto org_id = OrgId(org);
  if (!org_id.ok()) return org_id.status();
  // ->> of a JSON number or boolean gives its text, as SQLite's
  // json_extract read as text does.
  Result<Rows> rows = conn_.Query(
      "SELECT h.id, h.hostname, h.os_name, h.os_version, h.serial, "
      "h.last_seen, s.payload_json ->> 'role', "
      "hw.payload_json ->> 'vendor', hw.payload_json ->> 'model', "
      "hw.payload_json ->> 'serial', d.owner, d.location, d.retired_at, "
      "EXISTS (SELECT 1 FROM host_revocations r WHERE r.host_id = h.id "
      "AND r.revoked_at >= h.enrolled_at)::int "
      "FROM hosts h "
      "LEFT JOIN host_facts s ON s.host_id = h.id AND s.family = 'system' "
      "LEFT JOIN host_facts hw ON hw.host_id = h.id "
      "AND hw.family = 'hardware' "
      "LEFT JOIN register_devices d ON d.host_id = h.id "
      "WHERE h.org_id = $1 ORDER BY h.hostname COLLATE \"C\", h.id",
      Params().Add(*org_id));
  if (!rows.ok()) return rows.status();
  const int64_t stale_before =
      ToUnixSeconds(clock_.Now()) - stale_after.count();
  std::vector<DeviceAsset> out;
  for (int r = 0; r < rows->size(); ++r) {
    asset_register::DeviceRow d;
    d.host_id = rows->Int(r, 0);
    d.hostname = rows->Text(r, 1);
    d.os_name = rows->Text(r, 2);
    d.os_version = rows->Text(r, 3);
    d.host_serial = rows->Text(r, 4);
    d.last_seen = rows->Int(r, 5);
    d.role = rows->Text(r, 6);
    d.vendor = rows->Text(r, 7);
    d.model = rows->Text(r, 8);
    d.hardware_serial = rows->Text(r, 9);
    d.owner = rows->Text(r, 10);
    d.location = rows->Text(r, 11);
    d.retired = !rows->IsNull(r, 12);
    d.revoked = rows->Int(r, 13) != 0;
    out.push_back(asset_register::DeviceFromRow(d, stale_before));
  }
  std::string source;
  auto checks = HostChecks(*org_id, &source);
  if (!checks.ok()) return checks.status();
  asset_register::AttachChecks(*checks, &out);
  return out;
}

Result<std::vector<AssetLink>> PgRegisterStore::ListLinks(
    const std::string& org) {
  auto org_id = OrgId(org);
  if (!org_id.ok()) return org_id.status();
  Result<Rows> rows = conn_.Query(
      "SELECT a.name, l.host_id IS NULL, COALESCE(h.hostname, l.service) "
      "FROM register_links l JOIN register_assets a ON a.id = l.asset_id "
      "LEFT JOIN hosts h ON h.id = l.host_id WHERE l.org_id = $1 "
      "ORDER BY a.name COLLATE \"C\", 2, "
      "COALESCE(h.hostname, l.service) COLLATE \"C\"",
      Params().Add(*org_id));
  if (!rows.ok()) return rows.status();
  std::vector<AssetLink> out;
  for (int r = 0; r < rows->size(); ++r) {
    out.push_back({rows->Text(r, 0),
                   rows->Int(r, 1) ? LinkKind::kService : LinkKind::kDevice,
                   rows->Text(r, 2)});
  }
  return out;
}

Result<RegisterSnapshot> PgRegisterStore::Snapshot(
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

Status PgRegisterStore::Record(int64_t org_id, int64_t now,
                               const std::string& actor,
                               std::string_view entity,
                               const std::string& entity_name,
                               std::string_view action,
                               const std::string& before_json,
                               const std::string& after_json) {
  Params p;
  p.Add(org_id).Add(now).Add(actor).Add(entity).Add(entity_name).Add(action);
  if (before_json.empty()) {
    p.AddNull();
  } else {
    p.Add(before_json);
  }
  if (after_json.empty()) {
    p.AddNull();
  } else {
    p.Add(after_json);
  }
  return conn_.Query(kInsertHistory, p).status();
}

Status PgRegisterStore::UpsertAsset(int64_t org_id, std::optional<int64_t> id,
                                    const InformationAsset& a, int64_t now) {
  Params p;
  p.Add(a.business_area).Add(a.name).Add(a.note).Add(a.users);
  p.Add(a.owning_department).Add(asset_register::MediumCode(a.medium));
  p.Add(int64_t{a.personal}).Add(int64_t{a.sensitive_personal});
  p.Add(int64_t{a.my_number}).Add(a.confidentiality).Add(a.integrity);
  p.Add(a.availability).Add(a.retention).Add(a.registered_on).Add(now);
  p.Add(org_id).Add(id ? *id : now);
  return conn_.Query(id ? kUpdateAsset : kInsertAsset, p).status();
}

Result<int64_t> PgRegisterStore::ResolveDevice(int64_t org_id,
                                               const std::string& device) {
  Result<Rows> rows = conn_.Query(
      "SELECT id FROM hosts WHERE org_id = $1 AND hostname = $2 ORDER BY id",
      Params().Add(org_id).Add(device));
  if (!rows.ok()) return rows.status();
  if (rows->size() == 1) return rows->Int(0, 0);
  if (rows->size() > 1) {
    std::string list;
    for (int r = 0; r < rows->size(); ++r) {
      list += (list.empty() ? "" : ", ") + rows->Text(r, 0);
    }
    return InvalidArgumentError("several devices are named \"" + device +
                                "\" (host ids " + list +
                                "); name the device by its host id");
  }
  // A host id typed instead of a name.
  if (auto id = ParseInt64(device)) {
    Result<Rows> by_id =
        conn_.Query("SELECT id FROM hosts WHERE org_id = $1 AND id = $2",
                    Params().Add(org_id).Add(*id));
    if (!by_id.ok()) return by_id.status();
    if (by_id->size() == 1) return *id;
  }
  return NotFoundError("no device named \"" + device + "\"");
}

Result<ImportSummary> PgRegisterStore::Import(const std::string& org,
                                              const ImportPlan& plan,
                                              const std::string& actor,
                                              bool dry_run) {
  auto org_id = OrgId(org);
  if (!org_id.ok()) return org_id.status();
  ImportSummary summary;
  summary.errors = plan.errors;
  summary.warnings = plan.warnings;

  Transaction tx(conn_);
  MAMORI_RETURN_IF_ERROR(tx.Begin());
  // Another collector importing into the same organisation waits here, so
  // both never plan from the same assets (the second sees the first's).
  MAMORI_RETURN_IF_ERROR(
      conn_
          .Query("SELECT pg_advisory_xact_lock(hashtext('register'), $1::int)",
                 Params().Add(*org_id))
          .status());
  auto existing = LoadAssets(*org_id);
  if (!existing.ok()) return existing.status();
  const asset_register::StoredAssets by_name =
      asset_register::AssetsByName(std::move(*existing));
  auto links = asset_register::CheckImport(
      plan, by_name,
      [&](const std::string& device) { return ResolveDevice(*org_id, device); },
      &summary);
  if (!links.ok()) return links.status();
  if (!summary.errors.empty()) return summary;  // rolled back: nothing written

  const int64_t now = ToUnixSeconds(clock_.Now());
  for (const asset_register::AssetWrite& w :
       asset_register::PlanAssetWrites(plan, by_name, &summary)) {
    MAMORI_RETURN_IF_ERROR(UpsertAsset(*org_id, w.id, w.asset, now));
    MAMORI_RETURN_IF_ERROR(Record(*org_id, now, actor, "asset", w.asset.name,
                                  w.id ? "update" : "create", w.before_json,
                                  w.after_json));
  }

  for (const asset_register::PlannedLink& planned : *links) {
    const AssetLink& link = planned.row->link;
    Params p;
    p.Add(*org_id).Add(planned.host_id);
    if (planned.host_id) {
      p.AddNull();
    } else {
      p.Add(link.target);
    }
    p.Add(now).Add(link.asset_name);
    Result<Rows> inserted = conn_.Query(kInsertLink, p);
    if (!inserted.ok()) return inserted.status();
    if (inserted->Affected() == 0) continue;
    ++summary.links_added;
    MAMORI_RETURN_IF_ERROR(Record(*org_id, now, actor, "link", link.asset_name,
                                  "create", "",
                                  asset_register::LinkJson(link)));
  }
  if (dry_run) return summary;  // the transaction rolls back
  MAMORI_RETURN_IF_ERROR(tx.Commit());
  summary.applied = true;
  return summary;
}

Result<bool> PgRegisterStore::EditDevice(const std::string& org,
                                         const std::string& device,
                                         const DeviceEdit& edit,
                                         const std::string& actor) {
  auto org_id = OrgId(org);
  if (!org_id.ok()) return org_id.status();
  MAMORI_RETURN_IF_ERROR(asset_register::CheckDeviceEdit(edit));
  Transaction tx(conn_);
  MAMORI_RETURN_IF_ERROR(tx.Begin());
  auto host = ResolveDevice(*org_id, device);
  if (!host.ok()) return host.status();
  // FOR UPDATE: two collectors editing one device serialise here.
  Result<Rows> current = conn_.Query(
      "SELECT owner, location, retired_at FROM register_devices "
      "WHERE host_id = $1 AND org_id = $2 FOR UPDATE",
      Params().Add(*host).Add(*org_id));
  if (!current.ok()) return current.status();
  std::optional<asset_register::DeviceFields> stored;
  if (current->size() > 0) {
    stored = asset_register::DeviceFields{
        current->Text(0, 0), current->Text(0, 1), current->OptionalInt(0, 2)};
  }
  const int64_t now = ToUnixSeconds(clock_.Now());
  const std::optional<asset_register::DeviceChange> change =
      asset_register::PlanDeviceEdit(stored, edit, now);
  if (!change) return false;
  MAMORI_RETURN_IF_ERROR(
      conn_
          .Query("INSERT INTO register_devices (host_id, org_id, owner, "
                 "location, retired_at, updated_at) "
                 "VALUES ($1, $2, $3, $4, $5, $6) "
                 "ON CONFLICT (host_id) DO UPDATE SET owner = excluded.owner, "
                 "location = excluded.location, "
                 "retired_at = excluded.retired_at, "
                 "updated_at = excluded.updated_at",
                 Params()
                     .Add(*host)
                     .Add(*org_id)
                     .Add(change->after.owner)
                     .Add(change->after.location)
                     .Add(change->after.retired_at)
                     .Add(now))
          .status());
  MAMORI_RETURN_IF_ERROR(Record(*org_id, now, actor, "device", device,
                                change->action, change->before_json,
                                change->after_json));
  MAMORI_RETURN_IF_ERROR(tx.Commit());
  return true;
}

Result<InformationAsset> PgRegisterStore::RetireAsset(
    const std::string& org, const std::string& name,
    const AssetRetirement& retirement, const std::string& actor) {
  AssetRetirement stored = retirement;
  stored.retired_by = actor;
  std::string field;
  const std::string problem = asset_register::RetirementProblem(
      stored, asset_register::IsoDateFromUnix(ToUnixSeconds(clock_.Now())),
      &field);
  if (!problem.empty()) return InvalidArgumentError(field + ": " + problem);
  return SetRetirement(org, name, std::move(stored), actor);
}

Result<InformationAsset> PgRegisterStore::RestoreAsset(
    const std::string& org, const std::string& name, const std::string& actor) {
  return SetRetirement(org, name, std::nullopt, actor);
}

Result<InformationAsset> PgRegisterStore::SetRetirement(
    const std::string& org, const std::string& name,
    std::optional<AssetRetirement> retirement, const std::string& actor) {
  auto org_id = OrgId(org);
  if (!org_id.ok()) return org_id.status();
  Transaction tx(conn_);
  MAMORI_RETURN_IF_ERROR(tx.Begin());
  // The import's lock: an import never plans from a state changed under it.
  MAMORI_RETURN_IF_ERROR(
      conn_
          .Query("SELECT pg_advisory_xact_lock(hashtext('register'), $1::int)",
                 Params().Add(*org_id))
          .status());
  Result<Rows> rows = conn_.Query(
      "SELECT id, business_area, name, note, users, owning_department, "
      "medium, personal, sensitive_personal, my_number, confidentiality, "
      "integrity, availability, retention, registered_on, retired_on, "
      "retired_reason, retired_by FROM register_assets "
      "WHERE org_id = $1 AND name = $2 FOR UPDATE",
      Params().Add(*org_id).Add(name));
  if (!rows.ok()) return rows.status();
  if (rows->size() == 0) {
    return NotFoundError("no information asset named \"" + name + "\"");
  }
  const InformationAsset before = AssetFromRow(*rows, 0);
  if (std::string problem =
          RetirementChangeProblem(before, retirement.has_value());
      !problem.empty()) {
    return FailedPreconditionError(problem);
  }
  InformationAsset after = before;
  after.retired = retirement;
  const int64_t now = ToUnixSeconds(clock_.Now());
  Params p;
  if (retirement) {
    p.Add(retirement->retired_on).Add(retirement->reason);
    p.Add(retirement->retired_by);
  } else {
    p.AddNull().AddNull().AddNull();
  }
  p.Add(now).Add(*org_id).Add(rows->Int(0, 0));
  MAMORI_RETURN_IF_ERROR(
      conn_
          .Query("UPDATE register_assets SET retired_on = $1, "
                 "retired_reason = $2, retired_by = $3, updated_at = $4 "
                 "WHERE org_id = $5 AND id = $6",
                 p)
          .status());
  MAMORI_RETURN_IF_ERROR(Record(
      *org_id, now, actor, "asset", name, retirement ? "retire" : "restore",
      asset_register::AssetJson(before), asset_register::AssetJson(after)));
  MAMORI_RETURN_IF_ERROR(tx.Commit());
  return after;
}

Result<std::vector<AssetRisk>> PgRegisterStore::AssetRisks(
    const std::string& org, std::string* source) {
  auto org_id = OrgId(org);
  if (!org_id.ok()) return org_id.status();
  auto checks = HostChecks(*org_id, source);
  if (!checks.ok()) return checks.status();
  // NULLS FIRST: the order SQLite gives the same query.
  Result<Rows> rows = conn_.Query(
      "SELECT a.name, a.importance, l.host_id, h.hostname, l.service "
      "FROM register_assets a "
      "LEFT JOIN register_links l ON l.asset_id = a.id "
      "LEFT JOIN hosts h ON h.id = l.host_id "
      "WHERE a.org_id = $1 AND a.retired_on IS NULL "
      "ORDER BY a.importance DESC, a.name COLLATE \"C\", "
      "h.hostname COLLATE \"C\" NULLS FIRST, "
      "l.service COLLATE \"C\" NULLS FIRST",
      Params().Add(*org_id));
  if (!rows.ok()) return rows.status();
  asset_register::AssetRiskBuilder risks(*checks);
  for (int r = 0; r < rows->size(); ++r) {
    risks.Add(rows->Text(r, 0), static_cast<int>(rows->Int(r, 1)),
              rows->OptionalInt(r, 2), rows->Text(r, 3),
              rows->IsNull(r, 4)
                  ? std::nullopt
                  : std::optional<std::string>(rows->Text(r, 4)));
  }
  return risks.Finish();
}

Result<std::vector<HistoryEntry>> PgRegisterStore::History(
    const std::string& org, int64_t limit) {
  auto org_id = OrgId(org);
  if (!org_id.ok()) return org_id.status();
  Result<Rows> rows = conn_.Query(
      "SELECT changed_at, actor, entity, entity_name, action, "
      "COALESCE(before_json, ''), COALESCE(after_json, '') "
      "FROM register_history WHERE org_id = $1 ORDER BY id DESC LIMIT $2",
      Params().Add(*org_id).Add(limit));
  if (!rows.ok()) return rows.status();
  std::vector<HistoryEntry> out;
  for (int r = 0; r < rows->size(); ++r) {
    out.push_back({rows->Int(r, 0), rows->Text(r, 1), rows->Text(r, 2),
                   rows->Text(r, 3), rows->Text(r, 4), rows->Text(r, 5),
                   rows->Text(r, 6)});
  }
  return out;
}

}  // namespace mamori::store::pg
