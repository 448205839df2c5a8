#include <filesystem>

#include "collector/store/report_store.h"
#include "collector/store/sqlite.h"

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
