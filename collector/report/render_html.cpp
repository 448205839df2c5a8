// HTML rendering through kainjow::mustache (Debian's libkainjow-mustache-dev):
// the template is a file in the tree (templates/report.html.mustache, compiled
// in); this file only turns the model into the template's data. The template
// uses {{name}} only — never the unescaped {{{name}}} — so every value,
// including organisation and host names, is HTML-escaped (& < > " ').

#include <cmath>
#include <cstdio>
#include <kainjow/mustache.hpp>
#include <string_view>

#include "collector/report/report.h"
#include "collector/report/report_messages.h"

namespace mamori::report {

extern const std::string_view kReportHtmlTemplate;

namespace {

using kainjow::mustache::data;
using kainjow::mustache::list;

std::string Num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", v);
  return buf;
}

std::string Points(const std::vector<Point>& pts) {
  std::string out;
  for (const auto& p : pts) {
    if (!out.empty()) out += " ";
    out += Num(p.x) + "," + Num(p.y);
  }
  return out;
}

}  // namespace

Point RadarPoint(size_t i, size_t n, double fraction, double cx, double cy,
                 double radius) {
  const double angle = -M_PI / 2 + 2 * M_PI * static_cast<double>(i) /
                                       static_cast<double>(n ? n : 1);
  return {cx + std::cos(angle) * radius * fraction,
          cy + std::sin(angle) * radius * fraction};
}

double GradeFraction(const std::string& grade) {
  if (grade == "A") return 1.0;
  if (grade == "B") return 0.75;
  if (grade == "C") return 0.5;
  if (grade == "D") return 0.25;
  return 0;
}

std::string Fill(std::string text,
                 const std::vector<std::pair<std::string, std::string>>& vars) {
  for (const auto& [name, value] : vars) {
    const std::string tag = "{" + name + "}";
    for (size_t at = text.find(tag); at != std::string::npos;
         at = text.find(tag, at + value.size())) {
      text.replace(at, tag.size(), value);
    }
  }
  return text;
}

std::string HostList(const std::vector<std::string>& hostnames, size_t max,
                     const std::string& lang) {
  std::string out;
  for (size_t k = 0; k < hostnames.size() && k < max; ++k) {
    if (!out.empty()) out += ", ";
    out += hostnames[k];
  }
  if (hostnames.size() > max) {
    out += " " + Fill(Msg("more_hosts", lang),
                      {{"n", std::to_string(hostnames.size() - max)}});
  }
  return out.empty() ? "-" : out;
}

std::string RenderReportHtml(const ReportModel& m, const std::string& lang) {
  data d;
  d.set("lang", lang == "ja" ? "ja" : "en");
  data t;
  for (const auto& [k, v] : AllMessages(lang)) t.set(k, v);
  d.set("t", t);
  // Labels used inside the rules section (looked up through the context
  // stack, so they are plain top-level names).
  for (const char* k : {"written", "spread", "managed", "technical", "grade",
                        "base", "lifted", "oldest", "host", "check", "status",
                        "values", "collected", "no_findings", "remediation",
                        "no_checks", "discrepancy", "unanswered"}) {
    static const std::map<std::string, std::string> kKeys = {
        {"written", "table_written"},   {"spread", "table_spread"},
        {"managed", "table_managed"},   {"technical", "table_technical"},
        {"grade", "table_grade"},       {"base", "base_grade"},
        {"lifted", "lifted"},           {"oldest", "oldest_evidence"},
        {"host", "col_host"},           {"check", "col_check"},
        {"status", "col_status"},       {"values", "col_values"},
        {"collected", "col_collected"}, {"no_findings", "no_findings"},
        {"remediation", "remediation"}, {"no_checks", "no_checks"},
        {"discrepancy", "discrepancy"}, {"unanswered", "unanswered_rule"}};
    d.set(std::string("t_") + k, Msg(kKeys.at(k), lang));
  }
  d.set("org", m.org);
  d.set("generated_at", m.generated_at);
  d.set("evidence_period", m.evidence_from.empty()
                               ? Msg("none", lang)
                               : m.evidence_from + " – " + m.evidence_to);
  d.set("endpoints_line", Fill(Msg("endpoints_line", lang),
                               {{"m", std::to_string(m.hosts_registered)},
                                {"n", std::to_string(m.hosts_reporting)}}));
  d.set("overall", m.overall.empty() ? "-" : m.overall);
  d.set("policy_version", m.policy_version.substr(0, 16));
  list notices;
  for (const auto& n : m.notices) notices.push_back(data(n.In(lang)));
  d.set("has_notices", !notices.empty());
  d.set("notices", notices);

  list rules;
  list axes;
  std::vector<Point> shape;
  std::vector<std::string> heads;
  const size_t n = m.rules.size();
  for (size_t i = 0; i < n; ++i) {
    const RuleSection& r = m.rules[i];
    heads.push_back(std::to_string(i + 1));
    data rd;
    rd.set("name", r.name.In(lang));
    rd.set("grade", r.grade);
    rd.set("base", r.base);
    rd.set("previous", r.previous_grade.empty() ? "-" : r.previous_grade);
    rd.set("written", ValueText(r.written, lang));
    rd.set("spread", ValueText(r.spread, lang));
    rd.set("managed", ValueText(r.managed, lang));
    rd.set("technical", ValueText(r.technical, lang));
    rd.set("lifted", r.technical_lifted);
    rd.set("unanswered", !r.answered);
    rd.set("has_checks", r.has_checks);
    rd.set("measure_line",
           Fill(Msg("measure_line", lang), {{"n", std::to_string(r.passing)},
                                            {"m", std::to_string(r.in_scope)},
                                            {"f", std::to_string(r.failing)},
                                            {"u", std::to_string(r.unknown)}}));
    rd.set("coverage_line", Fill(Msg("coverage_line", lang),
                                 {{"n", std::to_string(r.reporting)},
                                  {"m", std::to_string(r.registered)}}));
    rd.set("oldest",
           r.oldest_evidence.empty() ? Msg("none", lang) : r.oldest_evidence);
    list findings;
    for (size_t k = 0; k < r.findings.size() && k < kMaxFindingsPerRule; ++k) {
      const auto& f = r.findings[k];
      data fd;
      fd.set("host", f.hostname);
      fd.set("check", f.check_title.In(lang));
      fd.set("status_key", f.status);
      fd.set("status", ValueText(f.status, lang));
      fd.set("values", f.evidence);
      fd.set("collected", f.collected_at.empty() ? "-" : f.collected_at);
      findings.push_back(fd);
    }
    rd.set("has_findings", !r.findings.empty());
    rd.set("findings", findings);
    if (r.findings.size() > kMaxFindingsPerRule) {
      rd.set("more", Fill(Msg("more_hosts", lang),
                          {{"n", std::to_string(r.findings.size() -
                                                kMaxFindingsPerRule)}}));
    } else {
      rd.set("more", false);
    }
    list remediation;
    for (const auto& text : r.remediation) {
      remediation.push_back(data(text.In(lang)));
    }
    rd.set("remediation", remediation);
    if (r.discrepancy) {
      rd.set("discrepancy", r.discrepancy->In(lang));
    } else {
      rd.set("discrepancy", false);
    }
    rules.push_back(rd);

    const Point end = RadarPoint(i, n, 1.0, 200, 165, 120);
    const Point label = RadarPoint(i, n, 1.12, 200, 165, 120);
    data ax;
    ax.set("x", Num(end.x));
    ax.set("y", Num(end.y));
    ax.set("lx", Num(label.x));
    ax.set("ly", Num(label.y + 4));
    ax.set("anchor", std::abs(label.x - 200) < 5 ? "middle"
                     : label.x < 200             ? "end"
                                                 : "start");
    ax.set("label", r.name.In(lang));
    ax.set("grade", r.grade);
    axes.push_back(ax);
    shape.push_back(RadarPoint(i, n, GradeFraction(r.grade), 200, 165, 120));
  }
  d.set("rules", rules);
  d.set("radar_axes", axes);
  d.set("radar_points", Points(shape));
  list rings;
  for (int ring = 1; ring <= 4; ++ring) {
    std::vector<Point> pts;
    for (size_t i = 0; i < n; ++i) {
      pts.push_back(RadarPoint(i, n, ring / 4.0, 200, 165, 120));
    }
    data rd;
    rd.set("points", Points(pts));
    rings.push_back(rd);
  }
  d.set("radar_rings", rings);

  list first;
  for (const auto& c : m.first_diagnosis) {
    data cd;
    cd.set("name", c.name.In(lang));
    cd.set("average", c.average.empty() ? "-" : c.average);
    cd.set("grade", c.grade.empty() ? "-" : c.grade);
    first.push_back(cd);
  }
  d.set("has_first", !first.empty());
  d.set("first", first);
  list ipa;
  for (const auto& l : m.ipa) {
    data id;
    id.set("name", l.name.In(lang));
    id.set("score", std::to_string(l.score));
    id.set("max", std::to_string(l.max));
    id.set("national", l.national);
    ipa.push_back(id);
  }
  d.set("has_ipa", !ipa.empty());
  d.set("ipa", ipa);
  d.set("ipa_answered", Fill(Msg("ipa_answered", lang),
                             {{"n", std::to_string(m.ipa_answered)}}));

  list plan;
  int no = 0;
  for (const auto& p : m.improvements) {
    data pd;
    pd.set("no", std::to_string(++no));
    pd.set("rule", p.rule_name.In(lang));
    pd.set("action", p.action.In(lang));
    const std::string& rem = p.remediation.In(lang);
    if (rem.empty()) {
      pd.set("remediation", false);
    } else {
      pd.set("remediation", rem);
    }
    pd.set("hosts", HostList(p.hostnames, 8, lang));
    pd.set("status", ValueText(p.status, lang));
    pd.set("owner", p.owner.empty() ? "-" : p.owner);
    pd.set("due", p.due.empty() ? "-" : p.due);
    plan.push_back(pd);
  }
  d.set("has_plan", !plan.empty());
  d.set("plan", plan);

  list trend;
  for (const auto& tp : m.trend) {
    data td;
    td.set("date", tp.date);
    td.set("overall", tp.overall.empty() ? "-" : tp.overall);
    list grades;
    for (const auto& g : tp.rule_grades)
      grades.push_back(data(g.empty() ? "-" : g));
    td.set("grades", grades);
    trend.push_back(td);
  }
  list heads_list;
  for (const auto& h : heads) heads_list.push_back(data(h));
  d.set("rule_heads", heads_list);
  d.set("has_trend", trend.size() > 1);
  d.set("trend", trend);
  list changes;
  for (const auto& c : m.changes) changes.push_back(data(c.In(lang)));
  d.set("changes", changes);
  d.set("has_changes", !changes.empty());
  d.set("no_change_text",
        Msg(m.previous_date.empty() ? "no_previous" : "no_changes", lang));
  if (m.previous_date.empty()) {
    d.set("compared_with", false);
  } else {
    d.set("compared_with",
          Fill(Msg("compared_with", lang), {{"date", m.previous_date}}));
  }

  kainjow::mustache::mustache tmpl{std::string(kReportHtmlTemplate)};
  // The template is compiled in and tested; an invalid one is a build bug.
  if (!tmpl.is_valid())
    return "<!-- template error: " + tmpl.error_message() + " -->";
  return tmpl.render(d);
}

}  // namespace mamori::report
