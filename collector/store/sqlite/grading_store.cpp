#include "collector/store/sqlite/grading_store.h"

#include <filesystem>
#include <nlohmann/json.hpp>
#include <set>
#include <unordered_map>

#include "common/text.h"

namespace mamori::store {

namespace {

using grading::CheckResult;
using grading::CheckStatus;

}  // namespace

Result<std::unique_ptr<GradingStore>> GradingStore::Open(
    const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    return NotFoundError(path + ": no database (run `mamori-collector init`)");
  }
  auto db = Database::Open(path, /*create=*/false);
  if (!db.ok()) return db.status();
  auto checks = SqliteCheckQueries::Open(path);
  if (!checks.ok()) return checks.status();
  return std::make_unique<GradingStore>(std::move(*db), std::move(*checks));
}

GradingStore::GradingStore(Database db,
                           std::unique_ptr<SqliteCheckQueries> checks)
    : db_(std::move(db)), checks_(std::move(checks)) {}

Status GradingStore::InTransaction(const std::function<Status()>& body) {
  Transaction tx(db_);
  MAMORI_RETURN_IF_ERROR(tx.Begin());
  MAMORI_RETURN_IF_ERROR(body());
  return tx.Commit();
}

Result<int64_t> GradingStore::OrgId(const std::string& org) {
  auto st = db_.Prepare("SELECT id FROM organizations WHERE name = ?1");
  if (!st.ok()) return st.status();
  st->Bind(1, org);
  auto row = st->Step();
  if (!row.ok()) return row.status();
  if (!*row) return NotFoundError("organisation '" + org + "' not found");
  return st->ColumnInt(0);
}

Status GradingStore::SyncReferenceData(const EndOfSupportTable& table) {
  // Compare first: rewriting on every start would churn the WAL for nothing.
  std::set<std::string> want;
  for (const auto& e : table.entries) {
    want.insert("e|" + e.product + "|" + e.match_key + "|" + e.edition + "|" +
                e.label + "|" + e.ends_on);
  }
  for (const auto& b : table.browsers) {
    want.insert("b|" + b.browser + "|" + b.package_pattern + "|" +
                std::to_string(b.min_major) + "|" + b.as_of);
  }
  std::set<std::string> have;
  {
    auto st = db_.Prepare(
        "SELECT 'e|' || product || '|' || match_key || '|' || edition || '|' "
        "|| label || '|' || ends_on FROM grading_end_of_support UNION ALL "
        "SELECT 'b|' || browser || '|' || package_pattern || '|' || min_major "
        "|| '|' || as_of FROM grading_browser_minimums");
    if (!st.ok()) return st.status();
    for (;;) {
      auto row = st->Step();
      if (!row.ok()) return row.status();
      if (!*row) break;
      have.insert(st->ColumnText(0));
    }
  }
  if (have == want) return Status::Ok();
  Transaction tx(db_);
  MAMORI_RETURN_IF_ERROR(tx.Begin());
  MAMORI_RETURN_IF_ERROR(
      db_.Exec("DELETE FROM grading_end_of_support; DELETE FROM "
               "grading_browser_minimums;"));
  auto ins = db_.Prepare(
      "INSERT INTO grading_end_of_support (product, match_key, edition, label, "
      "ends_on) VALUES (?1, ?2, ?3, ?4, ?5)");
  if (!ins.ok()) return ins.status();
  for (const auto& e : table.entries) {
    ins->Bind(1, e.product)
        .Bind(2, e.match_key)
        .Bind(3, e.edition)
        .Bind(4, e.label)
        .Bind(5, e.ends_on);
    MAMORI_RETURN_IF_ERROR(ins->Run());
    ins->Reset();
  }
  auto insb = db_.Prepare(
      "INSERT INTO grading_browser_minimums (browser, package_pattern, "
      "min_major, as_of) VALUES (?1, ?2, ?3, ?4)");
  if (!insb.ok()) return insb.status();
  for (const auto& b : table.browsers) {
    insb->Bind(1, b.browser)
        .Bind(2, b.package_pattern)
        .Bind(3, b.min_major)
        .Bind(4, b.as_of);
    MAMORI_RETURN_IF_ERROR(insb->Run());
    insb->Reset();
  }
  return tx.Commit();
}

Result<std::vector<GradingHost>> GradingStore::Hosts(int64_t org_id) {
  auto st = db_.Prepare(
      "SELECT v.host_id, v.hostname, COALESCE(v.platform, ''), "
      "COALESCE(v.role, ''), h.reports_stored, h.last_collected_at "
      "FROM v_hosts v JOIN hosts h ON h.id = v.host_id "
      "WHERE v.org_id = ?1 ORDER BY v.host_id");
  if (!st.ok()) return st.status();
  st->Bind(1, org_id);
  std::vector<GradingHost> out;
  for (;;) {
    auto row = st->Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    GradingHost h;
    h.host_id = st->ColumnInt(0);
    h.hostname = st->ColumnText(1);
    h.platform = st->ColumnText(2);
    h.role = st->ColumnText(3);
    h.reported = st->ColumnInt(4) > 0;
    if (auto t = st->ColumnOptionalInt(5))
      h.last_collected_at = FromUnixSeconds(*t);
    out.push_back(std::move(h));
  }
  return out;
}

Status GradingStore::WriteCheckResults(int64_t org_id,
                                       const std::string& check_id,
                                       const std::vector<CheckResult*>& results,
                                       const std::string& policy_version,
                                       int64_t now_s) {
  struct Current {
    int64_t rowid = 0;
    std::string status;
    std::string evidence;
    std::optional<int64_t> collected_at;
    int64_t status_since = 0;
    std::string policy_version;
  };
  // One read of the check's current rows (index check_results_org) instead
  // of a lookup per result: re-grading is mostly "nothing changed". Only
  // this check's rows are held, not the organisation's.
  std::unordered_map<int64_t, Current> current;
  {
    auto all = db_.Prepare(
        "SELECT host_id, rowid, status, evidence_json, collected_at, "
        "status_since, policy_version FROM check_results WHERE org_id = ?1 "
        "AND check_id = ?2");
    if (!all.ok()) return all.status();
    all->Bind(1, org_id).Bind(2, check_id);
    current.reserve(results.size());
    for (;;) {
      auto row = all->Step();
      if (!row.ok()) return row.status();
      if (!*row) break;
      current[all->ColumnInt(0)] = {
          all->ColumnInt(1),         all->ColumnText(2), all->ColumnText(3),
          all->ColumnOptionalInt(4), all->ColumnInt(5),  all->ColumnText(6)};
    }
  }
  auto put = db_.Prepare(
      "INSERT INTO check_results (org_id, host_id, check_id, status, "
      "evidence_json, collected_at, status_since, evaluated_at, "
      "policy_version) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) "
      "ON CONFLICT (host_id, check_id) DO UPDATE SET status = excluded.status, "
      "evidence_json = excluded.evidence_json, collected_at = "
      "excluded.collected_at, status_since = excluded.status_since, "
      "evaluated_at = excluded.evaluated_at, policy_version = "
      "excluded.policy_version");
  auto hist = db_.Prepare(
      "INSERT INTO check_result_history (org_id, host_id, check_id, status, "
      "evidence_json, collected_at, evaluated_at, policy_version) VALUES "
      "(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)");
  // Same status and evidence, only the collection time or policy version
  // moved (every steady report does that): the row is touched in place by
  // rowid, without rewriting it through the upsert.
  auto touch = db_.Prepare(
      "UPDATE check_results SET collected_at = ?2, evaluated_at = ?3, "
      "policy_version = ?4 WHERE rowid = ?1");
  if (!put.ok()) return put.status();
  if (!hist.ok()) return hist.status();
  if (!touch.ok()) return touch.status();
  for (CheckResult* r : results) {
    auto host_id = ParseInt64(r->host_id);
    if (!host_id) {
      return InvalidArgumentError("bad host id '" + r->host_id + "'");
    }
    const std::string_view status = grading::CheckStatusName(r->status);
    const std::string evidence = EvidenceJson(r->evidence);
    std::optional<int64_t> collected;
    if (r->collected_at) collected = ToUnixSeconds(*r->collected_at);
    // A new status starts when the facts showing it were collected.
    int64_t since = collected.value_or(now_s);
    bool changed = true;
    bool unchanged_row = false;
    auto it = current.find(*host_id);
    const bool stored = it != current.end();
    if (stored) {
      const bool same_status = it->second.status == status;
      if (same_status) since = it->second.status_since;
      changed = !same_status || it->second.evidence != evidence;
      unchanged_row = !changed && it->second.collected_at == collected &&
                      it->second.policy_version == policy_version;
    }
    if (r->status == CheckStatus::kUnknown ||
        r->status == CheckStatus::kError) {
      r->unknown_since = FromUnixSeconds(since);
    }
    // evaluated_at records the last time the row was written; every
    // evaluation's time is in grade_history.
    if (unchanged_row) continue;
    if (stored && !changed) {
      touch->Bind(1, it->second.rowid)
          .Bind(2, collected)
          .Bind(3, now_s)
          .Bind(4, policy_version);
      MAMORI_RETURN_IF_ERROR(touch->Run());
      touch->Reset();
      continue;
    }
    put->Bind(1, org_id)
        .Bind(2, *host_id)
        .Bind(3, r->check_id)
        .Bind(4, status)
        .Bind(5, evidence)
        .Bind(6, collected)
        .Bind(7, since)
        .Bind(8, now_s)
        .Bind(9, policy_version);
    MAMORI_RETURN_IF_ERROR(put->Run());
    put->Reset();
    if (changed) {
      hist->Bind(1, org_id)
          .Bind(2, *host_id)
          .Bind(3, r->check_id)
          .Bind(4, status)
          .Bind(5, evidence)
          .Bind(6, collected)
          .Bind(7, now_s)
          .Bind(8, policy_version);
      MAMORI_RETURN_IF_ERROR(hist->Run());
      hist->Reset();
    }
  }
  return Status::Ok();
}

Status GradingStore::SaveResults(int64_t org_id,
                                 std::vector<CheckResult>* results,
                                 const std::string& policy_version,
                                 TimePoint now) {
  // Grouped by check, checks in order of first appearance, results in the
  // given order within a check.
  std::vector<std::pair<std::string, std::vector<CheckResult*>>> by_check;
  std::unordered_map<std::string, size_t> index;
  for (CheckResult& r : *results) {
    auto [it, inserted] = index.try_emplace(r.check_id, by_check.size());
    if (inserted)
      by_check.emplace_back(r.check_id, std::vector<CheckResult*>{});
    by_check[it->second].second.push_back(&r);
  }
  Transaction tx(db_);
  MAMORI_RETURN_IF_ERROR(tx.Begin());
  for (const auto& [check_id, rows] : by_check) {
    MAMORI_RETURN_IF_ERROR(WriteCheckResults(
        org_id, check_id, rows, policy_version, ToUnixSeconds(now)));
  }
  return tx.Commit();
}

Status GradingStore::SaveCheckResults(int64_t org_id,
                                      const std::string& check_id,
                                      std::vector<CheckResult>* results,
                                      const std::string& policy_version,
                                      TimePoint now) {
  std::vector<CheckResult*> rows;
  rows.reserve(results->size());
  for (CheckResult& r : *results) {
    if (r.check_id != check_id) {
      return InvalidArgumentError("result of check '" + r.check_id +
                                  "' among the results of '" + check_id + "'");
    }
    rows.push_back(&r);
  }
  if (sqlite3_get_autocommit(db_.raw()) == 0) {
    // Inside the caller's transaction: its commit makes the rows durable.
    return WriteCheckResults(org_id, check_id, rows, policy_version,
                             ToUnixSeconds(now));
  }
  Transaction tx(db_);
  MAMORI_RETURN_IF_ERROR(tx.Begin());
  MAMORI_RETURN_IF_ERROR(WriteCheckResults(org_id, check_id, rows,
                                           policy_version, ToUnixSeconds(now)));
  return tx.Commit();
}

Result<std::vector<CheckResult>> GradingStore::LoadResults(int64_t org_id) {
  auto st = db_.Prepare(
      "SELECT host_id, check_id, status, evidence_json, collected_at, "
      "status_since FROM check_results WHERE org_id = ?1 "
      "ORDER BY host_id, check_id");
  if (!st.ok()) return st.status();
  st->Bind(1, org_id);
  std::vector<CheckResult> out;
  for (;;) {
    auto row = st->Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    CheckResult r;
    r.host_id = std::to_string(st->ColumnInt(0));
    r.check_id = st->ColumnText(1);
    r.status = grading::ParseCheckStatus(st->ColumnText(2))
                   .value_or(CheckStatus::kError);
    r.evidence = ParseEvidence(st->ColumnText(3));
    if (auto t = st->ColumnOptionalInt(4)) r.collected_at = FromUnixSeconds(*t);
    if (r.status == CheckStatus::kUnknown || r.status == CheckStatus::kError) {
      r.unknown_since = FromUnixSeconds(st->ColumnInt(5));
    }
    out.push_back(std::move(r));
  }
  return out;
}

Result<int64_t> GradingStore::ResultHistoryCount(int64_t org_id,
                                                 int64_t host_id,
                                                 const std::string& check_id) {
  auto st = db_.Prepare(
      "SELECT COUNT(*) FROM check_result_history WHERE org_id = ?1 AND "
      "host_id = ?2 AND check_id = ?3");
  if (!st.ok()) return st.status();
  st->Bind(1, org_id).Bind(2, host_id).Bind(3, check_id);
  auto row = st->Step();
  if (!row.ok()) return row.status();
  return st->ColumnInt(0);
}

Status GradingStore::SaveGradeSnapshot(int64_t org_id, const GradeSnapshot& s) {
  auto st = db_.Prepare(
      "INSERT INTO grade_history (org_id, evaluated_at, policy_version, "
      "overall, rules_json) VALUES (?1, ?2, ?3, ?4, ?5)");
  if (!st.ok()) return st.status();
  st->Bind(1, org_id)
      .Bind(2, ToUnixSeconds(s.evaluated_at))
      .Bind(3, s.policy_version)
      .Bind(4, s.overall)
      .Bind(5, s.rules_json);
  return st->Run();
}

Result<std::vector<GradeSnapshot>> GradingStore::GradeHistory(int64_t org_id,
                                                              int limit) {
  auto st = db_.Prepare(
      "SELECT evaluated_at, policy_version, overall, rules_json FROM "
      "grade_history WHERE org_id = ?1 ORDER BY evaluated_at DESC, id DESC "
      "LIMIT ?2");
  if (!st.ok()) return st.status();
  st->Bind(1, org_id).Bind(2, static_cast<int64_t>(limit));
  std::vector<GradeSnapshot> out;
  for (;;) {
    auto row = st->Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    out.push_back({FromUnixSeconds(st->ColumnInt(0)), st->ColumnText(1),
                   st->ColumnText(2), st->ColumnText(3)});
  }
  return out;
}

Status GradingStore::SaveGradeCounts(int64_t org_id, const GradeCounts& c) {
  auto write = [&]() -> Status {
    auto clear = db_.Prepare("DELETE FROM grade_counts WHERE org_id = ?1");
    if (!clear.ok()) return clear.status();
    clear->Bind(1, org_id);
    MAMORI_RETURN_IF_ERROR(clear->Run());
    auto put = db_.Prepare(
        "INSERT INTO grade_counts (org_id, subject, evaluated_at, pass, fail, "
        "unknown, not_applicable, error, measure_json, failing_json) VALUES "
        "(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)");
    if (!put.ok()) return put.status();
    for (const GradeCountRow& r : c.rows) {
      put->Reset();
      put->Bind(1, org_id)
          .Bind(2, r.subject)
          .Bind(3, ToUnixSeconds(c.evaluated_at))
          .Bind(4, r.pass)
          .Bind(5, r.fail)
          .Bind(6, r.unknown)
          .Bind(7, r.not_applicable)
          .Bind(8, r.error)
          .Bind(9, r.measure_json)
          .Bind(10, r.failing_json);
      MAMORI_RETURN_IF_ERROR(put->Run());
    }
    return Status::Ok();
  };
  if (sqlite3_get_autocommit(db_.raw()) == 0) return write();
  Transaction tx(db_);
  MAMORI_RETURN_IF_ERROR(tx.Begin());
  MAMORI_RETURN_IF_ERROR(write());
  return tx.Commit();
}

Result<std::optional<GradeCounts>> GradingStore::LoadGradeCounts(
    int64_t org_id) {
  auto st = db_.Prepare(
      "SELECT subject, evaluated_at, pass, fail, unknown, not_applicable, "
      "error, measure_json, failing_json FROM grade_counts WHERE org_id = ?1 "
      "ORDER BY subject");
  if (!st.ok()) return st.status();
  st->Bind(1, org_id);
  std::optional<GradeCounts> out;
  for (;;) {
    auto row = st->Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    if (!out) out.emplace().evaluated_at = FromUnixSeconds(st->ColumnInt(1));
    GradeCountRow& r = out->rows.emplace_back();
    r.subject = st->ColumnText(0);
    r.pass = st->ColumnInt(2);
    r.fail = st->ColumnInt(3);
    r.unknown = st->ColumnInt(4);
    r.not_applicable = st->ColumnInt(5);
    r.error = st->ColumnInt(6);
    r.measure_json = st->ColumnText(7);
    r.failing_json = st->ColumnText(8);
  }
  return out;
}

Status GradingStore::SaveAnswers(int64_t org_id, const AnswerSet& a,
                                 const std::string& who, TimePoint now) {
  const int64_t now_s = ToUnixSeconds(now);
  Transaction tx(db_);
  MAMORI_RETURN_IF_ERROR(tx.Begin());
  auto current = db_.Prepare(
      "SELECT id, answer_json FROM questionnaire_answers WHERE org_id = ?1 "
      "AND questionnaire = ?2 AND item = ?3 AND superseded_at IS NULL");
  auto supersede = db_.Prepare(
      "UPDATE questionnaire_answers SET superseded_at = ?2 WHERE id = ?1");
  auto insert = db_.Prepare(
      "INSERT INTO questionnaire_answers (org_id, questionnaire, item, "
      "answer_json, answered_by, answered_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
  if (!current.ok()) return current.status();
  if (!supersede.ok()) return supersede.status();
  if (!insert.ok()) return insert.status();
  auto put = [&](const std::string& questionnaire, const std::string& item,
                 const std::string& json) -> Status {
    current->Bind(1, org_id).Bind(2, questionnaire).Bind(3, item);
    auto row = current->Step();
    if (!row.ok()) return row.status();
    std::optional<int64_t> old_id;
    bool same = false;
    if (*row) {
      old_id = current->ColumnInt(0);
      same = current->ColumnText(1) == json;
    }
    current->Reset();
    if (same) return Status::Ok();
    if (old_id) {
      supersede->Bind(1, *old_id).Bind(2, now_s);
      MAMORI_RETURN_IF_ERROR(supersede->Run());
      supersede->Reset();
    }
    insert->Bind(1, org_id)
        .Bind(2, questionnaire)
        .Bind(3, item)
        .Bind(4, json)
        .Bind(5, who)
        .Bind(6, now_s);
    MAMORI_RETURN_IF_ERROR(insert->Run());
    insert->Reset();
    return Status::Ok();
  };
  for (const auto& [rule, v] : a.second) {
    MAMORI_RETURN_IF_ERROR(put("second_diagnosis", rule, SecondJson(v)));
  }
  for (const auto& [id, score] : a.first) {
    MAMORI_RETURN_IF_ERROR(put("first_diagnosis", id, std::to_string(score)));
  }
  for (const auto& [item, ans] : a.ipa) {
    MAMORI_RETURN_IF_ERROR(
        put("ipa", std::to_string(item),
            nlohmann::json(std::string(grading::IpaAnswerName(ans))).dump()));
  }
  auto setting = db_.Prepare(
      "INSERT INTO grading_settings (org_id, name, value, set_by, set_at) "
      "VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (org_id, name) DO UPDATE SET "
      "value = excluded.value, set_by = excluded.set_by, set_at = "
      "excluded.set_at WHERE value <> excluded.value");
  if (!setting.ok()) return setting.status();
  for (const auto& [name, value] : a.settings) {
    setting->Bind(1, org_id)
        .Bind(2, name)
        .Bind(3, std::to_string(value))
        .Bind(4, who)
        .Bind(5, now_s);
    MAMORI_RETURN_IF_ERROR(setting->Run());
    setting->Reset();
  }
  auto param = db_.Prepare(
      "INSERT INTO check_parameters (org_id, check_id, name, value, set_by, "
      "set_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (org_id, check_id, "
      "name) DO UPDATE SET value = excluded.value, set_by = excluded.set_by, "
      "set_at = excluded.set_at WHERE value <> excluded.value");
  if (!param.ok()) return param.status();
  for (const auto& [check, values] : a.parameters) {
    for (const auto& [name, value] : values) {
      param->Bind(1, org_id)
          .Bind(2, check)
          .Bind(3, name)
          .Bind(4, value)
          .Bind(5, who)
          .Bind(6, now_s);
      MAMORI_RETURN_IF_ERROR(param->Run());
      param->Reset();
    }
  }
  return tx.Commit();
}

Result<AnswerSet> GradingStore::LoadAnswers(int64_t org_id) {
  AnswerSet a;
  auto st = db_.Prepare(
      "SELECT questionnaire, item, answer_json FROM questionnaire_answers "
      "WHERE org_id = ?1 AND superseded_at IS NULL ORDER BY id");
  if (!st.ok()) return st.status();
  st->Bind(1, org_id);
  for (;;) {
    auto row = st->Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    const std::string q = st->ColumnText(0);
    const std::string item = st->ColumnText(1);
    const std::string json = st->ColumnText(2);
    if (q == "second_diagnosis") {
      a.second[item] = ParseSecond(json);
    } else if (q == "first_diagnosis") {
      if (auto v = ParseInt64(json)) a.first[item] = static_cast<int>(*v);
    } else if (q == "ipa") {
      auto j = nlohmann::json::parse(json, nullptr, false);
      auto n = ParseInt64(item);
      if (n && j.is_string()) {
        if (auto ans = grading::ParseIpaAnswer(j.get<std::string>())) {
          a.ipa[static_cast<int>(*n)] = *ans;
        }
      }
    }
  }
  auto s =
      db_.Prepare("SELECT name, value FROM grading_settings WHERE org_id = ?1");
  if (!s.ok()) return s.status();
  s->Bind(1, org_id);
  for (;;) {
    auto row = s->Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    if (auto v = ParseInt64(s->ColumnText(1)))
      a.settings[s->ColumnText(0)] = *v;
  }
  auto p = db_.Prepare(
      "SELECT check_id, name, value FROM check_parameters WHERE org_id = ?1");
  if (!p.ok()) return p.status();
  p->Bind(1, org_id);
  for (;;) {
    auto row = p->Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    a.parameters[p->ColumnText(0)][p->ColumnText(1)] = p->ColumnText(2);
  }
  return a;
}

Result<int64_t> GradingStore::AnswerHistoryCount(
    int64_t org_id, const std::string& questionnaire, const std::string& item) {
  auto st = db_.Prepare(
      "SELECT COUNT(*) FROM questionnaire_answers WHERE org_id = ?1 AND "
      "questionnaire = ?2 AND item = ?3");
  if (!st.ok()) return st.status();
  st->Bind(1, org_id).Bind(2, questionnaire).Bind(3, item);
  auto row = st->Step();
  if (!row.ok()) return row.status();
  return st->ColumnInt(0);
}

Result<std::optional<std::vector<PolicySource>>>
GradingStore::LastGoodCustomPolicies() {
  auto st = db_.Prepare(
      "SELECT sources_json FROM custom_policy_sets ORDER BY id DESC LIMIT 1");
  if (!st.ok()) return st.status();
  auto row = st->Step();
  if (!row.ok()) return row.status();
  if (!*row) return std::optional<std::vector<PolicySource>>();
  auto j = nlohmann::json::parse(st->ColumnText(0), nullptr, false);
  if (!j.is_array()) return DataLossError("custom_policy_sets: unreadable row");
  std::vector<PolicySource> out;
  for (const auto& s : j) {
    if (!s.is_object() || !s.contains("name") || !s.contains("text")) {
      return DataLossError("custom_policy_sets: unreadable row");
    }
    out.push_back({s["name"].get<std::string>(), s["text"].get<std::string>()});
  }
  return std::optional<std::vector<PolicySource>>(std::move(out));
}

Status GradingStore::SaveCustomPolicies(
    const std::string& version, const std::vector<PolicySource>& sources,
    TimePoint now) {
  auto last = db_.Prepare(
      "SELECT version FROM custom_policy_sets ORDER BY id DESC LIMIT 1");
  if (!last.ok()) return last.status();
  auto row = last->Step();
  if (!row.ok()) return row.status();
  if (*row && last->ColumnText(0) == version) return Status::Ok();
  nlohmann::json j = nlohmann::json::array();
  for (const auto& s : sources)
    j.push_back({{"name", s.name}, {"text", s.text}});
  auto st = db_.Prepare(
      "INSERT INTO custom_policy_sets (version, sources_json, loaded_at) "
      "VALUES (?1, ?2, ?3)");
  if (!st.ok()) return st.status();
  st->Bind(1, version).Bind(2, j.dump()).Bind(3, ToUnixSeconds(now));
  return st->Run();
}

}  // namespace mamori::store
