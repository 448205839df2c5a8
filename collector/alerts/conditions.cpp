#include "collector/alerts/conditions.h"

#include <map>
#include <nlohmann/json.hpp>

#include "common/text.h"

namespace mamori::alerts {
namespace {

// Evidence shown beside a failing check: its values, bounded (a check can
// list hundreds of packages).
constexpr size_t kMaxDetail = 400;

std::string EvidenceText(const std::vector<grading::Evidence>& evidence) {
  std::string text;
  for (const auto& e : evidence) {
    if (e.value.empty()) continue;
    if (!text.empty()) text += "; ";
    text += e.name + "=" + e.value;
    if (text.size() > kMaxDetail) break;
  }
  return text;
}

std::map<std::string, const store::GradingHost*> HostsById(
    const std::vector<store::GradingHost>& hosts) {
  std::map<std::string, const store::GradingHost*> by_id;
  for (const auto& h : hosts) by_id[std::to_string(h.host_id)] = &h;
  return by_id;
}

std::string Iso(TimePoint t) {
  const std::time_t secs = ToUnixSeconds(t);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

}  // namespace

std::vector<std::pair<std::string, std::string>> ParseBannedEvidence(
    const std::string& evidence) {
  std::vector<std::pair<std::string, std::string>> out;
  for (std::string_view item : Split(evidence, ';')) {
    item = Trim(item);
    const size_t open = item.rfind(" (");
    if (open == std::string_view::npos || !EndsWith(item, ")")) continue;
    std::string title(item.substr(open + 2, item.size() - open - 3));
    if (title.empty()) continue;
    out.emplace_back(std::move(title), std::string(item.substr(0, open)));
  }
  return out;
}

std::vector<store::AlertCondition> FailingConditions(
    const std::vector<store::GradingHost>& hosts,
    const std::vector<grading::CheckResult>& results,
    const NameLookup& check_names, const NameLookup& title_names) {
  const auto by_id = HostsById(hosts);
  std::vector<store::AlertCondition> out;
  for (const auto& r : results) {
    if (r.status != grading::CheckStatus::kFail) continue;
    auto host = by_id.find(r.host_id);
    if (host == by_id.end()) continue;
    const store::GradingHost& h = *host->second;
    if (r.check_id == kBannedCheck) {
      std::string evidence;
      for (const auto& e : r.evidence) {
        if (e.name == "banned_software") evidence = e.value;
      }
      auto banned = ParseBannedEvidence(evidence);
      for (auto& [title, package] : banned) {
        const LocalName name = title_names(title);
        out.push_back({store::kAlertBannedSoftware, h.host_id, title,
                       h.hostname, name.ja, name.en, package});
      }
      if (!banned.empty()) continue;
      // Evidence we cannot read still alerts, as the failing check.
    }
    const LocalName name = check_names(r.check_id);
    out.push_back({store::kAlertCheckFailing, h.host_id, r.check_id, h.hostname,
                   name.ja, name.en, EvidenceText(r.evidence)});
  }
  return out;
}

std::vector<store::AlertCondition> SilentConditions(
    const std::vector<store::AlertHost>& hosts, TimePoint now,
    int silent_days) {
  std::vector<store::AlertCondition> out;
  const TimePoint limit = now - std::chrono::hours(24) * silent_days;
  for (const auto& h : hosts) {
    if (!h.last_collected_at || *h.last_collected_at >= limit) continue;
    out.push_back({store::kAlertHostSilent, h.host_id, "", h.hostname, "", "",
                   Iso(*h.last_collected_at)});
  }
  return out;
}

std::vector<store::AlertCondition> GradeChanges(const std::string& before,
                                                const std::string& after,
                                                const NameLookup& rule_names) {
  std::vector<store::AlertCondition> out;
  if (before.empty()) return out;
  const auto old_grades = nlohmann::json::parse(before, nullptr, false);
  const auto new_grades = nlohmann::json::parse(after, nullptr, false);
  if (!old_grades.is_object() || !new_grades.is_object()) return out;
  for (const auto& [rule, grade] : new_grades.items()) {
    if (!grade.is_string()) continue;
    const auto old_grade = old_grades.find(rule);
    if (old_grade == old_grades.end() || !old_grade->is_string() ||
        *old_grade == grade) {
      continue;
    }
    const LocalName name = rule_names(rule);
    out.push_back(
        {store::kAlertGradeChanged, 0, rule, "", name.ja, name.en,
         old_grade->get<std::string>() + " → " + grade.get<std::string>()});
  }
  return out;
}

std::vector<store::AlertCondition> UnmanagedDeviceConditions(
    const std::vector<UnmanagedDevice>& devices) {
  std::vector<store::AlertCondition> out;
  for (const auto& d : devices) {
    out.push_back({store::kAlertUnmanagedDevice, 0, d.key, d.seen_by, d.vendor,
                   d.vendor, d.address});
  }
  return out;
}

}  // namespace mamori::alerts
