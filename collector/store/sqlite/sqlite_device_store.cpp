#include "collector/store/sqlite/sqlite_device_store.h"

#include <algorithm>
#include <limits>
#include <map>
#include <nlohmann/json.hpp>

#include "collector/store/device_marks.h"
#include "collector/store/sqlite/sqlite_audit_rows.h"
#include "common/text.h"

namespace mamori::store {

Result<std::unique_ptr<SqliteDeviceStore>> SqliteDeviceStore::Open(
    const std::string& path) {
  Result<Database> db = Database::Open(path, /*create=*/false);
  if (!db.ok()) return db.status();
  return std::unique_ptr<SqliteDeviceStore>(
      new SqliteDeviceStore(std::move(db).value()));
}

Status SqliteDeviceStore::CheckOrg(int64_t org_id) {
  Result<Statement> s =
      db_.Prepare("SELECT 1 FROM organizations WHERE id = ?1");
  if (!s.ok()) return s.status();
  s->Bind(1, org_id);
  Result<bool> row = s->Step();
  if (!row.ok()) return row.status();
  if (!*row) return NotFoundError("no organisation " + std::to_string(org_id));
  return Status::Ok();
}

Result<std::string> SqliteDeviceStore::VendorSignature() {
  std::lock_guard lock(mu_);
  Result<Statement> s =
      db_.Prepare("SELECT signature FROM device_vendor_source WHERE id = 1");
  if (!s.ok()) return s.status();
  Result<bool> row = s->Step();
  if (!row.ok()) return row.status();
  return *row ? s->ColumnText(0) : std::string();
}

Status SqliteDeviceStore::ReplaceVendors(const std::vector<VendorRow>& rows,
                                         const std::string& signature,
                                         TimePoint now) {
  std::lock_guard lock(mu_);
  Transaction tx(db_);
  MAMORI_RETURN_IF_ERROR(tx.Begin());
  MAMORI_RETURN_IF_ERROR(db_.Exec("DELETE FROM device_vendors"));
  Result<Statement> insert = db_.Prepare(
      "INSERT INTO device_vendors (prefix, organization, pc_maker) "
      "VALUES (?1, ?2, ?3) ON CONFLICT (prefix) DO NOTHING");
  if (!insert.ok()) return insert.status();
  for (const VendorRow& r : rows) {
    insert->Bind(1, r.prefix)
        .Bind(2, r.organization)
        .Bind(3, int64_t{r.pc_maker});
    MAMORI_RETURN_IF_ERROR(insert->Run());
    insert->Reset();
  }
  Result<Statement> source = db_.Prepare(
      "INSERT INTO device_vendor_source (id, signature, loaded_at) "
      "VALUES (1, ?1, ?2) ON CONFLICT (id) DO UPDATE SET "
      "signature = excluded.signature, loaded_at = excluded.loaded_at");
  if (!source.ok()) return source.status();
  source->Bind(1, signature).Bind(2, ToUnixSeconds(now));
  MAMORI_RETURN_IF_ERROR(source->Run());
  return tx.Commit();
}

Result<std::vector<NetworkDevice>> SqliteDeviceStore::ListDevices(
    int64_t org_id, const DeviceQuery& query) {
  std::lock_guard lock(mu_);
  MAMORI_RETURN_IF_ERROR(CheckOrg(org_id));
  Result<Statement> s = db_.Prepare(
      "SELECT mac, ips, first_seen, last_seen, locally_administered, "
      "COALESCE(vendor, ''), vendor_pc_maker, gateway, COALESCE(mark, ''), "
      "mark_kind, mark_note, COALESCE(marked_by, ''), marked_at, enrolled, "
      "looks_like_pc "
      "FROM v_network_devices WHERE org_id = ?1 "
      "AND (?2 = 1 OR enrolled = 0) AND last_seen >= ?3 "
      "AND (?4 = 0 OR looks_like_pc = 1) "
      "ORDER BY last_seen DESC, mac");
  if (!s.ok()) return s.status();
  s->Bind(1, org_id)
      .Bind(2, int64_t{query.include_enrolled})
      .Bind(3, query.seen_since ? ToUnixSeconds(*query.seen_since)
                                : std::numeric_limits<int64_t>::min())
      .Bind(4, int64_t{query.pcs_only});
  std::vector<NetworkDevice> out;
  std::map<std::string, size_t> index;
  while (true) {
    Result<bool> row = s->Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    NetworkDevice d;
    d.mac = s->ColumnText(0);
    d.ips = s->ColumnText(1);
    d.first_seen = FromUnixSeconds(s->ColumnInt(2));
    d.last_seen = FromUnixSeconds(s->ColumnInt(3));
    d.locally_administered = s->ColumnInt(4) != 0;
    d.vendor = s->ColumnText(5);
    d.vendor_pc_maker = s->ColumnInt(6) != 0;
    d.gateway = s->ColumnInt(7) != 0;
    d.mark = s->ColumnText(8);
    d.mark_kind = s->ColumnText(9);
    d.mark_note = s->ColumnText(10);
    d.marked_by = s->ColumnText(11);
    if (auto at = s->ColumnOptionalInt(12)) d.marked_at = FromUnixSeconds(*at);
    d.enrolled = s->ColumnInt(13) != 0;
    d.looks_like_pc = s->ColumnInt(14) != 0;
    index[d.mac] = out.size();
    out.push_back(std::move(d));
  }
  if (out.empty()) return out;
  Result<Statement> w = db_.Prepare(
      "SELECT mac, host_id, hostname, ips, interface, gateway, first_seen, "
      "last_seen, current FROM v_device_witnesses WHERE org_id = ?1 "
      "ORDER BY last_seen DESC, host_id");
  if (!w.ok()) return w.status();
  w->Bind(1, org_id);
  while (true) {
    Result<bool> row = w->Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    auto it = index.find(w->ColumnText(0));
    if (it == index.end()) continue;
    DeviceWitness x;
    x.host_id = w->ColumnInt(1);
    x.hostname = w->ColumnText(2);
    x.ips = w->ColumnText(3);
    x.interface = w->ColumnText(4);
    x.gateway = w->ColumnInt(5) != 0;
    x.first_seen = FromUnixSeconds(w->ColumnInt(6));
    x.last_seen = FromUnixSeconds(w->ColumnInt(7));
    x.current = w->ColumnInt(8) != 0;
    out[it->second].witnesses.push_back(std::move(x));
  }
  return out;
}

Result<int64_t> SqliteDeviceStore::CountUnmanagedPcs(int64_t org_id,
                                                     TimePoint seen_since) {
  std::lock_guard lock(mu_);
  MAMORI_RETURN_IF_ERROR(CheckOrg(org_id));
  Result<Statement> s = db_.Prepare(
      "SELECT COUNT(*) FROM v_unmanaged_devices WHERE org_id = ?1 "
      "AND looks_like_pc = 1 AND last_seen >= ?2");
  if (!s.ok()) return s.status();
  s->Bind(1, org_id).Bind(2, ToUnixSeconds(seen_since));
  Result<bool> row = s->Step();
  if (!row.ok()) return row.status();
  return *row ? s->ColumnInt(0) : 0;
}

Result<std::string> SqliteDeviceStore::CurrentMarkJson(int64_t org_id,
                                                       const std::string& mac) {
  Result<Statement> s = db_.Prepare(
      "SELECT verdict, kind, note FROM device_marks "
      "WHERE org_id = ?1 AND mac = ?2");
  if (!s.ok()) return s.status();
  s->Bind(1, org_id).Bind(2, mac);
  Result<bool> row = s->Step();
  if (!row.ok()) return row.status();
  if (!*row) return std::string();
  return nlohmann::json{{"mac", mac},
                        {"verdict", s->ColumnText(0)},
                        {"kind", s->ColumnText(1)},
                        {"note", s->ColumnText(2)}}
      .dump();
}

Status SqliteDeviceStore::MarkDevice(int64_t org_id, const DeviceMark& mark,
                                     const DeviceActor& actor, TimePoint now) {
  Result<std::string> mac = NormalisedDeviceMac(mark.mac);
  if (!mac.ok()) return mac.status();
  MAMORI_RETURN_IF_ERROR(ValidateDeviceMark(mark));
  std::lock_guard lock(mu_);
  MAMORI_RETURN_IF_ERROR(CheckOrg(org_id));
  Transaction tx(db_);
  MAMORI_RETURN_IF_ERROR(tx.Begin());
  Result<Statement> seen = db_.Prepare(
      "SELECT 1 FROM device_sightings WHERE org_id = ?1 AND mac = ?2 LIMIT 1");
  if (!seen.ok()) return seen.status();
  seen->Bind(1, org_id).Bind(2, *mac);
  Result<bool> found = seen->Step();
  if (!found.ok()) return found.status();
  if (!*found) {
    return NotFoundError("no host of organisation " + std::to_string(org_id) +
                         " has seen " + *mac);
  }
  Result<std::string> before = CurrentMarkJson(org_id, *mac);
  if (!before.ok()) return before.status();
  Result<Statement> s = db_.Prepare(
      "INSERT INTO device_marks (org_id, mac, verdict, kind, note, marked_by, "
      "marked_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) "
      "ON CONFLICT (org_id, mac) DO UPDATE SET verdict = excluded.verdict, "
      "kind = excluded.kind, note = excluded.note, "
      "marked_by = excluded.marked_by, marked_at = excluded.marked_at");
  if (!s.ok()) return s.status();
  s->Bind(1, org_id)
      .Bind(2, *mac)
      .Bind(3, mark.verdict)
      .Bind(4, mark.kind)
      .Bind(5, mark.note)
      .Bind(6, actor.actor)
      .Bind(7, ToUnixSeconds(now));
  MAMORI_RETURN_IF_ERROR(s->Run());
  Result<std::string> after = CurrentMarkJson(org_id, *mac);
  if (!after.ok()) return after.status();
  MAMORI_RETURN_IF_ERROR(
      AppendConsoleAudit(db_, DeviceMarkAudit(org_id, actor, "device.mark",
                                              *mac, *before, *after, now)));
  return tx.Commit();
}

Status SqliteDeviceStore::ClearMark(int64_t org_id, const std::string& mac_text,
                                    const DeviceActor& actor, TimePoint now) {
  Result<std::string> mac = NormalisedDeviceMac(mac_text);
  if (!mac.ok()) return mac.status();
  std::lock_guard lock(mu_);
  MAMORI_RETURN_IF_ERROR(CheckOrg(org_id));
  Transaction tx(db_);
  MAMORI_RETURN_IF_ERROR(tx.Begin());
  Result<std::string> before = CurrentMarkJson(org_id, *mac);
  if (!before.ok()) return before.status();
  if (before->empty()) {
    return NotFoundError(*mac + " has no mark in organisation " +
                         std::to_string(org_id));
  }
  Result<Statement> s =
      db_.Prepare("DELETE FROM device_marks WHERE org_id = ?1 AND mac = ?2");
  if (!s.ok()) return s.status();
  s->Bind(1, org_id).Bind(2, *mac);
  MAMORI_RETURN_IF_ERROR(s->Run());
  MAMORI_RETURN_IF_ERROR(AppendConsoleAudit(
      db_,
      DeviceMarkAudit(org_id, actor, "device.unmark", *mac, *before, "", now)));
  return tx.Commit();
}

}  // namespace mamori::store
