#include "collector/report/report_model.h"

#include <algorithm>
#include <ctime>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "collector/report/trend.h"
#include "common/text.h"

namespace mamori::report {

namespace {

using grading::CheckStatus;
using grading::Improvement;
using grading::TechnicalSource;

std::string Date(TimePoint t) { return FormatUtc(t, "%Y-%m-%d"); }

std::string DateTime(TimePoint t) { return FormatUtc(t, "%Y-%m-%d %H:%M UTC"); }

std::string YesNo(const std::optional<bool>& v) {
  if (!v) return "unanswered";
  return *v ? "yes" : "no";
}

Localized FromPolicy(const policy::LocalizedText& t) {
  return {CleanText(t.ja, 2000), CleanText(t.en, 2000)};
}

std::string Hundredths(int v) {
  std::string frac = std::to_string(std::abs(v) % 100);
  if (frac.size() < 2) frac = "0" + frac;
  return (v < 0 ? "-" : "") + std::to_string(std::abs(v) / 100) + "." + frac;
}

std::string EvidenceText(const grading::CheckResult& r) {
  std::string out;
  for (const auto& e : r.evidence) {
    if (!out.empty()) out += " ";
    out += e.name + "=" + e.value;
  }
  return CleanText(out);
}

const policy::Check* FindCheck(const policy::GradeReport& r,
                               const std::string& id) {
  for (const auto& rule : r.rules) {
    for (const auto* c : rule.checks) {
      if (c->id == id) return c;
    }
  }
  return nullptr;
}

Localized RuleName(const policy::Questionnaires& q, const std::string& rule) {
  const auto* r = q.second.Find(rule);
  return r ? FromPolicy(r->name) : Localized{rule, rule};
}

Localized DiscrepancyText(const grading::Discrepancy& d) {
  const std::string n =
      std::to_string(d.passing) + "/" + std::to_string(d.in_scope);
  std::string hosts;
  for (const auto& e : d.endpoints) {
    if (!hosts.empty()) hosts += ", ";
    hosts += CleanText(e.hostname, 64);
  }
  if (d.direction == grading::Discrepancy::Direction::kClaimedNotMeasured) {
    return {"回答では技術的対策「あり」ですが、証拠では " + n +
                " 台のみ合格です" + (hosts.empty() ? "" : "（" + hosts + "）") +
                "。",
            "Answered that a technical measure is in place, but the evidence "
            "shows only " +
                n + " endpoints passing" +
                (hosts.empty() ? "" : " (" + hosts + ")") + "."};
  }
  return {"回答では技術的対策「なし」ですが、証拠では " + n +
              " 台が合格しています。",
          "Answered that no technical measure exists, but the evidence shows " +
              n + " endpoints passing."};
}

Localized ImprovementAction(const Improvement& imp,
                            const policy::GradeReport& r) {
  switch (imp.kind) {
    case Improvement::Kind::kFixEndpoints: {
      const auto* c = FindCheck(r, imp.check_id);
      return c ? FromPolicy(c->title) : Localized{imp.check_id, imp.check_id};
    }
    case Improvement::Kind::kEnrollEndpoints:
      return {"エージェント未導入の端末に導入する",
              "Install the agent on endpoints not yet reporting"};
    case Improvement::Kind::kWriteRule:
      return {"ルールを文書にする", "Write the rule down"};
    case Improvement::Kind::kSpreadRule:
      return {"ルールを全員に周知する", "Make the rule known to everyone"};
    case Improvement::Kind::kManageRule:
      return {"ルールが守られているか定期的に確認する",
              "Check regularly that the rule is followed"};
  }
  return {};
}

}  // namespace

std::string FormatUtc(TimePoint t, const char* format) {
  const std::time_t s = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&s, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, format, &tm);
  return buf;
}

std::string CleanText(std::string_view text, size_t max_bytes) {
  std::string s = SanitizeUtf8(text);
  for (char& c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) c = ' ';
  }
  // C1 controls (U+0080–U+009F, UTF-8 C2 80–C2 9F) and bidi overrides could
  // reorder or hide text in a viewer: replace them too.
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    const auto u = static_cast<unsigned char>(s[i]);
    if (u == 0xC2 && i + 1 < s.size() &&
        static_cast<unsigned char>(s[i + 1]) <= 0x9F) {
      out.push_back(' ');
      ++i;
      continue;
    }
    if (u == 0xE2 && i + 2 < s.size() &&
        static_cast<unsigned char>(s[i + 1]) == 0x80 &&
        (static_cast<unsigned char>(s[i + 2]) >= 0xAA &&
         static_cast<unsigned char>(s[i + 2]) <= 0xAE)) {
      out.push_back(' ');
      i += 2;
      continue;
    }
    out.push_back(s[i]);
  }
  if (out.size() <= max_bytes) return out;
  size_t cut = max_bytes > 3 ? max_bytes - 3 : 0;
  // Back up to a character boundary.
  while (cut > 0 && (static_cast<unsigned char>(out[cut]) & 0xC0) == 0x80) {
    --cut;
  }
  return out.substr(0, cut) + "…";
}

bool IsFiveArticlesRule(std::string_view rule) {
  return rule == "software_updates" || rule == "antivirus" ||
         rule == "passwords";
}

std::string ImprovementKey(const Improvement& imp) {
  std::string key =
      std::string(grading::ImprovementKindName(imp.kind)) + ":" + imp.rule;
  if (!imp.check_id.empty()) key += ":" + imp.check_id;
  return key;
}

void OrderImprovements(std::vector<Improvement>* plan) {
  std::stable_sort(plan->begin(), plan->end(),
                   [](const Improvement& a, const Improvement& b) {
                     const int ta = IsFiveArticlesRule(a.rule) ? 0 : 1;
                     const int tb = IsFiveArticlesRule(b.rule) ? 0 : 1;
                     if (ta != tb) return ta < tb;
                     if (a.endpoints.size() != b.endpoints.size()) {
                       return a.endpoints.size() > b.endpoints.size();
                     }
                     if (a.cost != b.cost) return a.cost < b.cost;
                     return grading::RulePriority(a.rule) <
                            grading::RulePriority(b.rule);
                   });
}

ReportModel BuildReportModel(const policy::GradeReport& r,
                             const policy::Questionnaires& q,
                             const std::vector<store::GradeSnapshot>& history,
                             const std::vector<TrackedItem>& tracked) {
  ReportModel m;
  m.org = CleanText(r.org);
  m.generated_at = DateTime(r.evaluated_at);
  m.policy_version = r.policy_version;
  m.overall = r.overall ? std::string(grading::GradeName(*r.overall)) : "";
  m.hosts_registered = static_cast<int>(r.hosts.size());
  std::optional<TimePoint> newest;
  for (const auto& h : r.hosts) {
    if (h.reported) ++m.hosts_reporting;
    if (h.last_collected_at && (!newest || *h.last_collected_at > *newest)) {
      newest = h.last_collected_at;
    }
  }
  m.answers_given = !r.answers.second.empty() || !r.answers.first.empty() ||
                    !r.answers.ipa.empty();

  // Endpoints that report but for which no check could decide anything.
  std::map<std::string, std::pair<int, int>> decided;  // host → (all, known)
  for (const auto& res : r.results) {
    auto& d = decided[res.host_id];
    ++d.first;
    if (res.status == CheckStatus::kPass || res.status == CheckStatus::kFail ||
        res.status == CheckStatus::kNotApplicable) {
      ++d.second;
    }
  }
  for (const auto& [host, d] : decided) {
    if (d.second == 0) ++m.hosts_unknown_only;
  }

  // The previous state to compare with: the newest earlier snapshot whose
  // grades differ from the current ones (serve re-grades often, so the
  // snapshot just before is usually identical), else the newest earlier one.
  std::vector<std::string> current;
  for (const auto& rr : r.rules) {
    current.push_back(std::string(grading::GradeName(rr.grade.grade)));
  }
  const std::string current_overall =
      r.overall ? std::string(grading::GradeName(*r.overall)) : "";
  std::vector<std::string> previous(std::size(grading::kRuleIds));
  std::string previous_overall;
  const store::GradeSnapshot* prev = nullptr;
  for (const auto& s : history) {
    if (s.evaluated_at >= r.evaluated_at) continue;
    if (!prev) prev = &s;
    if (s.overall != current_overall || SnapshotRuleGrades(s) != current) {
      prev = &s;
      break;
    }
  }
  if (prev) {
    previous = SnapshotRuleGrades(*prev);
    previous_overall = prev->overall;
    m.previous_date = Date(prev->evaluated_at);
  }

  std::optional<TimePoint> oldest;
  for (size_t i = 0; i < r.rules.size(); ++i) {
    const auto& rr = r.rules[i];
    const auto& g = rr.grade;
    RuleSection s;
    s.id = g.rule;
    s.name = RuleName(q, g.rule);
    s.grade = std::string(grading::GradeName(g.grade));
    s.base = std::string(grading::GradeName(g.base));
    s.answered = g.answered;
    s.written = YesNo(g.answers.written);
    s.spread = g.answers.spread == grading::Spread::kUnanswered
                   ? "unanswered"
                   : std::string(grading::SpreadName(g.answers.spread));
    s.managed = YesNo(g.answers.managed);
    switch (g.technical_source) {
      case TechnicalSource::kEvidence:
        s.technical =
            std::string(grading::TechnicalVerdictName(g.measure->verdict));
        s.technical_from_evidence = true;
        break;
      case TechnicalSource::kAnswer:
        s.technical = YesNo(g.answers.technical);
        break;
      case TechnicalSource::kNone:
        s.technical =
            g.measure
                ? std::string(grading::TechnicalVerdictName(g.measure->verdict))
                : "unanswered";
        s.technical_from_evidence = g.measure.has_value();
        break;
    }
    s.technical_lifted = g.technical_in_place && g.base != grading::Grade::kA;
    s.has_checks = !rr.checks.empty();
    if (g.measure) {
      const auto& me = *g.measure;
      s.registered = me.registered;
      s.reporting = me.reporting;
      s.in_scope = me.in_scope;
      s.passing = me.passing;
      s.failing = me.failing;
      s.unknown = me.unknown;
      if (me.oldest_evidence) {
        s.oldest_evidence = Date(*me.oldest_evidence);
        if (!oldest || *me.oldest_evidence < *oldest) {
          oldest = me.oldest_evidence;
        }
      }
      std::set<std::string> with_findings;
      for (const auto& e : me.endpoints) {
        for (const auto& p : e.problems) {
          const auto* c = FindCheck(r, p.check_id);
          s.findings.push_back(
              {CleanText(e.hostname, 64), p.check_id,
               c ? FromPolicy(c->title) : Localized{p.check_id, p.check_id},
               std::string(grading::CheckStatusName(p.status)), EvidenceText(p),
               p.collected_at ? Date(*p.collected_at) : ""});
          with_findings.insert(p.check_id);
        }
      }
      // Failures first, then unknown/error; by host name within each.
      std::stable_sort(s.findings.begin(), s.findings.end(),
                       [](const EndpointFinding& a, const EndpointFinding& b) {
                         const bool fa = a.status == "fail";
                         const bool fb = b.status == "fail";
                         if (fa != fb) return fa;
                         return a.hostname < b.hostname;
                       });
      for (const auto* c : rr.checks) {
        if (with_findings.count(c->id)) {
          s.remediation.push_back(FromPolicy(c->remediation));
        }
      }
    }
    for (const auto& d : r.discrepancies) {
      if (d.subject == g.rule) s.discrepancy = DiscrepancyText(d);
    }
    if (i < previous.size()) s.previous_grade = previous[i];
    if (!s.previous_grade.empty() && s.previous_grade != s.grade) {
      m.changes.push_back(
          {s.name.ja + ": " + s.previous_grade + " → " + s.grade,
           s.name.en + ": " + s.previous_grade + " → " + s.grade});
    }
    m.rules.push_back(std::move(s));
  }
  if (prev && !previous_overall.empty() && previous_overall != m.overall) {
    m.changes.insert(
        m.changes.begin(),
        {"総合評価: " + previous_overall + " → " + m.overall,
         "Overall grade: " + previous_overall + " → " + m.overall});
  }
  // Improvement items done since the earlier grades (by the evidence or by
  // a person), so the report says what was fixed, not only what moved.
  if (prev) {
    const int64_t since = ToUnixSeconds(prev->evaluated_at);
    const int64_t until = ToUnixSeconds(r.evaluated_at);
    for (const auto& t : tracked) {
      if (t.status != "done" || t.updated_at <= since || t.updated_at > until) {
        continue;
      }
      Improvement imp;
      bool known = false;
      for (auto kind :
           {Improvement::Kind::kEnrollEndpoints,
            Improvement::Kind::kFixEndpoints, Improvement::Kind::kWriteRule,
            Improvement::Kind::kSpreadRule, Improvement::Kind::kManageRule}) {
        if (grading::ImprovementKindName(kind) == t.kind) {
          imp.kind = kind;
          known = true;
        }
      }
      if (!known) continue;
      imp.rule = t.rule;
      if (const size_t at = t.key.find(':', t.key.find(':') + 1);
          at != std::string::npos) {
        imp.check_id = t.key.substr(at + 1);
      }
      const Localized rule = RuleName(q, t.rule);
      const Localized action = ImprovementAction(imp, r);
      m.changes.push_back(
          {"改善完了: " + rule.ja + " — " + CleanText(action.ja),
           "Improvement done: " + rule.en + " — " + CleanText(action.en)});
    }
  }
  if (oldest) m.evidence_from = Date(*oldest);
  if (newest) m.evidence_to = Date(*newest);

  if (r.first_diagnosis) {
    auto line = [](const grading::CategoryScore& s, Localized name) {
      CategoryLine l;
      l.name = std::move(name);
      if (s.average_tenths) {
        l.average = std::to_string(*s.average_tenths / 10) + "." +
                    std::to_string(*s.average_tenths % 10);
      }
      if (s.grade) l.grade = std::string(grading::GradeName(*s.grade));
      return l;
    };
    for (const auto& s : r.first_diagnosis->categories) {
      auto it = q.first.categories.find(s.category);
      m.first_diagnosis.push_back(
          line(s, it != q.first.categories.end()
                      ? FromPolicy(it->second)
                      : Localized{s.category, s.category}));
    }
    m.first_diagnosis.push_back(
        line(r.first_diagnosis->overall, {"総合", "Overall"}));
  }

  if (r.ipa) {
    std::array<int, 3> national{};
    int national_total = 0;
    std::array<int, 3> max{};
    for (const auto& item : q.ipa.items) {
      const int part = grading::IpaPartOf(item.number);
      if (part >= 0 && part < 3) {
        national[part] += item.national_average_hundredths;
        max[part] += 4;
      }
      national_total += item.national_average_hundredths;
    }
    for (size_t i = 0; i < 3; ++i) {
      IpaLine l;
      l.name = i < q.ipa.part_names.size() ? FromPolicy(q.ipa.part_names[i])
                                           : Localized{};
      l.score = r.ipa->parts[i];
      l.national = Hundredths(national[i]);
      l.max = max[i];
      m.ipa.push_back(std::move(l));
    }
    m.ipa.push_back(
        {{"合計", "Total"}, r.ipa->total, Hundredths(national_total), 100});
    m.ipa_answered = r.ipa->answered;
  }

  std::vector<Improvement> plan = r.improvements;
  OrderImprovements(&plan);
  std::map<std::string, const TrackedItem*> by_key;
  for (const auto& t : tracked) by_key[t.key] = &t;
  for (const auto& imp : plan) {
    ImprovementLine l;
    l.rule = imp.rule;
    l.rule_name = RuleName(q, imp.rule);
    l.kind = std::string(grading::ImprovementKindName(imp.kind));
    l.action = ImprovementAction(imp, r);
    if (imp.kind == Improvement::Kind::kFixEndpoints) {
      if (const auto* c = FindCheck(r, imp.check_id)) {
        l.remediation = FromPolicy(c->remediation);
      }
    }
    for (const auto& e : imp.endpoints) {
      l.hostnames.push_back(CleanText(e.hostname, 64));
    }
    l.cost = imp.cost;
    if (auto it = by_key.find(ImprovementKey(imp)); it != by_key.end()) {
      l.item_id = it->second->id;
      l.status = it->second->status;
      l.owner = CleanText(it->second->owner, 80);
      l.due = it->second->due;
    }
    m.improvements.push_back(std::move(l));
  }

  // Trend: oldest first, one point per run of identical snapshots (serve
  // re-grades often; only changes make a point), the last kTrendPoints.
  for (const GradePoint& p :
       BuildGradeTrend(history, r.evaluated_at, kTrendPoints).points) {
    m.trend.push_back({Date(p.at), p.overall, p.grades});
  }

  if (m.hosts_registered == 0) {
    m.notices.push_back(
        {"登録された端末がありません。技術的対策は証拠で確認できていません。",
         "No endpoints are registered: no technical measure could be "
         "confirmed from evidence."});
  } else if (m.hosts_reporting == 0) {
    m.notices.push_back({"登録された端末 " +
                             std::to_string(m.hosts_registered) +
                             " 台のうち、報告した端末はありません。",
                         "None of the " + std::to_string(m.hosts_registered) +
                             " registered endpoints has reported."});
  }
  if (m.hosts_unknown_only > 0) {
    m.notices.push_back(
        {std::to_string(m.hosts_unknown_only) +
             " 台の端末は、どの項目も判定できませんでした（不明）。不明は合格"
             "として扱いません。",
         std::to_string(m.hosts_unknown_only) +
             " endpoints could not be assessed on any check (unknown). "
             "Unknown is never counted as a pass."});
  }
  if (!m.answers_given) {
    m.notices.push_back(
        {"質問票が未回答です。規定・浸透・管理の観点は「なし」として評価して"
         "います。",
         "The questionnaire has not been answered: the written, spread and "
         "managed viewpoints count as \"no\"."});
  }
  return m;
}

}  // namespace mamori::report
