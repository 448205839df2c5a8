#include "collector/policy/grade_counts.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <utility>

namespace mamori::policy {
namespace {

using nlohmann::json;

constexpr size_t kKept = store::kGradeCountFailingKept;

int64_t HostNumber(const std::string& id) {
  try {
    return std::stoll(id);
  } catch (const std::exception&) {
    return 0;
  }
}

constexpr grading::TechnicalVerdict kVerdicts[] = {
    grading::TechnicalVerdict::kInPlace, grading::TechnicalVerdict::kPartial,
    grading::TechnicalVerdict::kAbsent,
    grading::TechnicalVerdict::kNotMeasured};

}  // namespace

GradeCountBuilder::GradeCountBuilder(
    const std::vector<store::GradingHost>& hosts) {
  for (const store::GradingHost& h : hosts) {
    hostnames_[std::to_string(h.host_id)] = h.hostname;
  }
}

void GradeCountBuilder::Trim(std::vector<grading::CheckResult>* failing) const {
  std::sort(failing->begin(), failing->end(),
            [](const grading::CheckResult& a, const grading::CheckResult& b) {
              return HostNumber(a.host_id) < HostNumber(b.host_id);
            });
  if (failing->size() > kKept) failing->resize(kKept);
}

void GradeCountBuilder::Add(const grading::CheckResult& r) {
  Check& c = checks_[r.check_id];
  switch (r.status) {
    case grading::CheckStatus::kPass:
      ++c.row.pass;
      break;
    case grading::CheckStatus::kFail:
      ++c.row.fail;
      c.failing.push_back(r);
      // Keeps at most twice the kept hosts between trims: memory stays
      // bounded however many hosts fail.
      if (c.failing.size() >= 2 * kKept) Trim(&c.failing);
      break;
    case grading::CheckStatus::kUnknown:
      ++c.row.unknown;
      break;
    case grading::CheckStatus::kNotApplicable:
      ++c.row.not_applicable;
      break;
    case grading::CheckStatus::kError:
      ++c.row.error;
      break;
  }
}

void GradeCountBuilder::AddMeasure(
    const std::string& subject,
    const std::optional<grading::TechnicalMeasure>& measure) {
  store::GradeCountRow row;
  row.subject = subject;
  if (measure) row.measure_json = MeasureJson(*measure);
  measures_.push_back(std::move(row));
}

store::GradeCounts GradeCountBuilder::Finish(TimePoint evaluated_at) {
  store::GradeCounts out;
  out.evaluated_at = evaluated_at;
  for (auto& [id, c] : checks_) {
    Trim(&c.failing);
    json failing = json::array();
    for (const grading::CheckResult& r : c.failing) {
      json evidence = json::array();
      for (const grading::Evidence& e : r.evidence) {
        evidence.push_back({{"name", e.name}, {"value", e.value}});
      }
      auto name = hostnames_.find(r.host_id);
      failing.push_back(
          {{"id", HostNumber(r.host_id)},
           {"hostname", name == hostnames_.end() ? "" : name->second},
           {"evidence", std::move(evidence)}});
    }
    c.row.subject = id;
    // Evidence comes from endpoints: invalid UTF-8 is replaced, never
    // refused (the whole run would fail on one host's bytes).
    c.row.failing_json =
        failing.dump(-1, ' ', false, json::error_handler_t::replace);
    out.rows.push_back(std::move(c.row));
  }
  checks_.clear();
  for (store::GradeCountRow& row : measures_)
    out.rows.push_back(std::move(row));
  measures_.clear();
  return out;
}

nlohmann::ordered_json MeasureCountsJson(const grading::TechnicalMeasure& m) {
  return {{"verdict", std::string(grading::TechnicalVerdictName(m.verdict))},
          {"registered", m.registered},
          {"reporting", m.reporting},
          {"in_scope", m.in_scope},
          {"fresh_in_scope", m.fresh_in_scope},
          {"passing", m.passing},
          {"failing", m.failing},
          {"unknown", m.unknown},
          {"long_unknown", m.long_unknown},
          {"not_applicable", m.not_applicable},
          {"coverage_ok", m.coverage_ok},
          {"pass_rate_ok", m.pass_rate_ok}};
}

std::string MeasureJson(const grading::TechnicalMeasure& m) {
  // A plain json object: the stored text keeps its keys sorted, as it
  // always has.
  json j = MeasureCountsJson(m);
  json fresh_failing = json::object();
  for (const auto& [check, n] : m.fresh_failing) fresh_failing[check] = n;
  j["oldest_evidence"] = m.oldest_evidence
                             ? json(ToUnixSeconds(*m.oldest_evidence))
                             : json(nullptr);
  j["fresh_failing"] = std::move(fresh_failing);
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::optional<grading::TechnicalMeasure> ParseMeasure(const std::string& text) {
  if (text.empty()) return std::nullopt;
  const json j = json::parse(text, nullptr, false);
  if (!j.is_object()) return std::nullopt;
  try {
    grading::TechnicalMeasure m;
    const std::string verdict = j.at("verdict").get<std::string>();
    bool known = false;
    for (grading::TechnicalVerdict v : kVerdicts) {
      if (grading::TechnicalVerdictName(v) == verdict) {
        m.verdict = v;
        known = true;
      }
    }
    if (!known) return std::nullopt;
    m.registered = j.at("registered").get<int>();
    m.reporting = j.at("reporting").get<int>();
    m.in_scope = j.at("in_scope").get<int>();
    m.fresh_in_scope = j.at("fresh_in_scope").get<int>();
    m.passing = j.at("passing").get<int>();
    m.failing = j.at("failing").get<int>();
    m.unknown = j.at("unknown").get<int>();
    m.long_unknown = j.at("long_unknown").get<int>();
    m.not_applicable = j.at("not_applicable").get<int>();
    m.coverage_ok = j.at("coverage_ok").get<bool>();
    m.pass_rate_ok = j.at("pass_rate_ok").get<bool>();
    if (const json& oldest = j.at("oldest_evidence"); !oldest.is_null()) {
      m.oldest_evidence = FromUnixSeconds(oldest.get<int64_t>());
    }
    for (const auto& [check, n] : j.at("fresh_failing").items()) {
      m.fresh_failing[check] = n.get<int>();
    }
    return m;
  } catch (const json::exception&) {
    return std::nullopt;
  }
}

}  // namespace mamori::policy
