#include "collector/grading/grading.h"

#include <algorithm>
#include <set>
#include <utility>

namespace mamori::grading {

bool IsRuleId(std::string_view id) {
  return std::find(std::begin(kRuleIds), std::end(kRuleIds), id) !=
         std::end(kRuleIds);
}

std::string_view TechnicalVerdictName(TechnicalVerdict verdict) {
  switch (verdict) {
    case TechnicalVerdict::kInPlace:
      return "in_place";
    case TechnicalVerdict::kPartial:
      return "partial";
    case TechnicalVerdict::kAbsent:
      return "absent";
    case TechnicalVerdict::kNotMeasured:
      return "not_measured";
  }
  return "not_measured";
}

namespace {

bool IsUnknownLike(CheckStatus s) {
  return s == CheckStatus::kUnknown || s == CheckStatus::kError;
}

// a*100 >= percent*b without floating point.
bool AtLeastPercent(int64_t a, int64_t b, int percent) {
  return a * 100 >= static_cast<int64_t>(percent) * b;
}

// The verdict from the counts and the coverage and pass-rate tests.
TechnicalVerdict Verdict(const TechnicalMeasure& m) {
  // Endpoints exist but none reports: nothing proves the measure.
  if (m.registered > 0 && m.reporting == 0) return TechnicalVerdict::kAbsent;
  if (m.reporting == 0 || m.in_scope == 0) {
    return TechnicalVerdict::kNotMeasured;
  }
  if (m.coverage_ok && m.pass_rate_ok && m.long_unknown == 0) {
    return TechnicalVerdict::kInPlace;
  }
  if (m.passing > 0) return TechnicalVerdict::kPartial;
  return TechnicalVerdict::kAbsent;
}

}  // namespace

namespace {

// One endpoint's results over the measured checks, folded one result at a
// time (shared by MeasureTechnical and TechnicalTally so both count alike).
struct EndpointFold {
  bool any_fail = false;
  bool any_unknown = false;
  bool any_pass = false;
  bool never_collected = false;
  std::optional<TimePoint> collected_at;
  std::optional<TimePoint> unknown_since;

  // A check without a result: unknown, never compliant.
  void AddMissing() {
    any_unknown = true;
    never_collected = true;
  }

  // Returns true when `r` is a problem (not pass or not_applicable).
  bool Add(const CheckResult& r) {
    if (r.collected_at) {
      if (!collected_at || *r.collected_at < *collected_at) {
        collected_at = r.collected_at;
      }
    } else {
      never_collected = true;
    }
    switch (r.status) {
      case CheckStatus::kPass:
        any_pass = true;
        return false;
      case CheckStatus::kNotApplicable:
        return false;
      case CheckStatus::kFail:
        any_fail = true;
        return true;
      case CheckStatus::kUnknown:
      case CheckStatus::kError: {
        any_unknown = true;
        std::optional<TimePoint> since =
            r.unknown_since ? r.unknown_since : r.collected_at;
        if (since && (!unknown_since || *since < *unknown_since)) {
          unknown_since = since;
        }
        return true;
      }
    }
    return true;
  }
};

// Counts one reporting endpoint into `m` and fills out's status, fresh,
// collected_at and long_unknown.
void CountEndpoint(const EndpointFold& f, std::chrono::seconds max_age,
                   TimePoint now, TechnicalMeasure* m, EndpointOutcome* out) {
  ++m->reporting;
  out->collected_at = f.collected_at;
  if (f.any_fail) {
    out->status = CheckStatus::kFail;
  } else if (f.any_unknown) {
    out->status = CheckStatus::kUnknown;
  } else if (f.any_pass) {
    out->status = CheckStatus::kPass;
  } else {
    out->status = CheckStatus::kNotApplicable;
  }
  out->fresh = !f.never_collected && out->collected_at &&
               now - *out->collected_at <= max_age;

  if (out->status == CheckStatus::kNotApplicable) {
    ++m->not_applicable;
    return;
  }
  ++m->in_scope;
  if (out->collected_at &&
      (!m->oldest_evidence || *out->collected_at < *m->oldest_evidence)) {
    m->oldest_evidence = out->collected_at;
  }
  if (out->fresh) {
    ++m->fresh_in_scope;
    if (out->status == CheckStatus::kPass) ++m->passing;
    if (out->status == CheckStatus::kFail) ++m->failing;
    if (IsUnknownLike(out->status)) {
      ++m->unknown;
      // A fresh unknown has been unknown since its streak began.
      out->long_unknown = f.unknown_since && now - *f.unknown_since > max_age;
    }
  } else {
    // Stale evidence is unknown from the moment it went stale, so it
    // blocks "in place" only once that lasts longer than the maximum age.
    ++m->unknown;
    out->long_unknown =
        !out->collected_at || now - *out->collected_at > 2 * max_age;
  }
  if (out->long_unknown) ++m->long_unknown;
}

// Coverage and pass-rate tests and the verdict, once every endpoint is
// counted.
void FinishMeasure(const TechnicalSettings& settings, TechnicalMeasure* m) {
  m->coverage_ok =
      m->registered > 0 && AtLeastPercent(m->reporting, m->registered,
                                          settings.min_coverage_percent);
  m->pass_rate_ok =
      m->fresh_in_scope > 0 &&
      AtLeastPercent(m->passing, m->fresh_in_scope, settings.min_pass_percent);
  m->verdict = Verdict(*m);
}

}  // namespace

TechnicalMeasure MeasureTechnical(const std::vector<Endpoint>& endpoints,
                                  const std::vector<CheckResult>& results,
                                  const std::vector<std::string>& check_ids,
                                  const TechnicalSettings& settings,
                                  TimePoint now) {
  // Index: host → check → result (first one wins; the store gives one).
  std::map<std::string, std::map<std::string, const CheckResult*>> by_host;
  const std::set<std::string> wanted(check_ids.begin(), check_ids.end());
  for (const CheckResult& r : results) {
    if (wanted.count(r.check_id) == 0) continue;
    by_host[r.host_id].emplace(r.check_id, &r);
  }

  TechnicalMeasure m;
  m.registered =
      std::max(static_cast<int>(endpoints.size()) + settings.unmanaged_pcs,
               settings.expected_endpoints);
  for (const Endpoint& e : endpoints) {
    if (!e.reported) continue;
    EndpointOutcome out;
    out.host_id = e.host_id;
    out.hostname = e.hostname;
    EndpointFold fold;
    const auto host_it = by_host.find(e.host_id);
    for (const std::string& check : check_ids) {
      const CheckResult* r = nullptr;
      if (host_it != by_host.end()) {
        auto it = host_it->second.find(check);
        if (it != host_it->second.end()) r = it->second;
      }
      if (r == nullptr) {
        // Hosts a check does not return are unknown, never compliant.
        CheckResult missing;
        missing.check_id = check;
        missing.host_id = e.host_id;
        missing.status = CheckStatus::kUnknown;
        missing.evidence.push_back({"reason", "no result for this endpoint"});
        out.problems.push_back(std::move(missing));
        fold.AddMissing();
        continue;
      }
      if (fold.Add(*r)) out.problems.push_back(*r);
    }
    CountEndpoint(fold, settings.max_evidence_age, now, &m, &out);
    if (out.fresh && out.status == CheckStatus::kFail) {
      for (const CheckResult& r : out.problems) {
        if (r.status == CheckStatus::kFail) ++m.fresh_failing[r.check_id];
      }
    }
    m.endpoints.push_back(std::move(out));
  }
  FinishMeasure(settings, &m);
  return m;
}

struct TechnicalTally::HostState {
  bool reported = false;
  int results = 0;
  EndpointFold fold;
  // Indexes into check_order_ of the checks this host fails.
  std::vector<uint16_t> failing;
};

TechnicalTally::TechnicalTally(const std::vector<Endpoint>& endpoints,
                               std::vector<std::string> check_ids)
    : check_ids_(std::move(check_ids)),
      distinct_checks_(static_cast<int>(
          std::set<std::string>(check_ids_.begin(), check_ids_.end()).size())),
      registered_(static_cast<int>(endpoints.size())),
      hosts_(endpoints.size()) {
  for (const std::string& id : check_ids_) {
    if (std::find(check_order_.begin(), check_order_.end(), id) ==
        check_order_.end()) {
      check_order_.push_back(id);
    }
  }
  for (size_t i = 0; i < endpoints.size(); ++i) {
    if (!endpoints[i].reported) continue;
    hosts_[i].reported = true;
    index_.emplace(endpoints[i].host_id, i);
  }
}

TechnicalTally::~TechnicalTally() = default;
TechnicalTally::TechnicalTally(TechnicalTally&&) noexcept = default;
TechnicalTally& TechnicalTally::operator=(TechnicalTally&&) noexcept = default;

bool TechnicalTally::Measures(std::string_view check_id) const {
  return std::find(check_ids_.begin(), check_ids_.end(), check_id) !=
         check_ids_.end();
}

void TechnicalTally::Add(const CheckResult& result) {
  if (!Measures(result.check_id)) return;
  auto it = index_.find(result.host_id);
  if (it == index_.end()) return;
  HostState& h = hosts_[it->second];
  h.fold.Add(result);
  ++h.results;
  if (result.status == CheckStatus::kFail) {
    const auto at =
        std::find(check_order_.begin(), check_order_.end(), result.check_id);
    h.failing.push_back(static_cast<uint16_t>(at - check_order_.begin()));
  }
}

TechnicalMeasure TechnicalTally::Finish(const TechnicalSettings& settings,
                                        TimePoint now) const {
  TechnicalMeasure m;
  m.registered = std::max(registered_ + settings.unmanaged_pcs,
                          settings.expected_endpoints);
  for (size_t i = 0; i < hosts_.size(); ++i) {
    if (!hosts_[i].reported) continue;
    EndpointFold fold = hosts_[i].fold;
    // Checks without a result for the host count as missing (unknown).
    if (hosts_[i].results < distinct_checks_) fold.AddMissing();
    EndpointOutcome out;
    CountEndpoint(fold, settings.max_evidence_age, now, &m, &out);
    if (out.fresh && out.status == CheckStatus::kFail) {
      for (uint16_t c : hosts_[i].failing) ++m.fresh_failing[check_order_[c]];
    }
  }
  FinishMeasure(settings, &m);
  return m;
}

std::string_view GradeName(Grade grade) {
  switch (grade) {
    case Grade::kA:
      return "A";
    case Grade::kB:
      return "B";
    case Grade::kC:
      return "C";
    case Grade::kD:
      return "D";
  }
  return "D";
}

Grade BaseGrade(bool written, bool spread, bool managed) {
  if (written && spread && managed) return Grade::kA;
  if (written && spread) return Grade::kB;
  if (written || spread) return Grade::kC;
  return Grade::kD;
}

RuleGrade GradeRule(std::string rule, const ViewpointAnswers& answers,
                    std::optional<TechnicalMeasure> measure) {
  RuleGrade g;
  g.rule = std::move(rule);
  g.answers = answers;
  g.answered = answers.written.has_value() ||
               answers.spread != Spread::kUnanswered ||
               answers.managed.has_value() || answers.technical.has_value();
  g.base = BaseGrade(answers.written.value_or(false),
                     answers.spread == Spread::kSpread,
                     answers.managed.value_or(false));
  if (measure && measure->verdict != TechnicalVerdict::kNotMeasured) {
    g.technical_source = TechnicalSource::kEvidence;
    g.technical_in_place = measure->verdict == TechnicalVerdict::kInPlace;
  } else if (answers.technical.has_value()) {
    g.technical_source = TechnicalSource::kAnswer;
    g.technical_in_place = *answers.technical;
  }
  g.measure = std::move(measure);
  g.grade = g.base;
  if (g.technical_in_place && g.base != Grade::kA) {
    g.grade = static_cast<Grade>(static_cast<int>(g.base) + 1);
  }
  return g;
}

std::optional<Grade> OverallGrade(const std::vector<Grade>& grades) {
  if (grades.empty()) return std::nullopt;
  int64_t sum = 0;
  for (Grade g : grades) sum += static_cast<int>(g);
  const auto n = static_cast<int64_t>(grades.size());
  // Average ≥ 3.5 ⇔ 2·sum ≥ 7·n, and so on: exact, no rounding.
  if (2 * sum >= 7 * n) return Grade::kA;
  if (2 * sum >= 5 * n) return Grade::kB;
  if (2 * sum >= 3 * n) return Grade::kC;
  return Grade::kD;
}

std::string_view DiscrepancyDirectionName(Discrepancy::Direction direction) {
  return direction == Discrepancy::Direction::kClaimedNotMeasured
             ? "claimed_not_measured"
             : "measured_not_claimed";
}

std::optional<Discrepancy> CompareClaim(std::string subject, Claim claim,
                                        std::string answer_text,
                                        const TechnicalMeasure& measure) {
  if (measure.verdict == TechnicalVerdict::kNotMeasured) return std::nullopt;
  const bool in_place = measure.verdict == TechnicalVerdict::kInPlace;
  const bool absent = measure.verdict == TechnicalVerdict::kAbsent;
  std::optional<Discrepancy::Direction> direction;
  switch (claim) {
    case Claim::kInPlace:
      if (!in_place) direction = Discrepancy::Direction::kClaimedNotMeasured;
      break;
    case Claim::kNone:
      if (in_place) direction = Discrepancy::Direction::kMeasuredNotClaimed;
      break;
    case Claim::kPartly:
      if (absent) direction = Discrepancy::Direction::kClaimedNotMeasured;
      if (in_place) direction = Discrepancy::Direction::kMeasuredNotClaimed;
      break;
  }
  if (!direction) return std::nullopt;
  Discrepancy d;
  d.subject = std::move(subject);
  d.direction = *direction;
  d.answer = std::move(answer_text);
  d.verdict = measure.verdict;
  d.passing = measure.passing;
  d.in_scope = measure.in_scope;
  if (*direction == Discrepancy::Direction::kClaimedNotMeasured) {
    for (const EndpointOutcome& e : measure.endpoints) {
      if (e.status == CheckStatus::kFail || IsUnknownLike(e.status) ||
          (!e.fresh && e.status != CheckStatus::kNotApplicable)) {
        d.endpoints.push_back(e);
      }
    }
  }
  return d;
}

std::string_view ImprovementKindName(Improvement::Kind kind) {
  switch (kind) {
    case Improvement::Kind::kEnrollEndpoints:
      return "enroll_endpoints";
    case Improvement::Kind::kFixEndpoints:
      return "fix_endpoints";
    case Improvement::Kind::kWriteRule:
      return "write_rule";
    case Improvement::Kind::kSpreadRule:
      return "spread_rule";
    case Improvement::Kind::kManageRule:
      return "manage_rule";
  }
  return "fix_endpoints";
}

int RulePriority(std::string_view rule) {
  // kRuleIds is already in the seeds' order of advice.
  const auto* it = std::find(std::begin(kRuleIds), std::end(kRuleIds), rule);
  return static_cast<int>(it - std::begin(kRuleIds));
}

std::vector<Improvement> PlanImprovements(
    const std::vector<RuleGrade>& grades,
    const std::map<std::string, std::string>& check_rules) {
  // Costs follow the seeds: writing a rule and fixing settings on named PCs
  // need little money or expertise (1); spreading a rule to everyone and
  // installing the agent on missing PCs take some effort (2); managing
  // (periodic tests, hearings) is the most effort (3).
  std::vector<Improvement> out;
  for (const RuleGrade& g : grades) {
    if (g.grade == Grade::kA &&
        g.technical_source != TechnicalSource::kEvidence)
      continue;
    const bool written = g.answers.written.value_or(false);
    const bool spread = g.answers.spread == Spread::kSpread;
    const bool managed = g.answers.managed.value_or(false);
    if (g.measure) {
      std::map<std::string, std::vector<EndpointOutcome>> failing_by_check;
      for (const EndpointOutcome& e : g.measure->endpoints) {
        if (!e.fresh || e.status != CheckStatus::kFail) continue;
        for (const CheckResult& r : e.problems) {
          if (r.status != CheckStatus::kFail) continue;
          auto rule_it = check_rules.find(r.check_id);
          if (rule_it != check_rules.end() && rule_it->second != g.rule) {
            continue;
          }
          EndpointOutcome only = e;
          only.problems = {r};
          failing_by_check[r.check_id].push_back(std::move(only));
        }
      }
      // A measure without its endpoints (TechnicalTally) names the checks
      // and counts from fresh_failing: the same items, without the hosts.
      for (const auto& [check, count] : g.measure->fresh_failing) {
        auto rule_it = check_rules.find(check);
        if (rule_it != check_rules.end() && rule_it->second != g.rule) {
          continue;
        }
        if (count > 0) failing_by_check[check];
      }
      for (auto& [check, hosts] : failing_by_check) {
        Improvement imp;
        imp.kind = Improvement::Kind::kFixEndpoints;
        imp.rule = g.rule;
        imp.check_id = check;
        imp.endpoints = std::move(hosts);
        imp.cost = 1;
        imp.endpoint_count = static_cast<int>(imp.endpoints.size());
        if (auto n = g.measure->fresh_failing.find(check);
            n != g.measure->fresh_failing.end()) {
          imp.endpoint_count = std::max(imp.endpoint_count, n->second);
        }
        out.push_back(std::move(imp));
      }
      if (!g.measure->coverage_ok && g.measure->registered > 0) {
        Improvement imp;
        imp.kind = Improvement::Kind::kEnrollEndpoints;
        imp.rule = g.rule;
        imp.cost = 2;
        out.push_back(std::move(imp));
      }
    }
    if (g.grade == Grade::kA) continue;
    if (!written) {
      out.push_back({Improvement::Kind::kWriteRule, g.rule, "", {}, 1});
    }
    if (!spread) {
      out.push_back({Improvement::Kind::kSpreadRule, g.rule, "", {}, 2});
    }
    if (!managed) {
      out.push_back({Improvement::Kind::kManageRule, g.rule, "", {}, 3});
    }
  }
  std::stable_sort(out.begin(), out.end(),
                   [](const Improvement& a, const Improvement& b) {
                     if (a.cost != b.cost) return a.cost < b.cost;
                     return RulePriority(a.rule) < RulePriority(b.rule);
                   });
  return out;
}

}  // namespace mamori::grading
