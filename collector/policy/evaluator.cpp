#include "collector/policy/evaluator.h"

#include <algorithm>
#include <iterator>
#include <set>
#include <unordered_map>

#include "common/log.h"
#include "common/text.h"

namespace mamori::policy {

namespace {

using grading::CheckResult;
using grading::CheckStatus;

int Severity(CheckStatus s) {
  switch (s) {
    case CheckStatus::kFail:
      return 4;
    case CheckStatus::kError:
      return 3;
    case CheckStatus::kUnknown:
      return 2;
    case CheckStatus::kPass:
      return 1;
    case CheckStatus::kNotApplicable:
      return 0;
  }
  return 2;
}

bool Contains(const std::vector<std::string>& list, const std::string& v) {
  return std::find(list.begin(), list.end(), v) != list.end();
}

std::string QueryKey(const Check& c) { return c.id + '\0' + c.query; }

std::string ColumnText(sqlite3_stmt* st, int i) {
  if (sqlite3_column_type(st, i) == SQLITE_NULL) return "null";
  const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(st, i));
  return text == nullptr ? "" : std::string(text);
}

}  // namespace

CheckRunner::~CheckRunner() {
  for (auto& [key, st] : statements_) sqlite3_finalize(st);
}

Result<sqlite3_stmt*> CheckRunner::Prepare(const Check& check) {
  const std::string key = QueryKey(check);
  auto it = statements_.find(key);
  if (it != statements_.end()) return it->second;
  sqlite3_stmt* st = nullptr;
  const char* tail = nullptr;
  const int rc = sqlite3_prepare_v3(db_, check.query.data(),
                                    static_cast<int>(check.query.size()),
                                    SQLITE_PREPARE_PERSISTENT, &st, &tail);
  const std::string where = check.source + ": checks[" + check.id + "].query: ";
  if (rc != SQLITE_OK || st == nullptr) {
    if (st != nullptr) sqlite3_finalize(st);
    return InvalidArgumentError(where +
                                "does not prepare: " + sqlite3_errmsg(db_));
  }
  std::string_view rest(tail, check.query.data() + check.query.size() - tail);
  while (!rest.empty() &&
         (rest.front() == ';' || Trim(rest.substr(0, 1)).empty())) {
    rest.remove_prefix(1);
  }
  if (!rest.empty()) {
    sqlite3_finalize(st);
    return InvalidArgumentError(where + "must be a single statement");
  }
  statements_.emplace(key, st);
  return st;
}

Status CheckRunner::ValidateOne(const Check& check) {
  auto st = Prepare(check);
  if (!st.ok()) return st.status();
  const std::string where = check.source + ": checks[" + check.id + "].query: ";
  if (!sqlite3_stmt_readonly(*st)) {
    return InvalidArgumentError(where + "must only read (SELECT)");
  }
  std::set<std::string> columns;
  for (int i = 0; i < sqlite3_column_count(*st); ++i) {
    columns.insert(sqlite3_column_name(*st, i));
  }
  for (const char* required : {"host_id", "status"}) {
    if (columns.count(required) == 0) {
      return InvalidArgumentError(where + "must return a column named " +
                                  required);
    }
  }
  bool has_org = false;
  for (int i = 1; i <= sqlite3_bind_parameter_count(*st); ++i) {
    const char* name = sqlite3_bind_parameter_name(*st, i);
    if (name == nullptr || name[0] != ':') {
      return InvalidArgumentError(
          where + "use named parameters (:name), not positional ones");
    }
    const std::string n(name + 1);
    if (n == "org_id") {
      has_org = true;
      continue;
    }
    if (n == "now") continue;
    const bool declared =
        std::any_of(check.parameters.begin(), check.parameters.end(),
                    [&](const Parameter& p) { return p.name == n; });
    if (!declared) {
      return InvalidArgumentError(where + "uses :" + n +
                                  ", which is not a declared parameter");
    }
  }
  if (!has_org) {
    return InvalidArgumentError(
        where +
        "must filter on :org_id (every query is scoped by organisation)");
  }
  return Status::Ok();
}

Status CheckRunner::Validate(const PolicySet& set) {
  for (const Check& c : set.checks) MAMORI_RETURN_IF_ERROR(ValidateOne(c));
  return Status::Ok();
}

Result<std::vector<CheckResult>> CheckRunner::Run(
    const PolicySet& set, int64_t org_id,
    const std::vector<store::GradingHost>& hosts,
    const ParameterOverrides& overrides, TimePoint now) {
  std::vector<CheckResult> out;
  out.reserve(set.checks.size() * hosts.size());
  MAMORI_RETURN_IF_ERROR(RunEach(
      set, org_id, hosts, overrides, now,
      [&](const Check&, std::vector<CheckResult>* results) {
        std::move(results->begin(), results->end(), std::back_inserter(out));
        return Status::Ok();
      }));
  return out;
}

Status CheckRunner::RunEach(const PolicySet& set, int64_t org_id,
                            const std::vector<store::GradingHost>& hosts,
                            const ParameterOverrides& overrides, TimePoint now,
                            const CheckSink& sink) {
  std::vector<CheckResult> out;
  const int64_t now_s = ToUnixSeconds(now);
  for (const Check& check : set.checks) {
    out.clear();
    out.reserve(hosts.size());
    std::unordered_map<int64_t, CheckResult> rows;
    std::string run_error;
    std::vector<grading::Evidence> notes;
    auto prepared = Prepare(check);
    if (!prepared.ok()) {
      run_error = prepared.status().message();
    } else {
      sqlite3_stmt* st = *prepared;
      sqlite3_reset(st);
      sqlite3_clear_bindings(st);
      for (int i = 1; i <= sqlite3_bind_parameter_count(st); ++i) {
        const char* raw = sqlite3_bind_parameter_name(st, i);
        const std::string name = raw == nullptr ? "" : std::string(raw + 1);
        if (name == "org_id") {
          sqlite3_bind_int64(st, i, org_id);
          continue;
        }
        if (name == "now") {
          sqlite3_bind_int64(st, i, now_s);
          continue;
        }
        for (const Parameter& p : check.parameters) {
          if (p.name != name) continue;
          ParamValue value = p.default_value;
          auto oc = overrides.find(check.id);
          if (oc != overrides.end()) {
            auto ov = oc->second.find(name);
            if (ov != oc->second.end()) {
              auto parsed = ParseParamValue(p, ov->second);
              if (parsed.ok()) {
                value = *parsed;
              } else {
                notes.push_back(
                    {"ignored_override", parsed.status().message()});
              }
            }
          }
          if (const auto* v = std::get_if<int64_t>(&value)) {
            sqlite3_bind_int64(st, i, *v);
          } else if (const auto* d = std::get_if<double>(&value)) {
            sqlite3_bind_double(st, i, *d);
          } else if (const auto* b = std::get_if<bool>(&value)) {
            sqlite3_bind_int64(st, i, *b ? 1 : 0);
          } else {
            const auto& s = std::get<std::string>(value);
            sqlite3_bind_text(st, i, s.data(), static_cast<int>(s.size()),
                              SQLITE_TRANSIENT);
          }
        }
      }
      int host_col = -1;
      int status_col = -1;
      int collected_col = -1;
      const int ncols = sqlite3_column_count(st);
      // Evidence columns with their names, read once per run, not per row.
      std::vector<std::pair<int, std::string>> evidence_cols;
      for (int i = 0; i < ncols; ++i) {
        const std::string name = sqlite3_column_name(st, i);
        if (name == "host_id") {
          host_col = i;
        } else if (name == "status") {
          status_col = i;
        } else if (name == "collected_at") {
          collected_col = i;
        } else {
          evidence_cols.emplace_back(i, name);
        }
      }
      rows.reserve(hosts.size());
      for (;;) {
        const int rc = sqlite3_step(st);
        if (rc == SQLITE_DONE) break;
        if (rc != SQLITE_ROW) {
          run_error = std::string("query failed: ") + sqlite3_errmsg(db_);
          rows.clear();
          break;
        }
        if (host_col < 0 || status_col < 0) {
          run_error = "query lacks host_id or status";
          break;
        }
        const int64_t host_id = sqlite3_column_int64(st, host_col);
        const std::string status_text = ColumnText(st, status_col);
        auto status = grading::ParseCheckStatus(status_text);
        const CheckStatus row_status = status.value_or(CheckStatus::kError);
        // Only a host's first row or a worse one is kept: build the rest of
        // the result only then.
        auto [it, inserted] = rows.try_emplace(host_id);
        if (!inserted && Severity(row_status) <= Severity(it->second.status)) {
          continue;
        }
        CheckResult& r = it->second;
        r.status = row_status;
        r.evidence.clear();
        r.evidence.reserve(evidence_cols.size() + (status ? 0 : 1));
        if (!status) r.evidence.push_back({"invalid_status", status_text});
        r.collected_at.reset();
        if (collected_col >= 0 &&
            sqlite3_column_type(st, collected_col) != SQLITE_NULL) {
          r.collected_at =
              FromUnixSeconds(sqlite3_column_int64(st, collected_col));
        }
        for (const auto& [i, name] : evidence_cols) {
          r.evidence.push_back({name, ColumnText(st, i)});
        }
      }
      sqlite3_reset(st);
    }
    if (!run_error.empty()) {
      MAMORI_LOG(kWarning) << "check " << check.id << ": " << run_error;
    }
    const bool all_platforms = check.platforms.size() == std::size(kPlatforms);
    const bool all_roles = check.roles.size() == std::size(kRoles);
    for (const store::GradingHost& h : hosts) {
      if (!h.reported) continue;
      CheckResult r;
      if (!run_error.empty()) {
        r.status = CheckStatus::kError;
        r.evidence.push_back({"error", run_error});
      } else if (!all_platforms && h.platform.empty()) {
        r.status = CheckStatus::kUnknown;
        r.evidence.push_back({"reason", "platform unknown"});
      } else if (!h.platform.empty() &&
                 !Contains(check.platforms, h.platform)) {
        r.status = CheckStatus::kNotApplicable;
        r.evidence.push_back({"platform", h.platform});
      } else if (!all_roles && h.role.empty()) {
        r.status = CheckStatus::kUnknown;
        r.evidence.push_back({"reason", "endpoint role unknown"});
      } else if (!h.role.empty() && !Contains(check.roles, h.role)) {
        r.status = CheckStatus::kNotApplicable;
        r.evidence.push_back({"role", h.role});
      } else if (auto it = rows.find(h.host_id); it != rows.end()) {
        r = std::move(it->second);
      } else {
        r.status = CheckStatus::kUnknown;
        r.evidence.push_back(
            {"reason", "the check returned no row for this host"});
      }
      r.check_id = check.id;
      r.host_id = std::to_string(h.host_id);
      if (!r.collected_at) r.collected_at = h.last_collected_at;
      r.evidence.insert(r.evidence.end(), notes.begin(), notes.end());
      out.push_back(std::move(r));
    }
    MAMORI_RETURN_IF_ERROR(sink(check, &out));
  }
  return Status::Ok();
}

}  // namespace mamori::policy
