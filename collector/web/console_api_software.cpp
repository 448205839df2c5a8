// The organisation-wide software view: GET orgs/{org}/software.

#include <string>
#include <vector>

#include "collector/policy/policy.h"
#include "collector/policy/questionnaire.h"
#include "collector/web/console_api_parts.h"
#include "common/text.h"

namespace mamori::web {

using nlohmann::json;

namespace {

// The built-in end-of-support table (policies/end_of_support.yaml), parsed
// once; an empty table if it were broken (the grading service refuses to
// start with a broken one, so this is not reached in a running collector).
const store::EndOfSupportTable& EndOfSupportTable() {
  static const store::EndOfSupportTable kTable = [] {
    auto parsed =
        policy::ParseEndOfSupport(policy::BuiltinEndOfSupportSource());
    return parsed.ok() ? std::move(parsed).value() : store::EndOfSupportTable{};
  }();
  return kTable;
}

json EndOfSupportJson(const std::optional<EndOfSupport>& e) {
  if (!e) return nullptr;
  return {{"label", e->label},
          {"ends_on", e->ends_on.empty() ? json(nullptr) : json(e->ends_on)},
          {"ended", e->ended},
          {"source", e->source.empty() ? json(nullptr) : json(e->source)},
          {"min_major", e->min_major > 0 ? json(e->min_major) : json(nullptr)}};
}

}  // namespace

HttpResponse SoftwareHandlers::Org(int64_t org_id) {
  constexpr size_t kLimit = 500;
  const std::string search = call.request.Query("q");
  if (search.size() > 200) {
    return FieldProblem("q", "error.too_long", {{"max", "200"}});
  }
  if (!IsCleanUtf8(search)) return FieldProblem("q", "error.bad_text");
  const std::string eos = call.request.Query("eos");
  if (eos != "" && eos != "true" && eos != "false") {
    return FieldProblem("eos", "error.one_of", {{"values", "true, false"}});
  }
  // The scope first: the copy is per organisation, never shared across.
  if (!call.scope.Allows(org_id)) return Problem(404, "error.not_found");
  const TimePoint now = clock().Now();
  const std::string today = IsoTime(now).substr(0, 10);
  const store::OrgScope scope = call.scope;
  Result<SoftwareViewCache::Snapshot> snapshot = software_view().Get(
      org_id, now, [&]() -> Result<SoftwareViewCache::Rows> {
        auto rows = console().OrgSoftware(scope, org_id, "", -1);
        if (!rows.ok()) return rows.status();
        SoftwareViewCache::Rows out;
        out.reserve(rows->size());
        for (store::SoftwareSummary& r : *rows) {
          std::optional<EndOfSupport> e =
              EndOfSupportFor(EndOfSupportTable(), r.name, r.version, today);
          out.push_back({std::move(r), std::move(e)});
        }
        return out;
      });
  if (!snapshot.ok()) return StoreProblem(snapshot.status());
  json items = json::array();
  size_t matched = 0;
  int64_t ended_rows = 0;
  for (const SoftwareViewRow& row : *snapshot->rows) {
    const bool ended = row.end_of_support && row.end_of_support->ended;
    if (ended) ++ended_rows;
    if (eos == "true" && !ended) continue;
    if (!search.empty() &&
        !SoftwareMatches(search, row.summary.name,
                         row.end_of_support ? row.end_of_support->label : "")) {
      continue;
    }
    if (++matched > kLimit) continue;
    json endpoints = json::array();
    for (const auto& [id, hostname] : row.summary.endpoints) {
      endpoints.push_back({{"id", id}, {"hostname", SanitizeUtf8(hostname)}});
    }
    items.push_back({{"name", SanitizeUtf8(row.summary.name)},
                     {"version", SanitizeUtf8(row.summary.version)},
                     {"hosts", row.summary.hosts},
                     {"endpoints", endpoints},
                     {"end_of_support", EndOfSupportJson(row.end_of_support)}});
  }
  return Json({{"items", items},
               {"truncated", matched > kLimit},
               {"total", matched},
               {"ended_total", ended_rows},
               {"computed_at", IsoTime(snapshot->computed_at)}});
}

}  // namespace mamori::web
