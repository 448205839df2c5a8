#include "collector/store/sqlite/sqlite_report_store.h"

#include <filesystem>
#include <map>
#include <set>

#include "collector/store/sqlite/sqlite.h"
#include "common/text.h"

namespace mamori::store {

namespace {

class SqliteReportStore final : public ReportStore {
 public:
  explicit SqliteReportStore(Database db) : db_(std::move(db)) {}

  Status ForEachHostFacts(
      int64_t org_id,
      const std::function<Status(const HostFacts&)>& fn) override {
    // One pass ordered by host, so a host's families arrive together and
    // memory holds one host at a time.
    auto st = db_.Prepare(
        "SELECT h.id, h.hostname, f.family, f.state, f.collected_at, "
        "f.payload_json, f.sha256 FROM hosts h LEFT JOIN host_facts f ON "
        "f.host_id = h.id WHERE h.org_id = ?1 ORDER BY h.id, f.family");
    if (!st.ok()) return st.status();
    st->Bind(1, org_id);
    HostFacts current;
    bool have = false;
    for (;;) {
      auto row = st->Step();
      if (!row.ok()) return row.status();
      if (!*row) break;
      const int64_t host_id = st->ColumnInt(0);
      if (have && host_id != current.host_id) {
        MAMORI_RETURN_IF_ERROR(fn(current));
        current = HostFacts{};
      }
      have = true;
      current.host_id = host_id;
      current.hostname = st->ColumnText(1);
      if (st->ColumnIsNull(2)) continue;
      FactFamilyRow f;
      f.family = st->ColumnText(2);
      f.state = st->ColumnText(3);
      if (!st->ColumnIsNull(4)) f.collected_at = st->ColumnInt(4);
      f.payload_json = st->ColumnText(5);
      f.sha256 = st->ColumnText(6);
      current.families.push_back(std::move(f));
    }
    if (have) MAMORI_RETURN_IF_ERROR(fn(current));
    return Status::Ok();
  }

  Result<std::vector<AnswerRow>> CurrentAnswers(int64_t org_id) override {
    auto st = db_.Prepare(
        "SELECT questionnaire, item, answer_json, answered_by, answered_at "
        "FROM questionnaire_answers WHERE org_id = ?1 AND superseded_at IS "
        "NULL ORDER BY questionnaire, item");
    if (!st.ok()) return st.status();
    st->Bind(1, org_id);
    std::vector<AnswerRow> out;
    for (;;) {
      auto row = st->Step();
      if (!row.ok()) return row.status();
      if (!*row) break;
      out.push_back({st->ColumnText(0), st->ColumnText(1), st->ColumnText(2),
                     st->ColumnText(3), st->ColumnInt(4)});
    }
    return out;
  }

  Result<std::vector<ImprovementItem>> ImprovementItems(
      int64_t org_id) override {
    auto st = db_.Prepare(
        "SELECT id, item_key, rule, kind, status, owner, due_date, in_plan, "
        "created_at, updated_at FROM improvement_items WHERE org_id = ?1 "
        "ORDER BY id");
    if (!st.ok()) return st.status();
    st->Bind(1, org_id);
    std::vector<ImprovementItem> out;
    for (;;) {
      auto row = st->Step();
      if (!row.ok()) return row.status();
      if (!*row) break;
      ImprovementItem i;
      i.id = st->ColumnInt(0);
      i.key = st->ColumnText(1);
      i.rule = st->ColumnText(2);
      i.kind = st->ColumnText(3);
      i.status = st->ColumnText(4);
      i.owner = st->ColumnText(5);
      i.due = st->ColumnText(6);
      i.in_plan = st->ColumnInt(7) != 0;
      i.created_at = st->ColumnInt(8);
      i.updated_at = st->ColumnInt(9);
      out.push_back(std::move(i));
    }
    return out;
  }

  Result<int64_t> AddImprovementItem(int64_t org_id, const std::string& key,
                                     const std::string& rule,
                                     const std::string& kind,
                                     int64_t now) override {
    auto st = db_.Prepare(
        "INSERT INTO improvement_items (org_id, item_key, rule, kind, status, "
        "created_at, updated_at) VALUES (?1, ?2, ?3, ?4, 'open', ?5, ?5) "
        "ON CONFLICT (org_id, item_key) DO NOTHING");
    if (!st.ok()) return st.status();
    st->Bind(1, org_id).Bind(2, key).Bind(3, rule).Bind(4, kind).Bind(5, now);
    MAMORI_RETURN_IF_ERROR(st->Run());
    if (db_.Changes() == 0) {
      return AlreadyExistsError("improvement item " + key + " exists");
    }
    return db_.LastInsertId();
  }

  Status UpdateImprovementItem(int64_t org_id, int64_t id,
                               const std::vector<ItemChange>& changes,
                               const std::string& actor, int64_t now) override {
    static const std::set<std::string> kStatuses = {"open", "in_progress",
                                                    "done"};
    Transaction tx(db_);
    MAMORI_RETURN_IF_ERROR(tx.Begin());
    auto cur = db_.Prepare(
        "SELECT status, owner, due_date, in_plan FROM improvement_items "
        "WHERE id = ?1 AND org_id = ?2");
    if (!cur.ok()) return cur.status();
    cur->Bind(1, id).Bind(2, org_id);
    auto row = cur->Step();
    if (!row.ok()) return row.status();
    if (!*row) {
      return NotFoundError("improvement item " + std::to_string(id) +
                           " does not exist in this organisation");
    }
    std::map<std::string, std::string> old = {
        {"status", cur->ColumnText(0)},
        {"owner", cur->ColumnText(1)},
        {"due", cur->ColumnText(2)},
        {"in_plan", cur->ColumnInt(3) ? "1" : "0"}};
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
      const char* column = c.field == "due" ? "due_date" : c.field.c_str();
      auto up =
          db_.Prepare("UPDATE improvement_items SET " + std::string(column) +
                      " = ?1, updated_at = ?2 WHERE id = ?3");
      if (!up.ok()) return up.status();
      if (c.field == "in_plan") {
        up->Bind(1, static_cast<int64_t>(c.value == "1"));
      } else {
        up->Bind(1, c.value);
      }
      up->Bind(2, now).Bind(3, id);
      MAMORI_RETURN_IF_ERROR(up->Run());
      auto ev = db_.Prepare(
          "INSERT INTO improvement_item_events (org_id, item_id, at, actor, "
          "field, old_value, new_value) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)");
      if (!ev.ok()) return ev.status();
      ev->Bind(1, org_id)
          .Bind(2, id)
          .Bind(3, now)
          .Bind(4, actor)
          .Bind(5, c.field)
          .Bind(6, it->second)
          .Bind(7, c.value);
      MAMORI_RETURN_IF_ERROR(ev->Run());
      it->second = c.value;
    }
    return tx.Commit();
  }

  Result<std::vector<std::string>> ImprovementItemHistory(int64_t org_id,
                                                          int64_t id) override {
    auto st = db_.Prepare(
        "SELECT at, actor, field, old_value, new_value FROM "
        "improvement_item_events WHERE org_id = ?1 AND item_id = ?2 ORDER BY "
        "at, id");
    if (!st.ok()) return st.status();
    st->Bind(1, org_id).Bind(2, id);
    std::vector<std::string> out;
    for (;;) {
      auto row = st->Step();
      if (!row.ok()) return row.status();
      if (!*row) break;
      out.push_back(std::to_string(st->ColumnInt(0)) + " " + st->ColumnText(1) +
                    " " + st->ColumnText(2) + " " + st->ColumnText(3) + "→" +
                    st->ColumnText(4));
    }
    return out;
  }

  Status SetReportSchedule(const ReportSchedule& s, const std::string& actor,
                           int64_t now) override {
    std::string recipients;
    for (const auto& r : s.recipients) {
      recipients += (recipients.empty() ? "" : ",") + r;
    }
    auto st = db_.Prepare(
        "INSERT INTO report_schedules (org_id, interval_seconds, recipients, "
        "lang, next_due, updated_by, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, "
        "?6, ?7) ON CONFLICT (org_id) DO UPDATE SET interval_seconds = "
        "excluded.interval_seconds, recipients = excluded.recipients, lang = "
        "excluded.lang, next_due = excluded.next_due, updated_by = "
        "excluded.updated_by, updated_at = excluded.updated_at");
    if (!st.ok()) return st.status();
    st->Bind(1, s.org_id)
        .Bind(2, s.interval_seconds)
        .Bind(3, recipients)
        .Bind(4, s.lang)
        .Bind(5, s.next_due)
        .Bind(6, actor)
        .Bind(7, now);
    return st->Run();
  }

  Result<std::optional<ReportSchedule>> ReportScheduleOf(
      int64_t org_id) override {
    auto st = db_.Prepare(
        "SELECT interval_seconds, recipients, lang, next_due FROM "
        "report_schedules WHERE org_id = ?1");
    if (!st.ok()) return st.status();
    st->Bind(1, org_id);
    auto row = st->Step();
    if (!row.ok()) return row.status();
    if (!*row) return std::optional<ReportSchedule>();
    ReportSchedule s;
    s.org_id = org_id;
    s.interval_seconds = st->ColumnInt(0);
    const std::string recipients = st->ColumnText(1);
    for (std::string_view r : Split(recipients, ',')) {
      if (!r.empty()) s.recipients.emplace_back(r);
    }
    s.lang = st->ColumnText(2);
    s.next_due = st->ColumnInt(3);
    return std::optional<ReportSchedule>(std::move(s));
  }

  Status DeleteReportSchedule(int64_t org_id) override {
    auto st = db_.Prepare("DELETE FROM report_schedules WHERE org_id = ?1");
    if (!st.ok()) return st.status();
    st->Bind(1, org_id);
    MAMORI_RETURN_IF_ERROR(st->Run());
    if (db_.Changes() == 0) {
      return NotFoundError("organisation " + std::to_string(org_id) +
                           " has no report schedule");
    }
    return Status::Ok();
  }

  Result<std::vector<ReportSchedule>> ClaimDueReportSchedules(
      int64_t now, std::string_view owner, int64_t lease_seconds) override {
    // BEGIN IMMEDIATE: a `report run-due` from cron and `serve` on the same
    // file take turns; the second sees the first one's leases.
    Transaction tx(db_);
    MAMORI_RETURN_IF_ERROR(tx.Begin());
    auto st = db_.Prepare(
        "SELECT s.org_id, o.name, s.interval_seconds, s.recipients, s.lang, "
        "s.next_due FROM report_schedules s JOIN organizations o ON o.id = "
        "s.org_id WHERE s.next_due <= ?1 AND (s.lease_until IS NULL OR "
        "s.lease_until <= ?1) ORDER BY s.org_id");
    if (!st.ok()) return st.status();
    st->Bind(1, now);
    std::vector<ReportSchedule> out;
    for (;;) {
      auto row = st->Step();
      if (!row.ok()) return row.status();
      if (!*row) break;
      ReportSchedule s;
      s.org_id = st->ColumnInt(0);
      s.org = st->ColumnText(1);
      s.interval_seconds = st->ColumnInt(2);
      // Keep the text alive: Split returns views into it.
      const std::string recipients = st->ColumnText(3);
      for (std::string_view r : Split(recipients, ',')) {
        if (!r.empty()) s.recipients.emplace_back(r);
      }
      s.lang = st->ColumnText(4);
      s.next_due = st->ColumnInt(5);
      out.push_back(std::move(s));
    }
    st->Reset();
    auto lease = db_.Prepare(
        "UPDATE report_schedules SET lease_owner = ?1, lease_until = ?2 WHERE "
        "org_id = ?3");
    if (!lease.ok()) return lease.status();
    for (const ReportSchedule& s : out) {
      lease->Bind(1, owner).Bind(2, now + lease_seconds).Bind(3, s.org_id);
      MAMORI_RETURN_IF_ERROR(lease->Run());
    }
    MAMORI_RETURN_IF_ERROR(tx.Commit());
    return out;
  }

  Status RecordReportRun(int64_t org_id, const ReportRun& run,
                         int64_t next_due) override {
    Transaction tx(db_);
    MAMORI_RETURN_IF_ERROR(tx.Begin());
    auto ins = db_.Prepare(
        "INSERT INTO report_runs (org_id, generated_at, path, sha256, "
        "mail_status, mail_error) VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
    if (!ins.ok()) return ins.status();
    ins->Bind(1, org_id)
        .Bind(2, run.generated_at)
        .Bind(3, run.path)
        .Bind(4, run.sha256)
        .Bind(5, run.mail_status)
        .Bind(6, run.mail_error);
    MAMORI_RETURN_IF_ERROR(ins->Run());
    auto up = db_.Prepare(
        "UPDATE report_schedules SET next_due = ?1, lease_owner = NULL, "
        "lease_until = NULL WHERE org_id = ?2");
    if (!up.ok()) return up.status();
    up->Bind(1, next_due).Bind(2, org_id);
    MAMORI_RETURN_IF_ERROR(up->Run());
    return tx.Commit();
  }

  Result<std::vector<ReportRun>> ReportRuns(int64_t org_id) override {
    auto st = db_.Prepare(
        "SELECT id, generated_at, path, sha256, mail_status, mail_error FROM "
        "report_runs WHERE org_id = ?1 ORDER BY generated_at DESC, id DESC");
    if (!st.ok()) return st.status();
    st->Bind(1, org_id);
    std::vector<ReportRun> out;
    for (;;) {
      auto row = st->Step();
      if (!row.ok()) return row.status();
      if (!*row) break;
      out.push_back({st->ColumnInt(0), st->ColumnInt(1), st->ColumnText(2),
                     st->ColumnText(3), st->ColumnText(4), st->ColumnText(5)});
    }
    return out;
  }

 private:
  Database db_;
};

}  // namespace

Result<std::unique_ptr<ReportStore>> OpenSqliteReportStore(
    const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    return NotFoundError(path + ": no database (run `mamori-collector init`)");
  }
  auto db = Database::Open(path, /*create=*/false);
  if (!db.ok()) return db.status();
  return std::unique_ptr<ReportStore>(new SqliteReportStore(std::move(*db)));
}

}  // namespace mamori::store
