// An endpoint's changes over time, its pending updates and revocation from
// the console. Reads go through the caller's scope first (FindEndpoint), so
// another organisation's host answers 404 before the core store is asked.
#include <algorithm>
#include <nlohmann/json.hpp>

#include "collector/web/console_api_parts.h"

namespace mamori::web {

using nlohmann::json;

namespace {

constexpr size_t kMaxFactChanges = 200;
constexpr size_t kMaxPackageChanges = 500;
constexpr size_t kMaxPendingItems = 2000;

// Top-level members whose value differs between two payloads of a family
// (every member of `now` when `before` is not an object).
json ChangedMembers(const json& before, const json& now) {
  json changed = json::array();
  if (!now.is_object()) return changed;
  for (const auto& [key, value] : now.items()) {
    if (key == "status") continue;  // carried by `state`
    if (!before.is_object() || !before.contains(key) || before[key] != value) {
      changed.push_back(key);
    }
  }
  if (before.is_object()) {
    for (const auto& [key, value] : before.items()) {
      if (key != "status" && !now.contains(key)) changed.push_back(key);
    }
  }
  return changed;
}

json TextOrNull(const std::optional<std::string>& v) {
  return v ? json(*v) : json(nullptr);
}

json Member(const json& doc, const char* key) {
  return doc.is_object() && doc.contains(key) ? doc[key] : json(nullptr);
}

}  // namespace

HttpResponse HostHandlers::History(int64_t org_id, int64_t host_id) {
  Result<store::EndpointSummary> endpoint = console().FindEndpoint(
      call.scope, org_id, host_id, clock().Now(), options().silent_after);
  if (!endpoint.ok()) return StoreProblem(endpoint.status());
  Result<store::OrgOverview> org = ScopedOrg(org_id);
  if (!org.ok()) return StoreProblem(org.status());
  Result<std::vector<store::FamilyStatus>> families =
      console().EndpointFamilies(call.scope, org_id, host_id);
  if (!families.ok()) return StoreProblem(families.status());

  struct Change {
    TimePoint received_at;
    json doc;
  };
  std::vector<Change> changes;
  bool truncated = false;
  for (const store::FamilyStatus& family : *families) {
    Result<std::vector<store::FactChange>> history =
        store().FactHistory(org->name, host_id, family.family);
    if (!history.ok()) return StoreProblem(history.status());
    json previous;
    for (const store::FactChange& c : *history) {
      json payload = json::parse(c.payload_json, nullptr, false);
      if (payload.is_discarded()) payload = nullptr;
      changes.push_back({c.received_at,
                         {{"family", c.family},
                          {"state", c.state},
                          {"changed_at", OptionalTime(c.changed_at)},
                          {"received_at", IsoTime(c.received_at)},
                          {"first", &c == &history->front()},
                          {"changed", ChangedMembers(previous, payload)}}});
      previous = std::move(payload);
    }
  }
  std::stable_sort(changes.begin(), changes.end(),
                   [](const Change& a, const Change& b) {
                     return a.received_at > b.received_at;
                   });
  json facts = json::array();
  for (const Change& c : changes) {
    if (facts.size() == kMaxFactChanges) {
      truncated = true;
      break;
    }
    facts.push_back(c.doc);
  }

  Result<std::vector<store::PackageChange>> packages =
      store().PackageHistory(org->name, host_id);
  if (!packages.ok()) return StoreProblem(packages.status());
  json package_list = json::array();
  for (auto it = packages->rbegin(); it != packages->rend(); ++it) {
    if (package_list.size() == kMaxPackageChanges) {
      truncated = true;
      break;
    }
    const char* kind = !it->old_version   ? "installed"
                       : !it->new_version ? "removed"
                                          : "changed";
    package_list.push_back({{"name", it->name},
                            {"architecture", it->architecture},
                            {"kind", kind},
                            {"old_version", TextOrNull(it->old_version)},
                            {"new_version", TextOrNull(it->new_version)},
                            {"changed_at", OptionalTime(it->changed_at)}});
  }
  return Json(
      {{"facts", facts}, {"packages", package_list}, {"truncated", truncated}});
}

HttpResponse HostHandlers::Updates(int64_t org_id, int64_t host_id) {
  Result<std::vector<store::FamilyStatus>> families =
      console().EndpointFamilies(call.scope, org_id, host_id);
  if (!families.ok()) return StoreProblem(families.status());
  json doc = {{"state", nullptr},           {"collected_at", nullptr},
              {"pending_count", nullptr},   {"security_pending_count", nullptr},
              {"reboot_required", nullptr}, {"automatic_updates", nullptr},
              {"items", json::array()},     {"truncated", false}};
  for (const store::FamilyStatus& f : *families) {
    if (f.family != "updates") continue;
    doc["state"] = f.state;
    doc["collected_at"] = OptionalTime(f.collected_at);
    // Unknown is not "nothing pending": counts only from a family read.
    if (f.state != "STATUS_OK") break;
    const json payload = json::parse(f.payload_json, nullptr, false);
    if (!payload.is_object()) break;
    for (const char* key : {"pending_count", "security_pending_count"}) {
      const json v = Member(payload, key);
      if (v.is_number_integer()) doc[key] = v;
    }
    for (const char* key : {"reboot_required", "automatic_updates"}) {
      const json v = Member(payload, key);
      if (v.is_boolean()) doc[key] = v;
    }
    const json pending = Member(payload, "pending");
    if (!pending.is_array()) break;
    for (const json& p : pending) {
      if (doc["items"].size() == kMaxPendingItems) {
        doc["truncated"] = true;
        break;
      }
      if (!p.is_object()) continue;
      auto text = [&](const char* key) {
        const json v = Member(p, key);
        return v.is_string() ? v.get<std::string>() : std::string();
      };
      json kb = json::array();
      const json ids = Member(p, "kb_ids");
      if (ids.is_array()) {
        for (const json& id : ids) {
          if (id.is_string()) kb.push_back(id);
        }
      }
      doc["items"].push_back(
          {{"name", text("name")},
           {"installed_version", text("installed_version")},
           {"candidate_version", text("candidate_version")},
           {"security", Member(p, "security").is_boolean() &&
                            Member(p, "security").get<bool>()},
           {"origin", text("origin")},
           {"severity", text("severity")},
           {"kb_ids", kb}});
    }
    break;
  }
  return Json(doc);
}

bool HostHandlers::Revoked(int64_t host_id) {
  Result<store::HostCredential> credential =
      store().FindHostCredential(host_id);
  return credential.ok() && credential->revoked;
}

HttpResponse HostHandlers::Revoke(int64_t org_id, int64_t host_id) {
  Result<store::EndpointSummary> endpoint = console().FindEndpoint(
      call.scope, org_id, host_id, clock().Now(), options().silent_after);
  if (!endpoint.ok()) return StoreProblem(endpoint.status());
  if (!CanWrite(org_id)) return Problem(403, "auth.forbidden");
  Result<store::OrgOverview> org = ScopedOrg(org_id);
  if (!org.ok()) return StoreProblem(org.status());
  const bool before = Revoked(host_id);
  if (Status s = store().RevokeHost(org->name, host_id); !s.ok()) {
    return StoreProblem(s);
  }
  Audit("host.revoke", endpoint->hostname, org_id,
        {{"host_id", host_id}, {"revoked", before}},
        {{"host_id", host_id}, {"revoked", true}});
  return Json({{"id", host_id}, {"revoked", true}});
}

}  // namespace mamori::web
