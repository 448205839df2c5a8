// The organisation-wide software view: GET orgs/{org}/software.

#include <algorithm>
#include <optional>
#include <string>
#include <utility>
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
  constexpr int64_t kDefaultLimit = 100;
  constexpr int64_t kMaxLimit = 500;
  const std::string search = call.request.Query("q");
  if (search.size() > 200) {
    return FieldProblem("q", "error.too_long", {{"max", "200"}});
  }
  if (!IsCleanUtf8(search)) return FieldProblem("q", "error.bad_text");
  const std::string eos = call.request.Query("eos");
  if (eos != "" && eos != "true" && eos != "false") {
    return FieldProblem("eos", "error.one_of", {{"values", "true, false"}});
  }
  int64_t limit = kDefaultLimit;
  if (const std::string text = call.request.Query("limit"); !text.empty()) {
    std::optional<int64_t> n = ParseInt64(text);
    if (!n || *n < 1 || *n > kMaxLimit) {
      return FieldProblem("limit", "error.range",
                          {{"min", "1"}, {"max", std::to_string(kMaxLimit)}});
    }
    limit = *n;
  }
  std::optional<std::pair<std::string, std::string>> after;
  if (const std::string text = call.request.Query("cursor"); !text.empty()) {
    auto decoded = DecodeSoftwareCursor(text);
    if (!decoded.ok()) return FieldProblem("cursor", "error.invalid_field");
    after = std::move(decoded).value();
  }
  // The scope first: the copy is per organisation, never shared across.
  if (!call.scope.Allows(org_id)) return Problem(404, "error.not_found");
  const TimePoint now = clock().Now();
  // The build runs on the view's own thread after this request may have
  // ended: it holds copies, and the store (which outlives the view).
  store::ConsoleStore* store = &console();
  Result<SoftwareViewCache::Snapshot> snapshot = software_view().Get(
      org_id, now,
      [store, scope = call.scope, org_id, today = IsoTime(now).substr(0, 10)]()
          -> Result<SoftwareViewCache::Rows> {
        auto rows = store->OrgSoftware(scope, org_id, "", -1);
        if (!rows.ok()) return rows.status();
        SoftwareViewCache::Rows out;
        out.reserve(rows->size());
        for (store::SoftwareSummary& r : *rows) {
          std::optional<EndOfSupport> e =
              EndOfSupportFor(EndOfSupportTable(), r.name, r.version, today);
          out.push_back({std::move(r), std::move(e)});
        }
        // The order the pages' cursor follows (both backends sort by name
        // without case and version; this also orders names that differ
        // only in case).
        std::sort(out.begin(), out.end(),
                  [](const SoftwareViewRow& a, const SoftwareViewRow& b) {
                    return SoftwareRowBefore(a.summary.name, a.summary.version,
                                             b.summary.name, b.summary.version);
                  });
        return out;
      });
  if (!snapshot.ok()) return StoreProblem(snapshot.status());
  // One page of the matching rows: the first answer is `limit` rows (100 by
  // default), not every row (≈2,850 × 20 hosts, 342 KB at 10,000 hosts).
  json items = json::array();
  int64_t matched = 0;
  int64_t ended_rows = 0;
  std::string next_cursor;
  const SoftwareViewRow* last = nullptr;
  for (const SoftwareViewRow& row : *snapshot->rows) {
    const bool ended = row.end_of_support && row.end_of_support->ended;
    if (ended) ++ended_rows;
    if (eos == "true" && !ended) continue;
    if (!search.empty() &&
        !SoftwareMatches(search, row.summary.name,
                         row.end_of_support ? row.end_of_support->label : "")) {
      continue;
    }
    ++matched;
    if (after && !SoftwareRowBefore(after->first, after->second,
                                    row.summary.name, row.summary.version)) {
      continue;  // on an earlier page
    }
    if (static_cast<int64_t>(items.size()) == limit) {
      if (next_cursor.empty() && last != nullptr) {
        next_cursor =
            EncodeSoftwareCursor(last->summary.name, last->summary.version);
      }
      continue;
    }
    json endpoints = json::array();
    for (const auto& [id, hostname] : row.summary.endpoints) {
      endpoints.push_back({{"id", id}, {"hostname", SanitizeUtf8(hostname)}});
    }
    items.push_back({{"name", SanitizeUtf8(row.summary.name)},
                     {"version", SanitizeUtf8(row.summary.version)},
                     {"hosts", row.summary.hosts},
                     {"endpoints", endpoints},
                     {"end_of_support", EndOfSupportJson(row.end_of_support)}});
    last = &row;
  }
  return Json({{"items", items},
               {"truncated", !next_cursor.empty()},
               {"next_cursor", next_cursor},
               {"total", matched},
               {"ended_total", ended_rows},
               {"computed_at", IsoTime(snapshot->computed_at)}});
}

}  // namespace mamori::web
