#include "collector/store/postgres/pg_report_store.h"

#include <map>
#include <set>

#include "collector/store/postgres/pg.h"
#include "common/text.h"

namespace mamori::store::pg {
namespace {

class PgReportStore final : public ReportStore {
 public:
  explicit PgReportStore(Connection conn) : conn_(std::move(conn)) {}

  Status ForEachHostFacts(
      int64_t org_id,
      const std::function<Status(const HostFacts&)>& fn) override {
    // A page of hosts at a time (keyset on id), so memory holds one page's
    // facts and never a whole organisation's.
    constexpr int64_t kHostsPerPage = 200;
    int64_t after = 0;
    for (;;) {
      Result<Rows> rows = conn_.Query(
          "SELECT h.id, h.hostname, f.family, f.state, f.collected_at, "
          "f.payload_json::text, f.sha256 FROM (SELECT id, hostname FROM "
          "hosts WHERE org_id = $1 AND id > $2 ORDER BY id LIMIT $3) h "
          "LEFT JOIN host_facts f ON f.host_id = h.id "
          "ORDER BY h.id, f.family COLLATE \"C\"",
          Params().Add(org_id).Add(after).Add(kHostsPerPage));
      if (!rows.ok()) return rows.status();
      if (rows->size() == 0) return Status::Ok();
      HostFacts current;
      bool have = false;
      for (int r = 0; r < rows->size(); ++r) {
        const int64_t host_id = rows->Int(r, 0);
        if (have && host_id != current.host_id) {
          MAMORI_RETURN_IF_ERROR(fn(current));
          current = HostFacts{};
        }
        have = true;
        current.host_id = host_id;
        current.hostname = rows->Text(r, 1);
        if (rows->IsNull(r, 2)) continue;
        FactFamilyRow f;
        f.family = rows->Text(r, 2);
        f.state = rows->Text(r, 3);
        f.collected_at = rows->OptionalInt(r, 4);
        f.payload_json = rows->Text(r, 5);
        f.sha256 = rows->Text(r, 6);
        current.families.push_back(std::move(f));
      }
      MAMORI_RETURN_IF_ERROR(fn(current));
      after = current.host_id;
    }
  }

  Result<std::vector<AnswerRow>> CurrentAnswers(int64_t org_id) override {
    Result<Rows> rows = conn_.Query(
        "SELECT questionnaire, item, answer_json, answered_by, answered_at "
        "FROM questionnaire_answers WHERE org_id = $1 AND superseded_at IS "
        "NULL ORDER BY questionnaire COLLATE \"C\", item COLLATE \"C\"",
        Params().Add(org_id));
    if (!rows.ok()) return rows.status();
    std::vector<AnswerRow> out;
    for (int r = 0; r < rows->size(); ++r) {
      out.push_back({rows->Text(r, 0), rows->Text(r, 1), rows->Text(r, 2),
                     rows->Text(r, 3), rows->Int(r, 4)});
    }
    return out;
  }

  Result<std::vector<ImprovementItem>> ImprovementItems(
      int64_t org_id) override {
    Result<Rows> rows = conn_.Query(
        "SELECT id, item_key, rule, kind, status, owner, due_date, in_plan, "
        "created_at, updated_at FROM improvement_items WHERE org_id = $1 "
        "ORDER BY id",
        Params().Add(org_id));
    if (!rows.ok()) return rows.status();
    std::vector<ImprovementItem> out;
    for (int r = 0; r < rows->size(); ++r) {
      ImprovementItem i;
      i.id = rows->Int(r, 0);
      i.key = rows->Text(r, 1);
      i.rule = rows->Text(r, 2);
      i.kind = rows->Text(r, 3);
      i.status = rows->Text(r, 4);
      i.owner = rows->Text(r, 5);
      i.due = rows->Text(r, 6);
      i.in_plan = rows->Int(r, 7) != 0;
      i.created_at = rows->Int(r, 8);
      i.updated_at = rows->Int(r, 9);
      out.push_back(std::move(i));
    }
    return out;
  }

  Result<int64_t> AddImprovementItem(int64_t org_id, const std::string& key,
                                     const std::string& rule,
                                     const std::string& kind,
                                     int64_t now) override {
    Result<Rows> rows = conn_.Query(
        "INSERT INTO improvement_items (org_id, item_key, rule, kind, status, "
        "created_at, updated_at) VALUES ($1, $2, $3, $4, 'open', $5, $5) "
        "ON CONFLICT (org_id, item_key) DO NOTHING RETURNING id",
        Params().Add(org_id).Add(key).Add(rule).Add(kind).Add(now));
    if (!rows.ok()) return rows.status();
    if (rows->size() == 0) {
      return AlreadyExistsError("improvement item " + key + " exists");
    }
    return rows->Int(0, 0);
  }

  Status UpdateImprovementItem(int64_t org_id, int64_t id,
                               const std::vector<ItemChange>& changes,
                               const std::string& actor, int64_t now) override {
    static const std::set<std::string> kStatuses = {"open", "in_progress",
                                                    "done"};
    Transaction tx(conn_);
    MAMORI_RETURN_IF_ERROR(tx.Begin());
    // FOR UPDATE: two collectors changing one item see each other's old
    // values, so every audit row's "old" is what it replaced.
    Result<Rows> cur = conn_.Query(
        "SELECT status, owner, due_date, in_plan FROM improvement_items "
        "WHERE id = $1 AND org_id = $2 FOR UPDATE",
        Params().Add(id).Add(org_id));
    if (!cur.ok()) return cur.status();
    if (cur->size() == 0) {
      return NotFoundError("improvement item " + std::to_string(id) +
                           " does not exist in this organisation");
    }
    std::map<std::string, std::string> old = {
        {"status", cur->Text(0, 0)},
        {"owner", cur->Text(0, 1)},
        {"due", cur->Text(0, 2)},
        {"in_plan", cur->Int(0, 3) ? "1" : "0"}};
    for (const ItemChange& c : changes) {
      auto it = old.find(c.field);
      if (it == old.end()) {
        return InvalidArgumentError("unknown item field \"" + c.field + "\"");
      }
      if (c.field == "status" && !kStatuses.count(c.value)) {
        return InvalidArgumentError(
            "status: expected open, in_progress or done, got \"" + c.value +
            "\"");
      }
      if (it->second == c.value) continue;
      // One fixed statement per field: no column name is spliced in.
      const char* sql =
          c.field == "status"
              ? "UPDATE improvement_items SET status = $1, updated_at = $2 "
                "WHERE id = $3"
          : c.field == "owner"
              ? "UPDATE improvement_items SET owner = $1, updated_at = $2 "
                "WHERE id = $3"
          : c.field == "due"
              ? "UPDATE improvement_items SET due_date = $1, updated_at = $2 "
                "WHERE id = $3"
              : "UPDATE improvement_items SET in_plan = $1, updated_at = $2 "
                "WHERE id = $3";
      Params params;
      if (c.field == "in_plan") {
        params.Add(c.value == "1");
      } else {
        params.Add(c.value);
      }
      Result<Rows> updated = conn_.Query(sql, params.Add(now).Add(id));
      if (!updated.ok()) return updated.status();
      Result<Rows> event = conn_.Query(
          "INSERT INTO improvement_item_events (org_id, item_id, at, actor, "
          "field, old_value, new_value) VALUES ($1, $2, $3, $4, $5, $6, $7)",
          Params()
              .Add(org_id)
              .Add(id)
              .Add(now)
              .Add(actor)
              .Add(c.field)
              .Add(it->second)
              .Add(c.value));
      if (!event.ok()) return event.status();
      it->second = c.value;
    }
    return tx.Commit();
  }

  Result<std::vector<std::string>> ImprovementItemHistory(int64_t org_id,
                                                          int64_t id) override {
    Result<Rows> rows = conn_.Query(
        "SELECT at, actor, field, old_value, new_value FROM "
        "improvement_item_events WHERE org_id = $1 AND item_id = $2 ORDER BY "
        "at, id",
        Params().Add(org_id).Add(id));
    if (!rows.ok()) return rows.status();
    std::vector<std::string> out;
    for (int r = 0; r < rows->size(); ++r) {
      out.push_back(rows->Text(r, 0) + " " + rows->Text(r, 1) + " " +
                    rows->Text(r, 2) + " " + rows->Text(r, 3) + "→" +
                    rows->Text(r, 4));
    }
    return out;
  }

  Status SetReportSchedule(const ReportSchedule& s, const std::string& actor,
                           int64_t now) override {
    std::string recipients;
    for (const auto& r : s.recipients) {
      recipients += (recipients.empty() ? "" : ",") + r;
    }
    return conn_
        .Query(
            "INSERT INTO report_schedules (org_id, interval_seconds, "
            "recipients, lang, next_due, updated_by, updated_at) VALUES ($1, "
            "$2, $3, $4, $5, $6, $7) ON CONFLICT (org_id) DO UPDATE SET "
            "interval_seconds = excluded.interval_seconds, recipients = "
            "excluded.recipients, lang = excluded.lang, next_due = "
            "excluded.next_due, updated_by = excluded.updated_by, updated_at "
            "= excluded.updated_at",
            Params()
                .Add(s.org_id)
                .Add(s.interval_seconds)
                .Add(recipients)
                .Add(s.lang)
                .Add(s.next_due)
                .Add(actor)
                .Add(now))
        .status();
  }

  Result<std::optional<ReportSchedule>> ReportScheduleOf(
      int64_t org_id) override {
    Result<Rows> rows = conn_.Query(
        "SELECT interval_seconds, recipients, lang, next_due FROM "
        "report_schedules WHERE org_id = $1",
        Params().Add(org_id));
    if (!rows.ok()) return rows.status();
    if (rows->size() == 0) return std::optional<ReportSchedule>();
    ReportSchedule s;
    s.org_id = org_id;
    s.interval_seconds = rows->Int(0, 0);
    for (std::string_view recipient : Split(rows->View(0, 1), ',')) {
      if (!recipient.empty()) s.recipients.emplace_back(recipient);
    }
    s.lang = rows->Text(0, 2);
    s.next_due = rows->Int(0, 3);
    return std::optional<ReportSchedule>(std::move(s));
  }

  Status DeleteReportSchedule(int64_t org_id) override {
    Result<Rows> deleted = conn_.Query(
        "DELETE FROM report_schedules WHERE org_id = $1 RETURNING org_id",
        Params().Add(org_id));
    if (!deleted.ok()) return deleted.status();
    if (deleted->size() == 0) {
      return NotFoundError("organisation " + std::to_string(org_id) +
                           " has no report schedule");
    }
    return Status::Ok();
  }

  Result<std::vector<ReportSchedule>> ClaimDueReportSchedules(
      int64_t now, std::string_view owner, int64_t lease_seconds) override {
    // One autocommit statement. SKIP LOCKED: a schedule another collector
    // is claiming at this instant is passed over, not waited for; once that
    // claim commits its lease keeps the schedule from being claimed again
    // (a row changed after this statement's snapshot is re-checked against
    // the lease before it is locked).
    Result<Rows> rows = conn_.Query(
        "WITH claimed AS (UPDATE report_schedules s SET lease_owner = "
        "$2::text, lease_until = $1::bigint + $3::bigint WHERE s.org_id IN "
        "(SELECT org_id FROM report_schedules WHERE next_due <= $1::bigint "
        "AND (lease_until IS NULL OR lease_until <= $1::bigint) FOR UPDATE "
        "SKIP LOCKED) RETURNING s.org_id, s.interval_seconds, s.recipients, "
        "s.lang, s.next_due) SELECT c.org_id, o.name, c.interval_seconds, "
        "c.recipients, c.lang, c.next_due FROM claimed c JOIN organizations o "
        "ON o.id = c.org_id ORDER BY c.org_id",
        Params().Add(now).Add(owner).Add(lease_seconds));
    if (!rows.ok()) return rows.status();
    std::vector<ReportSchedule> out;
    for (int r = 0; r < rows->size(); ++r) {
      ReportSchedule s;
      s.org_id = rows->Int(r, 0);
      s.org = rows->Text(r, 1);
      s.interval_seconds = rows->Int(r, 2);
      for (std::string_view recipient : Split(rows->View(r, 3), ',')) {
        if (!recipient.empty()) s.recipients.emplace_back(recipient);
      }
      s.lang = rows->Text(r, 4);
      s.next_due = rows->Int(r, 5);
      out.push_back(std::move(s));
    }
    return out;
  }

  Status RecordReportRun(int64_t org_id, const ReportRun& run,
                         int64_t next_due) override {
    Transaction tx(conn_);
    MAMORI_RETURN_IF_ERROR(tx.Begin());
    Result<Rows> inserted = conn_.Query(
        "INSERT INTO report_runs (org_id, generated_at, path, sha256, "
        "mail_status, mail_error) VALUES ($1, $2, $3, $4, $5, $6)",
        Params()
            .Add(org_id)
            .Add(run.generated_at)
            .Add(run.path)
            .Add(run.sha256)
            .Add(run.mail_status)
            .Add(run.mail_error));
    if (!inserted.ok()) return inserted.status();
    Result<Rows> moved = conn_.Query(
        "UPDATE report_schedules SET next_due = $1, lease_owner = NULL, "
        "lease_until = NULL WHERE org_id = $2",
        Params().Add(next_due).Add(org_id));
    if (!moved.ok()) return moved.status();
    return tx.Commit();
  }

  Result<std::vector<ReportRun>> ReportRuns(int64_t org_id) override {
    Result<Rows> rows = conn_.Query(
        "SELECT id, generated_at, path, sha256, mail_status, mail_error FROM "
        "report_runs WHERE org_id = $1 ORDER BY generated_at DESC, id DESC",
        Params().Add(org_id));
    if (!rows.ok()) return rows.status();
    std::vector<ReportRun> out;
    for (int r = 0; r < rows->size(); ++r) {
      out.push_back({rows->Int(r, 0), rows->Int(r, 1), rows->Text(r, 2),
                     rows->Text(r, 3), rows->Text(r, 4), rows->Text(r, 5)});
    }
    return out;
  }

 private:
  Connection conn_;
};

}  // namespace

Result<std::unique_ptr<ReportStore>> OpenPgReportStore(const std::string& url) {
  Result<Connection> conn = Connection::Open(url);
  if (!conn.ok()) return conn.status();
  return std::unique_ptr<ReportStore>(
      new PgReportStore(std::move(conn).value()));
}

}  // namespace mamori::store::pg
