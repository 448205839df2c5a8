#pragma once

// One organisation's diagnosis report and evidence pack from the stores, the
// one code path behind `mamori-collector report`, `evidence export`, the
// scheduled reports and the console's download endpoints
// (GET /api/v1/orgs/{id}/report and …/evidence-pack).
//
//   auto model = report::LoadReportModel(grading, reports, "acme", false);
//   auto pdf = report::RenderReportPdf(*model, "ja");
//
// Thread-compatible: the caller serialises use of `service` and `store`.

#include <optional>
#include <string>

#include "collector/pki/signing_key.h"
#include "collector/policy/grading_service.h"
#include "collector/report/report_model.h"
#include "collector/report/zip.h"
#include "collector/store/report_store.h"
#include "common/clock.h"

namespace mamori::report {

// The model of `org`'s report: runs the checks (`evaluate`, which also
// stores the results and a grade snapshot and syncs the tracked improvement
// items in `items`) or reads the stored results, and adds the grade history
// and the items. NOT_FOUND for an unknown organisation.
Result<ReportModel> LoadReportModel(policy::GradingService& service,
                                    store::ReportStore& items,
                                    const std::string& org, bool evaluate);

struct OrgPackRequest {
  std::string org;
  // Without it the checks are run now (as `evidence export` without
  // --as-of); with it the stored results are used at this time.
  std::optional<TimePoint> as_of;
  std::string lang = "ja";  // of the report inside the pack
  // Custom policy files copied into the pack; "" for none.
  std::string custom_policy_dir;
  // "" for the whole organisation, or one employee-rule id (a pack of that
  // rule, PackSources::rule).
  std::string rule;
};

// OK for "" and the ten employee-rule ids; INVALID_ARGUMENT "rule: …"
// listing them otherwise.
Status ValidatePackRule(const std::string& rule);

// Writes `request.org`'s signed evidence pack (evidence_pack.h) to `sink`
// and returns the as-of time used. NOT_FOUND for an unknown organisation,
// INVALID_ARGUMENT for an unknown rule (before anything is written); the
// sink's error when writing fails.
Result<TimePoint> WriteOrgEvidencePack(policy::GradingService& service,
                                       store::ReportStore& store,
                                       const OrgPackRequest& request,
                                       const pki::SigningKey& key,
                                       const ZipWriter::Sink& sink);

}  // namespace mamori::report
