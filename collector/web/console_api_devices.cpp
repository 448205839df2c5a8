// The devices page's API (issue #20): the devices the organisation's agents
// saw in their neighbour tables without the agent, with vendor, witnesses
// and the administrators' marks; org admins and operators mark a device
// "not a PC" (with its kind) or "should run the agent", or clear the mark.
// The store validates the mark and writes its audit row in the same
// transaction (store/device_store.h), so these handlers only authorise,
// parse and render. MACs, addresses and host names are endpoint data:
// rendered as JSON strings, never trusted as identity. The list is
// filtered, searched and paged here, over the organisation's devices as the
// store lists them (bounded per host by the agent), and exported as CSV or
// XLSX through the same neutralising writers as the endpoint list.
#include <algorithm>
#include <nlohmann/json.hpp>

#include "collector/register/csv_format.h"
#include "collector/store/device_store.h"
#include "collector/web/console_api_parts.h"
#include "collector/web/http.h"
#include "collector/web/xlsx_table.h"
#include "common/text.h"

namespace mamori::web {

using nlohmann::json;

namespace {

std::string AsciiLower(std::string text) {
  for (char& c : text) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return text;
}

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

std::optional<HttpResponse> DeviceHandlers::Filtered(
    int64_t org_id, std::vector<store::NetworkDevice>* out,
    int64_t* unmanaged_pcs, int64_t* unfiltered) {
  Result<store::OrgOverview> org = ScopedOrg(org_id);
  if (!org.ok()) return StoreProblem(org.status());
  if (devices() == nullptr) return Problem(503, "devices.unavailable");
  std::string filter = call.request.Query("filter");
  if (filter.empty()) filter = "all";
  if (filter != "all" && filter != "unmanaged_pc" && filter != "known" &&
      filter != "needs_agent") {
    return FieldProblem("filter", "error.one_of",
                        {{"values", "all, unmanaged_pc, known, needs_agent"}});
  }
  const std::string q = call.request.Query("q");
  if (q.size() > 200 || !IsCleanUtf8(q)) {
    return FieldProblem("q", "error.invalid_field");
  }
  Result<std::vector<store::NetworkDevice>> list =
      devices()->ListDevices(org_id, store::DeviceQuery{});
  if (!list.ok()) return StoreProblem(list.status());
  const std::string needle = AsciiLower(q);
  *unmanaged_pcs = 0;
  *unfiltered = static_cast<int64_t>(list->size());
  for (store::NetworkDevice& d : *list) {
    if (d.looks_like_pc) ++*unmanaged_pcs;
    const bool kept = filter == "all" ||
                      (filter == "unmanaged_pc" && d.looks_like_pc) ||
                      (filter == "known" && d.mark == "not_pc") ||
                      (filter == "needs_agent" && d.mark == "needs_agent");
    if (!kept) continue;
    // The vendor search also finds a MAC prefix or an address.
    if (!needle.empty() &&
        AsciiLower(d.vendor).find(needle) == std::string::npos &&
        AsciiLower(d.mac).find(needle) == std::string::npos &&
        d.ips.find(needle) == std::string::npos) {
      continue;
    }
    out->push_back(std::move(d));
  }
  // Most recently seen first, then by MAC: the order the cursor walks.
  std::sort(out->begin(), out->end(), [](const auto& a, const auto& b) {
    if (a.last_seen != b.last_seen) return a.last_seen > b.last_seen;
    return a.mac < b.mac;
  });
  return std::nullopt;
}

HttpResponse DeviceHandlers::List(int64_t org_id) {
  std::vector<store::NetworkDevice> list;
  int64_t unmanaged_pcs = 0, unfiltered = 0;
  if (auto p = Filtered(org_id, &list, &unmanaged_pcs, &unfiltered)) {
    return *p;
  }
  size_t limit = 100;
  if (const std::string text = call.request.Query("limit"); !text.empty()) {
    const std::optional<int64_t> n = ParseInt64(text);
    if (!n || *n < 1 || *n > 500) {
      return FieldProblem("limit", "error.range",
                          {{"min", "1"}, {"max", "500"}});
    }
    limit = static_cast<size_t>(*n);
  }
  // The cursor is the last row shown: "<last seen, Unix seconds>_<MAC>".
  size_t start = 0;
  if (const std::string cursor = call.request.Query("cursor");
      !cursor.empty()) {
    const size_t cut = cursor.find('_');
    const std::optional<int64_t> seen = cut == std::string::npos
                                            ? std::nullopt
                                            : ParseInt64(cursor.substr(0, cut));
    if (!seen) return FieldProblem("cursor", "error.invalid_field");
    const std::string mac = cursor.substr(cut + 1);
    while (start < list.size() &&
           (ToUnixSeconds(list[start].last_seen) > *seen ||
            (ToUnixSeconds(list[start].last_seen) == *seen &&
             list[start].mac <= mac))) {
      ++start;
    }
  }
  Result<std::string> signature = devices()->VendorSignature();
  if (!signature.ok()) return StoreProblem(signature.status());
  json items = json::array();
  const size_t end = std::min(list.size(), start + limit);
  for (size_t i = start; i < end; ++i) items.push_back(DeviceJson(list[i]));
  json next = nullptr;
  if (end < list.size()) {
    next = std::to_string(ToUnixSeconds(list[end - 1].last_seen)) + "_" +
           list[end - 1].mac;
  }
  return Json({{"items", items},
               {"total", list.size()},
               {"next_cursor", next},
               {"unmanaged_pcs", unmanaged_pcs},
               {"all_devices", unfiltered},
               {"registry_loaded", !signature->empty()},
               {"can_write", CanWrite(org_id)}});
}

HttpResponse DeviceHandlers::Export(int64_t org_id, bool xlsx) {
  std::vector<store::NetworkDevice> list;
  int64_t unmanaged_pcs = 0, unfiltered = 0;
  if (auto p = Filtered(org_id, &list, &unmanaged_pcs, &unfiltered)) {
    return *p;
  }
  const auto text = [&](const std::string& key) {
    return catalogue().Text(call.lang, key);
  };
  std::vector<std::vector<std::string>> rows;
  rows.push_back({text("dev.mac"), text("dev.vendor"), text("dev.ips"),
                  text("dev.witnesses"), text("dev.first_seen"),
                  text("dev.last_seen"), text("dev.looks_like_pc"),
                  text("dev.mark"), text("dev.note")});
  for (const store::NetworkDevice& d : list) {
    std::string witnesses;
    for (const store::DeviceWitness& w : d.witnesses) {
      witnesses += (witnesses.empty() ? "" : ", ") + w.hostname;
    }
    std::string mark;
    if (d.mark == "not_pc") {
      mark = catalogue().Text(
          call.lang, "dev.mark_not_pc",
          {{"kind",
            text("dev.kind." +
                 (d.mark_kind.empty() ? std::string("other") : d.mark_kind))}});
    } else if (d.mark == "needs_agent") {
      mark = text("dev.mark_needs_agent");
    }
    rows.push_back(
        {d.mac, d.locally_administered ? text("dev.randomised") : d.vendor,
         d.ips, witnesses, IsoTime(d.first_seen), IsoTime(d.last_seen),
         d.looks_like_pc ? text("dev.pc_yes") : text("dev.pc_no"), mark,
         d.mark_note});
  }
  HttpResponse r;
  const std::string name = "devices-" + std::to_string(org_id);
  if (xlsx) {
    Result<std::string> book = TableToXlsx(text("nav.devices"), rows);
    if (!book.ok()) return StoreProblem(book.status());
    r.content_type =
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
    r.body = std::move(book).value();
    r.AddHeader("Content-Disposition",
                "attachment; filename=\"" + name + ".xlsx\"");
  } else {
    r.content_type = "text/csv; charset=utf-8";
    r.body = asset_register::EncodeCsv(rows);
    r.AddHeader("Content-Disposition",
                "attachment; filename=\"" + name + ".csv\"");
  }
  return r;
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
