// The devices page's API (issue #20): the devices the organisation's agents
// saw in their neighbour tables without the agent, with vendor, witnesses
// and the administrators' marks; org admins and operators mark a device
// "not a PC" (with its kind) or "should run the agent", or clear the mark.
// The store validates the mark and writes its audit row in the same
// transaction (store/device_store.h), so these handlers only authorise,
// parse and render. MACs, addresses and host names are endpoint data:
// rendered as JSON strings, never trusted as identity.
#include <nlohmann/json.hpp>

#include "collector/store/device_store.h"
#include "collector/web/console_api_parts.h"

namespace mamori::web {

using nlohmann::json;

namespace {

// A page lists at most this many devices, most recently seen first (a
// neighbour table is bounded per host; this bounds an organisation's).
constexpr size_t kMaxDevices = 2000;

json DeviceJson(const store::NetworkDevice& d) {
  json witnesses = json::array();
  for (const store::DeviceWitness& w : d.witnesses) {
    witnesses.push_back({{"host_id", w.host_id},
                         {"hostname", w.hostname},
                         {"ips", w.ips},
                         {"interface", w.interface},
                         {"gateway", w.gateway},
                         {"first_seen", IsoTime(w.first_seen)},
                         {"last_seen", IsoTime(w.last_seen)},
                         {"current", w.current}});
  }
  return {{"mac", d.mac},
          {"ips", d.ips},
          {"first_seen", IsoTime(d.first_seen)},
          {"last_seen", IsoTime(d.last_seen)},
          {"witnesses", witnesses},
          {"locally_administered", d.locally_administered},
          {"vendor", d.vendor},
          {"gateway", d.gateway},
          {"looks_like_pc", d.looks_like_pc},
          {"mark", d.mark.empty() ? json(nullptr) : json(d.mark)},
          {"mark_kind", d.mark_kind},
          {"mark_note", d.mark_note},
          {"marked_by", d.marked_by},
          {"marked_at", OptionalTime(d.marked_at)}};
}

}  // namespace

store::DeviceActor DeviceHandlers::Actor() {
  return {call.Actor(), call.request.source};
}

HttpResponse DeviceHandlers::List(int64_t org_id) {
  Result<store::OrgOverview> org = ScopedOrg(org_id);
  if (!org.ok()) return StoreProblem(org.status());
  if (devices() == nullptr) return Problem(503, "devices.unavailable");
  Result<std::vector<store::NetworkDevice>> list =
      devices()->ListDevices(org_id, store::DeviceQuery{});
  if (!list.ok()) return StoreProblem(list.status());
  Result<std::string> signature = devices()->VendorSignature();
  if (!signature.ok()) return StoreProblem(signature.status());
  json items = json::array();
  int64_t unmanaged_pcs = 0;
  for (const store::NetworkDevice& d : *list) {
    if (d.looks_like_pc) ++unmanaged_pcs;
    if (items.size() < kMaxDevices) items.push_back(DeviceJson(d));
  }
  return Json({{"items", items},
               {"total", list->size()},
               {"truncated", list->size() > kMaxDevices},
               {"unmanaged_pcs", unmanaged_pcs},
               {"registry_loaded", !signature->empty()},
               {"can_write", CanWrite(org_id)}});
}

HttpResponse DeviceHandlers::Mark(int64_t org_id, const std::string& mac) {
  Result<store::OrgOverview> org = ScopedOrg(org_id);
  if (!org.ok()) return StoreProblem(org.status());
  if (!CanWrite(org_id)) return Problem(403, "auth.forbidden");
  if (devices() == nullptr) return Problem(503, "devices.unavailable");
  if (auto p = ParseBody()) return *p;
  store::DeviceMark mark;
  mark.mac = mac;
  if (auto p = BodyString("verdict", &mark.verdict, 40)) return *p;
  if (auto p = BodyString("kind", &mark.kind, 40)) return *p;
  if (auto p = BodyString("note", &mark.note, 500)) return *p;
  if (Status s = devices()->MarkDevice(org_id, mark, Actor(), clock().Now());
      !s.ok()) {
    return StoreProblem(s);
  }
  return NoContent();
}

HttpResponse DeviceHandlers::ClearMark(int64_t org_id, const std::string& mac) {
  Result<store::OrgOverview> org = ScopedOrg(org_id);
  if (!org.ok()) return StoreProblem(org.status());
  if (!CanWrite(org_id)) return Problem(403, "auth.forbidden");
  if (devices() == nullptr) return Problem(503, "devices.unavailable");
  if (Status s = devices()->ClearMark(org_id, mac, Actor(), clock().Now());
      !s.ok()) {
    return StoreProblem(s);
  }
  return NoContent();
}

}  // namespace mamori::web
