// An organisation's report schedule in the console API (issue #14): the
// diagnosis report written and mailed every N days (serve's hourly round,
// collector/cli/scheduled_reports.h), as `mamori-collector report schedule`
// sets it, with the runs so far. Org admins and operators only, reads
// included: the recipients are people's addresses. Changes are audited
// before → after. The report store is shared with the grading pages, so
// every call holds grading_mu (api_base.h).
#include <nlohmann/json.hpp>

#include "collector/alerts/delivery.h"
#include "collector/store/report_store.h"
#include "collector/web/console_api_parts.h"

namespace mamori::web {

using nlohmann::json;

namespace {

constexpr int64_t kDay = 86400;
constexpr size_t kMaxRecipients = 20;

json ScheduleJson(const store::ReportSchedule& s) {
  return {{"interval_days", s.interval_seconds / kDay},
          {"recipients", s.recipients},
          {"lang", s.lang},
          {"next_due", IsoTime(FromUnixSeconds(s.next_due))}};
}

}  // namespace

HttpResponse ScheduleHandlers::Get(int64_t org_id) {
  Result<store::OrgOverview> org = ScopedOrg(org_id);
  if (!org.ok()) return StoreProblem(org.status());
  if (!CanWrite(org_id)) return Problem(403, "auth.forbidden");
  std::lock_guard<std::mutex> lock(grading_mu());
  auto schedule = reports().ReportScheduleOf(org_id);
  if (!schedule.ok()) return StoreProblem(schedule.status());
  auto runs = reports().ReportRuns(org_id);
  if (!runs.ok()) return StoreProblem(runs.status());
  json run_list = json::array();
  for (const store::ReportRun& r : *runs) {
    if (run_list.size() == 20) break;
    run_list.push_back(
        {{"generated_at", IsoTime(FromUnixSeconds(r.generated_at))},
         {"sha256", r.sha256},
         {"mail_status", r.mail_status},
         {"mail_error", r.mail_error}});
  }
  return Json(
      {{"schedule", *schedule ? ScheduleJson(**schedule) : json(nullptr)},
       {"runs", run_list}});
}

HttpResponse ScheduleHandlers::Put(int64_t org_id) {
  Result<store::OrgOverview> org = ScopedOrg(org_id);
  if (!org.ok()) return StoreProblem(org.status());
  if (!CanWrite(org_id)) return Problem(403, "auth.forbidden");
  if (auto p = ParseBody()) return *p;
  store::ReportSchedule next;
  next.org_id = org_id;
  const json& days = call.body.contains("interval_days")
                         ? call.body["interval_days"]
                         : json(nullptr);
  if (!days.is_number_integer() || days.get<int64_t>() < 1 ||
      days.get<int64_t>() > 366) {
    return FieldProblem("interval_days", "error.range",
                        {{"min", "1"}, {"max", "366"}});
  }
  next.interval_seconds = days.get<int64_t>() * kDay;
  if (auto p = BodyString("lang", &next.lang, 10)) return *p;
  if (next.lang.empty()) next.lang = call.lang;
  if (next.lang != "ja" && next.lang != "en") {
    return FieldProblem("lang", "error.one_of", {{"values", "ja, en"}});
  }
  if (call.body.contains("recipients")) {
    const json& list = call.body["recipients"];
    if (!list.is_array() || list.size() > kMaxRecipients) {
      return FieldProblem("recipients", "error.invalid_field");
    }
    for (const json& r : list) {
      // One address per entry; no header injection, no lists in one.
      if (!r.is_string() || r.get<std::string>().size() > 254 ||
          !alerts::ValidateEmailAddress(r.get<std::string>()).ok()) {
        return FieldProblem("recipients", "error.invalid_field");
      }
      next.recipients.push_back(r.get<std::string>());
    }
  }
  std::lock_guard<std::mutex> lock(grading_mu());
  auto current = reports().ReportScheduleOf(org_id);
  if (!current.ok()) return StoreProblem(current.status());
  const int64_t now = ToUnixSeconds(clock().Now());
  // A new schedule reports at the next round; a changed one keeps its due
  // time unless the new interval brings it closer.
  next.next_due =
      *current ? std::min((*current)->next_due, now + next.interval_seconds)
               : now;
  if (Status s = reports().SetReportSchedule(next, call.Actor(), now);
      !s.ok()) {
    return StoreProblem(s);
  }
  const json after = ScheduleJson(next);
  Audit("report_schedule.set", "report-schedule", org_id,
        *current ? ScheduleJson(**current) : json(nullptr), after);
  return Json({{"schedule", after}, {"runs", json::array()}});
}

HttpResponse ScheduleHandlers::Delete(int64_t org_id) {
  Result<store::OrgOverview> org = ScopedOrg(org_id);
  if (!org.ok()) return StoreProblem(org.status());
  if (!CanWrite(org_id)) return Problem(403, "auth.forbidden");
  std::lock_guard<std::mutex> lock(grading_mu());
  auto current = reports().ReportScheduleOf(org_id);
  if (!current.ok()) return StoreProblem(current.status());
  if (!*current) return Problem(404, "error.not_found");
  if (Status s = reports().DeleteReportSchedule(org_id); !s.ok()) {
    return StoreProblem(s);
  }
  Audit("report_schedule.delete", "report-schedule", org_id,
        ScheduleJson(**current), nullptr);
  return NoContent();
}

}  // namespace mamori::web
