#include "collector/report/report_fixture.h"

#include <map>

namespace mamori::report {

namespace {

std::string HostName(int k, bool hostile) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "PC-%03d", k);
  if (!hostile) return buf;
  switch (k % 4) {
    case 0:
      return std::string("<script>alert(1)</script>") + buf;
    case 1:
      return std::string("=HYPERLINK(\"http://x\")") + buf;
    case 2:
      return std::string(buf) + "\x1b[31m\x07" + std::string(400, 'W');
    default:
      return buf;
  }
}

}  // namespace

std::unique_ptr<Fixture> MakeFixture(const std::string& org, int hosts,
                                     TimePoint now, bool answers,
                                     bool hostile) {
  auto f = std::make_unique<Fixture>();
  auto set = policy::BuildPolicySet(policy::BuiltinPolicySources(), true);
  if (set.ok()) f->policies = std::move(*set);
  auto q = policy::ParseQuestionnaires(policy::BuiltinQuestionnaireSources());
  if (q.ok()) f->questionnaires = std::move(*q);
  policy::GradeReport& r = f->report;
  r.org = org;
  r.evaluated_at = now;
  r.policy_version = f->policies.version;

  std::vector<grading::Endpoint> endpoints;
  for (int k = 0; k < hosts; ++k) {
    const std::string id = std::to_string(k + 1);
    const std::string name = HostName(k, hostile);
    endpoints.push_back({id, name, true});
    store::GradingHost h;
    h.host_id = k + 1;
    h.hostname = name;
    h.platform = "windows";
    h.role = "workstation";
    h.reported = true;
    h.last_collected_at = now - std::chrono::hours(2 + k % 30);
    r.hosts.push_back(h);
  }
  std::map<std::string, std::string> check_rules;
  for (const auto& c : f->policies.checks) {
    if (c.rule.empty()) continue;
    check_rules[c.id] = c.rule;
    for (int k = 0; k < hosts; ++k) {
      grading::CheckResult res;
      res.check_id = c.id;
      res.host_id = std::to_string(k + 1);
      res.collected_at = now - std::chrono::hours(2 + k % 30);
      res.status = grading::CheckStatus::kPass;
      if (c.id == "antivirus_definitions_fresh" && k % 3 == 0) {
        res.status = grading::CheckStatus::kFail;
        res.evidence = {{"product", "ESET"},
                        {"definitions_age_hours", std::to_string(100 + k)}};
      } else if (c.id == "password_min_length" && k % 4 == 1) {
        res.status = grading::CheckStatus::kFail;
        res.evidence = {{"min_length", "4"}, {"required", "8"}};
      } else if (c.id == "wifi_secure" && k % 5 == 2) {
        res.status = grading::CheckStatus::kFail;
        res.evidence = {{"weak_networks", "OfficeOld=wep"}};
      } else if (c.id == "disk_encryption_laptops") {
        res.status = grading::CheckStatus::kNotApplicable;
      }
      r.results.push_back(std::move(res));
    }
  }
  if (answers) {
    auto& s = r.answers.second;
    s["basic_policy"] = {true, grading::Spread::kSpread, true, std::nullopt};
    s["software_updates"] = {true, grading::Spread::kPartly, false, true};
    s["antivirus"] = {true, grading::Spread::kSpread, false, true};
    s["passwords"] = {false, grading::Spread::kUnknown, false, false};
    s["confidentiality"] = {true, grading::Spread::kSpread, false,
                            std::nullopt};
    r.answers.answered_by = "総務部 山田";
    r.answers.ipa = {{1, grading::IpaAnswer::kDone},
                     {2, grading::IpaAnswer::kPartly},
                     {3, grading::IpaAnswer::kNotDone},
                     {9, grading::IpaAnswer::kDone},
                     {14, grading::IpaAnswer::kDontKnow}};
    for (int i = 1; i <= grading::kIpaItems; ++i) {
      r.answers.ipa.emplace(i, grading::IpaAnswer::kPartly);
    }
    auto ipa = grading::ScoreIpa(r.answers.ipa, {});
    if (ipa.ok()) r.ipa = *ipa;
    std::vector<grading::FirstDiagnosisAnswer> first;
    int n = 0;
    for (const auto& question : f->questionnaires.first.questions) {
      first.push_back({question.id, question.category, 2 + (n++ % 4)});
      r.answers.first[question.id] = first.back().score;
    }
    auto fd = grading::ScoreFirstDiagnosis(first);
    if (fd.ok()) r.first_diagnosis = *fd;
  }

  std::vector<grading::RuleGrade> grades;
  std::vector<grading::Grade> letters;
  for (std::string_view rule : grading::kRuleIds) {
    policy::RuleReport rr;
    std::vector<std::string> ids;
    for (const auto& c : f->policies.checks) {
      if (c.rule == rule) {
        rr.checks.push_back(&c);
        ids.push_back(c.id);
      }
    }
    std::optional<grading::TechnicalMeasure> measure;
    if (!ids.empty()) {
      measure =
          grading::MeasureTechnical(endpoints, r.results, ids, r.settings, now);
    }
    grading::ViewpointAnswers a;
    if (auto it = r.answers.second.find(std::string(rule));
        it != r.answers.second.end()) {
      a = it->second;
    }
    rr.grade = grading::GradeRule(std::string(rule), a, measure);
    if (measure && a.technical) {
      if (auto d = grading::CompareClaim(
              std::string(rule),
              *a.technical ? grading::Claim::kInPlace : grading::Claim::kNone,
              *a.technical ? "yes" : "no", *measure)) {
        r.discrepancies.push_back(*d);
      }
    }
    grades.push_back(rr.grade);
    letters.push_back(rr.grade.grade);
    r.rules.push_back(std::move(rr));
  }
  r.overall = grading::OverallGrade(letters);
  r.improvements = grading::PlanImprovements(grades, check_rules);
  return f;
}

}  // namespace mamori::report
