#include "collector/web/console_api.h"

#include <time.h>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include <algorithm>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <unordered_map>
#include <vector>

#include "collector/pki/crypto.h"
#include "collector/register/csv_format.h"
#include "collector/report/org_report.h"
#include "collector/report/report.h"
#include "collector/software/dictionary.h"
#include "collector/software/ledger.h"
#include "collector/store/open_store.h"
#include "collector/web/api_base.h"
#include "collector/web/assets.h"
#include "collector/web/catalogue.h"
#include "collector/web/console_api_followup.h"
#include "collector/web/console_api_parts.h"
#include "collector/web/password_policy.h"
#include "collector/web/peers.h"
#include "collector/web/xlsx_table.h"
#include "common/log.h"
#include "common/text.h"

namespace mamori::web {

using nlohmann::json;
using store::Role;

namespace {

constexpr char kApiTokenMarker[] = "mmr_";
constexpr size_t kApiTokenPrefixLength = 10;

// Viewer < auditor < org admin < operator: a caller may hand out no more
// than it has.
int RoleRank(Role role) {
  switch (role) {
    case Role::kViewer:
      return 0;
    case Role::kAuditor:
      return 1;
    case Role::kOrgAdmin:
      return 2;
    case Role::kOperator:
      return 3;
  }
  return 0;
}

json AccountJson(const store::Account& a) {
  return {{"id", a.id},
          {"name", a.name},
          {"role", store::RoleName(a.role)},
          {"org_ids", a.org_ids},
          {"must_change_password", a.must_change_password},
          {"disabled", a.disabled},
          {"created_at", IsoTime(a.created_at)}};
}

json OrgJson(const store::OrgOverview& o,
             const std::vector<store::PeerSample>& peers) {
  json peer = nullptr;
  if (std::optional<PeerGroup> group =
          PeerGroupOf(peers, o.industry, o.employees)) {
    peer = {{"count", group->count},
            {"average", group->average},
            {"grade", group->grade}};
  }
  json rules = json::parse(o.rules_json, nullptr, false);
  if (rules.is_discarded() || !rules.is_object()) rules = json::object();
  return {{"id", o.id},
          {"name", o.name},
          {"industry", o.industry},
          {"employees", o.employees ? json(*o.employees) : json(nullptr)},
          {"region", o.region},
          {"size_band", SizeBand(o.employees)},
          {"peers", peer},
          {"hosts", o.hosts},
          {"reporting", o.reporting},
          {"silent", o.silent},
          {"last_report", OptionalTime(o.last_report)},
          {"overall", o.overall.empty() ? json(nullptr) : json(o.overall)},
          {"rules", rules},
          {"graded_at", OptionalTime(o.graded_at)}};
}

json EndpointJson(const store::EndpointSummary& e) {
  return {{"id", e.id},
          {"org_id", e.org_id},
          {"hostname", e.hostname},
          {"os_name", e.os_name},
          {"os_version", e.os_version},
          {"agent_version", e.agent_version},
          {"serial", e.serial},
          {"is_clone", e.is_clone},
          {"enrolled_at", IsoTime(e.enrolled_at)},
          {"last_seen", IsoTime(e.last_seen)},
          {"last_collected_at", OptionalTime(e.last_collected_at)},
          {"reports_stored", e.reports_stored},
          {"silent", e.silent},
          {"failing", e.failing},
          {"unknown", e.unknown}};
}

json TokenJson(const store::TokenInfo& t, TimePoint now) {
  std::string state = "valid";
  if (t.revoked_at) {
    state = "revoked";
  } else if (t.expires_at && *t.expires_at <= now) {
    state = "expired";
  } else if (t.uses_left && *t.uses_left <= 0) {
    state = "used_up";
  }
  return {{"id", t.id},
          {"prefix", t.prefix},
          {"created_at", IsoTime(t.created_at)},
          {"expires_at", OptionalTime(t.expires_at)},
          {"uses_left", t.uses_left ? json(*t.uses_left) : json(nullptr)},
          {"uses", t.uses},
          {"revoked_at", OptionalTime(t.revoked_at)},
          {"state", state}};
}

json MeasureJson(const grading::TechnicalMeasure& m) {
  return {{"verdict", grading::TechnicalVerdictName(m.verdict)},
          {"registered", m.registered},
          {"reporting", m.reporting},
          {"in_scope", m.in_scope},
          {"fresh_in_scope", m.fresh_in_scope},
          {"passing", m.passing},
          {"failing", m.failing},
          {"unknown", m.unknown},
          {"not_applicable", m.not_applicable},
          {"oldest_evidence", OptionalTime(m.oldest_evidence)}};
}

json OptionalBool(const std::optional<bool>& v) {
  return v ? json(*v) : json(nullptr);
}

}  // namespace

// The handlers, as functions of the API and the call. Kept apart from the
// class so the header stays small.
struct ApiHandlers : ApiBase {
  // --- authentication ------------------------------------------------------

  void SetScope(const store::Account& account, Role role,
                const std::vector<int64_t>& orgs) {
    call.account = account;
    call.role = role;
    call.scope.all = role == Role::kOperator;
    call.scope.org_ids = orgs;
  }

  // Authenticates by Bearer token or session cookie. nullopt when the call
  // may go on (possibly anonymous); a problem when credentials were given
  // and are bad.
  std::optional<HttpResponse> Authenticate() {
    const std::string authorization = call.request.Header("authorization");
    if (!authorization.empty()) {
      if (authorization.rfind("Bearer ", 0) != 0) {
        return Problem(401, "auth.bad_token");
      }
      const std::string secret = authorization.substr(7);
      Result<store::ApiToken> token =
          api.accounts_.FindApiToken(pki::Sha256Hex(secret));
      if (!token.ok() || token->revoked_at ||
          token->expires_at <= api.clock_.Now()) {
        return Problem(401, "auth.bad_token");
      }
      Result<store::Account> account =
          api.accounts_.FindAccountById(token->account_id);
      if (!account.ok() || account->disabled) {
        return Problem(401, "auth.bad_token");
      }
      // The token never gives more than its account has now.
      std::vector<int64_t> orgs;
      for (int64_t org : token->org_ids) {
        if (account->role == Role::kOperator ||
            std::count(account->org_ids.begin(), account->org_ids.end(), org)) {
          orgs.push_back(org);
        }
      }
      Role role = RoleRank(token->role) <= RoleRank(account->role)
                      ? token->role
                      : account->role;
      SetScope(*account, role, orgs);
      // An operator's token is scoped to the organisations it names.
      call.scope.all = role == Role::kOperator && token->org_ids.empty();
      call.via_token = true;
      return std::nullopt;
    }
    const std::string cookie =
        CookieValue(call.request.Header("cookie"), api.options_.cookie_name);
    if (cookie.empty()) return std::nullopt;
    std::optional<Session> session = api.sessions_.Touch(cookie);
    if (!session) return std::nullopt;
    Result<store::Account> account =
        api.accounts_.FindAccountById(session->account_id);
    if (!account.ok() || account->disabled) {
      api.sessions_.Remove(cookie);
      return std::nullopt;
    }
    SetScope(*account, account->role, account->org_ids);
    call.session = std::move(session);
    return std::nullopt;
  }

  // CSRF: state-changing calls authenticated by cookie carry the session's
  // token in X-CSRF-Token, and a browser's Origin must be this server.
  std::optional<HttpResponse> CheckCsrf() {
    const std::string& m = call.request.method;
    if (m == "GET" || m == "HEAD") return std::nullopt;
    const std::string origin = call.request.Header("origin");
    if (!origin.empty()) {
      const std::string host = call.request.Header("host");
      if (origin != "https://" + host && origin != "http://" + host) {
        return Problem(403, "auth.csrf");
      }
    }
    if (call.via_token || !call.session) return std::nullopt;
    if (!pki::ConstantTimeEquals(call.request.Header("x-csrf-token"),
                                 call.session->csrf_token)) {
      return Problem(403, "auth.csrf");
    }
    return std::nullopt;
  }

  // --- session -------------------------------------------------------------

  json SessionJson() {
    json doc = {{"account", AccountJson(*call.account)},
                {"must_change_password", call.account->must_change_password},
                {"csrf_token", call.session ? call.session->csrf_token : ""}};
    return doc;
  }

  std::string SessionCookie(const std::string& value, bool clear) {
    std::string c = api.options_.cookie_name + "=" + value +
                    "; Path=/; Secure; HttpOnly; SameSite=Strict";
    if (clear) c += "; Max-Age=0";
    return c;
  }

  HttpResponse Login() {
    if (auto p = ParseBody()) return *p;
    std::string name, password;
    if (auto p = BodyString("name", &name, 64)) return *p;
    if (auto p = BodyString("password", &password, kMaxPasswordBytes)) {
      return *p;
    }
    if (name.empty()) return FieldProblem("name", "error.required");
    if (password.empty()) return FieldProblem("password", "error.required");
    const std::chrono::seconds wait =
        api.throttle_.Wait(name, call.request.source);
    if (wait.count() > 0) {
      HttpResponse r = Problem(429, "login.throttled",
                               {{"seconds", std::to_string(wait.count())}});
      r.AddHeader("Retry-After", std::to_string(wait.count()));
      return r;
    }
    Result<store::Account> account = api.accounts_.FindAccount(name);
    const bool matches = pki::VerifyPassword(
        password, account.ok() ? account->password_hash : api.dummy_hash_);
    if (!account.ok() || !matches || account->disabled) {
      api.throttle_.RecordFailure(name, call.request.source);
      return Problem(401, "login.failed");
    }
    api.throttle_.RecordSuccess(name);
    // A new id at every login: a cookie planted before login is worthless.
    const std::string old =
        CookieValue(call.request.Header("cookie"), api.options_.cookie_name);
    api.sessions_.Remove(old);
    Session session = api.sessions_.Create(account->id, call.request.source);
    SetScope(*account, account->role, account->org_ids);
    call.session = session;
    Audit("session.login", account->name, std::nullopt, json::object(),
          json::object());
    HttpResponse r = Json(SessionJson());
    r.AddHeader("Set-Cookie", SessionCookie(session.id, false));
    return r;
  }

  HttpResponse Logout() {
    if (call.session) {
      api.sessions_.Remove(call.session->id);
      Audit("session.logout", call.account->name, std::nullopt, json::object(),
            json::object());
    }
    HttpResponse r;
    r.status = 204;
    r.content_type.clear();
    r.AddHeader("Set-Cookie", SessionCookie("", true));
    return r;
  }

  HttpResponse ChangePassword() {
    if (!call.session) return Problem(401, "auth.required");
    if (auto p = ParseBody()) return *p;
    std::string current, next;
    if (auto p = BodyString("current_password", &current, kMaxPasswordBytes)) {
      return *p;
    }
    if (auto p = BodyString("new_password", &next, kMaxPasswordBytes)) {
      return *p;
    }
    if (!pki::VerifyPassword(current, call.account->password_hash)) {
      api.throttle_.RecordFailure(call.account->name, call.request.source);
      return FieldProblem("current_password", "password.wrong_current");
    }
    if (std::optional<std::string> problem =
            PasswordProblem(call.account->name, next)) {
      return FieldProblem("new_password", *problem,
                          {{"min", std::to_string(kMinPasswordLength)}});
    }
    if (next == current) {
      return FieldProblem("new_password", "password.same_as_current");
    }
    Result<std::string> hash = pki::HashPassword(next);
    if (!hash.ok()) return Problem(500, "error.internal");
    if (Status s = api.accounts_.SetPassword(call.account->id, *hash, false,
                                             api.clock_.Now());
        !s.ok()) {
      return StoreProblem(s);
    }
    // Every other session of the account ends; this one gets a new id.
    api.sessions_.RemoveAccount(call.account->id);
    Session session =
        api.sessions_.Create(call.account->id, call.request.source);
    call.session = session;
    call.account->must_change_password = false;
    Audit("account.password", call.account->name, std::nullopt, json::object(),
          {{"must_change_password", false}});
    HttpResponse r = Json(SessionJson());
    r.AddHeader("Set-Cookie", SessionCookie(session.id, false));
    return r;
  }

  // --- organisations and dashboard -----------------------------------------

  HttpResponse ListOrgs() {
    Result<std::vector<store::OrgOverview>> orgs = api.console_.ListOrgs(
        call.scope, api.clock_.Now(), api.options_.silent_after);
    if (!orgs.ok()) return StoreProblem(orgs.status());
    Result<std::vector<store::PeerSample>> peers = api.console_.PeerSamples();
    if (!peers.ok()) return StoreProblem(peers.status());
    json items = json::array();
    for (const auto& o : *orgs) items.push_back(OrgJson(o, *peers));
    return Json({{"items", items}});
  }

  // The organisation's newest grade snapshot (every evaluation appends
  // one) as a key for GradedPages; read through the console store, so no
  // grading lock is needed to answer from a copy.
  static std::string GradeKey(const store::OrgOverview& org) {
    return std::to_string(org.graded_at ? ToUnixSeconds(*org.graded_at) : 0) +
           "|" + org.overall + "|" + org.rules_json;
  }

  // A graded page as answered: the copy, whether it is the previous one (an
  // older grading run, being rebuilt), and the bytes to send.
  struct GradedAnswer {
    GradedCopy copy;
    bool previous = false;
  };

  // The dashboard's graded part, the rules page or the trend page of `org`
  // (graded_pages.h): the current copy; or, whenever a copy exists, that
  // copy marked previous while the pages are rebuilt in the background;
  // or, on the very first view (and after a change through the console),
  // built now.
  Result<GradedAnswer> GradedPage(const store::OrgOverview& org,
                                  const std::string& page,
                                  const std::string& key, TimePoint now) {
    GradedPages::Lookup found = api.graded_pages_.Find(org.id, page, key, now);
    if (found.copy) {
      if (found.rebuild) api.RebuildInBackground(org.id);
      return GradedAnswer{std::move(*found.copy), found.previous};
    }
    std::lock_guard<std::mutex> lock(api.grading_mu_);
    // Built by another request or the background while this one waited.
    if (std::optional<GradedCopy> current =
            api.graded_pages_.Current(org.id, page, key, now)) {
      return GradedAnswer{std::move(*current), false};
    }
    Result<GradedCopy> built = BuildGradedPages(api, org.id, key, page);
    if (!built.ok()) return built.status();
    return GradedAnswer{std::move(built).value(), false};
  }

  // A graded page's response: its bytes, its ETag (304 when the caller
  // has them already) and whether it is the previous copy.
  HttpResponse GradedResponse(std::shared_ptr<const std::string> body,
                              std::string etag, bool previous) {
    HttpResponse r;
    r.AddHeader("X-Mamori-Graded-Copy", previous ? "previous" : "current");
    if (EtagMatches(call.request.Header("if-none-match"), etag)) {
      r.status = 304;
    } else {
      r.body = *body;
    }
    r.AddHeader("ETag", std::move(etag));
    return r;
  }

  // Builds the dashboard's graded part, the rules page and the trend page
  // together from the last grading run's counts (one build per re-grade,
  // not one per page), keeps all three as bytes and returns `page`'s. The
  // generation is read before the store, so a build that read answers
  // from before a change through the console keeps nothing. Called with
  // grading_mu_ held.
  static Result<GradedCopy> BuildGradedPages(ConsoleApi& api, int64_t org_id,
                                             const std::string& key,
                                             const std::string& page) {
    const uint64_t generation = api.graded_pages_.Generation();
    const TimePoint now = api.clock_.Now();
    // The grading run's counts (store/grading_port.h, GradeCountRow) with
    // the current answers folded in: the pages never read every stored
    // result. An organisation last graded before the counts existed gets
    // them written once from its stored results.
    store::GradingPort& grading = api.grading_.store();
    Result<std::optional<store::GradeCounts>> counts =
        grading.LoadGradeCounts(org_id);
    if (!counts.ok()) return counts.status();
    if (!*counts) {
      MAMORI_RETURN_IF_ERROR(api.grading_.WriteGradeCounts(org_id));
#if defined(__GLIBC__)
      // That read every stored result (≈100 MB of small allocations at
      // 10,000 hosts) in this worker's malloc arena: give it back, or the
      // arena keeps its high-water mark (docs/performance.md).
      malloc_trim(0);
#endif
      counts = grading.LoadGradeCounts(org_id);
      if (!counts.ok()) return counts.status();
      if (!*counts) return InternalError("grade counts not written");
    }
    Result<store::AnswerSet> answers = grading.LoadAnswers(org_id);
    if (!answers.ok()) return answers.status();
    Result<policy::GradeReport> report =
        api.grading_.FromCounts(**counts, std::move(*answers));
    if (!report.ok()) return report.status();
    CountRows rows;
    for (const store::GradeCountRow& row : (*counts)->rows) {
      rows[row.subject] = &row;
    }
    Result<json> dashboard = DashboardPart(api, *report, rows, org_id, now);
    if (!dashboard.ok()) return dashboard.status();
    json rules = RulesDoc(api, *report, rows, org_id);
    ApiAnswer trend =
        GradeTrendAnswer(api.grading_.store(), api.grading_.questionnaires(),
                         *report, org_id, now);
    const bool trend_ok = trend.problem.empty() && trend.status == 200;
    if (page == "trend" && !trend_ok) {
      // GradeTrendAnswer fails only when the grade history cannot be read.
      return UnavailableError("grade history: " + trend.problem);
    }
    std::optional<GradedCopy> out;
    auto keep = [&](const char* name, const json& doc) {
      // Text from endpoints is hostile: a byte that is not UTF-8 becomes
      // U+FFFD (as ApiBase::Json does).
      std::string bytes =
          doc.dump(-1, ' ', false, json::error_handler_t::replace);
      std::optional<GradedCopy> kept =
          api.graded_pages_.Keep(org_id, name, key, now, bytes, generation);
      if (page != name) return;
      if (kept) {
        out = std::move(kept);
        return;
      }
      // A change came through the console meanwhile: answer with what was
      // built (it read the store after the change began), keep nothing.
      GradedCopy local;
      local.etag = BodyEtag(bytes);
      local.body = std::make_shared<const std::string>(std::move(bytes));
      local.grade_key = key;
      local.built = now;
      out = std::move(local);
    };
    keep("dashboard", *dashboard);
    keep("rules", rules);
    if (trend_ok) keep("trend", trend.body);
    if (!out) return InternalError("graded page " + page + " not built");
    return std::move(*out);
  }

  // The grade counts of the last run by subject.
  using CountRows = std::map<std::string, const store::GradeCountRow*>;

  // A count row's failing hosts (GradeCountRow::failing_json), at most
  // `limit`, with their evidence or without.
  static json FailingHosts(const store::GradeCountRow& row, size_t limit,
                           bool with_evidence) {
    json stored = json::parse(row.failing_json, nullptr, false);
    json out = json::array();
    if (!stored.is_array()) return out;
    for (json& host : stored) {
      if (out.size() >= limit) break;
      if (!host.is_object()) continue;
      json entry = {{"id", host.value("id", json(0))},
                    {"hostname", host.value("hostname", json(""))}};
      if (with_evidence)
        entry["evidence"] = host.value("evidence", json::array());
      out.push_back(std::move(entry));
    }
    return out;
  }

  // The dashboard's part that comes from the grade report (FromCounts) and
  // the counts of its run.
  // The hosts not seen for silent_after are listed (the first 20 by last
  // report) with the copy, not per request: that list reads the
  // organisation's host rows (10,000) and changes only as days pass.
  static Result<json> DashboardPart(ConsoleApi& api,
                                    const policy::GradeReport& r,
                                    const CountRows& rows, int64_t org_id,
                                    TimePoint now) {
    json part = json::object();
    const policy::SecondDiagnosis& second =
        api.grading_.questionnaires().second;
    part["evaluated_at"] = IsoTime(r.evaluated_at);
    part["policy_version"] = r.policy_version;
    part["overall"] =
        r.overall ? json(grading::GradeName(*r.overall)) : json(nullptr);
    json rules = json::array();
    for (const policy::RuleReport& rule : r.rules) {
      const grading::RuleGrade& g = rule.grade;
      const policy::SecondDiagnosisRule* names = second.Find(g.rule);
      std::string source = "none";
      if (g.technical_source == grading::TechnicalSource::kEvidence) {
        source = "evidence";
      } else if (g.technical_source == grading::TechnicalSource::kAnswer) {
        source = "answer";
      }
      json spread = g.answers.spread == grading::Spread::kUnanswered
                        ? json(nullptr)
                        : json(grading::SpreadName(g.answers.spread));
      rules.push_back(
          {{"id", g.rule},
           {"name", names ? Localized(names->name)
                          : json{{"ja", g.rule}, {"en", g.rule}}},
           {"grade", grading::GradeName(g.grade)},
           {"base", grading::GradeName(g.base)},
           {"answered", g.answered},
           {"written", OptionalBool(g.answers.written)},
           {"spread", spread},
           {"managed", OptionalBool(g.answers.managed)},
           {"technical",
            {{"source", source},
             {"in_place", g.technical_in_place},
             {"answer", OptionalBool(g.answers.technical)},
             {"measure", g.measure ? MeasureJson(*g.measure) : json(nullptr)}}},
           {"checks", rule.checks.size()}});
    }
    part["rules"] = rules;

    // Failing checks: per check, how many endpoints fail and which (the
    // first ten by host id).
    json failing_list = json::array();
    for (const auto& [check_id, row] : rows) {
      const policy::Check* check = api.grading_.policies().Find(check_id);
      if (check == nullptr || row->fail == 0) continue;
      failing_list.push_back(
          {{"check_id", check_id},
           {"rule", check->rule.empty() ? check->topic : check->rule},
           {"title", Localized(check->title)},
           {"failing", row->fail},
           {"hosts", FailingHosts(*row, 10, false)}});
    }
    part["failing_checks"] = failing_list;

    json discrepancies = json::array();
    for (const grading::Discrepancy& d : r.discrepancies) {
      discrepancies.push_back(
          {{"subject", d.subject},
           {"direction", grading::DiscrepancyDirectionName(d.direction)},
           {"answer", d.answer},
           {"verdict", grading::TechnicalVerdictName(d.verdict)},
           {"passing", d.passing},
           {"in_scope", d.in_scope}});
    }
    part["discrepancies"] = discrepancies;
    json improvements = json::array();
    for (const grading::Improvement& i : r.improvements) {
      if (improvements.size() == 5) break;
      improvements.push_back({{"kind", grading::ImprovementKindName(i.kind)},
                              {"rule", i.rule},
                              {"check_id", i.check_id},
                              {"endpoints", i.endpoint_count}});
    }
    part["improvements"] = improvements;
    Result<std::vector<store::GradeSnapshot>> history =
        api.grading_.store().GradeHistory(org_id, 30);
    json trend = json::array();
    if (history.ok()) {
      for (const auto& h : *history) {
        trend.push_back({{"evaluated_at", IsoTime(h.evaluated_at)},
                         {"overall", h.overall}});
      }
    }
    part["history"] = trend;

    store::EndpointQuery silent;
    silent.silent_only = true;
    silent.limit = 20;
    silent.sort = store::EndpointSort::kLastSeen;
    silent.silent_after = api.options_.silent_after;
    // The caller's scope was checked (FindOrg) before the page was asked
    // for; the background rebuild has no caller.
    store::OrgScope scope;
    scope.all = true;
    Result<store::EndpointPage> page =
        api.console_.ListEndpoints(scope, org_id, silent, now);
    if (!page.ok()) return page.status();
    json silent_hosts = json::array();
    for (const auto& e : page->endpoints) {
      silent_hosts.push_back({{"id", e.id},
                              {"hostname", e.hostname},
                              {"last_seen", IsoTime(e.last_seen)}});
    }
    part["silent_hosts"] = silent_hosts;
    part["silent_after_days"] = api.options_.silent_after.count() / 86400;
    return part;
  }

  // The rules page: per rule its checks with pass/fail/unknown/n-a counts,
  // the failing endpoints with their evidence, the remediation in both
  // languages and the parameters in force (organisation overrides applied).
  static json RulesDoc(ConsoleApi& api, const policy::GradeReport& r,
                       const CountRows& rows, int64_t org_id) {
    const policy::SecondDiagnosis& second =
        api.grading_.questionnaires().second;
    json rules = json::array();
    for (const policy::RuleReport& rule : r.rules) {
      json checks = json::array();
      for (const policy::Check* c : rule.checks) {
        auto found = rows.find(c->id);
        const store::GradeCountRow none;
        const store::GradeCountRow& row =
            found == rows.end() ? none : *found->second;
        const std::map<std::string, int64_t> counts = {
            {"pass", row.pass},
            {"fail", row.fail},
            {"unknown", row.unknown},
            {"not_applicable", row.not_applicable},
            {"error", row.error}};
        json failing = FailingHosts(row, 50, true);
        json parameters = json::array();
        const auto overrides = r.answers.parameters.find(c->id);
        for (const policy::Parameter& param : c->parameters) {
          std::string value = policy::ParamValueText(param.default_value);
          bool overridden = false;
          if (overrides != r.answers.parameters.end()) {
            if (auto it = overrides->second.find(param.name);
                it != overrides->second.end()) {
              value = it->second;
              overridden = true;
            }
          }
          parameters.push_back(
              {{"name", param.name},
               {"value", value},
               {"default", policy::ParamValueText(param.default_value)},
               {"overridden", overridden},
               {"description", Localized(param.description)}});
        }
        checks.push_back({{"check_id", c->id},
                          {"title", Localized(c->title)},
                          {"description", Localized(c->description)},
                          {"remediation", Localized(c->remediation)},
                          {"counts", counts},
                          {"failing", failing},
                          {"parameters", parameters}});
      }
      const policy::SecondDiagnosisRule* names = second.Find(rule.grade.rule);
      rules.push_back({{"id", rule.grade.rule},
                       {"name", names ? Localized(names->name)
                                      : json{{"ja", rule.grade.rule},
                                             {"en", rule.grade.rule}}},
                       {"grade", grading::GradeName(rule.grade.grade)},
                       {"checks", checks}});
    }
    return json{{"org_id", org_id},
                {"evaluated_at", IsoTime(r.evaluated_at)},
                {"policy_version", r.policy_version},
                {"rules", rules}};
  }

  // The organisation's header (counts read now) with the kept graded
  // part spliced in as bytes: the large part is serialised once per
  // grading run, not per request.
  HttpResponse Dashboard(int64_t org_id) {
    Result<store::OrgOverview> org = api.console_.FindOrg(
        call.scope, org_id, api.clock_.Now(), api.options_.silent_after);
    if (!org.ok()) return StoreProblem(org.status());
    Result<std::vector<store::PeerSample>> peers = api.console_.PeerSamples();
    if (!peers.ok()) return StoreProblem(peers.status());
    const std::string key = GradeKey(*org);
    const TimePoint now = api.clock_.Now();
    Result<GradedAnswer> part = GradedPage(*org, "dashboard", key, now);
    if (!part.ok()) return StoreProblem(part.status());
    const std::string& graded = *part->copy.body;
    if (graded.size() < 2 || graded.front() != '{' || graded == "{}") {
      return StoreProblem(InternalError("dashboard part is not an object"));
    }
    const std::string header =
        OrgJson(*org, *peers)
            .dump(-1, ' ', false, json::error_handler_t::replace);
    auto body = std::make_shared<std::string>();
    body->reserve(header.size() + graded.size() + 8);
    body->append("{\"org\":").append(header).append(",").append(graded, 1);
    // The part's bytes are digested once when kept: the ETag is the
    // digest of the header and that digest.
    std::string etag = BodyEtag(header + part->copy.etag);
    return GradedResponse(std::move(body), std::move(etag), part->previous);
  }

  // The rules page (RulesDoc).
  HttpResponse Rules(int64_t org_id) {
    Result<store::OrgOverview> org = api.console_.FindOrg(
        call.scope, org_id, api.clock_.Now(), api.options_.silent_after);
    if (!org.ok()) return StoreProblem(org.status());
    const std::string key = GradeKey(*org);
    const TimePoint now = api.clock_.Now();
    Result<GradedAnswer> doc = GradedPage(*org, "rules", key, now);
    if (!doc.ok()) return StoreProblem(doc.status());
    return GradedResponse(doc->copy.body, doc->copy.etag, doc->previous);
  }

  // The second-diagnosis questionnaire (10 rules × 4 viewpoints) beside the
  // measured technical viewpoint, with the grade each answer set gives.
  HttpResponse Questionnaire(int64_t org_id) {
    Result<store::OrgOverview> org = api.console_.FindOrg(
        call.scope, org_id, api.clock_.Now(), api.options_.silent_after);
    if (!org.ok()) return StoreProblem(org.status());
    std::lock_guard<std::mutex> lock(api.grading_mu_);
    Result<policy::GradeReport> report = api.grading_.Report(org->name);
    if (!report.ok()) return StoreProblem(report.status());
    const policy::SecondDiagnosis& second =
        api.grading_.questionnaires().second;
    std::map<std::string, std::string> discrepancies;
    for (const grading::Discrepancy& d : report->discrepancies) {
      discrepancies[d.subject] =
          std::string(grading::DiscrepancyDirectionName(d.direction));
    }
    json rules = json::array();
    for (const policy::RuleReport& rule : report->rules) {
      const grading::RuleGrade& g = rule.grade;
      const policy::SecondDiagnosisRule* text = second.Find(g.rule);
      auto found = discrepancies.find(g.rule);
      rules.push_back(
          {{"id", g.rule},
           {"name", text ? Localized(text->name)
                         : json{{"ja", g.rule}, {"en", g.rule}}},
           {"example",
            text ? Localized(text->example) : json{{"ja", ""}, {"en", ""}}},
           {"written", OptionalBool(g.answers.written)},
           {"spread", g.answers.spread == grading::Spread::kUnanswered
                          ? json(nullptr)
                          : json(grading::SpreadName(g.answers.spread))},
           {"managed", OptionalBool(g.answers.managed)},
           {"technical", OptionalBool(g.answers.technical)},
           {"grade", grading::GradeName(g.grade)},
           {"measure", g.measure ? MeasureJson(*g.measure) : json(nullptr)},
           {"discrepancy", found == discrepancies.end()
                               ? json(nullptr)
                               : json(found->second)}});
    }
    return Json({{"rules", rules}, {"can_write", CanWrite(org_id)}});
  }

  // Saves answers of the second diagnosis: {"rules": {rule: {written,
  // spread, managed, technical}}}; a rule given replaces its answer (null or
  // absent viewpoints become unanswered), rules not given stay.
  HttpResponse SaveQuestionnaire(int64_t org_id) {
    Result<store::OrgOverview> org = api.console_.FindOrg(
        call.scope, org_id, api.clock_.Now(), api.options_.silent_after);
    if (!org.ok()) return StoreProblem(org.status());
    if (!CanWrite(org_id)) return Problem(403, "auth.forbidden");
    if (auto p = ParseBody()) return *p;
    auto rules = call.body.find("rules");
    if (rules == call.body.end() || !rules->is_object()) {
      return FieldProblem("rules", "error.required");
    }
    policy::AnswerSet answers;
    json after = json::object();
    for (const auto& [rule, value] : rules->items()) {
      const std::string at = "rules." + rule;
      if (!grading::IsRuleId(rule)) {
        return FieldProblem(at, "error.unknown_rule");
      }
      if (!value.is_object()) return FieldProblem(at, "error.expected_object");
      grading::ViewpointAnswers a;
      for (const auto& [name, v] : value.items()) {
        const std::string field = at + "." + name;
        if (v.is_null()) continue;
        if (name == "spread") {
          std::optional<grading::Spread> spread =
              v.is_string() ? grading::ParseSpread(v.get<std::string>())
                            : std::nullopt;
          if (!spread) {
            return FieldProblem(field, "error.one_of",
                                {{"values", "spread, partly, not, unknown"}});
          }
          a.spread = *spread;
          continue;
        }
        if (!v.is_boolean()) return FieldProblem(field, "error.expected_bool");
        if (name == "written") {
          a.written = v.get<bool>();
        } else if (name == "managed") {
          a.managed = v.get<bool>();
        } else if (name == "technical") {
          a.technical = v.get<bool>();
        } else {
          return FieldProblem(field, "error.unknown_field");
        }
      }
      answers.second[rule] = a;
      after[rule] = value;
    }
    {
      std::lock_guard<std::mutex> lock(api.grading_mu_);
      if (Status s = api.grading_.store().SaveAnswers(
              org_id, answers, call.Actor(), api.clock_.Now());
          !s.ok()) {
        return StoreProblem(s);
      }
    }
    Audit("answers.second_diagnosis", org->name, org_id, json::object(), after);
    return Questionnaire(org_id);
  }

  // --- endpoints -------------------------------------------------------------

  // Reads the list's query parameters. nullopt when fine.
  std::optional<HttpResponse> EndpointQueryFrom(int64_t org_id,
                                                store::EndpointQuery* q) {
    const HttpRequest& req = call.request;
    q->search = req.Query("q");
    q->os = req.Query("os");
    for (const auto& [field, value] :
         {std::pair<std::string, std::string>{"q", q->search}, {"os", q->os}}) {
      if (value.size() > 200) {
        return FieldProblem(field, "error.too_long", {{"max", "200"}});
      }
      if (!IsCleanUtf8(value)) return FieldProblem(field, "error.bad_text");
    }
    const std::string sort = req.Query("sort");
    if (sort.empty() || sort == "hostname") {
      q->sort = store::EndpointSort::kHostname;
    } else if (sort == "os") {
      q->sort = store::EndpointSort::kOs;
    } else if (sort == "last_seen") {
      q->sort = store::EndpointSort::kLastSeen;
    } else if (sort == "failing") {
      q->sort = store::EndpointSort::kFailing;
    } else {
      return FieldProblem("sort", "error.one_of",
                          {{"values", "hostname, os, last_seen, failing"}});
    }
    const std::string order = req.Query("order");
    if (order != "" && order != "asc" && order != "desc") {
      return FieldProblem("order", "error.one_of", {{"values", "asc, desc"}});
    }
    q->descending = order == "desc";
    const std::string limit = req.Query("limit");
    if (!limit.empty()) {
      std::optional<int64_t> n = ParseInt64(limit);
      if (!n || *n < 1 || *n > 500) {
        return FieldProblem("limit", "error.range",
                            {{"min", "1"}, {"max", "500"}});
      }
      q->limit = static_cast<int>(*n);
    }
    q->cursor = req.Query("cursor");
    q->silent_only = req.Query("silent") == "true";
    q->clones_only = req.Query("clone") == "true";
    q->silent_after = api.options_.silent_after;
    const std::string rule = req.Query("failing_rule");
    if (!rule.empty()) {
      if (!grading::IsRuleId(rule)) {
        return FieldProblem("failing_rule", "error.unknown_rule");
      }
      for (const policy::Check& c : api.check_texts_.checks) {
        if (c.rule == rule) q->failing_checks.push_back(c.id);
      }
      // A rule without checks fails nowhere: match nothing.
      if (q->failing_checks.empty()) q->failing_checks.push_back("-");
    }
    (void)org_id;
    return std::nullopt;
  }

  HttpResponse ListEndpoints(int64_t org_id) {
    store::EndpointQuery q;
    if (auto p = EndpointQueryFrom(org_id, &q)) return *p;
    Result<store::EndpointPage> page =
        api.console_.ListEndpoints(call.scope, org_id, q, api.clock_.Now());
    if (!page.ok()) return StoreProblem(page.status());
    json items = json::array();
    for (const auto& e : page->endpoints) items.push_back(EndpointJson(e));
    return Json(
        {{"items", items},
         {"total", page->total},
         {"next_cursor", page->next_cursor.empty() ? json(nullptr)
                                                   : json(page->next_cursor)}});
  }

  // The endpoint list's export rows (header first) for the list's filters,
  // every page. nullopt when fine; the problem otherwise.
  std::optional<HttpResponse> EndpointExportRows(
      int64_t org_id, std::vector<std::vector<std::string>>* out) {
    store::EndpointQuery q;
    if (auto p = EndpointQueryFrom(org_id, &q)) return *p;
    q.limit = 500;
    std::vector<std::vector<std::string>>& rows = *out;
    std::vector<std::string> header;
    for (const char* key : {"csv.id", "csv.hostname", "csv.os", "csv.agent",
                            "csv.serial", "csv.last_seen", "csv.failing",
                            "csv.unknown", "csv.silent", "csv.clone"}) {
      header.push_back(catalogue().Text(call.lang, key));
    }
    rows.push_back(header);
    const std::string yes = catalogue().Text(call.lang, "common.yes");
    const std::string no = catalogue().Text(call.lang, "common.no");
    for (int pages = 0; pages < 400; ++pages) {
      Result<store::EndpointPage> page =
          api.console_.ListEndpoints(call.scope, org_id, q, api.clock_.Now());
      if (!page.ok()) return StoreProblem(page.status());
      for (const auto& e : page->endpoints) {
        rows.push_back({std::to_string(e.id), e.hostname,
                        e.os_name + " " + e.os_version, e.agent_version,
                        e.serial, IsoTime(e.last_seen),
                        std::to_string(e.failing), std::to_string(e.unknown),
                        e.silent ? yes : no, e.is_clone ? yes : no});
      }
      if (page->next_cursor.empty()) break;
      q.cursor = page->next_cursor;
    }
    return std::nullopt;
  }

  HttpResponse EndpointsCsv(int64_t org_id) {
    std::vector<std::vector<std::string>> rows;
    if (auto p = EndpointExportRows(org_id, &rows)) return *p;
    HttpResponse r;
    r.content_type = "text/csv; charset=utf-8";
    r.body = asset_register::EncodeCsv(rows);
    r.AddHeader("Content-Disposition", "attachment; filename=\"endpoints-" +
                                           std::to_string(org_id) + ".csv\"");
    return r;
  }

  // The same rows as the CSV export, as an XLSX workbook (xlsx_table.h).
  HttpResponse EndpointsXlsx(int64_t org_id) {
    std::vector<std::vector<std::string>> rows;
    if (auto p = EndpointExportRows(org_id, &rows)) return *p;
    Result<std::string> book =
        TableToXlsx(catalogue().Text(call.lang, "nav.endpoints"), rows);
    if (!book.ok()) return StoreProblem(book.status());
    HttpResponse r;
    r.content_type =
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
    r.body = std::move(book).value();
    r.AddHeader("Content-Disposition", "attachment; filename=\"endpoints-" +
                                           std::to_string(org_id) + ".xlsx\"");
    return r;
  }

  HttpResponse EndpointDetail(int64_t org_id, int64_t host_id) {
    Result<store::EndpointSummary> endpoint =
        api.console_.FindEndpoint(call.scope, org_id, host_id, api.clock_.Now(),
                                  api.options_.silent_after);
    if (!endpoint.ok()) return StoreProblem(endpoint.status());
    Result<std::vector<store::FamilyStatus>> families =
        api.console_.EndpointFamilies(call.scope, org_id, host_id);
    if (!families.ok()) return StoreProblem(families.status());
    Result<std::vector<store::CheckRow>> checks =
        api.console_.EndpointChecks(call.scope, org_id, host_id);
    if (!checks.ok()) return StoreProblem(checks.status());
    json family_list = json::array();
    for (const auto& f : *families) {
      json payload = json::parse(f.payload_json, nullptr, false);
      if (payload.is_discarded()) payload = nullptr;
      family_list.push_back({{"family", f.family},
                             {"state", f.state},
                             {"collected_at", OptionalTime(f.collected_at)},
                             {"facts", payload}});
    }
    json check_list = json::array();
    {
      for (const auto& c : *checks) {
        const policy::Check* check = api.check_texts_.Find(c.check_id);
        json evidence = json::array();
        json raw = json::parse(c.evidence_json, nullptr, false);
        if (raw.is_array()) {
          for (const auto& pair : raw) {
            if (pair.is_array() && pair.size() == 2 && pair[0].is_string() &&
                pair[1].is_string()) {
              evidence.push_back({{"name", pair[0]}, {"value", pair[1]}});
            }
          }
        }
        json empty_text = {{"ja", ""}, {"en", ""}};
        check_list.push_back(
            {{"check_id", c.check_id},
             {"rule", check ? check->rule : ""},
             {"topic", check ? check->topic : ""},
             {"title", check ? Localized(check->title)
                             : json{{"ja", c.check_id}, {"en", c.check_id}}},
             {"remediation",
              check ? Localized(check->remediation) : empty_text},
             {"status", c.status},
             {"evidence", evidence},
             {"collected_at", OptionalTime(c.collected_at)},
             {"status_since", IsoTime(c.status_since)}});
      }
    }
    return Json({{"endpoint", EndpointJson(*endpoint)},
                 {"revoked", HostHandlers{{api, call}}.Revoked(host_id)},
                 {"can_write", CanWrite(org_id)},
                 {"families", family_list},
                 {"checks", check_list}});
  }

  HttpResponse EndpointSoftware(int64_t org_id, int64_t host_id) {
    const std::string search = call.request.Query("q");
    if (search.size() > 200) {
      return FieldProblem("q", "error.too_long", {{"max", "200"}});
    }
    Result<std::vector<store::SoftwareRow>> rows =
        api.console_.EndpointSoftware(call.scope, org_id, host_id, search,
                                      5000);
    if (!rows.ok()) return StoreProblem(rows.status());
    json items = json::array();
    for (const auto& s : *rows) {
      items.push_back({{"name", s.name},
                       {"version", s.version},
                       {"architecture", s.architecture},
                       {"source", s.source},
                       {"publisher", s.publisher}});
    }
    return Json({{"items", items}});
  }

  // GET /orgs/{id}/software/ledger: the software ledger (ソフトウェア台帳):
  // per dictionary title installed or named by a rule, its category, the
  // organisation's rule and the hosts with it against the licences owned.
  HttpResponse SoftwareLedger(int64_t org_id) {
    if (!call.scope.Allows(org_id)) return Problem(404, "error.not_found");
    auto dictionary = software::BuiltinDictionary();
    if (!dictionary.ok()) return StoreProblem(dictionary.status());
    if (api.options_.software_store_url.empty()) {
      return Problem(404, "error.not_found");
    }
    Result<std::unique_ptr<store::SoftwarePort>> port = api.AcquireSoftware();
    if (!port.ok()) return StoreProblem(port.status());
    struct Release {
      ConsoleApi& api;
      std::unique_ptr<store::SoftwarePort>& port;
      ~Release() { api.ReleaseSoftware(std::move(port)); }
    } release{api, *port};
    Result<store::SoftwareRules> rules = (*port)->LoadRules(org_id);
    if (!rules.ok()) return StoreProblem(rules.status());
    const TimePoint now = api.clock_.Now();
    std::shared_ptr<const store::SoftwareInventory> inventory;
    {
      std::lock_guard<std::mutex> lock(api.software_mu_);
      auto kept = api.ledger_inventory_.find(org_id);
      if (kept != api.ledger_inventory_.end() &&
          now - kept->second.read_at < kLedgerInventoryMaxAge &&
          now >= kept->second.read_at) {
        inventory = kept->second.inventory;
      }
    }
    if (inventory == nullptr) {
      Result<store::SoftwareInventory> read = (*port)->Inventory(org_id);
      if (!read.ok()) return StoreProblem(read.status());
      inventory = std::make_shared<const store::SoftwareInventory>(
          std::move(read).value());
      std::lock_guard<std::mutex> lock(api.software_mu_);
      std::erase_if(api.ledger_inventory_, [&](const auto& entry) {
        return now - entry.second.read_at >= kLedgerInventoryMaxAge;
      });
      api.ledger_inventory_[org_id] = {inventory, now};
    }
    const software::Ledger ledger = software::BuildLedger(
        **dictionary, *rules, *inventory, call.lang == "ja");
    json rows = json::array();
    for (const auto& r : ledger.rows) {
      json row = {{"title", r.title},
                  {"name", SanitizeUtf8(r.title_name)},
                  {"category", r.category},
                  {"category_name", SanitizeUtf8(r.category_name)},
                  {"rule", r.rule},
                  {"installed", r.installed},
                  {"owned", nullptr},
                  {"over_deployed", r.OverDeployed()},
                  {"min_version", SanitizeUtf8(r.min_version)},
                  {"below_minimum", r.below_floor}};
      if (r.owned) row["owned"] = *r.owned;
      rows.push_back(std::move(row));
    }
    return Json(
        {{"rows", rows},
         {"hosts", ledger.hosts},
         {"hosts_not_inventoried",
          static_cast<int64_t>(ledger.hosts_without_inventory.size())}});
  }

  // --- enrollment tokens -----------------------------------------------------

  // Where agents reach the collector. When serve listens on every address
  // (0.0.0.0, [::]), the name the browser used for the console is the best
  // guess at one the PCs can reach, with the gRPC port.
  std::string AgentServer() const {
    const std::string& address = api.options_.grpc_address;
    const size_t colon = address.rfind(':');
    const std::string host = address.substr(0, colon);
    if (colon == std::string::npos || (host != "0.0.0.0" && host != "[::]")) {
      return address;
    }
    std::string browser_host = call.request.Header("host");
    const size_t bracket = browser_host.rfind(']');
    const size_t port = browser_host.rfind(':');
    if (port != std::string::npos &&
        (bracket == std::string::npos || port > bracket)) {
      browser_host.resize(port);
    }
    if (browser_host.empty() || !IsCleanUtf8(browser_host) ||
        browser_host.find_first_of(" \t\"'`$;&|<>") != std::string::npos) {
      return address;
    }
    return browser_host + address.substr(colon);
  }

  json EnrollCommands(const std::string& token) {
    const std::string server = AgentServer();
    const std::string& fp = api.options_.ca_sha256;
    return {{"linux", "sudo mamori-agent enroll --server " + server +
                          " --token " + token + " --ca-sha256 " + fp},
            {"windows",
             "& \"C:\\Program Files\\mamori\\mamori-agent.exe\" "
             "enroll --server " +
                 server + " --token " + token + " --ca-sha256 " + fp}};
  }

  HttpResponse ListTokens(int64_t org_id) {
    Result<store::OrgOverview> org = api.console_.FindOrg(
        call.scope, org_id, api.clock_.Now(), api.options_.silent_after);
    if (!org.ok()) return StoreProblem(org.status());
    Result<std::vector<store::TokenInfo>> tokens =
        api.store_.ListTokens(org->name);
    if (!tokens.ok()) return StoreProblem(tokens.status());
    json items = json::array();
    for (const auto& t : *tokens) {
      items.push_back(TokenJson(t, api.clock_.Now()));
    }
    return Json({{"items", items},
                 {"server", AgentServer()},
                 {"ca_sha256", api.options_.ca_sha256},
                 {"commands", EnrollCommands("TOKEN")},
                 {"can_write", CanWrite(org_id)}});
  }

  HttpResponse CreateToken(int64_t org_id) {
    Result<store::OrgOverview> org = api.console_.FindOrg(
        call.scope, org_id, api.clock_.Now(), api.options_.silent_after);
    if (!org.ok()) return StoreProblem(org.status());
    if (!CanWrite(org_id)) return Problem(403, "auth.forbidden");
    if (auto p = ParseBody()) return *p;
    std::optional<int64_t> days;
    if (auto p = BodyInt("expires_days", 1, 90, &days)) return *p;
    if (!days) days = 7;
    std::optional<int64_t> uses;
    if (auto p = BodyInt("uses", 1, 100000, &uses)) return *p;
    store::TokenSpec spec;
    spec.org = org->name;
    spec.expires_at = api.clock_.Now() + std::chrono::hours(24 * *days);
    spec.uses = uses;
    Result<store::CreatedToken> created = api.store_.CreateToken(spec);
    if (!created.ok()) return StoreProblem(created.status());
    json info = TokenJson(created->info, api.clock_.Now());
    Audit("token.create", created->info.prefix, org_id, json::object(), info);
    return Json({{"token", created->token},
                 {"info", info},
                 {"commands", EnrollCommands(created->token)}},
                201);
  }

  HttpResponse RevokeToken(int64_t org_id, int64_t token_id) {
    Result<int64_t> owner = api.console_.TokenOrg(call.scope, token_id);
    if (!owner.ok() || *owner != org_id) {
      return Problem(404, "error.not_found");
    }
    if (!CanWrite(org_id)) return Problem(403, "auth.forbidden");
    Result<store::OrgOverview> org = api.console_.FindOrg(
        call.scope, org_id, api.clock_.Now(), api.options_.silent_after);
    if (!org.ok()) return StoreProblem(org.status());
    if (Status s = api.store_.RevokeToken(org->name, std::to_string(token_id));
        !s.ok()) {
      return StoreProblem(s);
    }
    Audit("token.revoke", std::to_string(token_id), org_id,
          {{"state", "valid"}}, {{"state", "revoked"}});
    HttpResponse r;
    r.status = 204;
    r.content_type.clear();
    return r;
  }

  // --- accounts, API tokens, audit
  // ---------------------------------------------

  HttpResponse ListAccounts() {
    if (call.role != Role::kOperator && call.role != Role::kOrgAdmin) {
      return Problem(403, "auth.forbidden");
    }
    Result<std::vector<store::Account>> accounts =
        api.accounts_.ListAccounts(call.scope);
    if (!accounts.ok()) return StoreProblem(accounts.status());
    json items = json::array();
    for (const auto& a : *accounts) items.push_back(AccountJson(a));
    return Json({{"items", items}});
  }

  // Reads an integer member from `min` to `max` (unset when absent or null).
  std::optional<HttpResponse> BodyInt(const std::string& field, int64_t min,
                                      int64_t max,
                                      std::optional<int64_t>* out) {
    auto it = call.body.find(field);
    if (it == call.body.end() || it->is_null()) return std::nullopt;
    if (!it->is_number_integer() || it->get<int64_t>() < min ||
        it->get<int64_t>() > max) {
      return FieldProblem(
          field, "error.range",
          {{"min", std::to_string(min)}, {"max", std::to_string(max)}});
    }
    *out = it->get<int64_t>();
    return std::nullopt;
  }

  // Reads "role" (unset when absent): one of the four, no higher than the
  // caller's own.
  std::optional<HttpResponse> BodyRole(std::optional<Role>* role) {
    std::string text;
    if (auto p = BodyString("role", &text, 32)) return p;
    if (text.empty()) return std::nullopt;
    *role = store::ParseRole(text);
    if (!*role) {
      return FieldProblem("role", "error.one_of",
                          {{"values", "operator, org_admin, viewer, auditor"}});
    }
    if (RoleRank(**role) > RoleRank(call.role)) {
      return FieldProblem("role", "account.role_too_high");
    }
    return std::nullopt;
  }

  // Reads "org_ids": every id must be in the caller's scope.
  std::optional<HttpResponse> BodyOrgs(std::vector<int64_t>* orgs) {
    auto it = call.body.find("org_ids");
    if (it == call.body.end() || it->is_null()) return std::nullopt;
    if (!it->is_array() || it->size() > 1000) {
      return FieldProblem("org_ids", "error.expected_ids");
    }
    for (const auto& v : *it) {
      if (!v.is_number_integer()) {
        return FieldProblem("org_ids", "error.expected_ids");
      }
      const int64_t id = v.get<int64_t>();
      if (!api.console_
               .FindOrg(call.scope, id, api.clock_.Now(),
                        api.options_.silent_after)
               .ok()) {
        return FieldProblem("org_ids", "error.unknown_org",
                            {{"id", std::to_string(id)}});
      }
      orgs->push_back(id);
    }
    return std::nullopt;
  }

  HttpResponse CreateAccount() {
    if (call.role != Role::kOperator && call.role != Role::kOrgAdmin) {
      return Problem(403, "auth.forbidden");
    }
    if (auto p = ParseBody()) return *p;
    std::string name;
    if (auto p = BodyString("name", &name, 64)) return *p;
    if (!ValidAccountName(name)) {
      return FieldProblem("name", "account.bad_name");
    }
    std::optional<Role> role;
    if (auto p = BodyRole(&role)) return *p;
    if (!role) return FieldProblem("role", "error.required");
    std::vector<int64_t> orgs;
    if (auto p = BodyOrgs(&orgs)) return *p;
    if (*role != Role::kOperator && orgs.empty()) {
      return FieldProblem("org_ids", "error.required");
    }
    const std::string password = pki::RandomSecret(18);
    Result<std::string> hash = pki::HashPassword(password);
    if (!hash.ok()) return Problem(500, "error.internal");
    Result<store::Account> account = api.accounts_.CreateAccount(
        {name, *role, orgs, *hash, true}, api.clock_.Now());
    if (!account.ok()) return StoreProblem(account.status());
    json after = AccountJson(*account);
    Audit("account.create", name,
          orgs.empty() ? std::nullopt : std::optional<int64_t>(orgs.front()),
          json::object(), after);
    return Json({{"account", after}, {"one_time_password", password}}, 201);
  }

  HttpResponse DisableAccount(int64_t account_id) {
    if (call.role != Role::kOperator && call.role != Role::kOrgAdmin) {
      return Problem(403, "auth.forbidden");
    }
    Result<store::Account> target = api.accounts_.FindAccountById(account_id);
    if (!target.ok()) return Problem(404, "error.not_found");
    bool visible = call.scope.all;
    for (int64_t org : target->org_ids)
      visible = visible || call.scope.Allows(org);
    if (!visible) return Problem(404, "error.not_found");
    if (RoleRank(target->role) > RoleRank(call.role) ||
        target->id == call.account->id) {
      return Problem(403, "auth.forbidden");
    }
    if (Status s = api.accounts_.SetDisabled(account_id, true); !s.ok()) {
      return StoreProblem(s);
    }
    api.sessions_.RemoveAccount(account_id);
    Audit("account.disable", target->name,
          target->org_ids.empty()
              ? std::nullopt
              : std::optional<int64_t>(target->org_ids.front()),
          {{"disabled", target->disabled}}, {{"disabled", true}});
    HttpResponse r;
    r.status = 204;
    r.content_type.clear();
    return r;
  }

  HttpResponse CreateApiToken() {
    // Only a person at the console hands out tokens, never another token.
    if (call.via_token) return Problem(403, "auth.forbidden");
    if (auto p = ParseBody()) return *p;
    std::string name;
    if (auto p = BodyString("name", &name, 100)) return *p;
    if (name.empty()) return FieldProblem("name", "error.required");
    std::optional<Role> parsed;
    if (auto p = BodyRole(&parsed)) return *p;
    const Role role = parsed.value_or(call.role);
    std::optional<int64_t> days;
    if (auto p = BodyInt("expires_days", 1, 365, &days)) return *p;
    if (!days) days = 30;
    std::vector<int64_t> orgs;
    if (auto p = BodyOrgs(&orgs)) return *p;
    if (!call.scope.all && orgs.empty()) orgs = call.scope.org_ids;
    const std::string secret =
        std::string(kApiTokenMarker) + pki::RandomSecret(32);
    store::NewApiToken token;
    token.account_id = call.account->id;
    token.name = name;
    token.token_hash = pki::Sha256Hex(secret);
    token.prefix = secret.substr(0, kApiTokenPrefixLength);
    token.role = role;
    token.org_ids = orgs;
    token.expires_at = api.clock_.Now() + std::chrono::hours(24 * *days);
    Result<store::ApiToken> created =
        api.accounts_.CreateApiToken(token, api.clock_.Now());
    if (!created.ok()) return StoreProblem(created.status());
    json info = {{"id", created->id},
                 {"name", created->name},
                 {"prefix", created->prefix},
                 {"role", store::RoleName(created->role)},
                 {"org_ids", created->org_ids},
                 {"expires_at", IsoTime(created->expires_at)}};
    Audit("api_token.create", created->prefix, std::nullopt, json::object(),
          info);
    return Json({{"token", secret}, {"info", info}}, 201);
  }

  // --- diagnosis report and evidence pack (#15) ----------------------------

  // The organisation's name for the report code, through the caller's scope
  // (another organisation's id: NOT_FOUND).
  Result<std::string> ScopedOrgName(int64_t org_id) {
    Result<store::OrgOverview> org = api.console_.FindOrg(
        call.scope, org_id, api.clock_.Now(), api.options_.silent_after);
    if (!org.ok()) return org.status();
    return org->name;
  }

  // "attachment; filename=…" built only from the id and fixed words: no
  // organisation name or other stored text reaches a header.
  static std::string Attachment(const std::string& stem, int64_t org_id,
                                const std::string& extension) {
    return "attachment; filename=\"mamori-" + stem + "-" +
           std::to_string(org_id) + "." + extension + "\"";
  }

  // GET /orgs/{id}/report?format=pdf|html&lang=ja|en: the diagnosis report
  // from the stored results (what the dashboard shows), every role that may
  // read the organisation.
  HttpResponse Report(int64_t org_id) {
    std::string format = call.request.Query("format");
    if (format.empty()) format = "pdf";
    if (format != "pdf" && format != "html") {
      return FieldProblem("format", "error.invalid_field");
    }
    std::string lang = call.request.Query("lang");
    if (lang.empty()) lang = call.lang;
    if (lang != "ja" && lang != "en") {
      return FieldProblem("lang", "error.invalid_field");
    }
    Result<std::string> name = ScopedOrgName(org_id);
    if (!name.ok()) return StoreProblem(name.status());
    HttpResponse r;
    {
      std::lock_guard<std::mutex> lock(api.grading_mu_);
      Result<report::ReportModel> model = report::LoadReportModel(
          api.grading_, api.reports_, *name, /*evaluate=*/false);
      if (!model.ok()) return StoreProblem(model.status());
      if (format == "html") {
        r.content_type = "text/html; charset=utf-8";
        r.body = report::RenderReportHtml(*model, lang);
      } else {
        Result<std::string> pdf = report::RenderReportPdf(*model, lang);
        if (!pdf.ok()) {
          MAMORI_LOG(kError) << "report PDF: " << pdf.status().ToString();
          return Problem(500, "error.internal");
        }
        r.content_type = "application/pdf";
        r.body = std::move(pdf).value();
      }
    }
    r.AddHeader("Content-Disposition",
                Attachment("report-" + lang, org_id, format));
    return r;
  }

  // GET /orgs/{id}/evidence-pack: the signed pack as `evidence export
  // --as-of NOW` writes it (stored results, nothing re-run), streamed.
  // Operators, org admins and auditors; viewers get 403.
  HttpResponse EvidencePack(int64_t org_id) {
    Result<std::string> name = ScopedOrgName(org_id);
    if (!name.ok()) return StoreProblem(name.status());
    if (call.role != Role::kOperator && call.role != Role::kOrgAdmin &&
        call.role != Role::kAuditor) {
      return Problem(403, "auth.forbidden");
    }
    if (api.options_.signing_key_path.empty()) {
      MAMORI_LOG(kError) << "evidence pack: no signing key configured";
      return Problem(500, "error.internal");
    }
    bool created = false;
    Result<pki::SigningKey> key =
        pki::LoadOrCreateSigningKey(api.options_.signing_key_path, &created);
    if (!key.ok()) {
      MAMORI_LOG(kError) << "evidence pack: " << key.status().ToString();
      return Problem(500, "error.internal");
    }
    report::OrgPackRequest request;
    request.org = *name;
    request.as_of = api.clock_.Now();
    request.lang = call.request.Query("lang").empty()
                       ? call.lang
                       : call.request.Query("lang");
    if (request.lang != "ja" && request.lang != "en") {
      return FieldProblem("lang", "error.invalid_field");
    }
    request.custom_policy_dir = api.options_.custom_policy_dir;
    request.rule = call.request.Query("rule");
    if (!report::ValidatePackRule(request.rule).ok()) {
      return FieldProblem("rule", "error.unknown_rule");
    }
    // The organisation must have stored results before headers go out.
    {
      std::lock_guard<std::mutex> lock(api.grading_mu_);
      Result<policy::GradeReport> stored = api.grading_.Report(*name);
      if (!stored.ok()) return StoreProblem(stored.status());
    }
    Audit("evidence_pack.download", *name, org_id, json::object(),
          request.rule.empty() ? json::object() : json{{"rule", request.rule}});
    HttpResponse r;
    r.content_type = "application/zip";
    // The rule id is one of ten fixed words (checked above).
    r.AddHeader("Content-Disposition",
                Attachment(request.rule.empty() ? "evidence"
                                                : "evidence-" + request.rule,
                           org_id, "zip"));
    ConsoleApi* self = &api;
    r.stream = [self, request, key = std::move(key).value()](
                   const std::function<Status(std::string_view)>& sink) {
      std::lock_guard<std::mutex> lock(self->grading_mu_);
      return report::WriteOrgEvidencePack(self->grading_, self->reports_,
                                          request, key, sink)
          .status();
    };
    return r;
  }

  // --- follow-up: grade trend and tracked improvement items (#15) ----------
  // The work is in console_api_followup.cpp; here: scope, role, lock, audit.

  HttpResponse FromAnswer(const ApiAnswer& a) {
    if (a.problem.empty()) return Json(a.body, a.status);
    return Problem(a.status, a.problem, a.args, a.field);
  }

  HttpResponse Trend(int64_t org_id) {
    Result<store::OrgOverview> org = api.console_.FindOrg(
        call.scope, org_id, api.clock_.Now(), api.options_.silent_after);
    if (!org.ok()) return StoreProblem(org.status());
    const std::string key = GradeKey(*org);
    const TimePoint now = api.clock_.Now();
    Result<GradedAnswer> doc = GradedPage(*org, "trend", key, now);
    if (!doc.ok()) return StoreProblem(doc.status());
    return GradedResponse(doc->copy.body, doc->copy.etag, doc->previous);
  }

  HttpResponse Improvements(int64_t org_id) {
    Result<std::string> name = ScopedOrgName(org_id);
    if (!name.ok()) return StoreProblem(name.status());
    std::lock_guard<std::mutex> lock(api.grading_mu_);
    Result<policy::GradeReport> plan = api.grading_.Report(*name);
    if (!plan.ok()) return StoreProblem(plan.status());
    return FromAnswer(
        ImprovementItemsAnswer(api.reports_, *plan, api.grading_.policies(),
                               org_id, CanWrite(org_id), api.clock_.Now()));
  }

  HttpResponse PatchImprovement(int64_t org_id, int64_t item_id) {
    Result<std::string> name = ScopedOrgName(org_id);
    if (!name.ok()) return StoreProblem(name.status());
    if (!CanWrite(org_id)) return Problem(403, "auth.forbidden");
    if (auto p = ParseBody()) return *p;
    std::lock_guard<std::mutex> lock(api.grading_mu_);
    Result<policy::GradeReport> plan = api.grading_.Report(*name);
    if (!plan.ok()) return StoreProblem(plan.status());
    ItemPatchResult r = PatchImprovementItem(
        api.reports_, *plan, api.grading_.policies(), org_id, item_id,
        call.body, call.Actor(), api.clock_.Now());
    if (r.changed) {
      Audit("improvement.update", r.key, org_id, r.before, r.after);
    }
    return FromAnswer(r.answer);
  }

  HttpResponse ListAudit() {
    if (call.role != Role::kOperator && call.role != Role::kOrgAdmin &&
        call.role != Role::kAuditor) {
      return Problem(403, "auth.forbidden");
    }
    std::optional<int64_t> before;
    if (const std::string text = call.request.Query("cursor"); !text.empty()) {
      before = ParseInt64(text);
      if (!before) return FieldProblem("cursor", "error.invalid_field");
    }
    Result<std::vector<store::AuditEntry>> entries =
        api.accounts_.ListAudit(call.scope, before, 100);
    if (!entries.ok()) return StoreProblem(entries.status());
    json items = json::array();
    for (const auto& e : *entries) {
      items.push_back({{"id", e.id},
                       {"at", IsoTime(e.at)},
                       {"actor", e.actor},
                       {"source", e.source},
                       {"action", e.action},
                       {"target", e.target},
                       {"org_id", e.org_id ? json(*e.org_id) : json(nullptr)},
                       {"before", json::parse(e.before_json, nullptr, false)},
                       {"after", json::parse(e.after_json, nullptr, false)}});
    }
    return Json({{"items", items},
                 {"next_cursor", entries->size() == 100
                                     ? json(std::to_string(entries->back().id))
                                     : json(nullptr)}});
  }
};

ConsoleApi::ConsoleApi(store::AccountStore& accounts,
                       store::ConsoleStore& console, store::Store& store,
                       policy::GradingService& grading,
                       store::ReportStore& reports, const Clock& clock,
                       ConsoleApiOptions options)
    : accounts_(accounts),
      console_(console),
      store_(store),
      grading_(grading),
      reports_(reports),
      check_texts_(grading.policies()),
      clock_(clock),
      options_(std::move(options)),
      sessions_(clock, options_.sessions, &accounts),
      throttle_(clock, options_.throttle) {
  Result<std::string> dummy = pki::HashPassword(pki::RandomSecret(18));
  if (dummy.ok()) dummy_hash_ = std::move(dummy).value();
}

Result<std::unique_ptr<store::SoftwarePort>> ConsoleApi::AcquireSoftware() {
  std::unique_lock<std::mutex> lock(software_mu_);
  software_cv_.wait(lock, [&] {
    return !software_idle_.empty() || software_opened_ < kLedgerConnections;
  });
  if (!software_idle_.empty()) {
    std::unique_ptr<store::SoftwarePort> port =
        std::move(software_idle_.back());
    software_idle_.pop_back();
    return port;
  }
  ++software_opened_;
  lock.unlock();
  Result<std::unique_ptr<store::SoftwarePort>> opened =
      store::OpenSoftwareStore(options_.software_store_url);
  if (!opened.ok()) {
    lock.lock();
    --software_opened_;
    lock.unlock();
    software_cv_.notify_one();
  }
  return opened;
}

void ConsoleApi::ReleaseSoftware(std::unique_ptr<store::SoftwarePort> port) {
  if (port == nullptr) return;
  {
    std::lock_guard<std::mutex> lock(software_mu_);
    software_idle_.push_back(std::move(port));
  }
  software_cv_.notify_one();
}

ConsoleApi::~ConsoleApi() {
  {
    std::lock_guard<std::mutex> lock(rebuild_mu_);
    rebuild_stop_ = true;
  }
  rebuild_cv_.notify_all();
  if (rebuild_thread_.joinable()) rebuild_thread_.join();
}

void ConsoleApi::RebuildInBackground(int64_t org_id) {
  std::lock_guard<std::mutex> lock(rebuild_mu_);
  if (rebuild_stop_) {
    graded_pages_.Abandon(org_id);
    return;
  }
  rebuild_queue_.insert(org_id);
  if (!rebuild_thread_.joinable()) {
    rebuild_thread_ = std::thread([this] { RebuildLoop(); });
  }
  rebuild_cv_.notify_all();
}

void ConsoleApi::HoldRebuilds(bool hold) {
  {
    std::lock_guard<std::mutex> lock(rebuild_mu_);
    rebuilds_held_ = hold;
  }
  rebuild_cv_.notify_all();
}

void ConsoleApi::WaitForRebuilds() {
  std::unique_lock<std::mutex> lock(rebuild_mu_);
  rebuild_cv_.wait(lock, [&] {
    return rebuild_stop_ || (rebuild_queue_.empty() && !rebuilding_);
  });
}

Status ConsoleApi::RebuildGradedPages(int64_t org_id) {
  // The key is read now, before the counts (BuildGradedPages): a copy is
  // never labelled with a grading run newer than what it shows.
  store::OrgScope all;
  all.all = true;
  Result<store::OrgOverview> org =
      console_.FindOrg(all, org_id, clock_.Now(), options_.silent_after);
  if (!org.ok()) return org.status();
  const std::string key = ApiHandlers::GradeKey(*org);
  std::lock_guard<std::mutex> grading(grading_mu_);
  try {
    return ApiHandlers::BuildGradedPages(*this, org_id, key, "dashboard")
        .status();
  } catch (const std::exception& e) {
    return InternalError(e.what());
  }
}

void ConsoleApi::RebuildLoop() {
  std::unique_lock<std::mutex> lock(rebuild_mu_);
  while (true) {
    rebuild_cv_.wait(lock, [&] {
      return rebuild_stop_ || (!rebuilds_held_ && !rebuild_queue_.empty());
    });
    if (rebuild_stop_) break;
    const int64_t org_id = *rebuild_queue_.begin();
    rebuild_queue_.erase(rebuild_queue_.begin());
    rebuilding_ = true;
    lock.unlock();
    if (Status built = RebuildGradedPages(org_id); !built.ok()) {
      MAMORI_LOG(kWarning) << "console: rebuilding the graded pages of "
                              "organisation "
                           << org_id << " failed: " << built.ToString();
    }
    // Kept (which ended the claim) or not: the next stale view may claim
    // another rebuild.
    graded_pages_.Abandon(org_id);
    lock.lock();
    rebuilding_ = false;
    rebuild_cv_.notify_all();
  }
  for (int64_t org_id : rebuild_queue_) graded_pages_.Abandon(org_id);
  rebuild_queue_.clear();
  rebuilding_ = false;
  rebuild_cv_.notify_all();
}

HttpResponse ConsoleApi::Handle(const HttpRequest& request) {
  Call call(request, PickLanguage(request.Header("accept-language")));
  std::string_view rest = request.path;
  rest.remove_prefix(
      std::min(rest.size(), std::string_view("/api/v1/").size()));
  while (!rest.empty()) {
    const size_t slash = rest.find('/');
    call.segments.emplace_back(rest.substr(0, slash));
    rest = slash == std::string_view::npos ? std::string_view()
                                           : rest.substr(slash + 1);
  }
  // A change through the console may change what the graded pages show
  // (answers, parameters, revocations): their copies go, before and after
  // (graded_pages.h: a build that began before the change keeps nothing).
  // Logging in and out and changing one's password change no page.
  const bool read = request.method == "GET" || request.method == "HEAD";
  const bool changes_pages =
      !read && (call.segments.empty() || call.segments.front() != "session");
  if (changes_pages) graded_pages_.Clear();
  HttpResponse r = Route(call);
  if (changes_pages) graded_pages_.Clear();
  r.AddHeader("Cache-Control", "no-store");
  return r;
}

HttpResponse ConsoleApi::Route(Call& call) {
  ApiHandlers h{{*this, call}};
  const std::string& m = call.request.method;
  const std::vector<std::string>& s = call.segments;
  auto is = [&](std::initializer_list<std::string_view> parts) {
    if (parts.size() != s.size()) return false;
    size_t i = 0;
    for (std::string_view p : parts) {
      if (p != "*" && p != s[i]) return false;
      ++i;
    }
    return true;
  };
  auto id_at = [&](size_t i) -> std::optional<int64_t> {
    std::optional<int64_t> id = ParseInt64(s[i]);
    if (!id || *id < 1) return std::nullopt;
    return id;
  };

  if (is({"openapi.json"}) && m == "GET") {
    HttpResponse r;
    r.body = std::string(FindEmbedded("embedded:openapi.json").value_or("{}"));
    return r;
  }
  if (auto p = h.Authenticate()) return *p;
  if (auto p = h.CheckCsrf()) return *p;

  if (is({"session"})) {
    if (m == "POST") return h.Login();
    if (!call.account) return h.Problem(401, "auth.required");
    if (m == "GET") return h.Json(h.SessionJson());
    if (m == "DELETE") return h.Logout();
    return h.Problem(405, "error.method");
  }
  if (!call.account) return h.Problem(401, "auth.required");
  if (is({"session", "password"})) {
    if (m == "POST") return h.ChangePassword();
    return h.Problem(405, "error.method");
  }
  if (call.account->must_change_password && !call.via_token) {
    return h.Problem(403, "auth.password_change_required");
  }

  if (is({"orgs"}) && m == "GET") return h.ListOrgs();
  if (s.size() >= 2 && s[0] == "orgs") {
    std::optional<int64_t> org = id_at(1);
    if (!org) return h.Problem(404, "error.not_found");
    if (is({"orgs", "*"}) && m == "GET") return h.Dashboard(*org);
    if (is({"orgs", "*", "rules"}) && m == "GET") return h.Rules(*org);
    if (is({"orgs", "*", "software"}) && m == "GET") {
      return SoftwareHandlers{{*this, call}}.Org(*org);
    }
    if (is({"orgs", "*", "software", "ledger"}) && m == "GET") {
      return h.SoftwareLedger(*org);
    }
    if (s.size() >= 3 && s[2] == "alerts") {
      AlertHandlers alerts{{*this, call}};
      if (is({"orgs", "*", "alerts"}) && m == "GET") return alerts.Get(*org);
      if (is({"orgs", "*", "alerts", "channels"}) && m == "POST") {
        return alerts.AddChannel(*org);
      }
      if (is({"orgs", "*", "alerts", "channels", "*"}) && m == "DELETE") {
        std::optional<int64_t> channel = id_at(4);
        if (!channel) return h.Problem(404, "error.not_found");
        return alerts.RemoveChannel(*org, *channel);
      }
      if (is({"orgs", "*", "alerts", "deliveries"}) && m == "GET") {
        return alerts.DeliveryList(*org);
      }
      if (is({"orgs", "*", "alerts", "settings"}) && m == "PUT") {
        return alerts.SaveSettings(*org);
      }
    }
    if (is({"orgs", "*", "questionnaire"})) {
      if (m == "GET") return h.Questionnaire(*org);
      if (m == "PUT") return h.SaveQuestionnaire(*org);
      return h.Problem(405, "error.method");
    }
    if (is({"orgs", "*", "endpoints"}) && m == "GET") {
      return h.ListEndpoints(*org);
    }
    if (is({"orgs", "*", "report"}) && m == "GET") return h.Report(*org);
    if (is({"orgs", "*", "evidence-pack"}) && m == "GET") {
      return h.EvidencePack(*org);
    }
    if (is({"orgs", "*", "trend"}) && m == "GET") return h.Trend(*org);
    if (is({"orgs", "*", "improvements"}) && m == "GET") {
      return h.Improvements(*org);
    }
    if (is({"orgs", "*", "improvements", "*"})) {
      std::optional<int64_t> item = id_at(3);
      if (!item) return h.Problem(404, "error.not_found");
      if (m == "PATCH") return h.PatchImprovement(*org, *item);
      return h.Problem(405, "error.method");
    }
    if (is({"orgs", "*", "endpoints.csv"}) && m == "GET") {
      return h.EndpointsCsv(*org);
    }
    if (is({"orgs", "*", "endpoints.xlsx"}) && m == "GET") {
      return h.EndpointsXlsx(*org);
    }
    if (s.size() >= 4 && s[2] == "endpoints") {
      std::optional<int64_t> host = id_at(3);
      if (!host) return h.Problem(404, "error.not_found");
      if (is({"orgs", "*", "endpoints", "*"}) && m == "GET") {
        return h.EndpointDetail(*org, *host);
      }
      if (is({"orgs", "*", "endpoints", "*", "software"}) && m == "GET") {
        return h.EndpointSoftware(*org, *host);
      }
      HostHandlers hosts{{*this, call}};
      if (is({"orgs", "*", "endpoints", "*", "history"}) && m == "GET") {
        return hosts.History(*org, *host);
      }
      if (is({"orgs", "*", "endpoints", "*", "updates"}) && m == "GET") {
        return hosts.Updates(*org, *host);
      }
      if (is({"orgs", "*", "endpoints", "*", "revoke"}) && m == "POST") {
        return hosts.Revoke(*org, *host);
      }
    }
    if (s.size() >= 3 && s[2].rfind("register", 0) == 0) {
      RegisterHandlers reg{{*this, call}};
      if (is({"orgs", "*", "register"}) && m == "GET") return reg.Get(*org);
      if (is({"orgs", "*", "register.xlsx"}) && m == "GET") {
        return reg.Export(*org, true);
      }
      if (is({"orgs", "*", "register.csv"}) && m == "GET") {
        return reg.Export(*org, false);
      }
      if (is({"orgs", "*", "register", "assets"}) && m == "PUT") {
        return reg.PutAsset(*org);
      }
      if (is({"orgs", "*", "register", "links"}) && m == "POST") {
        return reg.AddLink(*org);
      }
      if (is({"orgs", "*", "register", "assets", "retire"}) && m == "POST") {
        return reg.Retire(*org, true);
      }
      if (is({"orgs", "*", "register", "assets", "restore"}) && m == "POST") {
        return reg.Retire(*org, false);
      }
      if (is({"orgs", "*", "register", "devices", "*"})) {
        std::optional<int64_t> host = id_at(4);
        if (!host) return h.Problem(404, "error.not_found");
        if (m == "PATCH") return reg.PatchDevice(*org, *host);
        return h.Problem(405, "error.method");
      }
      if (is({"orgs", "*", "register", "import"}) && m == "POST") {
        return reg.Import(*org);
      }
    }
    if (is({"orgs", "*", "report-schedule"})) {
      ScheduleHandlers schedule{{*this, call}};
      if (m == "GET") return schedule.Get(*org);
      if (m == "PUT") return schedule.Put(*org);
      if (m == "DELETE") return schedule.Delete(*org);
      return h.Problem(405, "error.method");
    }
    if (is({"orgs", "*", "devices.csv"}) && m == "GET") {
      return DeviceHandlers{{*this, call}}.Export(*org, false);
    }
    if (is({"orgs", "*", "devices.xlsx"}) && m == "GET") {
      return DeviceHandlers{{*this, call}}.Export(*org, true);
    }
    if (is({"orgs", "*", "devices"}) && m == "GET") {
      return DeviceHandlers{{*this, call}}.List(*org);
    }
    if (is({"orgs", "*", "devices", "*", "mark"})) {
      DeviceHandlers devices{{*this, call}};
      if (m == "PUT") return devices.Mark(*org, s[3]);
      if (m == "DELETE") return devices.ClearMark(*org, s[3]);
      return h.Problem(405, "error.method");
    }
    if (is({"orgs", "*", "questionnaire", "first"})) {
      FormHandlers forms{{*this, call}};
      if (m == "GET") return forms.First(*org);
      if (m == "PUT") return forms.SaveFirst(*org);
      return h.Problem(405, "error.method");
    }
    if (is({"orgs", "*", "questionnaire", "ipa"})) {
      FormHandlers forms{{*this, call}};
      if (m == "GET") return forms.Ipa(*org);
      if (m == "PUT") return forms.SaveIpa(*org);
      return h.Problem(405, "error.method");
    }
    if (is({"orgs", "*", "parameters"}) && m == "PUT") {
      return ParameterHandlers{{*this, call}}.Save(*org);
    }
    if (is({"orgs", "*", "tokens"})) {
      if (m == "GET") return h.ListTokens(*org);
      if (m == "POST") return h.CreateToken(*org);
      return h.Problem(405, "error.method");
    }
    if (is({"orgs", "*", "tokens", "*"}) && m == "DELETE") {
      std::optional<int64_t> token = id_at(3);
      if (!token) return h.Problem(404, "error.not_found");
      return h.RevokeToken(*org, *token);
    }
  }
  if (is({"accounts"})) {
    if (m == "GET") return h.ListAccounts();
    if (m == "POST") return h.CreateAccount();
    return h.Problem(405, "error.method");
  }
  if (is({"accounts", "*", "disable"}) && m == "POST") {
    std::optional<int64_t> id = id_at(1);
    if (!id) return h.Problem(404, "error.not_found");
    return h.DisableAccount(*id);
  }
  if (is({"api-tokens"}) && m == "POST") return h.CreateApiToken();
  if (is({"api-tokens"}) && m == "GET") {
    return ApiTokenHandlers{{*this, call}}.List();
  }
  if (is({"api-tokens", "*"}) && m == "DELETE") {
    std::optional<int64_t> id = id_at(1);
    if (!id) return h.Problem(404, "error.not_found");
    return ApiTokenHandlers{{*this, call}}.Revoke(*id);
  }
  if (is({"audit"}) && m == "GET") return h.ListAudit();
  return h.Problem(404, "error.not_found");
}

}  // namespace mamori::web
