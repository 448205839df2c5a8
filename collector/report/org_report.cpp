#include "collector/report/org_report.h"

#include <algorithm>

#include "collector/policy/policy.h"
#include "collector/report/evidence_pack.h"
#include "collector/report/followup.h"
#include "collector/report/report.h"

namespace mamori::report {

namespace {
// Snapshots kept in a report's trend.
constexpr int kTrendSnapshots = 500;
}  // namespace

Result<ReportModel> LoadReportModel(policy::GradingService& service,
                                    store::ReportStore& items,
                                    const std::string& org, bool evaluate) {
  auto r = evaluate ? service.Evaluate(org) : service.Report(org);
  if (!r.ok()) return r.status();
  auto org_id = service.store().OrgId(org);
  if (!org_id.ok()) return org_id.status();
  auto history = service.store().GradeHistory(*org_id, kTrendSnapshots);
  if (!history.ok()) return history.status();
  std::vector<TrackedItem> tracked;
  if (evaluate) {
    auto synced = SyncImprovementItems(items, *org_id, r->improvements,
                                       ToUnixSeconds(r->evaluated_at));
    if (!synced.ok()) return synced.status();
    tracked = std::move(*synced);
  } else {
    auto stored = items.ImprovementItems(*org_id);
    if (!stored.ok()) return stored.status();
    tracked = ToTracked(*stored);
  }
  return BuildReportModel(*r, service.questionnaires(), *history, tracked);
}

Status ValidatePackRule(const std::string& rule) {
  if (rule.empty()) return Status::Ok();
  std::string ids;
  for (std::string_view id : grading::kRuleIds) {
    if (id == rule) return Status::Ok();
    ids += (ids.empty() ? "" : ", ") + std::string(id);
  }
  return InvalidArgumentError("rule: expected one of " + ids);
}

Result<TimePoint> WriteOrgEvidencePack(policy::GradingService& service,
                                       store::ReportStore& store,
                                       const OrgPackRequest& request,
                                       const pki::SigningKey& key,
                                       const ZipWriter::Sink& sink) {
  const std::string& org = request.org;
  MAMORI_RETURN_IF_ERROR(ValidatePackRule(request.rule));
  auto report = request.as_of ? service.Report(org) : service.Evaluate(org);
  if (!report.ok()) return report.status();
  const TimePoint as_of = request.as_of.value_or(report->evaluated_at);
  report->evaluated_at = as_of;
  auto org_id = service.store().OrgId(org);
  if (!org_id.ok()) return org_id.status();
  auto history = service.store().GradeHistory(*org_id, kTrendSnapshots);
  if (!history.ok()) return history.status();
  // Snapshots after as_of are not part of a pack "as of" that time.
  std::erase_if(*history, [&](const store::GradeSnapshot& s) {
    return s.evaluated_at > as_of;
  });
  auto items = store.ImprovementItems(*org_id);
  if (!items.ok()) return items.status();
  const ReportModel model = BuildReportModel(*report, service.questionnaires(),
                                             *history, ToTracked(*items));
  auto pdf = RenderReportPdf(model, request.lang);
  if (!pdf.ok()) return pdf.status();
  auto answers = store.CurrentAnswers(*org_id);
  if (!answers.ok()) return answers.status();

  PackSources sources;
  sources.as_of = as_of;
  sources.rule = request.rule;
  sources.report = &*report;
  sources.report_pdf = std::move(*pdf);
  for (const auto& s : policy::BuiltinPolicySources()) {
    sources.policy_files.emplace_back("builtin/checks/" + s.name, s.text);
  }
  for (const auto& s : policy::BuiltinQuestionnaireSources()) {
    sources.policy_files.emplace_back("builtin/questionnaires/" + s.name,
                                      s.text);
  }
  sources.policy_files.emplace_back(
      "builtin/" + policy::BuiltinEndOfSupportSource().name,
      policy::BuiltinEndOfSupportSource().text);
  if (!request.custom_policy_dir.empty()) {
    auto custom = policy::ReadPolicyDir(request.custom_policy_dir);
    if (!custom.ok()) return custom.status();
    for (const auto& s : *custom) {
      sources.policy_files.emplace_back("custom/" + s.name, s.text);
    }
  }
  sources.answers = std::move(*answers);
  sources.for_each_host_facts =
      [&](const std::function<Status(const store::HostFacts&)>& fn) {
        return store.ForEachHostFacts(*org_id, fn);
      };
  if (Status s = WriteEvidencePack(sources, key, sink); !s.ok()) return s;
  return as_of;
}

}  // namespace mamori::report
