// An organisation's alerts in the console API: channels (e-mail recipients,
// signed webhooks), settings, recent events and the delivery queue, for org
// admins and operators (recipient addresses and delivery errors are not
// for viewers); channel and settings changes are audited. The port is
// opened per request: these are rare administrative calls, and the alert
// store's connection then never outlives its request's thread.
#include <nlohmann/json.hpp>

#include "collector/alerts/delivery.h"
#include "collector/pki/crypto.h"
#include "collector/store/open_store.h"
#include "collector/web/console_api_parts.h"
#include "common/text.h"

namespace mamori::web {

using nlohmann::json;

namespace {

constexpr int kListed = 50;

json ChannelJson(const store::AlertChannel& c) {
  json j = {{"id", c.id},
            {"kind", c.kind},
            {"target", SanitizeUtf8(c.target)},
            {"language", c.language},
            {"schedule", c.schedule},
            {"enabled", c.enabled},
            {"created_at", IsoTime(c.created_at)}};
  j["secret_hint"] =
      c.kind == "webhook" ? json(c.secret_hint + "…") : json(nullptr);
  return j;
}

json EventJson(const store::AlertEvent& e) {
  const auto& k = e.condition;
  return {{"id", e.id},
          {"kind", k.kind},
          {"host_id", k.host_id == 0 ? json(nullptr) : json(k.host_id)},
          {"hostname", k.hostname},
          {"subject", k.subject},
          {"name", {{"ja", k.subject_ja}, {"en", k.subject_en}}},
          {"detail", k.detail},
          {"raised_at", IsoTime(e.raised_at)},
          {"cleared_at", OptionalTime(e.cleared_at)}};
}

json DeliveryJson(const store::AlertDelivery& d) {
  const bool retrying = d.state != "sent" && d.next_attempt_at != TimePoint{};
  return {{"id", d.id},
          {"channel_id", d.channel_id},
          {"kind", d.channel_kind},
          {"target", d.target},
          {"purpose", d.purpose},
          {"state", d.state},
          {"attempts", d.attempts},
          {"events", d.event_ids.size()},
          {"created_at", IsoTime(d.created_at)},
          {"sent_at", OptionalTime(d.sent_at)},
          {"next_attempt_at",
           retrying ? json(IsoTime(d.next_attempt_at)) : json(nullptr)},
          {"last_error", d.last_error}};
}

// A row of the deliveries page: the delivery and what it was about (the
// first event; a batch or digest says how many more).
json DeliveryRowJson(const store::DeliveryWork& w) {
  json j = DeliveryJson(w.delivery);
  if (w.events.empty()) {
    j["event"] = nullptr;
  } else {
    j["event"] = EventJson(w.events.front());
  }
  return j;
}

}  // namespace

HttpResponse AlertHandlers::DeliveryList(int64_t org_id) {
  auto port = Port(org_id);
  if (!port.ok()) return StoreProblem(port.status());
  if (!CanWrite(org_id)) return Problem(403, "auth.forbidden");
  int64_t before = 0;
  if (const std::string text = call.request.Query("cursor"); !text.empty()) {
    const std::optional<int64_t> id = ParseInt64(text);
    if (!id || *id < 1) return FieldProblem("cursor", "error.invalid_field");
    before = *id;
  }
  int limit = 25;
  if (const std::string text = call.request.Query("limit"); !text.empty()) {
    const std::optional<int64_t> n = ParseInt64(text);
    if (!n || *n < 1 || *n > 200) {
      return FieldProblem("limit", "error.range",
                          {{"min", "1"}, {"max", "200"}});
    }
    limit = static_cast<int>(*n);
  }
  // One more than asked tells whether there is a next page.
  auto rows = (*port)->DeliveryPage(org_id, before, limit + 1);
  if (!rows.ok()) return StoreProblem(rows.status());
  const bool more = static_cast<int>(rows->size()) > limit;
  if (more) rows->pop_back();
  json items = json::array();
  for (const auto& w : *rows) items.push_back(DeliveryRowJson(w));
  return Json(
      {{"items", items},
       {"next_cursor", more ? json(std::to_string(rows->back().delivery.id))
                            : json(nullptr)}});
}

Result<std::unique_ptr<store::AlertPort>> AlertHandlers::Port(int64_t org_id) {
  Result<store::OrgOverview> org = ScopedOrg(org_id);
  if (!org.ok()) return org.status();
  if (options().alerts_store_url.empty()) {
    return NotFoundError("alerts are not available on this store");
  }
  return store::OpenAlertStore(options().alerts_store_url);
}

HttpResponse AlertHandlers::Get(int64_t org_id) {
  auto port = Port(org_id);
  if (!port.ok()) return StoreProblem(port.status());
  if (!CanWrite(org_id)) return Problem(403, "auth.forbidden");
  auto channels = (*port)->Channels(org_id);
  if (!channels.ok()) return StoreProblem(channels.status());
  auto settings = (*port)->Settings(org_id);
  if (!settings.ok()) return StoreProblem(settings.status());
  auto events = (*port)->Events(org_id, false, kListed);
  if (!events.ok()) return StoreProblem(events.status());
  auto deliveries = (*port)->Deliveries(org_id, kListed);
  if (!deliveries.ok()) return StoreProblem(deliveries.status());
  json doc = {{"channels", json::array()},
              {"settings",
               {{"silent_days", settings->silent_days},
                {"max_per_hour", settings->max_per_hour}}},
              // The collector's mail relay (serve's --smtp-* flags): one for
              // every organisation; its password is never in an answer.
              {"smtp", options().smtp_server.empty()
                           ? json(nullptr)
                           : json{{"server", options().smtp_server},
                                  {"from", options().smtp_from}}},
              {"events", json::array()},
              {"deliveries", json::array()}};
  for (const auto& c : *channels) doc["channels"].push_back(ChannelJson(c));
  for (const auto& e : *events) doc["events"].push_back(EventJson(e));
  for (const auto& d : *deliveries) {
    doc["deliveries"].push_back(DeliveryJson(d));
  }
  return Json(doc);
}

HttpResponse AlertHandlers::AddChannel(int64_t org_id) {
  auto port = Port(org_id);
  if (!port.ok()) return StoreProblem(port.status());
  if (!CanWrite(org_id)) return Problem(403, "auth.forbidden");
  if (auto p = ParseBody()) return *p;
  store::AlertChannel channel;
  if (auto p = BodyString("kind", &channel.kind, 20)) return *p;
  if (auto p = BodyString("target", &channel.target, 2000)) return *p;
  if (auto p = BodyString("language", &channel.language, 10)) return *p;
  if (auto p = BodyString("schedule", &channel.schedule, 20)) return *p;
  if (channel.language.empty()) channel.language = call.lang;
  if (channel.schedule.empty()) channel.schedule = "immediate";
  if (channel.kind != "email" && channel.kind != "webhook") {
    return FieldProblem("kind", "error.one_of", {{"values", "email, webhook"}});
  }
  if (channel.language != "ja" && channel.language != "en") {
    return FieldProblem("language", "error.one_of", {{"values", "ja, en"}});
  }
  if (channel.schedule != "immediate" && channel.schedule != "daily" &&
      channel.schedule != "weekly") {
    return FieldProblem("schedule", "error.one_of",
                        {{"values", "immediate, daily, weekly"}});
  }
  if (channel.target.empty()) return FieldProblem("target", "error.required");
  const Status valid = channel.kind == "email"
                           ? alerts::ValidateEmailAddress(channel.target)
                           : alerts::ValidateWebhookUrl(channel.target);
  if (!valid.ok()) return FieldProblem("target", "error.invalid_field");
  const std::string secret =
      channel.kind == "webhook" ? pki::RandomSecret(32) : std::string();
  auto id =
      (*port)->AddChannel(org_id, channel, secret, call.Actor(), clock().Now());
  if (!id.ok()) return StoreProblem(id.status());
  channel.id = *id;
  channel.created_at = clock().Now();
  channel.secret_hint = secret.substr(0, 6);
  json doc = ChannelJson(channel);
  Audit("alert_channel.add", "#" + std::to_string(*id), org_id, nullptr, doc);
  // The webhook's secret is shown in this answer only.
  doc["secret"] = secret.empty() ? json(nullptr) : json(secret);
  return Json(doc, 201);
}

HttpResponse AlertHandlers::RemoveChannel(int64_t org_id, int64_t channel_id) {
  auto port = Port(org_id);
  if (!port.ok()) return StoreProblem(port.status());
  if (!CanWrite(org_id)) return Problem(403, "auth.forbidden");
  auto channels = (*port)->Channels(org_id);
  if (!channels.ok()) return StoreProblem(channels.status());
  json before = nullptr;
  for (const auto& c : *channels) {
    if (c.id == channel_id) before = ChannelJson(c);
  }
  if (before.is_null()) return Problem(404, "error.not_found");
  if (Status s = (*port)->RemoveChannel(org_id, channel_id, call.Actor(),
                                        clock().Now());
      !s.ok()) {
    return StoreProblem(s);
  }
  Audit("alert_channel.remove", "#" + std::to_string(channel_id), org_id,
        before, nullptr);
  return NoContent();
}

HttpResponse AlertHandlers::SaveSettings(int64_t org_id) {
  auto port = Port(org_id);
  if (!port.ok()) return StoreProblem(port.status());
  if (!CanWrite(org_id)) return Problem(403, "auth.forbidden");
  if (auto p = ParseBody()) return *p;
  auto current = (*port)->Settings(org_id);
  if (!current.ok()) return StoreProblem(current.status());
  store::AlertSettings next = *current;
  struct Field {
    const char* name;
    int* value;
    int min, max;
  };
  for (const Field& f : {Field{"silent_days", &next.silent_days, 1, 365},
                         Field{"max_per_hour", &next.max_per_hour, 1, 1000}}) {
    if (!call.body.contains(f.name)) continue;
    const json& v = call.body[f.name];
    if (!v.is_number_integer() || v.get<int64_t>() < f.min ||
        v.get<int64_t>() > f.max) {
      return FieldProblem(
          f.name, "error.range",
          {{"min", std::to_string(f.min)}, {"max", std::to_string(f.max)}});
    }
    *f.value = v.get<int>();
  }
  if (Status s =
          (*port)->SetSettings(org_id, next, call.Actor(), clock().Now());
      !s.ok()) {
    return StoreProblem(s);
  }
  const json before = {{"silent_days", current->silent_days},
                       {"max_per_hour", current->max_per_hour}};
  const json after = {{"silent_days", next.silent_days},
                      {"max_per_hour", next.max_per_hour}};
  Audit("alert_settings.set", "alerts", org_id, before, after);
  return Json(after);
}

}  // namespace mamori::web
