#pragma once

// ReportStore (#15): what the diagnosis report and the evidence pack read
// beyond the grading store — each endpoint's current facts and the
// questionnaire answers with who and when. No SQLite types here; the SQLite
// backend is collector/store/sqlite_report_store.cpp.
//
// Every call touches only the organisation it is given. A ReportStore is
// used from one thread at a time (it owns one connection).

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace mamori::store {

struct FactFamilyRow {
  std::string family;
  std::string state;                    // CollectionState name, e.g. STATUS_OK
  std::optional<int64_t> collected_at;  // Unix seconds
  std::string payload_json;
  std::string sha256;
};

struct HostFacts {
  int64_t host_id = 0;
  std::string hostname;
  std::vector<FactFamilyRow> families;  // by family name
};

struct AnswerRow {
  std::string questionnaire;  // second_diagnosis, first_diagnosis, ipa
  std::string item;
  std::string answer_json;
  std::string answered_by;
  int64_t answered_at = 0;  // Unix seconds
};

// A tracked item of an organisation's improvement plan.
struct ImprovementItem {
  int64_t id = 0;
  std::string key;  // kind:rule[:check]
  std::string rule;
  std::string kind;    // ImprovementKindName
  std::string status;  // "open" | "in_progress" | "done"
  std::string owner;
  std::string due;      // YYYY-MM-DD or ""
  bool in_plan = true;  // false once the current plan no longer has it
  int64_t created_at = 0;
  int64_t updated_at = 0;
};

// A change to one field of an item (the store writes it to the audit
// trail with the actor and time).
struct ItemChange {
  std::string field;  // "status", "owner", "due", "in_plan"
  std::string value;
};

struct ReportSchedule {
  int64_t org_id = 0;
  std::string org;  // name
  int64_t interval_seconds = 0;
  std::vector<std::string> recipients;
  std::string lang = "ja";
  int64_t next_due = 0;  // Unix seconds
};

struct ReportRun {
  int64_t id = 0;
  int64_t generated_at = 0;
  std::string path;
  std::string sha256;
  std::string mail_status;  // "none" | "sent" | "failed"
  std::string mail_error;
};

class ReportStore {
 public:
  virtual ~ReportStore() = default;

  // Calls `fn` once per host of `org_id`, in host id order, with the host's
  // current facts (possibly none). Only one host's facts are held at a
  // time. Stops and returns the first error of `fn` or of the database.
  virtual Status ForEachHostFacts(
      int64_t org_id, const std::function<Status(const HostFacts&)>& fn) = 0;

  // The answers in force (not superseded), by questionnaire and item.
  virtual Result<std::vector<AnswerRow>> CurrentAnswers(int64_t org_id) = 0;

  // The organisation's items, by id.
  virtual Result<std::vector<ImprovementItem>> ImprovementItems(
      int64_t org_id) = 0;
  // Adds an item (status open, in the plan). ALREADY_EXISTS for a key the
  // organisation has. Returns its id.
  virtual Result<int64_t> AddImprovementItem(int64_t org_id,
                                             const std::string& key,
                                             const std::string& rule,
                                             const std::string& kind,
                                             int64_t now) = 0;
  // Applies `changes` to item `id` of `org_id` in one transaction, one audit
  // row per field that really changes (old → new, actor, now). NOT_FOUND
  // when the organisation has no such item; INVALID_ARGUMENT for an unknown
  // field or status.
  virtual Status UpdateImprovementItem(int64_t org_id, int64_t id,
                                       const std::vector<ItemChange>& changes,
                                       const std::string& actor,
                                       int64_t now) = 0;
  // Creates or replaces `schedule.org_id`'s schedule.
  virtual Status SetReportSchedule(const ReportSchedule& schedule,
                                   const std::string& actor, int64_t now) = 0;
  // `org_id`'s schedule (org name left empty); nullopt when it has none.
  virtual Result<std::optional<ReportSchedule>> ReportScheduleOf(
      int64_t org_id) = 0;
  // Removes `org_id`'s schedule (its past runs stay). NOT_FOUND when it has
  // none.
  virtual Status DeleteReportSchedule(int64_t org_id) = 0;
  // Claims the schedules due at `now` (next_due ≤ now) for `owner` (a name
  // unique to the calling process) and returns them, by organisation id. A
  // claimed schedule is leased to its owner until now + lease_seconds:
  // other callers, on this or another collector of the same database, skip
  // it until then, so each due report is produced once however many
  // collectors poll; the lease of a caller killed before RecordReportRun
  // runs out and the next caller after it produces the report. Empty when
  // nothing is due or every due schedule is leased to another owner.
  virtual Result<std::vector<ReportSchedule>> ClaimDueReportSchedules(
      int64_t now, std::string_view owner, int64_t lease_seconds) = 0;
  // Records a run, moves the schedule's next_due and ends its lease, in one
  // transaction.
  virtual Status RecordReportRun(int64_t org_id, const ReportRun& run,
                                 int64_t next_due) = 0;
  // The organisation's runs, newest first.
  virtual Result<std::vector<ReportRun>> ReportRuns(int64_t org_id) = 0;

  // Audit rows of item `id`: "at actor field old→new", oldest first.
  virtual Result<std::vector<std::string>> ImprovementItemHistory(
      int64_t org_id, int64_t id) = 0;
};

}  // namespace mamori::store
