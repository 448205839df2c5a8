#include "agent/check/cmd_check.h"

#include <chrono>
#include <nlohmann/json.hpp>
#include <ostream>
#include <sstream>

#include "agent/check/check_messages.h"
#include "agent/collect.h"
#include "agent/facts/registry.h"
#include "agent/facts/types.h"
#include "common/text.h"

namespace mamori::agent {

namespace {

constexpr char kUsage[] =
    "Usage: mamori-agent check [--root DIR] [--lang ja|en] "
    "[--format text|json]\n"
    "\n"
    "Runs the collector's built-in checks on this PC, without a collector, "
    "and\n"
    "prints each employee rule's result with its evidence and what to do.\n"
    "この PC "
    "で組み込みのチェックを実行し、ルールごとの結果と根拠・対処を表示します。\n"
    "\n"
    "  --root DIR       read files under DIR (a chroot or mounted image)\n"
    "  --lang LANG      ja or en (default: from LC_ALL, LC_MESSAGES or LANG)\n"
    "  --format FORMAT  text or json (default text)\n"
    "  --help           show this help\n"
    "\n"
    "Checks that need the organisation's data (answers, software rules and\n"
    "licences, unmanaged devices) say \"needs the collector\"; parameters are\n"
    "the built-in defaults.\n"
    "\n"
    "Exit status:\n"
    "  0  no check fails and none is unknown\n"
    "  1  at least one check fails\n"
    "  2  bad command line\n"
    "  3  no check fails, but some are unknown or in error (not a pass)\n"
    "  4  the self-check could not run\n";

// "2026-12-07T17:50:00Z" (whole seconds; the facts' formatter, which
// builds for Windows too).
std::string FormatWholeSeconds(TimePoint t) {
  return facts::FormatRfc3339(std::chrono::floor<std::chrono::seconds>(t));
}

struct Options {
  std::string root;
  std::string lang;
  std::string format = "text";
};

bool ParseArgs(const std::vector<std::string>& args, Options* opts, bool* help,
               std::string* error) {
  for (size_t i = 0; i < args.size(); ++i) {
    std::string flag = args[i];
    std::string value;
    bool has_value = false;
    if (const size_t eq = flag.find('=');
        StartsWith(flag, "--") && eq != std::string::npos) {
      value = flag.substr(eq + 1);
      flag = flag.substr(0, eq);
      has_value = true;
    }
    if (flag == "--help" || flag == "-h") {
      *help = true;
      return true;
    }
    if (flag != "--root" && flag != "--lang" && flag != "--format") {
      *error = "unknown argument \"" + TerminalSafe(args[i]) + "\"";
      return false;
    }
    if (!has_value) {
      if (i + 1 >= args.size()) {
        *error = flag + " needs a value";
        return false;
      }
      value = args[++i];
    }
    if (flag == "--root") {
      if (value.empty()) {
        *error = "--root needs a directory";
        return false;
      }
      opts->root = value;
    } else if (flag == "--lang") {
      if (value != "ja" && value != "en") {
        *error = "--lang must be ja or en, not \"" + TerminalSafe(value) + "\"";
        return false;
      }
      opts->lang = value;
    } else {
      if (value != "text" && value != "json") {
        *error = "--format must be text or json, not \"" + TerminalSafe(value) +
                 "\"";
        return false;
      }
      opts->format = value;
    }
  }
  return true;
}

void WriteCheck(const selfcheck::LocalCheck& c, const CheckMessages& m,
                const std::string& lang, std::ostream& out) {
  out << "    " << Column(m.Status(c.status), 22)
      << TerminalSafe(c.title.In(lang)) << "  [" << c.id << "]\n";
  const bool judged = c.status != selfcheck::LocalStatus::kNeedsCollector &&
                      c.status != selfcheck::LocalStatus::kNotApplicable;
  if (judged && !c.evidence.empty()) {
    out << "      " << m.evidence << ":";
    for (const grading::Evidence& e : c.evidence) {
      out << "  " << TerminalSafe(e.name) << "=" << TerminalSafe(e.value);
    }
    out << "\n";
  }
  if (c.status == selfcheck::LocalStatus::kFail ||
      c.status == selfcheck::LocalStatus::kUnknown ||
      c.status == selfcheck::LocalStatus::kError) {
    out << "      " << m.remediation << ": "
        << TerminalSafe(c.remediation.In(lang)) << "\n";
  }
}

nlohmann::ordered_json CheckJson(const selfcheck::LocalCheck& c,
                                 const std::string& lang) {
  nlohmann::ordered_json j;
  j["id"] = c.id;
  if (!c.rule.empty()) j["rule"] = c.rule;
  if (!c.topic.empty()) j["topic"] = c.topic;
  j["status"] = selfcheck::LocalStatusName(c.status);
  j["title"] = c.title.In(lang);
  j["remediation"] = c.remediation.In(lang);
  nlohmann::ordered_json evidence = nlohmann::ordered_json::object();
  for (const grading::Evidence& e : c.evidence) evidence[e.name] = e.value;
  j["evidence"] = std::move(evidence);
  return j;
}

}  // namespace

std::string FormatCheckText(const selfcheck::LocalReport& report,
                            const std::string& lang) {
  const CheckMessages& m = MessagesFor(lang);
  std::ostringstream out;
  out << m.heading << " — " << TerminalSafe(report.hostname) << " ("
      << (report.platform.empty() ? m.unknown_platform : report.platform)
      << ", " << (report.role.empty() ? m.unknown_platform : report.role)
      << ", " << FormatWholeSeconds(report.evaluated_at) << ")\n"
      << m.intro << "\n\n";
  for (const selfcheck::LocalRule& rule : report.rules) {
    out << "[" << m.Status(rule.status) << "] "
        << TerminalSafe(rule.name.In(lang)) << "\n";
    for (const selfcheck::LocalCheck& c : rule.checks) {
      WriteCheck(c, m, lang, out);
    }
  }
  if (!report.topics.empty()) {
    out << "\n" << m.topics << "\n";
    for (const selfcheck::LocalCheck& c : report.topics) {
      WriteCheck(c, m, lang, out);
    }
  }
  out << "\n" << m.needs_collector_note << "\n";
  switch (selfcheck::ExitCodeFor(report)) {
    case kCheckExitPass:
      out << m.summary_pass << "\n";
      break;
    case kCheckExitFail:
      out << m.summary_fail << "\n";
      break;
    default:
      out << m.summary_unknown << "\n";
      break;
  }
  return out.str();
}

std::string FormatCheckJson(const selfcheck::LocalReport& report,
                            const std::string& lang) {
  nlohmann::ordered_json j;
  j["hostname"] = report.hostname;
  j["platform"] = report.platform;
  j["role"] = report.role;
  j["evaluated_at"] = FormatWholeSeconds(report.evaluated_at);
  j["policy_version"] = report.policy_version;
  j["lang"] = lang;
  j["exit_code"] = selfcheck::ExitCodeFor(report);
  nlohmann::ordered_json rules = nlohmann::ordered_json::array();
  for (const selfcheck::LocalRule& rule : report.rules) {
    nlohmann::ordered_json r;
    r["rule"] = rule.rule;
    r["name"] = rule.name.In(lang);
    r["status"] = selfcheck::LocalStatusName(rule.status);
    nlohmann::ordered_json checks = nlohmann::ordered_json::array();
    for (const selfcheck::LocalCheck& c : rule.checks) {
      checks.push_back(CheckJson(c, lang));
    }
    r["checks"] = std::move(checks);
    rules.push_back(std::move(r));
  }
  j["rules"] = std::move(rules);
  nlohmann::ordered_json topics = nlohmann::ordered_json::array();
  for (const selfcheck::LocalCheck& c : report.topics) {
    topics.push_back(CheckJson(c, lang));
  }
  j["topics"] = std::move(topics);
  // Endpoint strings may hold anything: invalid UTF-8 becomes U+FFFD, and
  // '<', '>' and '&' never appear raw, so the JSON is safe to paste into a
  // page or a ticket.
  std::string text =
      j.dump(1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
  std::string safe;
  safe.reserve(text.size());
  for (char ch : text) {
    switch (ch) {
      case '<':
        safe += "\\u003c";
        break;
      case '>':
        safe += "\\u003e";
        break;
      case '&':
        safe += "\\u0026";
        break;
      default:
        safe += ch;
    }
  }
  return safe + "\n";
}

int RunCheckCommand(const std::vector<std::string>& args, std::ostream& out,
                    std::ostream& err, const std::string& environment_lang,
                    const Clock& clock) {
  Options opts;
  bool help = false;
  std::string error;
  if (!ParseArgs(args, &opts, &help, &error)) {
    err << "mamori-agent check: " << error << "\n\n" << kUsage;
    return kCheckExitUsage;
  }
  if (help) {
    out << kUsage;
    return kCheckExitPass;
  }
  const std::string lang = opts.lang.empty() ? environment_lang : opts.lang;
  const facts::GatherContext ctx = opts.root.empty()
                                       ? facts::LiveContext(&clock)
                                       : facts::RootContext(opts.root, &clock);
  Result<v1::EndpointFacts> collected = CollectEndpointFacts(ctx, {});
  if (!collected.ok()) {
    err << "mamori-agent check: collecting facts failed: "
        << TerminalSafe(collected.status().message()) << "\n";
    return kCheckExitBroken;
  }
  Result<selfcheck::LocalReport> report =
      selfcheck::EvaluateLocally(*collected, {}, clock);
  if (!report.ok()) {
    err << "mamori-agent check: the checks could not run: "
        << TerminalSafe(report.status().message()) << "\n";
    return kCheckExitBroken;
  }
  out << (opts.format == "json" ? FormatCheckJson(*report, lang)
                                : FormatCheckText(*report, lang));
  return selfcheck::ExitCodeFor(*report);
}

}  // namespace mamori::agent
