#include "collector/policy/grading_service.h"

#include <algorithm>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>

#include "collector/pki/crypto.h"
#include "collector/policy/grade_counts.h"
#include "collector/software/dictionary.h"
#include "collector/store/open_store.h"
#include "common/log.h"

namespace mamori::policy {

namespace {

PolicySet Merge(const PolicySet& a, const PolicySet& b) {
  PolicySet out;
  out.checks = a.checks;
  out.checks.insert(out.checks.end(), b.checks.begin(), b.checks.end());
  out.version = b.checks.empty() ? a.version
                                 : pki::Sha256Hex(a.version + "+" + b.version);
  return out;
}

Status CheckNoClash(const PolicySet& builtin, const PolicySet& custom) {
  for (const Check& c : custom.checks) {
    if (const Check* b = builtin.Find(c.id)) {
      return InvalidArgumentError(c.source + ": id: check '" + c.id +
                                  "' is a built-in check (" + b->source +
                                  "); choose another id");
    }
  }
  return Status::Ok();
}

grading::Claim ClaimFromIpa(grading::IpaAnswer a) {
  switch (a) {
    case grading::IpaAnswer::kDone:
      return grading::Claim::kInPlace;
    case grading::IpaAnswer::kPartly:
      return grading::Claim::kPartly;
    default:
      return grading::Claim::kNone;
  }
}

}  // namespace

std::chrono::milliseconds ScaledCheckTimeLimit(std::chrono::milliseconds base,
                                               int64_t base_hosts,
                                               int64_t hosts) {
  if (base_hosts <= 0 || hosts <= base_hosts) return base;
  // hosts / base_hosts in whole thousandths, so nothing overflows.
  const int64_t permille = hosts * 1000 / base_hosts;
  const std::chrono::milliseconds scaled{base.count() * permille / 1000};
  return std::min(std::max(scaled, base), std::max(base, kMaxCheckTimeLimit));
}

grading::TechnicalSettings SettingsFrom(const AnswerSet& answers) {
  grading::TechnicalSettings s;
  auto get = [&](const char* name, int64_t fallback) {
    auto it = answers.settings.find(name);
    return it == answers.settings.end() ? fallback : it->second;
  };
  s.min_coverage_percent = static_cast<int>(get("min_coverage_percent", 90));
  s.min_pass_percent = static_cast<int>(get("min_pass_percent", 90));
  s.max_evidence_age =
      std::chrono::seconds(get("max_evidence_age_days", 7) * 86400);
  s.expected_endpoints = static_cast<int>(get("expected_endpoints", 0));
  return s;
}

Result<std::unique_ptr<GradingService>> GradingService::Open(
    const Options& options, const Clock& clock) {
  // The core store is opened only to reach the grading port: it checks the
  // schema is current and is closed again at once.
  auto core = store::OpenStore(options.database_path, clock, {.create = false});
  if (!core.ok()) return core.status();
  auto store = (*core)->OpenGrading();
  if (!store.ok()) return store.status();
  (*store)->check_queries().SetTimeLimit(options.check_time_limit);
  std::unique_ptr<GradingService> svc(
      new GradingService(std::move(*store), clock, options));
  auto devices = store::OpenDeviceStore(options.database_path);
  if (devices.ok()) {
    svc->devices_ = std::move(*devices);
    MAMORI_RETURN_IF_ERROR(svc->SyncVendors());
  } else if (devices.status().code() == StatusCode::kUnimplemented) {
    // A backend without the devices' tables: the checks that require them
    // are left out (Runnable), never passed.
    MAMORI_LOG(kWarning) << devices.status().message();
  } else {
    return devices.status();
  }

  auto builtin = BuildPolicySet(BuiltinPolicySources(), true);
  if (!builtin.ok()) {
    return FailedPreconditionError("built-in policy is broken: " +
                                   builtin.status().message());
  }
  *builtin = svc->Runnable(*builtin);
  if (Status s = svc->runner_.Validate(*builtin); !s.ok()) {
    return FailedPreconditionError("built-in policy is broken: " + s.message());
  }
  svc->builtin_ = std::move(*builtin);
  auto questionnaires = ParseQuestionnaires(BuiltinQuestionnaireSources());
  if (!questionnaires.ok()) {
    return FailedPreconditionError("built-in questionnaire is broken: " +
                                   questionnaires.status().message());
  }
  svc->questionnaires_ = std::move(*questionnaires);
  auto eos = ParseEndOfSupport(BuiltinEndOfSupportSource());
  if (!eos.ok()) {
    return FailedPreconditionError("built-in end-of-support table is broken: " +
                                   eos.status().message());
  }
  MAMORI_RETURN_IF_ERROR(svc->store_->SyncReferenceData(*eos));
  // The software checks read the dictionary's matches from the store.
  MAMORI_RETURN_IF_ERROR(
      software::SyncBuiltinDictionary(options.database_path));
  svc->policies_ = svc->builtin_;
  MAMORI_RETURN_IF_ERROR(svc->LoadCustom(/*initial=*/true));
  return svc;
}

Status GradingService::LoadCustom(bool initial) {
  auto candidate =
      [&]() -> Result<std::pair<PolicySet, std::vector<PolicySource>>> {
    if (options_.custom_policy_dir.empty()) {
      return std::pair<PolicySet, std::vector<PolicySource>>();
    }
    auto sources = ReadPolicyDir(options_.custom_policy_dir);
    if (!sources.ok()) return sources.status();
    auto set = BuildPolicySet(*sources, false);
    if (!set.ok()) return set.status();
    *set = Runnable(*set);
    MAMORI_RETURN_IF_ERROR(CheckNoClash(builtin_, *set));
    MAMORI_RETURN_IF_ERROR(runner_.Validate(*set));
    return std::make_pair(std::move(*set), std::move(*sources));
  }();
  if (candidate.ok()) {
    custom_ = std::move(candidate->first);
    custom_error_ = Status::Ok();
    if (!candidate->second.empty()) {
      MAMORI_RETURN_IF_ERROR(store_->SaveCustomPolicies(
          custom_.version, candidate->second, clock_.Now()));
    }
    policies_ = Merge(builtin_, custom_);
    return Status::Ok();
  }
  custom_error_ = candidate.status();
  MAMORI_LOG(kError) << "custom policy refused, previous version kept: "
                     << custom_error_.message();
  if (initial) {
    // Fall back to the last set that validated, as stored.
    auto last = store_->LastGoodCustomPolicies();
    if (!last.ok()) return last.status();
    if (last->has_value()) {
      auto set = BuildPolicySet(**last, false);
      if (set.ok()) *set = Runnable(*set);
      if (set.ok() && CheckNoClash(builtin_, *set).ok() &&
          runner_.Validate(*set).ok()) {
        custom_ = std::move(*set);
      }
    }
    policies_ = Merge(builtin_, custom_);
    // Starting matters more than the custom edit: keep running on the last
    // good set, with the error logged and kept in custom_policy_error().
    return Status::Ok();
  }
  return custom_error_;
}

PolicySet GradingService::Runnable(const PolicySet& set) const {
  // Every backend keeps the software rules (store/software_port.h).
  std::vector<std::string> available = {"software_rules"};
  if (devices_ != nullptr) available.push_back("devices");
  std::vector<std::string> left_out;
  PolicySet out = RunnableOn(set, available, &left_out);
  for (const std::string& check : left_out) {
    MAMORI_LOG(kWarning) << "check " << check
                         << " is not available on this backend: left out";
  }
  return out;
}

Status GradingService::ReloadCustomPolicies() { return LoadCustom(false); }

Result<GradeReport> GradingService::Evaluate(const std::string& org) {
  auto id = store_->OrgId(org);
  if (!id.ok()) return id.status();
  return Build(*id, org, Mode::kRunReport);
}

Status GradingService::EvaluateOrgId(int64_t org_id,
                                     const std::function<Status()>& go_on) {
  return Build(org_id, "", Mode::kRunSnapshot, go_on).status();
}

Result<GradeReport> GradingService::Report(const std::string& org) {
  auto id = store_->OrgId(org);
  if (!id.ok()) return id.status();
  return Build(*id, org, Mode::kStored);
}

namespace {

// The checks of each rule, in policy order (the ten rules in order).
std::vector<std::vector<std::string>> RuleChecks(const PolicySet& policies) {
  std::vector<std::vector<std::string>> out;
  for (std::string_view rule : grading::kRuleIds) {
    std::vector<std::string>& ids = out.emplace_back();
    for (const Check& c : policies.checks) {
      if (c.rule == rule) ids.push_back(c.id);
    }
  }
  return out;
}

// The checks an IPA item's answer is cross-checked against.
std::vector<std::string> IpaEvidenceChecks(const PolicySet& policies,
                                           const IpaItem& item) {
  std::vector<std::string> ids = item.evidence_checks;
  if (!item.evidence_rule.empty()) {
    for (const Check& c : policies.checks) {
      if (c.rule == item.evidence_rule) ids.push_back(c.id);
    }
  }
  return ids;
}

std::map<std::string, std::string> CheckRules(const PolicySet& policies) {
  std::map<std::string, std::string> out;
  for (const Check& c : policies.checks) {
    if (!c.rule.empty()) out[c.id] = c.rule;
  }
  return out;
}

// Grades the ten rules of `r` from its answers and each rule's measure
// (`measure(ri)`; nullopt when the rule has no checks), with the rules'
// discrepancies and the overall grade; the rule grades go to *grades.
void GradeRules(
    const PolicySet& policies, GradeReport* r,
    const std::function<std::optional<grading::TechnicalMeasure>(size_t)>&
        measure,
    std::vector<grading::RuleGrade>* grades) {
  std::vector<grading::Grade> letters;
  for (size_t ri = 0; ri < std::size(grading::kRuleIds); ++ri) {
    const std::string rule(grading::kRuleIds[ri]);
    RuleReport rr;
    for (const Check& c : policies.checks) {
      if (c.rule == rule) rr.checks.push_back(&c);
    }
    grading::ViewpointAnswers va;
    if (auto it = r->answers.second.find(rule); it != r->answers.second.end()) {
      va = it->second;
    }
    std::optional<grading::TechnicalMeasure> m = measure(ri);
    rr.grade = grading::GradeRule(rule, va, std::move(m));
    if (rr.grade.measure && va.technical.has_value()) {
      if (auto d = grading::CompareClaim(
              rule,
              *va.technical ? grading::Claim::kInPlace : grading::Claim::kNone,
              *va.technical ? "yes" : "no", *rr.grade.measure)) {
        r->discrepancies.push_back(std::move(*d));
      }
    }
    grades->push_back(rr.grade);
    letters.push_back(rr.grade.grade);
    r->rules.push_back(std::move(rr));
  }
  r->overall = grading::OverallGrade(letters);
}

// The IPA answers' discrepancies with the evidence (`measure` of an item's
// evidence checks; nullopt when there is none).
void IpaClaims(const PolicySet& policies, const Questionnaires& questionnaires,
               GradeReport* r,
               const std::function<std::optional<grading::TechnicalMeasure>(
                   const IpaItem&, const std::vector<std::string>&)>& measure) {
  for (const IpaItem& item : questionnaires.ipa.items) {
    auto ans = r->answers.ipa.find(item.number);
    if (ans == r->answers.ipa.end() ||
        ans->second == grading::IpaAnswer::kDontKnow ||
        ans->second == grading::IpaAnswer::kNotApplicable) {
      continue;
    }
    const std::vector<std::string> ids = IpaEvidenceChecks(policies, item);
    if (ids.empty()) continue;
    std::optional<grading::TechnicalMeasure> m = measure(item, ids);
    if (!m) continue;
    if (auto d = grading::CompareClaim(
            "ipa:" + std::to_string(item.number), ClaimFromIpa(ans->second),
            std::string(grading::IpaAnswerName(ans->second)), *m)) {
      r->discrepancies.push_back(std::move(*d));
    }
  }
}

}  // namespace

Status GradingService::WriteGradeCounts(int64_t org_id) {
  return Build(org_id, "", Mode::kStoredCounts).status();
}

Result<GradeReport> GradingService::FromCounts(const store::GradeCounts& counts,
                                               AnswerSet answers) const {
  GradeReport r;
  r.evaluated_at = counts.evaluated_at;
  r.policy_version = policies_.version;
  r.answers = std::move(answers);
  r.settings = SettingsFrom(r.answers);
  std::map<std::string, const store::GradeCountRow*, std::less<>> rows;
  for (const store::GradeCountRow& row : counts.rows) rows[row.subject] = &row;
  auto stored = [&](const std::string& subject)
      -> std::optional<grading::TechnicalMeasure> {
    auto it = rows.find(subject);
    if (it == rows.end()) return std::nullopt;
    return ParseMeasure(it->second->measure_json);
  };
  const auto rule_checks = RuleChecks(policies_);
  std::vector<grading::RuleGrade> grades;
  GradeRules(
      policies_, &r,
      [&](size_t ri) -> std::optional<grading::TechnicalMeasure> {
        if (rule_checks[ri].empty()) return std::nullopt;
        return stored("rule:" + std::string(grading::kRuleIds[ri]));
      },
      &grades);
  if (!r.answers.ipa.empty()) {
    IpaClaims(policies_, questionnaires_, &r,
              [&](const IpaItem& item, const std::vector<std::string>&) {
                return stored("ipa:" + std::to_string(item.number));
              });
  }
  r.improvements = grading::PlanImprovements(grades, CheckRules(policies_));
  return r;
}

Result<GradeReport> GradingService::Build(
    int64_t org_id, const std::string& org, Mode mode,
    const std::function<Status()>& go_on) {
  const bool run_checks =
      mode == Mode::kRunReport || mode == Mode::kRunSnapshot;
  // kRunSnapshot keeps no result: each check's results are stored and
  // folded into the rules' tallies as soon as its query has run.
  const bool keep_results = mode != Mode::kRunSnapshot;
  // Every run (and kStoredCounts) writes the console's grade counts.
  const bool write_counts = mode != Mode::kStored;
  GradeReport r;
  r.org = org;
  r.evaluated_at = clock_.Now();
  r.policy_version = policies_.version;
  auto hosts = store_->Hosts(org_id);
  if (!hosts.ok()) return hosts.status();
  r.hosts = std::move(*hosts);
  auto answers = store_->LoadAnswers(org_id);
  if (!answers.ok()) return answers.status();
  r.answers = std::move(*answers);
  r.settings = SettingsFrom(r.answers);
  if (auto days = r.answers.settings.find("unmanaged_pc_days");
      devices_ != nullptr &&
      (days == r.answers.settings.end() || days->second > 0)) {
    const int64_t n = days == r.answers.settings.end() ? 30 : days->second;
    auto unmanaged = devices_->CountUnmanagedPcs(
        org_id, r.evaluated_at - std::chrono::hours(24 * n));
    if (!unmanaged.ok()) return unmanaged.status();
    r.settings.unmanaged_pcs = static_cast<int>(*unmanaged);
  }

  std::vector<grading::Endpoint> endpoints;
  for (const auto& h : r.hosts) {
    endpoints.push_back({std::to_string(h.host_id), h.hostname, h.reported});
  }
  const std::vector<std::vector<std::string>> rule_checks =
      RuleChecks(policies_);
  // The IPA items with evidence checks: their measures are kept in the
  // grade counts whether answered or not (an answer may come later).
  std::vector<std::pair<const IpaItem*, std::vector<std::string>>> ipa_items;
  if (write_counts) {
    for (const IpaItem& item : questionnaires_.ipa.items) {
      std::vector<std::string> ids = IpaEvidenceChecks(policies_, item);
      if (!ids.empty()) ipa_items.emplace_back(&item, std::move(ids));
    }
  }
  std::vector<grading::TechnicalTally> tallies;
  std::vector<grading::TechnicalTally> ipa_tallies;
  if (!keep_results) {
    for (const auto& ids : rule_checks) tallies.emplace_back(endpoints, ids);
    for (const auto& [_, ids] : ipa_items) {
      ipa_tallies.emplace_back(endpoints, ids);
    }
  }
  std::optional<GradeCountBuilder> counts;
  if (write_counts) counts.emplace(r.hosts);

  std::vector<grading::CheckResult> current;
  if (run_checks) {
    store_->check_queries().SetTimeLimit(ScaledCheckTimeLimit(
        options_.check_time_limit, options_.check_time_limit_hosts,
        static_cast<int64_t>(r.hosts.size())));
    // Each check's query runs on the store's sandboxed read connection,
    // outside any write transaction (issue #13 point 6: a slow or runaway
    // check holds up no report), then its results are written in a short
    // transaction of their own.
    MAMORI_RETURN_IF_ERROR(runner_.RunEach(
        policies_, org_id, r.hosts, r.answers.parameters, r.evaluated_at,
        [&](const Check& check, std::vector<grading::CheckResult>* results) {
          // Asked before storing: a check whose query a stop cut short
          // would store `error` for every host.
          if (go_on) MAMORI_RETURN_IF_ERROR(go_on());
          MAMORI_RETURN_IF_ERROR(store_->SaveCheckResults(
              org_id, check.id, results, policies_.version, r.evaluated_at));
          if (counts) {
            for (const grading::CheckResult& c : *results) counts->Add(c);
          }
          if (keep_results) {
            std::move(results->begin(), results->end(),
                      std::back_inserter(current));
            return Status::Ok();
          }
          for (auto* set : {&tallies, &ipa_tallies}) {
            for (grading::TechnicalTally& t : *set) {
              if (!t.Measures(check.id)) continue;
              for (const grading::CheckResult& c : *results) t.Add(c);
            }
          }
          return Status::Ok();
        }));
  } else {
    auto stored = store_->LoadResults(org_id);
    if (!stored.ok()) return stored.status();
    current = std::move(*stored);
  }
  for (grading::CheckResult& c : current) {
    if (policies_.Find(c.check_id) != nullptr) {
      if (counts && !run_checks) counts->Add(c);
      r.results.push_back(std::move(c));
    }
  }
  current = {};

  auto measure_checks = [&](const std::vector<std::string>& ids) {
    return grading::MeasureTechnical(endpoints, r.results, ids, r.settings,
                                     r.evaluated_at);
  };

  std::vector<grading::RuleGrade> grades;
  GradeRules(
      policies_, &r,
      [&](size_t ri) -> std::optional<grading::TechnicalMeasure> {
        if (rule_checks[ri].empty()) return std::nullopt;
        return keep_results ? measure_checks(rule_checks[ri])
                            : tallies[ri].Finish(r.settings, r.evaluated_at);
      },
      &grades);
  std::optional<store::GradeCounts> kept;
  if (counts) {
    for (const RuleReport& rr : r.rules) {
      counts->AddMeasure("rule:" + rr.grade.rule, rr.grade.measure);
    }
    for (size_t i = 0; i < ipa_items.size(); ++i) {
      counts->AddMeasure(
          "ipa:" + std::to_string(ipa_items[i].first->number),
          keep_results ? measure_checks(ipa_items[i].second)
                       : ipa_tallies[i].Finish(r.settings, r.evaluated_at));
    }
    kept = counts->Finish(r.evaluated_at);
    counts.reset();
  }
  if (mode == Mode::kStoredCounts) {
    MAMORI_RETURN_IF_ERROR(store_->SaveGradeCounts(org_id, *kept));
    return GradeReport{};
  }
  if (!keep_results) {
    // The snapshot needs only the rules' grades: trend topics, the
    // questionnaires' scores and the improvement list are for reports.
    return SaveSnapshot(org_id, &r, kept ? &*kept : nullptr);
  }

  for (const char* topic : kTopics) {
    TopicReport t;
    t.topic = topic;
    std::vector<std::string> ids;
    for (const Check& c : policies_.checks) {
      if (c.topic == topic) {
        t.checks.push_back(&c);
        ids.push_back(c.id);
      }
    }
    if (ids.empty()) continue;
    t.measure = measure_checks(ids);
    r.topics.push_back(std::move(t));
  }

  if (!r.answers.first.empty()) {
    std::vector<grading::FirstDiagnosisAnswer> fa;
    for (const auto& [id, score] : r.answers.first) {
      if (const auto* q = questionnaires_.first.Find(id)) {
        fa.push_back({id, q->category, score});
      }
    }
    auto scored = grading::ScoreFirstDiagnosis(fa);
    if (!scored.ok()) return scored.status();
    r.first_diagnosis = std::move(*scored);
  }
  if (!r.answers.ipa.empty()) {
    grading::IpaSettings ipa_settings;
    ipa_settings.not_applicable_points =
        questionnaires_.ipa.not_applicable_points;
    if (auto it = r.answers.settings.find("ipa_not_applicable_points");
        it != r.answers.settings.end()) {
      ipa_settings.not_applicable_points = static_cast<int>(it->second);
    }
    auto scored = grading::ScoreIpa(r.answers.ipa, ipa_settings);
    if (!scored.ok()) return scored.status();
    r.ipa = *scored;
    IpaClaims(
        policies_, questionnaires_, &r,
        [&](const IpaItem&, const std::vector<std::string>& ids) {
          return std::optional<grading::TechnicalMeasure>(measure_checks(ids));
        });
  }
  r.improvements = grading::PlanImprovements(grades, CheckRules(policies_));

  if (run_checks) return SaveSnapshot(org_id, &r, kept ? &*kept : nullptr);
  return r;
}

Result<GradeReport> GradingService::SaveSnapshot(
    int64_t org_id, GradeReport* r, const store::GradeCounts* counts) {
  nlohmann::ordered_json rules = nlohmann::ordered_json::object();
  for (const RuleReport& rr : r->rules) {
    rules[rr.grade.rule] = std::string(grading::GradeName(rr.grade.grade));
  }
  store::GradeSnapshot snap{
      r->evaluated_at, r->policy_version,
      r->overall ? std::string(grading::GradeName(*r->overall)) : "",
      rules.dump()};
  // The snapshot and the console's counts of the same run, together.
  MAMORI_RETURN_IF_ERROR(store_->InTransaction([&]() -> Status {
    MAMORI_RETURN_IF_ERROR(store_->SaveGradeSnapshot(org_id, snap));
    if (counts != nullptr) {
      MAMORI_RETURN_IF_ERROR(store_->SaveGradeCounts(org_id, *counts));
    }
    return Status::Ok();
  }));
  return std::move(*r);
}

Status GradingService::ImportAnswers(const std::string& org,
                                     const PolicySource& file,
                                     const std::string& who) {
  auto id = store_->OrgId(org);
  if (!id.ok()) return id.status();
  auto answers = ParseAnswers(file, questionnaires_, policies_);
  if (!answers.ok()) return answers.status();
  if (!answers->organisation.empty() && answers->organisation != org) {
    return InvalidArgumentError(file.name +
                                ": organisation: the file is for '" +
                                answers->organisation + "', not '" + org + "'");
  }
  const std::string by =
      !answers->answered_by.empty() ? answers->answered_by : who;
  return store_->SaveAnswers(*id, *answers, by, clock_.Now());
}

Result<std::string> GradingService::ExportAnswers(const std::string& org,
                                                  AnswerFormat format) {
  auto id = store_->OrgId(org);
  if (!id.ok()) return id.status();
  auto answers = store_->LoadAnswers(*id);
  if (!answers.ok()) return answers.status();
  answers->organisation = org;
  return WriteAnswers(*answers, format);
}

void EvaluationScheduler::MarkDirty(int64_t org_id, TimePoint now) {
  std::lock_guard<std::mutex> lock(mu_);
  auto [it, inserted] = pending_.try_emplace(org_id, Pending{now, now});
  if (!inserted) it->second.last = now;
}

std::vector<int64_t> EvaluationScheduler::TakeDue(TimePoint now) {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<int64_t> due;
  for (auto it = pending_.begin(); it != pending_.end();) {
    if (now - it->second.last >= debounce_ ||
        now - it->second.first >= max_delay_) {
      due.push_back(it->first);
      it = pending_.erase(it);
    } else {
      ++it;
    }
  }
  return due;
}

bool EvaluationScheduler::pending() const {
  std::lock_guard<std::mutex> lock(mu_);
  return !pending_.empty();
}

}  // namespace mamori::policy
