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

bool Contains(const std::vector<std::string>& list, const std::string& v) {
  return std::find(list.begin(), list.end(), v) != list.end();
}

std::string QueryKey(const Check& c) { return c.id + '\0' + c.query; }

std::string Where(const Check& c) {
  return c.source + ": checks[" + c.id + "].query: ";
}

}  // namespace

Status CheckRunner::ValidateOne(const Check& check) {
  const std::string where = Where(check);
  auto shape = queries_.Describe(QueryKey(check), check.query);
  if (!shape.ok())
    return InvalidArgumentError(where + shape.status().message());
  const std::set<std::string> columns(shape->columns.begin(),
                                      shape->columns.end());
  for (const char* required : {"host_id", "status"}) {
    if (columns.count(required) == 0) {
      return InvalidArgumentError(where + "must return a column named " +
                                  required);
    }
  }
  bool has_org = false;
  for (const std::string& n : shape->parameters) {
    if (n.empty()) {
      return InvalidArgumentError(
          where + "use named parameters (:name), not positional ones");
    }
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
    auto shape = queries_.Describe(QueryKey(check), check.query);
    if (!shape.ok()) {
      run_error = Where(check) + shape.status().message();
    } else {
      std::vector<store::QueryValue> values;
      values.reserve(shape->parameters.size());
      for (const std::string& name : shape->parameters) {
        store::QueryValue& bound = values.emplace_back();
        if (name == "org_id") {
          bound = org_id;
          continue;
        }
        if (name == "now") {
          bound = now_s;
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
            bound = *v;
          } else if (const auto* d = std::get_if<double>(&value)) {
            bound = *d;
          } else if (const auto* b = std::get_if<bool>(&value)) {
            bound = int64_t{*b ? 1 : 0};
          } else {
            bound = std::get<std::string>(value);
          }
        }
      }
      int host_col = -1;
      int status_col = -1;
      int collected_col = -1;
      // Evidence columns with their names, read once per run, not per row.
      std::vector<std::pair<int, std::string>> evidence_cols;
      for (int i = 0; i < static_cast<int>(shape->columns.size()); ++i) {
        const std::string& name = shape->columns[i];
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
      if (host_col < 0 || status_col < 0) {
        run_error = "query lacks host_id or status";
      } else {
        Status ran = queries_.Run(
            QueryKey(check), check.query, org_id, values,
            [&](const store::QueryRow& row) {
              const int64_t host_id = row.Int(host_col);
              const std::string status_text = row.Text(status_col);
              auto status = grading::ParseCheckStatus(status_text);
              const CheckStatus row_status =
                  status.value_or(CheckStatus::kError);
              // Only a host's first row or a worse one is kept: build the
              // rest of the result only then.
              auto [it, inserted] = rows.try_emplace(host_id);
              if (!inserted &&
                  !grading::IsWorse(row_status, it->second.status)) {
                return;
              }
              CheckResult& r = it->second;
              r.status = row_status;
              r.evidence.clear();
              r.evidence.reserve(evidence_cols.size() + (status ? 0 : 1));
              if (!status) {
                r.evidence.push_back({"invalid_status", status_text});
              }
              r.collected_at.reset();
              if (collected_col >= 0 && !row.IsNull(collected_col)) {
                r.collected_at = FromUnixSeconds(row.Int(collected_col));
              }
              for (const auto& [i, name] : evidence_cols) {
                r.evidence.push_back({name, row.Text(i)});
              }
            });
        if (!ran.ok()) {
          run_error = "query failed: " + ran.message();
          rows.clear();
        }
      }
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
