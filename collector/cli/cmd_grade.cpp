#include "collector/cli/cmd_grade.h"

#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "collector/cli/cli_common.h"
#include "collector/policy/grade_counts.h"
#include "common/text.h"

namespace mamori::collector_cli {

namespace {

namespace po = boost::program_options;
using grading::CheckStatus;
using grading::TechnicalVerdict;

// A label in both languages; T(l, …) picks one.
struct Text {
  const char* ja;
  const char* en;
};
std::string T(const std::string& lang, Text t) {
  return lang == "ja" ? t.ja : t.en;
}

std::string YesNo(const std::string& lang, const std::optional<bool>& v) {
  if (!v) return T(lang, {"未回答", "unanswered"});
  return *v ? T(lang, {"あり", "yes"}) : T(lang, {"なし", "no"});
}

std::string SpreadText(const std::string& lang, grading::Spread s) {
  switch (s) {
    case grading::Spread::kUnanswered:
      return T(lang, {"未回答", "unanswered"});
    case grading::Spread::kSpread:
      return T(lang, {"浸透している", "spread"});
    case grading::Spread::kPartly:
      return T(lang, {"一部", "partly"});
    case grading::Spread::kNot:
      return T(lang, {"浸透していない", "not spread"});
    case grading::Spread::kUnknown:
      return T(lang, {"不明", "unknown"});
  }
  return "";
}

std::string VerdictText(const std::string& lang, TechnicalVerdict v) {
  switch (v) {
    case TechnicalVerdict::kInPlace:
      return T(lang, {"実施（証拠あり）", "in place (evidence)"});
    case TechnicalVerdict::kPartial:
      return T(lang, {"一部", "partial"});
    case TechnicalVerdict::kAbsent:
      return T(lang, {"なし", "absent"});
    case TechnicalVerdict::kNotMeasured:
      return T(lang, {"未測定", "not measured"});
  }
  return "";
}

std::string StatusText(const std::string& lang, CheckStatus s) {
  switch (s) {
    case CheckStatus::kPass:
      return T(lang, {"合格", "pass"});
    case CheckStatus::kFail:
      return T(lang, {"不合格", "FAIL"});
    case CheckStatus::kUnknown:
      return T(lang, {"不明", "unknown"});
    case CheckStatus::kNotApplicable:
      return T(lang, {"対象外", "n/a"});
    case CheckStatus::kError:
      return T(lang, {"エラー", "error"});
  }
  return "";
}

std::string Time(const std::optional<TimePoint>& t) {
  return t ? FormatTime(*t) : "-";
}

std::string Percent(int n, int m) {
  if (m == 0) return "-";
  return std::to_string((n * 100) / m) + "%";
}

std::string EvidenceLine(const grading::CheckResult& r) {
  std::string out;
  for (const auto& e : r.evidence) {
    if (!out.empty()) out += " ";
    // Values come from agents: nothing in them may act on the terminal.
    out += TerminalSafe(e.name) + "=" + TerminalSafe(e.value);
  }
  return out;
}

const policy::Check* FindCheck(const policy::GradeReport& r,
                               const std::string& id) {
  for (const auto& rule : r.rules) {
    for (const auto* c : rule.checks) {
      if (c->id == id) return c;
    }
  }
  for (const auto& t : r.topics) {
    for (const auto* c : t.checks) {
      if (c->id == id) return c;
    }
  }
  return nullptr;
}

std::string Hostname(const policy::GradeReport& r, const std::string& host_id) {
  for (const auto& h : r.hosts) {
    if (std::to_string(h.host_id) == host_id) return TerminalSafe(h.hostname);
  }
  return "host " + host_id;
}

void MeasureLine(std::ostream& o, const std::string& lang,
                 const grading::TechnicalMeasure& m) {
  o << "    " << T(lang, {"技術的対策: ", "Technical measure: "})
    << VerdictText(lang, m.verdict) << " — " << T(lang, {"合格 ", "passing "})
    << m.passing << "/" << m.fresh_in_scope
    << T(lang, {" 台（新しい証拠のある対象端末）",
                " endpoints (in scope, fresh evidence)"})
    << ", " << T(lang, {"導入率 ", "coverage "}) << m.reporting << "/"
    << m.registered << " (" << Percent(m.reporting, m.registered) << ")"
    << ", " << T(lang, {"不明 ", "unknown "}) << m.unknown << ", "
    << T(lang, {"最も古い証拠 ", "oldest evidence "}) << Time(m.oldest_evidence)
    << "\n";
}

// Per check of a rule or topic: counts, then each non-passing endpoint with
// its evidence, then the remediation.
// "[高] " / "[high] " before a check that has a severity (exposed_services).
std::string SeverityTag(const std::string& lang, const std::string& severity) {
  if (severity.empty()) return "";
  const std::string ja = severity == "high"     ? "高"
                         : severity == "medium" ? "中"
                         : severity == "low"    ? "低"
                                                : "情報";
  return "[" + (lang == "ja" ? ja : severity) + "] ";
}

// The trend topic's name ("公開サービス / exposed services").
std::string TopicName(const std::string& lang, const std::string& topic) {
  static const std::map<std::string, std::pair<std::string, std::string>>
      kNames = {
          {"remote_access", {"リモートアクセス", "remote access"}},
          {"firewall", {"ファイアウォール", "firewall"}},
          {"backup", {"バックアップ", "backup"}},
          {"vpn", {"VPN", "VPN"}},
          {"exposed_services", {"公開サービス", "exposed services"}},
          {"software", {"ソフトウェア管理", "software rules"}},
      };
  const auto it = kNames.find(topic);
  if (it == kNames.end()) return topic;
  return lang == "ja" ? it->second.first : it->second.second;
}

void CheckLines(std::ostream& o, const std::string& lang,
                const policy::GradeReport& r, const policy::Check& c) {
  int pass = 0, fail = 0, unknown = 0, na = 0;
  std::vector<const grading::CheckResult*> problems;
  for (const auto& res : r.results) {
    if (res.check_id != c.id) continue;
    switch (res.status) {
      case CheckStatus::kPass:
        ++pass;
        break;
      case CheckStatus::kFail:
        ++fail;
        problems.push_back(&res);
        break;
      case CheckStatus::kNotApplicable:
        ++na;
        break;
      default:
        ++unknown;
        problems.push_back(&res);
    }
  }
  o << "    - " << SeverityTag(lang, c.severity) << c.id << ": "
    << c.title.In(lang) << "  [" << T(lang, {"合格 ", "pass "}) << pass << ", "
    << T(lang, {"不合格 ", "fail "}) << fail << ", "
    << T(lang, {"不明 ", "unknown "}) << unknown << ", "
    << T(lang, {"対象外 ", "n/a "}) << na << "]\n";
  for (const auto* p : problems) {
    o << "        " << Hostname(r, p->host_id) << "  "
      << StatusText(lang, p->status) << "  " << EvidenceLine(*p) << "  ("
      << T(lang, {"収集 ", "collected "}) << Time(p->collected_at) << ")\n";
  }
  if (fail > 0) {
    o << "        " << T(lang, {"対処: ", "Fix: "}) << c.remediation.In(lang)
      << "\n";
  }
}

std::string RuleName(const policy::Questionnaires& q, const std::string& rule,
                     const std::string& lang) {
  const auto* r = q.second.Find(rule);
  return r ? r->name.In(lang) : rule;
}

// A discrepancy's subject in words: a rule's name, or "IPA 自社診断 N: title"
// for "ipa:N"; the id itself when the questionnaire does not know it.
std::string SubjectName(const policy::Questionnaires& q,
                        const std::string& subject, const std::string& lang) {
  if (!StartsWith(subject, "ipa:")) return RuleName(q, subject, lang);
  const std::string number = subject.substr(4);
  for (const auto& item : q.ipa.items) {
    if (std::to_string(item.number) == number) {
      return T(lang, {"IPA 自社診断 ", "IPA self-check "}) + number + ": " +
             item.title.In(lang);
    }
  }
  return subject;
}

}  // namespace

std::string RenderGradeText(const policy::GradeReport& r,
                            const policy::Questionnaires& q,
                            const std::string& lang) {
  std::ostringstream o;
  o << T(lang, {"mamori 診断結果: ", "mamori grade report: "}) << r.org << "\n"
    << T(lang, {"評価日時 ", "Evaluated "}) << FormatTime(r.evaluated_at)
    << T(lang, {"、ポリシー版 ", ", policy version "})
    << r.policy_version.substr(0, 12) << "\n";
  int reporting = 0;
  for (const auto& h : r.hosts) reporting += h.reported ? 1 : 0;
  o << T(lang, {"端末: 登録 ", "Endpoints: "}) << r.hosts.size()
    << T(lang, {" 台、報告あり ", " registered, "}) << reporting
    << T(lang, {" 台", " reporting"});
  if (r.settings.expected_endpoints > 0) {
    o << T(lang, {"（申告台数 ", " (declared "})
      << r.settings.expected_endpoints << T(lang, {"）", ")"});
  }
  if (r.settings.unmanaged_pcs > 0) {
    o << T(lang, {"、エージェント未導入の PC ", ", unmanaged PCs seen "})
      << r.settings.unmanaged_pcs
      << T(lang, {" 台（導入率に算入）", " (counted in coverage)"});
  }
  o << "\n"
    << T(lang, {"基準: 導入率 ", "Thresholds: coverage "})
    << r.settings.min_coverage_percent << "%, "
    << T(lang, {"合格率 ", "pass rate "}) << r.settings.min_pass_percent
    << "%, " << T(lang, {"証拠の鮮度 ", "evidence age "})
    << r.settings.max_evidence_age.count() / 86400 << T(lang, {" 日", " days"})
    << "\n\n";

  o << T(lang, {"総合評価: ", "Overall grade: "})
    << (r.overall ? std::string(grading::GradeName(*r.overall)) : "-")
    << "\n\n";
  o << T(lang, {"== 従業員ルール別の評価 (二次診断) ==\n",
                "== Grades per employee rule (second diagnosis) ==\n"});
  for (const auto& rr : r.rules) {
    const auto& g = rr.grade;
    o << "\n[" << grading::GradeName(g.grade) << "] "
      << RuleName(q, g.rule, lang) << " (" << g.rule << ")";
    if (!g.answered)
      o << T(lang, {"  ※質問票未回答", "  (questionnaire not answered)"});
    o << "\n    " << T(lang, {"規定: ", "Written: "})
      << YesNo(lang, g.answers.written) << " / "
      << T(lang, {"浸透: ", "Spread: "}) << SpreadText(lang, g.answers.spread)
      << " / " << T(lang, {"管理: ", "Managed: "})
      << YesNo(lang, g.answers.managed) << " / "
      << T(lang, {"技術的対策: ", "Technical: "});
    switch (g.technical_source) {
      case grading::TechnicalSource::kEvidence:
        o << VerdictText(lang, g.measure->verdict);
        break;
      case grading::TechnicalSource::kAnswer:
        o << YesNo(lang, g.answers.technical)
          << T(lang, {"（回答）", " (answer)"});
        break;
      case grading::TechnicalSource::kNone:
        o << T(lang, {"未回答", "unanswered"});
        break;
    }
    o << "  → " << T(lang, {"基本 ", "base "}) << grading::GradeName(g.base)
      << (g.technical_in_place && g.base != grading::Grade::kA
              ? T(lang, {"、技術的対策で1ランク上げ",
                         ", +1 for the technical measure"})
              : "")
      << "\n";
    if (g.measure) {
      MeasureLine(o, lang, *g.measure);
      for (const auto* c : rr.checks) CheckLines(o, lang, r, *c);
    } else {
      o << T(lang, {"    証拠で確認できる項目はありません（回答で評価）\n",
                    "    No technical evidence exists for this rule (graded "
                    "from answers)\n"});
    }
  }

  if (!r.topics.empty()) {
    o << "\n"
      << T(lang, {"== 近年のトレンド（評価には含めない） ==\n",
                  "== Trend topics (reported, not graded) ==\n"});
    for (const auto& t : r.topics) {
      o << "\n" << TopicName(lang, t.topic) << " (" << t.topic << ")\n";
      MeasureLine(o, lang, t.measure);
      for (const auto* c : t.checks) CheckLines(o, lang, r, *c);
    }
  }

  if (!r.discrepancies.empty()) {
    o << "\n"
      << T(lang, {"== 回答と証拠の食い違い ==\n",
                  "== Where answers and evidence disagree ==\n"});
    for (const auto& d : r.discrepancies) {
      o << "  " << SubjectName(q, d.subject, lang) << ": "
        << (d.direction == grading::Discrepancy::Direction::kClaimedNotMeasured
                ? T(lang, {"回答は「実施」だが証拠では ", "answered \""})
                : T(lang, {"回答は「未実施」だが証拠では ", "answered \""}));
      if (lang != "ja") o << d.answer << "\" but the evidence shows ";
      o << VerdictText(lang, d.verdict) << " (" << d.passing << "/"
        << d.in_scope << T(lang, {" 台合格)", " endpoints pass)"});
      for (const auto& e : d.endpoints) o << "  " << e.hostname;
      o << "\n";
    }
  }

  if (r.first_diagnosis) {
    o << "\n"
      << T(lang, {"== 一次診断 (0〜5 点、0 は集計から除外) ==\n",
                  "== First diagnosis (0-5, answers of 0 left out) ==\n"});
    auto line = [&](const grading::CategoryScore& s, const std::string& name) {
      o << "  " << name << ": ";
      if (s.average_tenths) {
        o << *s.average_tenths / 10 << "." << *s.average_tenths % 10 << " → "
          << grading::GradeName(*s.grade);
      } else {
        o << T(lang, {"評価なし", "not graded"});
      }
      o << " (" << s.counted << "/" << s.answered << ")\n";
    };
    for (const auto& s : r.first_diagnosis->categories) {
      auto it = q.first.categories.find(s.category);
      line(s,
           it != q.first.categories.end() ? it->second.In(lang) : s.category);
    }
    line(r.first_diagnosis->overall, T(lang, {"総合", "Overall"}));
  }

  if (r.ipa) {
    o << "\n"
      << T(lang, {"== IPA 5分でできる自社診断 ==\n",
                  "== IPA 5-minute self-check ==\n"});
    int national = 0;
    for (const auto& item : q.ipa.items)
      national += item.national_average_hundredths;
    o << "  " << T(lang, {"合計 ", "Total "}) << r.ipa->total << " / 100 ("
      << grading::IpaBandName(r.ipa->band) << ")"
      << T(lang, {"、全業種平均 ", ", national average "}) << national / 100
      << "." << (national % 100 < 10 ? "0" : "") << national % 100 << "\n";
    for (size_t i = 0; i < 3 && i < q.ipa.part_names.size(); ++i) {
      o << "  " << q.ipa.part_names[i].In(lang) << ": " << r.ipa->parts[i]
        << "\n";
    }
    if (!r.ipa->complete) {
      o << "  " << T(lang, {"回答済み ", "answered "}) << r.ipa->answered
        << T(lang,
             {"/25 項目（未回答は 0 点）", "/25 items (unanswered count 0)"})
        << "\n";
    }
  }

  if (!r.improvements.empty()) {
    o << "\n"
      << T(lang,
           {"== 改善の優先順位 ==\n", "== What to do next, in order ==\n"});
    int n = 0;
    for (const auto& imp : r.improvements) {
      o << "  " << ++n << ". [" << RuleName(q, imp.rule, lang) << "] ";
      switch (imp.kind) {
        case grading::Improvement::Kind::kFixEndpoints: {
          const auto* c = FindCheck(r, imp.check_id);
          o << T(lang, {"端末を修正: ", "Fix endpoints: "})
            << (c ? c->title.In(lang) : imp.check_id) << " —";
          for (const auto& e : imp.endpoints) {
            o << " " << e.hostname;
            if (!e.problems.empty())
              o << " (" << EvidenceLine(e.problems[0]) << ")";
          }
          if (c) o << "\n       " << c->remediation.In(lang);
          break;
        }
        case grading::Improvement::Kind::kEnrollEndpoints:
          o << T(lang, {"エージェント未導入の端末に導入する",
                        "Install the agent on endpoints not yet reporting"});
          break;
        case grading::Improvement::Kind::kWriteRule:
          o << T(lang, {"ルールを文書にする", "Write the rule down"});
          break;
        case grading::Improvement::Kind::kSpreadRule:
          o << T(lang,
                 {"ルールを全員に周知する", "Make the rule known to everyone"});
          break;
        case grading::Improvement::Kind::kManageRule:
          o << T(lang, {"ルールが守られているか定期的に確認する",
                        "Check regularly that the rule is followed"});
          break;
      }
      o << "\n";
    }
  }
  return o.str();
}

std::string RenderGradeJson(const policy::GradeReport& r) {
  using J = nlohmann::ordered_json;
  auto measure_json = [](const grading::TechnicalMeasure& m) {
    J j = policy::MeasureCountsJson(m);
    j["oldest_evidence"] =
        m.oldest_evidence ? J(FormatTime(*m.oldest_evidence)) : J();
    return j;
  };
  auto result_json = [&](const grading::CheckResult& c) {
    J ev = J::object();
    for (const auto& e : c.evidence) ev[e.name] = e.value;
    return J{
        {"check", c.check_id},
        {"host_id", c.host_id},
        {"hostname", Hostname(r, c.host_id)},
        {"status", std::string(grading::CheckStatusName(c.status))},
        {"collected_at", c.collected_at ? J(FormatTime(*c.collected_at)) : J()},
        {"evidence", ev}};
  };
  auto checks_json = [&](const std::vector<const policy::Check*>& checks) {
    J list = J::array();
    for (const auto* c : checks) {
      J results = J::array();
      for (const auto& res : r.results) {
        if (res.check_id == c->id) results.push_back(result_json(res));
      }
      list.push_back({{"id", c->id},
                      {"severity", c->severity},
                      {"title", {{"ja", c->title.ja}, {"en", c->title.en}}},
                      {"remediation",
                       {{"ja", c->remediation.ja}, {"en", c->remediation.en}}},
                      {"results", results}});
    }
    return list;
  };
  J out = {
      {"organisation", r.org},
      {"evaluated_at", FormatTime(r.evaluated_at)},
      {"policy_version", r.policy_version},
      {"settings",
       {{"min_coverage_percent", r.settings.min_coverage_percent},
        {"min_pass_percent", r.settings.min_pass_percent},
        {"max_evidence_age_days", r.settings.max_evidence_age.count() / 86400},
        {"expected_endpoints", r.settings.expected_endpoints},
        {"unmanaged_pcs", r.settings.unmanaged_pcs}}},
      {"overall",
       r.overall ? J(std::string(grading::GradeName(*r.overall))) : J()}};
  J rules = J::array();
  for (const auto& rr : r.rules) {
    const auto& g = rr.grade;
    J a = J::object();
    if (g.answers.written) a["written"] = *g.answers.written;
    if (g.answers.spread != grading::Spread::kUnanswered) {
      a["spread"] = std::string(grading::SpreadName(g.answers.spread));
    }
    if (g.answers.managed) a["managed"] = *g.answers.managed;
    if (g.answers.technical) a["technical"] = *g.answers.technical;
    rules.push_back(
        {{"rule", g.rule},
         {"grade", std::string(grading::GradeName(g.grade))},
         {"base", std::string(grading::GradeName(g.base))},
         {"answers", a},
         {"technical_in_place", g.technical_in_place},
         {"technical_source",
          g.technical_source == grading::TechnicalSource::kEvidence ? "evidence"
          : g.technical_source == grading::TechnicalSource::kAnswer ? "answer"
                                                                    : "none"},
         {"measure", g.measure ? measure_json(*g.measure) : J()},
         {"checks", checks_json(rr.checks)}});
  }
  out["rules"] = rules;
  J topics = J::array();
  for (const auto& t : r.topics) {
    topics.push_back({{"topic", t.topic},
                      {"measure", measure_json(t.measure)},
                      {"checks", checks_json(t.checks)}});
  }
  out["topics"] = topics;
  J disc = J::array();
  for (const auto& d : r.discrepancies) {
    J hosts = J::array();
    for (const auto& e : d.endpoints) hosts.push_back(e.hostname);
    disc.push_back(
        {{"subject", d.subject},
         {"direction",
          std::string(grading::DiscrepancyDirectionName(d.direction))},
         {"answer", d.answer},
         {"verdict", std::string(grading::TechnicalVerdictName(d.verdict))},
         {"passing", d.passing},
         {"in_scope", d.in_scope},
         {"endpoints", hosts}});
  }
  out["discrepancies"] = disc;
  if (r.first_diagnosis) {
    auto cat = [](const grading::CategoryScore& s) {
      return J{
          {"category", s.category},
          {"answered", s.answered},
          {"counted", s.counted},
          {"average", s.average_tenths ? J(*s.average_tenths / 10.0) : J()},
          {"grade",
           s.grade ? J(std::string(grading::GradeName(*s.grade))) : J()}};
    };
    J cats = J::array();
    for (const auto& s : r.first_diagnosis->categories) cats.push_back(cat(s));
    out["first_diagnosis"] = {{"categories", cats},
                              {"overall", cat(r.first_diagnosis->overall)}};
  }
  if (r.ipa) {
    out["ipa"] = {{"total", r.ipa->total},
                  {"parts", r.ipa->parts},
                  {"band", std::string(grading::IpaBandName(r.ipa->band))},
                  {"answered", r.ipa->answered},
                  {"complete", r.ipa->complete}};
  }
  J imps = J::array();
  for (const auto& imp : r.improvements) {
    J hosts = J::array();
    for (const auto& e : imp.endpoints) hosts.push_back(e.hostname);
    imps.push_back(
        {{"kind", std::string(grading::ImprovementKindName(imp.kind))},
         {"rule", imp.rule},
         {"check", imp.check_id},
         {"cost", imp.cost},
         {"endpoints", hosts}});
  }
  out["improvements"] = imps;
  return out.dump(2) + "\n";
}

Result<std::unique_ptr<policy::GradingService>> OpenGradingService(
    const std::string& data_dir, const std::string& policies,
    const std::string& store_url) {
  const DataPaths paths = DataPaths::For(data_dir, store_url);
  // Opening the store applies pending migrations (the grading module too).
  auto store = OpenStore(paths, SystemClock::Instance());
  if (!store.ok()) return store.status();
  store->reset();
  return policy::GradingService::Open(
      {paths.store_url, policies.empty() ? paths.root + "/policies" : policies},
      SystemClock::Instance());
}

int RunGrade(const std::vector<std::string>& args, std::ostream& out,
             std::ostream& err) {
  constexpr std::string_view kCommand = "grade";
  po::options_description options("Options");
  std::string data_dir, org, format, lang, policies, store_url;
  options.add_options()(
      "data", po::value(&data_dir)->default_value(kDefaultDataDir),
      "data directory")("org", po::value(&org), "organisation (required)")(
      "format", po::value(&format)->default_value("text"), "text or json")(
      "lang", po::value(&lang)->default_value("ja"), "ja or en (text output)")(
      "policies", po::value(&policies),
      "directory of custom policy files (default DIR/policies)");
  AddStoreFlag(options, &store_url);
  po::variables_map vm;
  if (std::optional<int> exit =
          ParseFlags(kCommand, "--org NAME [--format text|json] [--lang ja|en]",
                     options, {}, args, vm, out, err)) {
    return *exit;
  }
  if (org.empty()) return UsageError(kCommand, "--org is required", err);
  if (format != "text" && format != "json") {
    return UsageError(
        kCommand, "--format: expected text or json, got '" + format + "'", err);
  }
  if (lang != "ja" && lang != "en") {
    return UsageError(kCommand, "--lang: expected ja or en, got '" + lang + "'",
                      err);
  }
  auto service = OpenGradingService(data_dir, policies, store_url);
  if (!service.ok()) return Failure(kCommand, service.status(), err);
  if (!(*service)->custom_policy_error().ok()) {
    err << "mamori-collector grade: warning: custom policy refused, previous "
           "version kept: "
        << (*service)->custom_policy_error().message() << "\n";
  }
  auto report = (*service)->Evaluate(org);
  if (!report.ok()) return Failure(kCommand, report.status(), err);
  out << (format == "json"
              ? RenderGradeJson(*report)
              : RenderGradeText(*report, (*service)->questionnaires(), lang));
  return kExitOk;
}

}  // namespace mamori::collector_cli
