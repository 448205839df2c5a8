#include "collector/store/postgres/pg_device_store.h"

#include <limits>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "collector/store/device_marks.h"
#include "collector/store/postgres/pg_audit_rows.h"

namespace mamori::store::pg {
namespace {

// Transaction advisory lock around a vendor reload ('mamo' 'vend').
constexpr char kVendorLock[] =
    "SELECT pg_advisory_xact_lock(1835101551, 1986358884)";

}  // namespace

Result<std::unique_ptr<PgDeviceStore>> PgDeviceStore::Open(
    const std::string& url) {
  Result<Connection> conn = Connection::Open(url);
  if (!conn.ok()) return conn.status();
  return std::unique_ptr<PgDeviceStore>(
      new PgDeviceStore(std::move(conn).value()));
}

Status PgDeviceStore::CheckOrg(int64_t org_id) {
  Result<Rows> rows = conn_.Query("SELECT 1 FROM organizations WHERE id = $1",
                                  Params().Add(org_id));
  if (!rows.ok()) return rows.status();
  if (rows->size() == 0) {
    return NotFoundError("no organisation " + std::to_string(org_id));
  }
  return Status::Ok();
}

Result<std::string> PgDeviceStore::VendorSignature() {
  std::lock_guard lock(mu_);
  Result<Rows> rows =
      conn_.Query("SELECT signature FROM device_vendor_source WHERE id = 1");
  if (!rows.ok()) return rows.status();
  return rows->size() == 0 ? std::string() : rows->Text(0, 0);
}

Status PgDeviceStore::ReplaceVendors(const std::vector<VendorRow>& rows,
                                     const std::string& signature,
                                     TimePoint now) {
  // COPY has no ON CONFLICT: the first row of a prefix wins, as SQLite's
  // INSERT … DO NOTHING keeps it.
  std::string data;
  std::set<std::string_view> seen;
  for (const VendorRow& r : rows) {
    if (!seen.insert(r.prefix).second) continue;
    CopyEscape(r.prefix, &data);
    data += '\t';
    CopyEscape(r.organization, &data);
    data += r.pc_maker ? "\t1\n" : "\t0\n";
  }
  std::lock_guard lock(mu_);
  Transaction tx(conn_);
  MAMORI_RETURN_IF_ERROR(tx.Begin());
  MAMORI_RETURN_IF_ERROR(conn_.Exec(kVendorLock));
  MAMORI_RETURN_IF_ERROR(conn_.Exec("DELETE FROM device_vendors"));
  Result<int64_t> copied = conn_.CopyIn(
      "COPY device_vendors (prefix, organization, pc_maker) FROM STDIN", data);
  if (!copied.ok()) return copied.status();
  Result<Rows> source = conn_.Query(
      "INSERT INTO device_vendor_source (id, signature, loaded_at) "
      "VALUES (1, $1, $2) ON CONFLICT (id) DO UPDATE SET "
      "signature = excluded.signature, loaded_at = excluded.loaded_at",
      Params().Add(signature).Add(ToUnixSeconds(now)));
  if (!source.ok()) return source.status();
  return tx.Commit();
}

Result<std::vector<NetworkDevice>> PgDeviceStore::ListDevices(
    int64_t org_id, const DeviceQuery& query) {
  std::lock_guard lock(mu_);
  MAMORI_RETURN_IF_ERROR(CheckOrg(org_id));
  Result<Rows> rows = conn_.Query(
      "SELECT mac, ips, first_seen, last_seen, locally_administered, "
      "COALESCE(vendor, ''), vendor_pc_maker, gateway, COALESCE(mark, ''), "
      "mark_kind, mark_note, COALESCE(marked_by, ''), marked_at, enrolled, "
      "looks_like_pc "
      "FROM v_network_devices WHERE org_id = $1 "
      "AND ($2 = 1 OR enrolled = 0) AND last_seen >= $3 "
      "AND ($4 = 0 OR looks_like_pc = 1) "
      "ORDER BY last_seen DESC, mac",
      Params()
          .Add(org_id)
          .Add(int64_t{query.include_enrolled})
          .Add(query.seen_since ? ToUnixSeconds(*query.seen_since)
                                : std::numeric_limits<int64_t>::min())
          .Add(int64_t{query.pcs_only}));
  if (!rows.ok()) return rows.status();
  std::vector<NetworkDevice> out;
  std::map<std::string, size_t> index;
  for (int i = 0; i < rows->size(); ++i) {
    NetworkDevice d;
    d.mac = rows->Text(i, 0);
    d.ips = rows->Text(i, 1);
    d.first_seen = FromUnixSeconds(rows->Int(i, 2));
    d.last_seen = FromUnixSeconds(rows->Int(i, 3));
    d.locally_administered = rows->Int(i, 4) != 0;
    d.vendor = rows->Text(i, 5);
    d.vendor_pc_maker = rows->Int(i, 6) != 0;
    d.gateway = rows->Int(i, 7) != 0;
    d.mark = rows->Text(i, 8);
    d.mark_kind = rows->Text(i, 9);
    d.mark_note = rows->Text(i, 10);
    d.marked_by = rows->Text(i, 11);
    if (auto at = rows->OptionalInt(i, 12)) d.marked_at = FromUnixSeconds(*at);
    d.enrolled = rows->Int(i, 13) != 0;
    d.looks_like_pc = rows->Int(i, 14) != 0;
    index[d.mac] = out.size();
    out.push_back(std::move(d));
  }
  if (out.empty()) return out;
  Result<Rows> w = conn_.Query(
      "SELECT mac, host_id, hostname, ips, interface, gateway, first_seen, "
      "last_seen, current FROM v_device_witnesses WHERE org_id = $1 "
      "ORDER BY last_seen DESC, host_id",
      Params().Add(org_id));
  if (!w.ok()) return w.status();
  for (int i = 0; i < w->size(); ++i) {
    auto it = index.find(w->Text(i, 0));
    if (it == index.end()) continue;
    DeviceWitness x;
    x.host_id = w->Int(i, 1);
    x.hostname = w->Text(i, 2);
    x.ips = w->Text(i, 3);
    x.interface = w->Text(i, 4);
    x.gateway = w->Int(i, 5) != 0;
    x.first_seen = FromUnixSeconds(w->Int(i, 6));
    x.last_seen = FromUnixSeconds(w->Int(i, 7));
    x.current = w->Int(i, 8) != 0;
    out[it->second].witnesses.push_back(std::move(x));
  }
  return out;
}

Result<int64_t> PgDeviceStore::CountUnmanagedPcs(int64_t org_id,
                                                 TimePoint seen_since) {
  std::lock_guard lock(mu_);
  MAMORI_RETURN_IF_ERROR(CheckOrg(org_id));
  Result<Rows> rows = conn_.Query(
      "SELECT COUNT(*) FROM v_unmanaged_devices WHERE org_id = $1 "
      "AND looks_like_pc = 1 AND last_seen >= $2",
      Params().Add(org_id).Add(ToUnixSeconds(seen_since)));
  if (!rows.ok()) return rows.status();
  return rows->size() == 0 ? 0 : rows->Int(0, 0);
}

Result<std::string> PgDeviceStore::CurrentMarkJson(int64_t org_id,
                                                   const std::string& mac) {
  Result<Rows> rows = conn_.Query(
      "SELECT verdict, kind, note FROM device_marks "
      "WHERE org_id = $1 AND mac = $2",
      Params().Add(org_id).Add(mac));
  if (!rows.ok()) return rows.status();
  if (rows->size() == 0) return std::string();
  return nlohmann::json{{"mac", mac},
                        {"verdict", rows->Text(0, 0)},
                        {"kind", rows->Text(0, 1)},
                        {"note", rows->Text(0, 2)}}
      .dump();
}

Status PgDeviceStore::MarkDevice(int64_t org_id, const DeviceMark& mark,
                                 const DeviceActor& actor, TimePoint now) {
  Result<std::string> mac = NormalisedDeviceMac(mark.mac);
  if (!mac.ok()) return mac.status();
  MAMORI_RETURN_IF_ERROR(ValidateDeviceMark(mark));
  std::lock_guard lock(mu_);
  MAMORI_RETURN_IF_ERROR(CheckOrg(org_id));
  Transaction tx(conn_);
  MAMORI_RETURN_IF_ERROR(tx.Begin());
  Result<Rows> seen = conn_.Query(
      "SELECT 1 FROM device_sightings WHERE org_id = $1 AND mac = $2 LIMIT 1",
      Params().Add(org_id).Add(*mac));
  if (!seen.ok()) return seen.status();
  if (seen->size() == 0) {
    return NotFoundError("no host of organisation " + std::to_string(org_id) +
                         " has seen " + *mac);
  }
  // The row lock orders two collectors marking one device at once, so each
  // audit row's before is the other's after.
  Result<Rows> locked = conn_.Query(
      "SELECT 1 FROM device_marks WHERE org_id = $1 AND mac = $2 FOR UPDATE",
      Params().Add(org_id).Add(*mac));
  if (!locked.ok()) return locked.status();
  Result<std::string> before = CurrentMarkJson(org_id, *mac);
  if (!before.ok()) return before.status();
  Result<Rows> written = conn_.Query(
      "INSERT INTO device_marks (org_id, mac, verdict, kind, note, marked_by, "
      "marked_at) VALUES ($1, $2, $3, $4, $5, $6, $7) "
      "ON CONFLICT (org_id, mac) DO UPDATE SET verdict = excluded.verdict, "
      "kind = excluded.kind, note = excluded.note, "
      "marked_by = excluded.marked_by, marked_at = excluded.marked_at",
      Params()
          .Add(org_id)
          .Add(*mac)
          .Add(mark.verdict)
          .Add(mark.kind)
          .Add(mark.note)
          .Add(actor.actor)
          .Add(ToUnixSeconds(now)));
  if (!written.ok()) return written.status();
  Result<std::string> after = CurrentMarkJson(org_id, *mac);
  if (!after.ok()) return after.status();
  MAMORI_RETURN_IF_ERROR(
      AppendConsoleAudit(conn_, DeviceMarkAudit(org_id, actor, "device.mark",
                                                *mac, *before, *after, now)));
  return tx.Commit();
}

Status PgDeviceStore::ClearMark(int64_t org_id, const std::string& mac_text,
                                const DeviceActor& actor, TimePoint now) {
  Result<std::string> mac = NormalisedDeviceMac(mac_text);
  if (!mac.ok()) return mac.status();
  std::lock_guard lock(mu_);
  MAMORI_RETURN_IF_ERROR(CheckOrg(org_id));
  Transaction tx(conn_);
  MAMORI_RETURN_IF_ERROR(tx.Begin());
  Result<Rows> locked = conn_.Query(
      "SELECT 1 FROM device_marks WHERE org_id = $1 AND mac = $2 FOR UPDATE",
      Params().Add(org_id).Add(*mac));
  if (!locked.ok()) return locked.status();
  Result<std::string> before = CurrentMarkJson(org_id, *mac);
  if (!before.ok()) return before.status();
  if (before->empty()) {
    return NotFoundError(*mac + " has no mark in organisation " +
                         std::to_string(org_id));
  }
  Result<Rows> deleted =
      conn_.Query("DELETE FROM device_marks WHERE org_id = $1 AND mac = $2",
                  Params().Add(org_id).Add(*mac));
  if (!deleted.ok()) return deleted.status();
  MAMORI_RETURN_IF_ERROR(AppendConsoleAudit(
      conn_,
      DeviceMarkAudit(org_id, actor, "device.unmark", *mac, *before, "", now)));
  return tx.Commit();
}

}  // namespace mamori::store::pg
