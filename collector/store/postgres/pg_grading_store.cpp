#include "collector/store/postgres/pg_grading_store.h"

#include <nlohmann/json.hpp>
#include <set>
#include <unordered_map>

#include "collector/store/grading_json.h"
#include "common/text.h"

namespace mamori::store::pg {

namespace {
using grading::CheckResult;
using grading::CheckStatus;
}  // namespace

Result<std::unique_ptr<PgGradingStore>> PgGradingStore::Open(
    const std::string& url) {
  Result<Connection> conn = Connection::Open(url);
  if (!conn.ok()) return conn.status();
  auto checks = PgCheckQueries::Open(url);
  if (!checks.ok()) return checks.status();
  return std::unique_ptr<PgGradingStore>(
      new PgGradingStore(std::move(conn).value(), std::move(*checks)));
}

Status PgGradingStore::InTransaction(const std::function<Status()>& body) {
  Transaction tx(conn_);
  MAMORI_RETURN_IF_ERROR(tx.Begin());
  MAMORI_RETURN_IF_ERROR(body());
  return tx.Commit();
}

Result<int64_t> PgGradingStore::OrgId(const std::string& org) {
  Result<Rows> rows = conn_.Query(
      "SELECT id FROM organizations WHERE name = $1", Params().Add(org));
  if (!rows.ok()) return rows.status();
  if (rows->size() == 0) {
    return NotFoundError("organisation '" + org + "' not found");
  }
  return rows->Int(0, 0);
}

Status PgGradingStore::SyncReferenceData(const EndOfSupportTable& table) {
  std::set<std::string> want;
  for (const auto& e : table.entries) {
    want.insert("e|" + e.product + "|" + e.match_key + "|" + e.edition + "|" +
                e.label + "|" + e.ends_on);
  }
  for (const auto& b : table.browsers) {
    want.insert("b|" + b.browser + "|" + b.package_pattern + "|" +
                std::to_string(b.min_major) + "|" + b.as_of);
  }
  Transaction tx(conn_);
  MAMORI_RETURN_IF_ERROR(tx.Begin());
  // Several collectors start at once: one replaces, the others then find
  // the tables current.
  MAMORI_RETURN_IF_ERROR(
      conn_.Exec("SELECT pg_advisory_xact_lock(1835101551, 1701799795)"));
  Result<Rows> stored = conn_.Query(
      "SELECT 'e|' || product || '|' || match_key || '|' || edition || '|' "
      "|| label || '|' || ends_on FROM grading_end_of_support UNION ALL "
      "SELECT 'b|' || browser || '|' || package_pattern || '|' || min_major "
      "|| '|' || as_of FROM grading_browser_minimums");
  if (!stored.ok()) return stored.status();
  std::set<std::string> have;
  for (int i = 0; i < stored->size(); ++i) have.insert(stored->Text(i, 0));
  if (have == want) return tx.Commit();
  MAMORI_RETURN_IF_ERROR(
      conn_.Exec("DELETE FROM grading_end_of_support; DELETE FROM "
                 "grading_browser_minimums"));
  for (const auto& e : table.entries) {
    Result<Rows> put = conn_.Query(
        "INSERT INTO grading_end_of_support (product, match_key, edition, "
        "label, ends_on) VALUES ($1, $2, $3, $4, $5)",
        Params()
            .Add(e.product)
            .Add(e.match_key)
            .Add(e.edition)
            .Add(e.label)
            .Add(e.ends_on));
    if (!put.ok()) return put.status();
  }
  for (const auto& b : table.browsers) {
    Result<Rows> put = conn_.Query(
        "INSERT INTO grading_browser_minimums (browser, package_pattern, "
        "min_major, as_of) VALUES ($1, $2, $3, $4)",
        Params()
            .Add(b.browser)
            .Add(b.package_pattern)
            .Add(b.min_major)
            .Add(b.as_of));
    if (!put.ok()) return put.status();
  }
  return tx.Commit();
}

Result<std::vector<GradingHost>> PgGradingStore::Hosts(int64_t org_id) {
  Result<Rows> rows = conn_.Query(
      "SELECT v.host_id, v.hostname, COALESCE(v.platform, ''), "
      "COALESCE(v.role, ''), h.reports_stored, h.last_collected_at "
      "FROM v_hosts v JOIN hosts h ON h.id = v.host_id "
      "WHERE v.org_id = $1 ORDER BY v.host_id",
      Params().Add(org_id));
  if (!rows.ok()) return rows.status();
  std::vector<GradingHost> out;
  out.reserve(rows->size());
  for (int i = 0; i < rows->size(); ++i) {
    GradingHost h;
    h.host_id = rows->Int(i, 0);
    h.hostname = rows->Text(i, 1);
    h.platform = rows->Text(i, 2);
    h.role = rows->Text(i, 3);
    h.reported = rows->Int(i, 4) > 0;
    if (auto t = rows->OptionalInt(i, 5)) {
      h.last_collected_at = FromUnixSeconds(*t);
    }
    out.push_back(std::move(h));
  }
  return out;
}

Status PgGradingStore::WriteCheckResults(
    int64_t org_id, const std::string& check_id,
    const std::vector<CheckResult*>& results, const std::string& policy_version,
    int64_t now_s) {
  struct Current {
    std::string status;
    std::string evidence;
    std::optional<int64_t> collected_at;
    int64_t status_since = 0;
    std::string policy_version;
  };
  // One read of the check's current rows; re-grading is mostly "nothing
  // changed", and then nothing is written.
  std::unordered_map<int64_t, Current> current;
  {
    Result<Rows> rows = conn_.Query(
        "SELECT host_id, status, evidence_json, collected_at, status_since, "
        "policy_version FROM check_results WHERE org_id = $1 AND check_id = $2",
        Params().Add(org_id).Add(check_id));
    if (!rows.ok()) return rows.status();
    current.reserve(rows->size());
    for (int i = 0; i < rows->size(); ++i) {
      current[rows->Int(i, 0)] = {rows->Text(i, 1), rows->Text(i, 2),
                                  rows->OptionalInt(i, 3), rows->Int(i, 4),
                                  rows->Text(i, 5)};
    }
  }
  for (CheckResult* r : results) {
    auto host_id = ParseInt64(r->host_id);
    if (!host_id) {
      return InvalidArgumentError("bad host id '" + r->host_id + "'");
    }
    const std::string status(grading::CheckStatusName(r->status));
    const std::string evidence = EvidenceJson(r->evidence);
    std::optional<int64_t> collected;
    if (r->collected_at) collected = ToUnixSeconds(*r->collected_at);
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
    if (unchanged_row) continue;
    if (stored && !changed) {
      Result<Rows> touched = conn_.Query(
          "UPDATE check_results SET collected_at = $3, evaluated_at = $4, "
          "policy_version = $5 WHERE host_id = $1 AND check_id = $2",
          Params()
              .Add(*host_id)
              .Add(r->check_id)
              .Add(collected)
              .Add(now_s)
              .Add(policy_version));
      if (!touched.ok()) return touched.status();
      continue;
    }
    Result<Rows> put = conn_.Query(
        "INSERT INTO check_results (org_id, host_id, check_id, status, "
        "evidence_json, collected_at, status_since, evaluated_at, "
        "policy_version) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) "
        "ON CONFLICT (host_id, check_id) DO UPDATE SET status = "
        "excluded.status, evidence_json = excluded.evidence_json, "
        "collected_at = excluded.collected_at, status_since = "
        "excluded.status_since, evaluated_at = excluded.evaluated_at, "
        "policy_version = excluded.policy_version",
        Params()
            .Add(org_id)
            .Add(*host_id)
            .Add(r->check_id)
            .Add(status)
            .Add(evidence)
            .Add(collected)
            .Add(since)
            .Add(now_s)
            .Add(policy_version));
    if (!put.ok()) return put.status();
    Result<Rows> hist = conn_.Query(
        "INSERT INTO check_result_history (org_id, host_id, check_id, status, "
        "evidence_json, collected_at, evaluated_at, policy_version) VALUES "
        "($1, $2, $3, $4, $5, $6, $7, $8)",
        Params()
            .Add(org_id)
            .Add(*host_id)
            .Add(r->check_id)
            .Add(status)
            .Add(evidence)
            .Add(collected)
            .Add(now_s)
            .Add(policy_version));
    if (!hist.ok()) return hist.status();
  }
  return Status::Ok();
}

Status PgGradingStore::SaveResults(int64_t org_id,
                                   std::vector<CheckResult>* results,
                                   const std::string& policy_version,
                                   TimePoint now) {
  std::vector<std::pair<std::string, std::vector<CheckResult*>>> by_check;
  std::unordered_map<std::string, size_t> index;
  for (CheckResult& r : *results) {
    auto [it, inserted] = index.try_emplace(r.check_id, by_check.size());
    if (inserted)
      by_check.emplace_back(r.check_id, std::vector<CheckResult*>{});
    by_check[it->second].second.push_back(&r);
  }
  Transaction tx(conn_);
  MAMORI_RETURN_IF_ERROR(tx.Begin());
  for (const auto& [check_id, rows] : by_check) {
    MAMORI_RETURN_IF_ERROR(WriteCheckResults(
        org_id, check_id, rows, policy_version, ToUnixSeconds(now)));
  }
  return tx.Commit();
}

Status PgGradingStore::SaveCheckResults(int64_t org_id,
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
  if (conn_.InTransaction()) {
    return WriteCheckResults(org_id, check_id, rows, policy_version,
                             ToUnixSeconds(now));
  }
  Transaction tx(conn_);
  MAMORI_RETURN_IF_ERROR(tx.Begin());
  MAMORI_RETURN_IF_ERROR(WriteCheckResults(org_id, check_id, rows,
                                           policy_version, ToUnixSeconds(now)));
  return tx.Commit();
}

Result<std::vector<CheckResult>> PgGradingStore::LoadResults(int64_t org_id) {
  Result<Rows> rows = conn_.Query(
      "SELECT host_id, check_id, status, evidence_json, collected_at, "
      "status_since FROM check_results WHERE org_id = $1 "
      "ORDER BY host_id, check_id COLLATE \"C\"",
      Params().Add(org_id));
  if (!rows.ok()) return rows.status();
  std::vector<CheckResult> out;
  out.reserve(rows->size());
  for (int i = 0; i < rows->size(); ++i) {
    CheckResult r;
    r.host_id = std::to_string(rows->Int(i, 0));
    r.check_id = rows->Text(i, 1);
    r.status = grading::ParseCheckStatus(rows->Text(i, 2))
                   .value_or(CheckStatus::kError);
    r.evidence = ParseEvidence(rows->Text(i, 3));
    if (auto t = rows->OptionalInt(i, 4)) r.collected_at = FromUnixSeconds(*t);
    if (r.status == CheckStatus::kUnknown || r.status == CheckStatus::kError) {
      r.unknown_since = FromUnixSeconds(rows->Int(i, 5));
    }
    out.push_back(std::move(r));
  }
  return out;
}

Result<int64_t> PgGradingStore::ResultHistoryCount(
    int64_t org_id, int64_t host_id, const std::string& check_id) {
  Result<Rows> rows = conn_.Query(
      "SELECT COUNT(*) FROM check_result_history WHERE org_id = $1 AND "
      "host_id = $2 AND check_id = $3",
      Params().Add(org_id).Add(host_id).Add(check_id));
  if (!rows.ok()) return rows.status();
  return rows->Int(0, 0);
}

Status PgGradingStore::SaveGradeSnapshot(int64_t org_id,
                                         const GradeSnapshot& s) {
  Result<Rows> put = conn_.Query(
      "INSERT INTO grade_history (org_id, evaluated_at, policy_version, "
      "overall, rules_json) VALUES ($1, $2, $3, $4, $5)",
      Params()
          .Add(org_id)
          .Add(ToUnixSeconds(s.evaluated_at))
          .Add(s.policy_version)
          .Add(s.overall)
          .Add(s.rules_json));
  return put.status();
}

Result<std::vector<GradeSnapshot>> PgGradingStore::GradeHistory(int64_t org_id,
                                                                int limit) {
  Result<Rows> rows = conn_.Query(
      "SELECT evaluated_at, policy_version, overall, rules_json FROM "
      "grade_history WHERE org_id = $1 ORDER BY evaluated_at DESC, id DESC "
      "LIMIT $2",
      Params().Add(org_id).Add(static_cast<int64_t>(limit)));
  if (!rows.ok()) return rows.status();
  std::vector<GradeSnapshot> out;
  for (int i = 0; i < rows->size(); ++i) {
    out.push_back({FromUnixSeconds(rows->Int(i, 0)), rows->Text(i, 1),
                   rows->Text(i, 2), rows->Text(i, 3)});
  }
  return out;
}

Status PgGradingStore::SaveGradeCounts(int64_t org_id, const GradeCounts& c) {
  auto write = [&]() -> Status {
    MAMORI_RETURN_IF_ERROR(
        conn_
            .Query("DELETE FROM grade_counts WHERE org_id = $1",
                   Params().Add(org_id))
            .status());
    for (const GradeCountRow& r : c.rows) {
      MAMORI_RETURN_IF_ERROR(
          conn_
              .Query("INSERT INTO grade_counts (org_id, subject, "
                     "evaluated_at, pass, fail, unknown, not_applicable, "
                     "error, measure_json, failing_json) VALUES ($1, $2, $3, "
                     "$4, $5, $6, $7, $8, $9, $10)",
                     Params()
                         .Add(org_id)
                         .Add(r.subject)
                         .Add(ToUnixSeconds(c.evaluated_at))
                         .Add(r.pass)
                         .Add(r.fail)
                         .Add(r.unknown)
                         .Add(r.not_applicable)
                         .Add(r.error)
                         .Add(r.measure_json)
                         .Add(r.failing_json))
              .status());
    }
    return Status::Ok();
  };
  if (conn_.InTransaction()) return write();
  Transaction tx(conn_);
  MAMORI_RETURN_IF_ERROR(tx.Begin());
  MAMORI_RETURN_IF_ERROR(write());
  return tx.Commit();
}

Result<std::optional<GradeCounts>> PgGradingStore::LoadGradeCounts(
    int64_t org_id) {
  Result<Rows> rows = conn_.Query(
      "SELECT subject, evaluated_at, pass, fail, unknown, not_applicable, "
      "error, measure_json, failing_json FROM grade_counts WHERE org_id = $1 "
      "ORDER BY subject COLLATE \"C\"",
      Params().Add(org_id));
  if (!rows.ok()) return rows.status();
  std::optional<GradeCounts> out;
  for (int i = 0; i < rows->size(); ++i) {
    if (!out) out.emplace().evaluated_at = FromUnixSeconds(rows->Int(i, 1));
    GradeCountRow& r = out->rows.emplace_back();
    r.subject = rows->Text(i, 0);
    r.pass = rows->Int(i, 2);
    r.fail = rows->Int(i, 3);
    r.unknown = rows->Int(i, 4);
    r.not_applicable = rows->Int(i, 5);
    r.error = rows->Int(i, 6);
    r.measure_json = rows->Text(i, 7);
    r.failing_json = rows->Text(i, 8);
  }
  return out;
}

Status PgGradingStore::SaveAnswers(int64_t org_id, const AnswerSet& a,
                                   const std::string& who, TimePoint now) {
  const int64_t now_s = ToUnixSeconds(now);
  Transaction tx(conn_);
  MAMORI_RETURN_IF_ERROR(tx.Begin());
  // One organisation's answers are replaced by one writer at a time.
  MAMORI_RETURN_IF_ERROR(
      conn_
          .Query("SELECT 1 FROM organizations WHERE id = $1 FOR UPDATE",
                 Params().Add(org_id))
          .status());
  auto put = [&](const std::string& questionnaire, const std::string& item,
                 const std::string& json) -> Status {
    Result<Rows> cur = conn_.Query(
        "SELECT id, answer_json FROM questionnaire_answers WHERE org_id = $1 "
        "AND questionnaire = $2 AND item = $3 AND superseded_at IS NULL",
        Params().Add(org_id).Add(questionnaire).Add(item));
    if (!cur.ok()) return cur.status();
    if (cur->size() > 0) {
      if (cur->View(0, 1) == json) return Status::Ok();
      Result<Rows> old = conn_.Query(
          "UPDATE questionnaire_answers SET superseded_at = $2 WHERE id = $1",
          Params().Add(cur->Int(0, 0)).Add(now_s));
      if (!old.ok()) return old.status();
    }
    return conn_
        .Query(
            "INSERT INTO questionnaire_answers (org_id, questionnaire, item, "
            "answer_json, answered_by, answered_at) VALUES ($1, $2, $3, $4, "
            "$5, $6)",
            Params()
                .Add(org_id)
                .Add(questionnaire)
                .Add(item)
                .Add(json)
                .Add(who)
                .Add(now_s))
        .status();
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
  for (const auto& [name, value] : a.settings) {
    MAMORI_RETURN_IF_ERROR(
        conn_
            .Query("INSERT INTO grading_settings (org_id, name, value, set_by, "
                   "set_at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (org_id, "
                   "name) DO UPDATE SET value = excluded.value, set_by = "
                   "excluded.set_by, set_at = excluded.set_at WHERE "
                   "grading_settings.value <> excluded.value",
                   Params()
                       .Add(org_id)
                       .Add(name)
                       .Add(std::to_string(value))
                       .Add(who)
                       .Add(now_s))
            .status());
  }
  for (const auto& [check, values] : a.parameters) {
    for (const auto& [name, value] : values) {
      MAMORI_RETURN_IF_ERROR(
          conn_
              .Query("INSERT INTO check_parameters (org_id, check_id, name, "
                     "value, set_by, set_at) VALUES ($1, $2, $3, $4, $5, $6) "
                     "ON CONFLICT (org_id, check_id, name) DO UPDATE SET "
                     "value = excluded.value, set_by = excluded.set_by, "
                     "set_at = excluded.set_at WHERE check_parameters.value "
                     "<> excluded.value",
                     Params()
                         .Add(org_id)
                         .Add(check)
                         .Add(name)
                         .Add(value)
                         .Add(who)
                         .Add(now_s))
              .status());
    }
  }
  return tx.Commit();
}

Result<AnswerSet> PgGradingStore::LoadAnswers(int64_t org_id) {
  AnswerSet a;
  Result<Rows> rows = conn_.Query(
      "SELECT questionnaire, item, answer_json FROM questionnaire_answers "
      "WHERE org_id = $1 AND superseded_at IS NULL ORDER BY id",
      Params().Add(org_id));
  if (!rows.ok()) return rows.status();
  for (int i = 0; i < rows->size(); ++i) {
    const std::string q = rows->Text(i, 0);
    const std::string item = rows->Text(i, 1);
    const std::string json = rows->Text(i, 2);
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
  Result<Rows> settings =
      conn_.Query("SELECT name, value FROM grading_settings WHERE org_id = $1",
                  Params().Add(org_id));
  if (!settings.ok()) return settings.status();
  for (int i = 0; i < settings->size(); ++i) {
    if (auto v = ParseInt64(settings->Text(i, 1))) {
      a.settings[settings->Text(i, 0)] = *v;
    }
  }
  Result<Rows> params = conn_.Query(
      "SELECT check_id, name, value FROM check_parameters WHERE org_id = $1",
      Params().Add(org_id));
  if (!params.ok()) return params.status();
  for (int i = 0; i < params->size(); ++i) {
    a.parameters[params->Text(i, 0)][params->Text(i, 1)] = params->Text(i, 2);
  }
  return a;
}

Result<int64_t> PgGradingStore::AnswerHistoryCount(
    int64_t org_id, const std::string& questionnaire, const std::string& item) {
  Result<Rows> rows = conn_.Query(
      "SELECT COUNT(*) FROM questionnaire_answers WHERE org_id = $1 AND "
      "questionnaire = $2 AND item = $3",
      Params().Add(org_id).Add(questionnaire).Add(item));
  if (!rows.ok()) return rows.status();
  return rows->Int(0, 0);
}

Result<std::optional<std::vector<PolicySource>>>
PgGradingStore::LastGoodCustomPolicies() {
  Result<Rows> rows = conn_.Query(
      "SELECT sources_json FROM custom_policy_sets ORDER BY id DESC LIMIT 1");
  if (!rows.ok()) return rows.status();
  if (rows->size() == 0) return std::optional<std::vector<PolicySource>>();
  auto j = nlohmann::json::parse(rows->Text(0, 0), nullptr, false);
  if (!j.is_array()) return DataLossError("custom_policy_sets: unreadable row");
  std::vector<PolicySource> out;
  for (const auto& s : j) {
    if (!s.is_object() || !s.contains("name") || !s.contains("text") ||
        !s["name"].is_string() || !s["text"].is_string()) {
      return DataLossError("custom_policy_sets: unreadable row");
    }
    out.push_back({s["name"].get<std::string>(), s["text"].get<std::string>()});
  }
  return std::optional<std::vector<PolicySource>>(std::move(out));
}

Status PgGradingStore::SaveCustomPolicies(
    const std::string& version, const std::vector<PolicySource>& sources,
    TimePoint now) {
  Result<Rows> last = conn_.Query(
      "SELECT version FROM custom_policy_sets ORDER BY id DESC LIMIT 1");
  if (!last.ok()) return last.status();
  if (last->size() > 0 && last->View(0, 0) == version) return Status::Ok();
  nlohmann::json j = nlohmann::json::array();
  for (const auto& s : sources) {
    j.push_back({{"name", s.name}, {"text", s.text}});
  }
  return conn_
      .Query(
          "INSERT INTO custom_policy_sets (version, sources_json, loaded_at) "
          "VALUES ($1, $2, $3)",
          Params().Add(version).Add(j.dump()).Add(ToUnixSeconds(now)))
      .status();
}

}  // namespace mamori::store::pg
