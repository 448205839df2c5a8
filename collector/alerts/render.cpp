#include "collector/alerts/render.h"

#include <nlohmann/json.hpp>

#include "collector/alerts/catalogue.h"
#include "common/text.h"

namespace mamori::alerts {
namespace {

constexpr size_t kMaxField = 200;
constexpr size_t kMaxDetailField = 600;
constexpr size_t kMaxSubject = 240;
// A digest lists this many events in full; the rest are counted.
constexpr size_t kMaxListed = 200;

std::string Iso(TimePoint t) {
  const std::time_t secs = ToUnixSeconds(t);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string_view LineTemplate(const AlertCatalogue& c,
                              const std::string& kind) {
  if (kind == store::kAlertCheckFailing) return c.line_check_failing;
  if (kind == store::kAlertBannedSoftware) return c.line_banned_software;
  if (kind == store::kAlertHostSilent) return c.line_host_silent;
  if (kind == store::kAlertGradeChanged) return c.line_grade_changed;
  if (kind == store::kAlertUnmanagedDevice) return c.line_unmanaged_device;
  return c.line_test;
}

std::string EventLine(const AlertCatalogue& c, const store::AlertEvent& e) {
  const auto& cond = e.condition;
  std::string name = c.language == "ja" ? cond.subject_ja : cond.subject_en;
  if (name.empty()) name = cond.subject;
  return Expand(LineTemplate(c, cond.kind),
                {{"host", MailSafe(cond.hostname, kMaxField)},
                 {"subject", MailSafe(name, kMaxField)},
                 {"detail", MailSafe(cond.detail, kMaxField)}});
}

}  // namespace

std::string MailSafe(std::string_view text, size_t max_bytes) {
  std::string safe = TerminalSafe(text);
  if (safe.size() <= max_bytes) return safe;
  size_t cut = max_bytes;
  // Back up to the start of a UTF-8 character.
  while (cut > 0 && (static_cast<unsigned char>(safe[cut]) & 0xC0) == 0x80) {
    --cut;
  }
  return safe.substr(0, cut) + "…";
}

std::string Expand(std::string_view text,
                   const std::map<std::string, std::string>& values) {
  std::string out;
  size_t i = 0;
  while (i < text.size()) {
    const size_t open = text.find('{', i);
    if (open == std::string_view::npos) break;
    const size_t close = text.find('}', open);
    if (close == std::string_view::npos) break;
    out.append(text.substr(i, open - i));
    auto it = values.find(std::string(text.substr(open + 1, close - open - 1)));
    if (it != values.end()) {
      out += it->second;
    } else {
      out.append(text.substr(open, close - open + 1));
    }
    i = close + 1;
  }
  out.append(text.substr(std::min(i, text.size())));
  return out;
}

RenderedMail RenderMail(const store::DeliveryWork& work) {
  const AlertCatalogue& c = CatalogueFor(work.delivery.language);
  const std::string org = MailSafe(work.org, kMaxField);
  const std::string count = std::to_string(work.events.size());
  const std::string& purpose = work.delivery.purpose;
  RenderedMail mail;
  std::string_view subject = c.subject_batch;
  std::string_view intro = c.intro_batch;
  if (purpose == "test") {
    subject = c.subject_test;
    intro = c.intro_test;
  } else if (purpose == "digest") {
    subject =
        work.delivery.schedule == "weekly" ? c.subject_weekly : c.subject_daily;
    intro = c.intro_digest;
  } else if (work.events.size() == 1) {
    subject = c.subject_single;
    intro = c.intro_single;
  }
  const std::string first =
      work.events.empty() ? std::string() : EventLine(c, work.events.front());
  mail.subject = MailSafe(
      Expand(subject, {{"org", org}, {"count", count}, {"event", first}}),
      kMaxSubject);
  std::string& body = mail.body;
  body = Expand(intro, {{"org", org}, {"count", count}}) + "\n\n";
  size_t listed = 0;
  for (const auto& e : work.events) {
    if (purpose == "test") break;
    if (++listed > kMaxListed) {
      body += "… (+" + std::to_string(work.events.size() - kMaxListed) + ")\n";
      break;
    }
    body += "■ " + EventLine(c, e) + "\n";
    if (!e.condition.detail.empty() &&
        e.condition.kind != store::kAlertHostSilent &&
        e.condition.kind != store::kAlertGradeChanged) {
      body += "  " + std::string(c.label_detail) + ": " +
              MailSafe(e.condition.detail, kMaxDetailField) + "\n";
    }
    body += "  " + std::string(c.label_raised) + ": " + Iso(e.raised_at);
    if (e.cleared_at && e.condition.kind != store::kAlertGradeChanged &&
        e.condition.kind != store::kAlertTest) {
      body += "  " + std::string(c.label_cleared) + ": " + Iso(*e.cleared_at);
    }
    body += "\n";
  }
  body += "\n-- \n" + std::string(c.footer) + "\n";
  return mail;
}

std::string RenderWebhook(const store::DeliveryWork& work) {
  nlohmann::json events = nlohmann::json::array();
  for (const auto& e : work.events) {
    const auto& cond = e.condition;
    nlohmann::json j = {{"id", e.id},
                        {"kind", cond.kind},
                        {"host_id", cond.host_id},
                        {"hostname", SanitizeUtf8(cond.hostname)},
                        {"subject", SanitizeUtf8(cond.subject)},
                        {"name_ja", SanitizeUtf8(cond.subject_ja)},
                        {"name_en", SanitizeUtf8(cond.subject_en)},
                        {"detail", SanitizeUtf8(cond.detail)},
                        {"raised_at", Iso(e.raised_at)}};
    j["cleared_at"] = e.cleared_at ? nlohmann::json(Iso(*e.cleared_at))
                                   : nlohmann::json(nullptr);
    events.push_back(std::move(j));
  }
  nlohmann::json body = {{"organisation", SanitizeUtf8(work.org)},
                         {"delivery", work.delivery.id},
                         {"purpose", work.delivery.purpose},
                         {"events", std::move(events)}};
  return body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace mamori::alerts
