#include "collector/selfcheck/local_check.h"

#include <filesystem>
#include <map>
#include <memory>
#include <span>

#include "collector/policy/grading_service.h"
#include "collector/selfcheck/private_dir.h"
#include "collector/service/report_convert.h"
#include "collector/store/open_store.h"
#include "common/sha256.h"

namespace mamori::selfcheck {

namespace fs = std::filesystem;

namespace {

// The pseudo-organisation the endpoint enrolls into; never leaves the
// temporary store.
constexpr char kLocalOrg[] = "local";
// The node key only this process knows; the store keeps its hash, as a
// collector does for an agent's key.
constexpr char kLocalNodeKey[] = "mamori-self-check";

// A private directory (private_dir.h), removed with everything in it when
// this goes out of scope.
class TempDir {
 public:
  static Result<std::unique_ptr<TempDir>> Create(const std::string& parent) {
    std::error_code ec;
    const fs::path base =
        parent.empty() ? fs::temp_directory_path(ec) : fs::path(parent);
    if (ec) {
      return InternalError("no temporary directory for the self-check: " +
                           ec.message());
    }
    auto made = MakePrivateDir(base);
    if (!made.ok()) return made.status();
    return std::unique_ptr<TempDir>(new TempDir(std::move(*made)));
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  const fs::path& path() const { return path_; }

 private:
  explicit TempDir(fs::path path) : path_(std::move(path)) {}
  fs::path path_;
};

LocalStatus FromCheckStatus(grading::CheckStatus status) {
  switch (status) {
    case grading::CheckStatus::kPass:
      return LocalStatus::kPass;
    case grading::CheckStatus::kFail:
      return LocalStatus::kFail;
    case grading::CheckStatus::kUnknown:
      return LocalStatus::kUnknown;
    case grading::CheckStatus::kNotApplicable:
      return LocalStatus::kNotApplicable;
    case grading::CheckStatus::kError:
      return LocalStatus::kError;
  }
  return LocalStatus::kUnknown;
}

// The collector's ranking (grading::StatusSeverity); needs_collector below
// everything, so a rule with one judged check shows that check's status.
int Severity(LocalStatus status) {
  switch (status) {
    case LocalStatus::kFail:
      return 5;
    case LocalStatus::kError:
      return 4;
    case LocalStatus::kUnknown:
      return 3;
    case LocalStatus::kPass:
      return 2;
    case LocalStatus::kNotApplicable:
      return 1;
    case LocalStatus::kNeedsCollector:
      return 0;
  }
  return 0;
}

// Enrolls the endpoint into the local organisation and stores its facts
// through the same conversion a collector applies to a received report.
// Returns the host id.
Result<int64_t> Ingest(store::Store& store, const v1::EndpointFacts& facts,
                       const Clock& clock) {
  MAMORI_RETURN_IF_ERROR(
      store.CreateOrg({kLocalOrg, "", std::nullopt, ""}).status());
  auto token = store.CreateToken({kLocalOrg, std::nullopt, std::nullopt});
  if (!token.ok()) return token.status();

  const service::Limits limits;
  v1::EnrollRequest enroll;
  enroll.set_token(token->token);
  *enroll.mutable_identity() = facts.identity();
  enroll.set_agent_version(facts.agent_version());
  MAMORI_RETURN_IF_ERROR(service::CheckEnroll(enroll, limits));
  store::EnrollInput input = service::ConvertEnroll(enroll);
  input.node_key_hash = Sha256Hex(kLocalNodeKey);
  auto enrolled = store.Enroll(input);
  if (!enrolled.ok()) return enrolled.status();

  v1::ReportRequest request;
  request.set_host_id(std::to_string(enrolled->host_id));
  request.set_node_key(kLocalNodeKey);
  request.set_report_id("self-check");
  *request.mutable_collected_at() = facts.collected_at();
  *request.mutable_facts() = facts;
  auto report = service::ConvertReport(request, limits);
  if (!report.ok()) return report.status();
  (void)service::ClampFutureTimes(&*report, clock.Now(), limits);
  auto stored =
      store.StoreReports(std::span<const store::ReportInput>(&*report, 1));
  if (!stored[0].ok()) return stored[0].status();
  return enrolled->host_id;
}

}  // namespace

std::string_view LocalStatusName(LocalStatus status) {
  switch (status) {
    case LocalStatus::kPass:
      return "pass";
    case LocalStatus::kFail:
      return "fail";
    case LocalStatus::kUnknown:
      return "unknown";
    case LocalStatus::kNotApplicable:
      return "not_applicable";
    case LocalStatus::kError:
      return "error";
    case LocalStatus::kNeedsCollector:
      return "needs_collector";
  }
  return "unknown";
}

bool NeedsCollector(const policy::Check& check) {
  return !check.requirements.empty();
}

Result<LocalReport> EvaluateLocally(const v1::EndpointFacts& facts,
                                    const LocalOptions& options,
                                    const Clock& clock) {
  auto dir = TempDir::Create(options.temp_parent);
  if (!dir.ok()) return dir.status();
  const std::string url =
      store::SqliteUrl(((*dir)->path() / "self-check.db").string());
  int64_t host_id = 0;
  {
    auto store = store::OpenStore(url, clock);
    if (!store.ok()) return store.status();
    auto ingested = Ingest(**store, facts, clock);
    if (!ingested.ok()) return ingested.status();
    host_id = *ingested;
  }

  policy::GradingService::Options grading;
  grading.database_path = url;
  // No IEEE registries in this engine (no_vendor_sync.cpp): the
  // unmanaged-PC check needs the collector anyway.
  grading.ieee_data_dir.clear();
  auto service = policy::GradingService::Open(grading, clock);
  if (!service.ok()) return service.status();
  auto graded = (*service)->Evaluate(kLocalOrg);
  if (!graded.ok()) return graded.status();

  LocalReport out;
  out.evaluated_at = graded->evaluated_at;
  out.policy_version = graded->policy_version;
  out.hostname = facts.identity().hostname();
  for (const store::GradingHost& h : graded->hosts) {
    if (h.host_id != host_id) continue;
    out.platform = h.platform;
    out.role = h.role;
  }
  const std::string host = std::to_string(host_id);
  std::map<std::string, const grading::CheckResult*> results;
  for (const grading::CheckResult& r : graded->results) {
    if (r.host_id == host) results[r.check_id] = &r;
  }
  auto local = [&](const policy::Check& check) {
    LocalCheck c{check.id,    check.rule,        check.topic,
                 check.title, check.remediation, LocalStatus::kUnknown,
                 {}};
    if (NeedsCollector(check)) {
      c.status = LocalStatus::kNeedsCollector;
    } else if (auto it = results.find(check.id); it != results.end()) {
      c.status = FromCheckStatus(it->second->status);
      c.evidence = it->second->evidence;
    }
    // A check with no result for a host that reported: the runner gives
    // every reported host one, so this stays unknown, never pass.
    return c;
  };

  const policy::Questionnaires& questionnaires = (*service)->questionnaires();
  for (std::string_view rule_id : grading::kRuleIds) {
    LocalRule rule;
    rule.rule = std::string(rule_id);
    for (const auto& r : questionnaires.second.rules) {
      if (r.rule == rule.rule) rule.name = r.name;
    }
    for (const policy::Check& check : (*service)->policies().checks) {
      if (check.rule != rule.rule) continue;
      rule.checks.push_back(local(check));
      if (Severity(rule.checks.back().status) > Severity(rule.status)) {
        rule.status = rule.checks.back().status;
      }
    }
    out.rules.push_back(std::move(rule));
  }
  for (const policy::Check& check : (*service)->policies().checks) {
    if (!check.topic.empty()) out.topics.push_back(local(check));
  }
  return out;
}

int ExitCodeFor(const LocalReport& report) {
  int code = 0;
  for (const LocalRule& rule : report.rules) {
    for (const LocalCheck& check : rule.checks) {
      if (check.status == LocalStatus::kFail) return 1;
      if (check.status == LocalStatus::kUnknown ||
          check.status == LocalStatus::kError) {
        code = 3;
      }
    }
  }
  return code;
}

}  // namespace mamori::selfcheck
