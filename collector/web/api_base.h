#pragma once

// What every ConsoleApi handler shares, private to collector/web: the call
// being answered (request, language, authenticated caller) and ApiBase, the
// helpers handlers are written with (problems, JSON bodies, the audit log,
// write permission, the caller's organisation). The handlers themselves
// live in console_api.cpp and in one file per area (console_api_hosts.cpp,
// …), each a struct deriving from ApiBase, so no file grows without bound.
//
// Thread safety: an ApiBase lives for one request on one thread; what it
// reaches through `api` is thread-safe as ConsoleApi documents.

#include <cstdint>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "collector/policy/policy.h"
#include "collector/store/account_store.h"
#include "collector/store/console_store.h"
#include "collector/web/catalogue.h"
#include "collector/web/console_api.h"
#include "collector/web/http.h"

namespace mamori::web {

// "2026-12-07T10:00:00Z".
std::string IsoTime(TimePoint t);
// IsoTime, or null when unset.
nlohmann::json OptionalTime(const std::optional<TimePoint>& t);
// {"ja": …, "en": …}.
nlohmann::json Localized(const policy::LocalizedText& text);

// One request being answered: the request, its language, the caller.
struct ConsoleApi::Call {
  Call(const HttpRequest& r, std::string l) : request(r), lang(std::move(l)) {}
  const HttpRequest& request;
  std::string lang;
  std::vector<std::string> segments;  // path after /api/v1/, split on '/'
  // Set once authenticated.
  std::optional<store::Account> account;
  store::Role role = store::Role::kViewer;
  store::OrgScope scope;
  std::optional<Session> session;
  bool via_token = false;
  nlohmann::json body;

  std::string Actor() const { return account ? account->name : "anonymous"; }
};

struct ApiBase {
  using Args = std::vector<std::pair<std::string, std::string>>;

  ConsoleApi& api;
  ConsoleApi::Call& call;

  const Catalogue& catalogue() const { return Catalogue::Instance(); }

  // application/problem+json with the message `key` in the call's language.
  HttpResponse Problem(int status, const std::string& key,
                       const Args& args = {}, const std::string& field = "");
  // 400 naming `field`.
  HttpResponse FieldProblem(const std::string& field, const std::string& key,
                            Args args = {});
  // A store error as a problem: NOT_FOUND → 404, INVALID_ARGUMENT → 400
  // naming the field its message starts with, ALREADY_EXISTS → 409,
  // anything else → 500 (the detail stays in the server's log).
  HttpResponse StoreProblem(const Status& s);
  HttpResponse Json(const nlohmann::json& doc, int status = 200);
  HttpResponse NoContent();

  // Appends to the audit log: the caller, its address, `action` on
  // `target`, before → after. A failed write is logged as an error (the
  // change already happened).
  void Audit(const std::string& action, const std::string& target,
             std::optional<int64_t> org_id, const nlohmann::json& before,
             const nlohmann::json& after);

  // Parses the JSON object body into call.body. nullopt when fine; the
  // problem (415, 413, 400) otherwise.
  std::optional<HttpResponse> ParseBody();
  // A string member of the body: "" when absent; a problem when not a
  // string, longer than `max_bytes` or not clean UTF-8.
  std::optional<HttpResponse> BodyString(const std::string& field,
                                         std::string* out, size_t max_bytes);

  // Operators and org admins of `org_id` may change it.
  bool CanWrite(int64_t org_id) const;
  // The organisation through the caller's scope: NOT_FOUND when absent or
  // another tenant's.
  Result<store::OrgOverview> ScopedOrg(int64_t org_id);

  // What handlers in other files reach through the API.
  store::Store& store() { return api.store_; }
  store::ConsoleStore& console() { return api.console_; }
  store::AccountStore& accounts() { return api.accounts_; }
  policy::GradingService& grading() { return api.grading_; }
  std::mutex& grading_mu() { return api.grading_mu_; }
  const Clock& clock() { return api.clock_; }
  const ConsoleApiOptions& options() { return api.options_; }
  SessionManager& sessions() { return api.sessions_; }
  asset_register::RegisterPort* register_port() { return api.register_; }
  // The answer when register_port() is unset: 501 "not on this backend"
  // or 503 "not available on this server".
  HttpResponse RegisterMissing();
  std::mutex& register_mu() { return api.register_mu_; }
  store::DeviceStore* devices() { return api.devices_; }
  SoftwareViewCache& software_view() { return api.software_view_; }
};

}  // namespace mamori::web
