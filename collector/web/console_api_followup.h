#pragma once

// The console API's follow-up resources (#15): the per-rule grade trend and
// the tracked improvement items.
//
//   GET   /orgs/{id}/trend               every role that reads the org
//   GET   /orgs/{id}/improvements        every role that reads the org
//   PATCH /orgs/{id}/improvements/{item} operators and org admins
//
// ConsoleApi's handlers authenticate, scope the organisation, check the
// role, hold the grading lock and write the console's audit log; these
// functions read the stores, validate an edit and shape the JSON that
// collector/web/openapi.json describes (GradeTrend, ImprovementItems,
// ImprovementItem). Thread-compatible: the caller serialises use of the
// stores.

#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "collector/policy/grading_service.h"
#include "collector/store/report_store.h"
#include "common/clock.h"

namespace mamori::web {

// A handler's answer: a JSON document (`problem` empty) or a problem named
// by its catalogue key, the field it is about and the key's arguments.
struct ApiAnswer {
  int status = 200;
  nlohmann::json body;
  std::string problem;
  std::string field;
  std::vector<std::pair<std::string, std::string>> args;

  static ApiAnswer Document(nlohmann::json body) {
    ApiAnswer a;
    a.body = std::move(body);
    return a;
  }
  static ApiAnswer Problem(
      int status, std::string key, std::string field = "",
      std::vector<std::pair<std::string, std::string>> args = {}) {
    ApiAnswer a;
    a.status = status;
    a.problem = std::move(key);
    a.field = std::move(field);
    a.args = std::move(args);
    return a;
  }
};

// Most points in the console's trend.
inline constexpr size_t kConsoleTrendPoints = 24;

// The trend of `org_id`'s grades: the rules with their names, one point per
// change of grades (oldest first), the current and the previous grades and
// what changed between them. `current` is what the dashboard shows (the
// stored results with the answers in force); when its grades differ from
// the newest snapshot (answers saved since) it is the newest point, at
// `now`. A store error → 500 (NOT_FOUND → 404).
ApiAnswer GradeTrendAnswer(store::GradingPort& grading,
                           const policy::Questionnaires& questionnaires,
                           const policy::GradeReport& current, int64_t org_id,
                           TimePoint now);

// The tracked items of `org_id`, first brought in line with the stored plan
// (`plan`, the stored results' improvement list; the same rule as
// `report`: endpoint items close and reopen with the evidence, actor
// "evidence"), newest first within open / in progress / done; each with
// its check title, the endpoints the plan names and its audit trail.
ApiAnswer ImprovementItemsAnswer(store::ReportStore& store,
                                 const policy::GradeReport& plan,
                                 const policy::PolicySet& policies,
                                 int64_t org_id, bool can_write, TimePoint now);

struct ItemPatchResult {
  ApiAnswer answer;
  bool changed = false;  // something was stored (audit it)
  std::string key;       // the item's key, for the audit target
  nlohmann::json before;
  nlohmann::json after;
};

// Applies `body` ({"status"?, "owner"?, "due"?}; null or "" due clears it)
// to item `item_id` of `org_id`: 400 naming the field for an unknown
// member, a wrong type or a bad value; 404 when the organisation has no
// such item; the updated item otherwise. `actor` goes to the item's audit
// trail.
ItemPatchResult PatchImprovementItem(store::ReportStore& store,
                                     const policy::GradeReport& plan,
                                     const policy::PolicySet& policies,
                                     int64_t org_id, int64_t item_id,
                                     const nlohmann::json& body,
                                     const std::string& actor, TimePoint now);

}  // namespace mamori::web
