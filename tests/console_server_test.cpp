// The console's HTTP layer end to end: a real HTTPS server (Poco NetSSL with
// a certificate from the collector's own CA) on 127.0.0.1 port 0, a real
// SQLite file, real Argon2id hashes. Covers security headers, login and the
// forced password change, sessions (new id, idle timeout, logout), CSRF,
// throttling, roles, tenant scoping (another organisation's id → 404), API
// tokens, hostile host names, CSV neutralisation, cursor paging, problem
// messages in the request's language, and every response checked against
// the OpenAPI document the server publishes.
#include <Poco/Exception.h>
#include <Poco/Net/Context.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/HTTPSClientSession.h>
#include <Poco/Net/SSLManager.h>
#include <Poco/StreamCopier.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <set>

#include "collector/pki/ca.h"
#include "collector/pki/crypto.h"
#include "collector/policy/grading_service.h"
#include "collector/report/evidence_pack.h"
#include "collector/store/open_store.h"
#include "collector/store/sqlite/sqlite_account_store.h"
#include "collector/store/sqlite/sqlite_console_store.h"
#include "collector/store/sqlite/sqlite_store.h"
#include "collector/web/console_api.h"
#include "collector/web/web_server.h"

namespace mamori::web {
namespace {

using nlohmann::json;
using std::chrono::minutes;

constexpr char kGoodPassword[] = "tsuki-ga-kirei-desu-ne";
const std::string kXssHost =
    "\"><img src=x onerror=alert(1)><script>alert(2)</script>";
const std::string kFormulaHost = "=HYPERLINK(\"http://evil/\",\"x\")";

struct Reply {
  int status = 0;
  std::map<std::string, std::string> headers;  // lower-case names
  std::vector<std::string> cookies;            // Set-Cookie values
  std::string body;
  json Json() const { return json::parse(body, nullptr, false); }
};

// A minimal validator for the JSON Schema subset the OpenAPI document uses:
// type (one or a list), properties, required, additionalProperties,
// items, enum, minItems/maxItems, oneOf, $ref into components.
class SchemaChecker {
 public:
  explicit SchemaChecker(json doc) : doc_(std::move(doc)) {}

  std::vector<std::string> Check(const json& value,
                                 const std::string& schema_name) {
    errors_.clear();
    Validate(value, doc_["components"]["schemas"][schema_name], schema_name);
    return errors_;
  }

 private:
  static bool IsType(const json& v, const std::string& type) {
    if (type == "object") return v.is_object();
    if (type == "array") return v.is_array();
    if (type == "string") return v.is_string();
    if (type == "integer") return v.is_number_integer();
    if (type == "number") return v.is_number();
    if (type == "boolean") return v.is_boolean();
    if (type == "null") return v.is_null();
    return false;
  }

  bool Validate(const json& v, const json& s, const std::string& at) {
    const size_t before = errors_.size();
    if (s.contains("$ref")) {
      const std::string ref = s["$ref"];
      const std::string name = ref.substr(ref.rfind('/') + 1);
      return Validate(v, doc_["components"]["schemas"][name], at);
    }
    if (s.contains("oneOf")) {
      int matches = 0;
      for (const json& option : s["oneOf"]) {
        SchemaChecker inner(doc_);
        inner.Validate(v, option, at);
        matches += inner.errors_.empty();
      }
      if (matches != 1)
        errors_.push_back(at + ": matches " + std::to_string(matches) +
                          " of oneOf");
      return errors_.size() == before;
    }
    if (s.contains("type")) {
      bool ok = false;
      if (s["type"].is_array()) {
        for (const json& t : s["type"]) ok = ok || IsType(v, t);
      } else {
        ok = IsType(v, s["type"]);
      }
      if (!ok) {
        errors_.push_back(at + ": expected " + s["type"].dump() + ", got " +
                          v.dump().substr(0, 80));
        return false;
      }
    }
    if (s.contains("enum") &&
        std::find(s["enum"].begin(), s["enum"].end(), v) == s["enum"].end()) {
      errors_.push_back(at + ": " + v.dump() + " not in enum");
    }
    if (v.is_object()) {
      for (const json& r : s.value("required", json::array())) {
        if (!v.contains(r))
          errors_.push_back(at + ": missing " + r.get<std::string>());
      }
      const json props = s.value("properties", json::object());
      for (const auto& [key, item] : v.items()) {
        if (props.contains(key)) {
          Validate(item, props[key], at + "." + key);
        } else if (s.contains("additionalProperties")) {
          const json& extra = s["additionalProperties"];
          if (extra.is_boolean() && !extra.get<bool>()) {
            errors_.push_back(at + ": unexpected member " + key);
          } else if (extra.is_object()) {
            Validate(item, extra, at + "." + key);
          }
        }
      }
    }
    if (v.is_array()) {
      if (s.contains("minItems") && v.size() < s["minItems"].get<size_t>())
        errors_.push_back(at + ": too few items");
      if (s.contains("maxItems") && v.size() > s["maxItems"].get<size_t>())
        errors_.push_back(at + ": too many items");
      if (s.contains("items")) {
        for (size_t i = 0; i < v.size(); ++i)
          Validate(v[i], s["items"], at + "[" + std::to_string(i) + "]");
      }
    }
    return errors_.size() == before;
  }

  json doc_;
  std::vector<std::string> errors_;
};

class ConsoleServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(pki::InitCrypto().ok());
    std::string pattern = ::testing::TempDir() + "mamori_console_srv_XXXXXX";
    dir_ = mkdtemp(pattern.data());
    const std::string db = dir_ + "/collector.db";
    auto store = store::SqliteStore::Open(db, clock_);
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(store).value();
    acme_ = store_->CreateOrg({"acme", "E", 20, "Aichi"})->id;
    globex_ = store_->CreateOrg({"globex", "", std::nullopt, ""})->id;
    for (int i = 0; i < 5; ++i) Enroll("acme", "pc-" + std::to_string(i));
    xss_host_ = Enroll("acme", kXssHost);
    Enroll("acme", kFormulaHost);
    globex_host_ = Enroll("globex", "globex-secret-server");

    auto accounts = store::SqliteAccountStore::Open(db);
    ASSERT_TRUE(accounts.ok());
    accounts_ = std::move(accounts).value();
    auto console = store::SqliteConsoleStore::Open(db);
    ASSERT_TRUE(console.ok());
    console_ = std::move(console).value();
    auto grading = policy::GradingService::Open({db, ""}, clock_);
    ASSERT_TRUE(grading.ok()) << grading.status().ToString();
    grading_ = std::move(grading).value();
    ASSERT_TRUE(grading_->Evaluate("acme").ok());
    auto reports = store::OpenReportStore(store::SqliteUrl(db));
    ASSERT_TRUE(reports.ok()) << reports.status().ToString();
    reports_ = std::move(reports).value();

    AddAccount("op", store::Role::kOperator, {}, false);
    AddAccount("acme-admin", store::Role::kOrgAdmin, {acme_}, false);
    AddAccount("acme-viewer", store::Role::kViewer, {acme_}, false);
    AddAccount("globex-viewer", store::Role::kViewer, {globex_}, false);
    AddAccount("acme-auditor", store::Role::kAuditor, {acme_}, false);
    AddAccount("newbie", store::Role::kOperator, {}, true);

    auto ca = pki::CreateCa("test CA", clock_.Now());
    ASSERT_TRUE(ca.ok());
    auto server =
        pki::IssueServerCert(*ca, {"localhost", "127.0.0.1"}, clock_.Now());
    ASSERT_TRUE(server.ok());
    Write(dir_ + "/ca.crt", ca->cert_pem);
    Write(dir_ + "/server.key", server->key_pem);
    Write(dir_ + "/server.crt", server->cert_pem);

    ConsoleApiOptions options;
    options.grpc_address = "collector.example:50443";
    options.ca_sha256 = "AB:CD";
    options.signing_key_path = dir_ + "/signing.key";
    options.software_store_url = store::SqliteUrl(db);
    api_ = std::make_unique<ConsoleApi>(*accounts_, *console_, *store_,
                                        *grading_, *reports_, clock_, options);
    WebServerConfig config;
    config.address = "127.0.0.1:0";
    config.key_path = dir_ + "/server.key";
    config.cert_path = dir_ + "/server.crt";
    config.max_body_bytes = 256 * 1024;
    auto web = WebServer::Start(config, *api_);
    ASSERT_TRUE(web.ok()) << web.status().ToString();
    web_ = std::move(web).value();
    client_context_ = new Poco::Net::Context(Poco::Net::Context::TLS_CLIENT_USE,
                                             "", "", dir_ + "/ca.crt",
                                             Poco::Net::Context::VERIFY_STRICT);
  }

  void TearDown() override {
    if (web_) web_->Stop();
  }

  static void Write(const std::string& path, const std::string& text) {
    std::ofstream(path) << text;
  }

  int64_t Enroll(const std::string& org, const std::string& hostname) {
    auto token = store_->CreateToken({org, std::nullopt, std::nullopt});
    store::EnrollInput in;
    in.token = token->token;
    in.identity = {
        hostname, "m-" + hostname, "u-" + hostname, "s-" + hostname, {}};
    in.os_name = "Debian GNU/Linux";
    in.os_version = "12";
    in.node_key_hash = pki::Sha256Hex("k");
    auto out = store_->Enroll(in);
    EXPECT_TRUE(out.ok()) << out.status().ToString();
    return out.ok() ? out->host_id : 0;
  }

  void AddAccount(const std::string& name, store::Role role,
                  std::vector<int64_t> orgs, bool must_change) {
    auto hash = pki::HashPassword(kGoodPassword);
    ASSERT_TRUE(hash.ok());
    ASSERT_TRUE(accounts_
                    ->CreateAccount({name, role, orgs, *hash, must_change},
                                    clock_.Now())
                    .ok());
  }

  struct Client {
    std::string cookie;
    std::string csrf;
    std::string bearer;
    std::string lang = "en";
  };

  Reply Call(Client& c, const std::string& method, const std::string& path,
             const std::string& body = "",
             std::map<std::string, std::string> headers = {}) {
    Poco::Net::HTTPSClientSession session(
        "localhost", static_cast<Poco::UInt16>(web_->port()), client_context_);
    Poco::Net::HTTPRequest request(method, path,
                                   Poco::Net::HTTPMessage::HTTP_1_1);
    request.set("Accept-Language", c.lang);
    if (!c.cookie.empty())
      request.set("Cookie", "__Host-mamori_session=" + c.cookie);
    if (!c.csrf.empty()) request.set("X-CSRF-Token", c.csrf);
    if (!c.bearer.empty()) request.set("Authorization", "Bearer " + c.bearer);
    if (!body.empty()) request.setContentType("application/json");
    for (const auto& [k, v] : headers) request.set(k, v);
    request.setContentLength(static_cast<std::streamsize>(body.size()));
    Reply r;
    Poco::Net::HTTPResponse response;
    std::istream* stream = nullptr;
    try {
      session.sendRequest(request) << body;
      stream = &session.receiveResponse(response);
    } catch (const Poco::IOException& e) {
      // The server may answer 413 and close before a large body is sent
      // in full; the client then sees the connection reset (status -1).
      r.status = -1;
      r.body = e.displayText();
      return r;
    }
    std::istream& in = *stream;
    r.status = response.getStatus();
    for (const auto& [k, v] : response) {
      std::string lower = k;
      std::transform(lower.begin(), lower.end(), lower.begin(), ::tolower);
      if (lower == "set-cookie") {
        r.cookies.push_back(v);
      } else {
        r.headers[lower] = v;
      }
    }
    Poco::StreamCopier::copyToString(in, r.body);
    return r;
  }

  // Logs in; returns the client with its cookie and CSRF token.
  Client Login(const std::string& name,
               const std::string& password = kGoodPassword) {
    Client c;
    Reply r = Call(c, "POST", "/api/v1/session",
                   json{{"name", name}, {"password", password}}.dump());
    EXPECT_EQ(r.status, 200) << r.body;
    TakeSession(c, r);
    return c;
  }

  static void TakeSession(Client& c, const Reply& r) {
    for (const std::string& cookie : r.cookies) {
      const std::string prefix = "__Host-mamori_session=";
      if (cookie.rfind(prefix, 0) == 0) {
        c.cookie =
            cookie.substr(prefix.size(), cookie.find(';') - prefix.size());
      }
    }
    json doc = r.Json();
    if (doc.is_object() && doc.contains("csrf_token"))
      c.csrf = doc["csrf_token"];
  }

  void ExpectSchema(const Reply& r, const std::string& schema) {
    static SchemaChecker* checker = nullptr;
    if (!checker) {
      Client anonymous;
      Reply doc = Call(anonymous, "GET", "/api/v1/openapi.json");
      ASSERT_EQ(doc.status, 200);
      checker = new SchemaChecker(doc.Json());
    }
    json value = r.Json();
    ASSERT_FALSE(value.is_discarded()) << r.body;
    std::vector<std::string> errors = checker->Check(value, schema);
    EXPECT_TRUE(errors.empty()) << schema << ":\n"
                                << [&] {
                                     std::string all;
                                     for (const auto& e : errors)
                                       all += "  " + e + "\n";
                                     return all;
                                   }();
  }

  FakeClock clock_{SystemClock::Instance().Now()};
  std::string dir_;
  std::unique_ptr<store::SqliteStore> store_;
  std::unique_ptr<store::SqliteAccountStore> accounts_;
  std::unique_ptr<store::SqliteConsoleStore> console_;
  std::unique_ptr<policy::GradingService> grading_;
  std::unique_ptr<store::ReportStore> reports_;
  std::unique_ptr<ConsoleApi> api_;
  std::unique_ptr<WebServer> web_;
  Poco::Net::Context::Ptr client_context_;
  int64_t acme_ = 0, globex_ = 0, xss_host_ = 0, globex_host_ = 0;
};

TEST_F(ConsoleServerTest, ServesTheConsoleOverTlsWithSecurityHeaders) {
  Client c;
  Reply index = Call(c, "GET", "/");
  ASSERT_EQ(index.status, 200);
  EXPECT_NE(index.body.find("/js/main.js"), std::string::npos);
  EXPECT_EQ(index.body.find("<script>"),
            std::string::npos);  // no inline script
  const std::string csp = index.headers["content-security-policy"];
  EXPECT_NE(csp.find("script-src 'self'"), std::string::npos) << csp;
  EXPECT_NE(csp.find("frame-ancestors 'none'"), std::string::npos);
  EXPECT_EQ(csp.find("unsafe-inline"), std::string::npos);
  EXPECT_EQ(index.headers["x-content-type-options"], "nosniff");
  EXPECT_EQ(index.headers["referrer-policy"], "no-referrer");
  EXPECT_NE(index.headers["strict-transport-security"].find("max-age="),
            std::string::npos);
  Reply js = Call(c, "GET", "/js/main.js");
  EXPECT_EQ(js.status, 200);
  EXPECT_EQ(js.headers["content-type"], "text/javascript; charset=utf-8");
  EXPECT_EQ(Call(c, "GET", "/no/such/file.js").status, 404);
  EXPECT_EQ(Call(c, "GET", "/js/../../etc/passwd").status, 400);
  EXPECT_EQ(Call(c, "POST", "/index.html", "{}").status, 405);
  Reply api = Call(c, "GET", "/api/v1/orgs");
  EXPECT_EQ(api.status, 401);
  EXPECT_EQ(api.headers["content-type"], "application/problem+json");
  EXPECT_FALSE(api.headers["content-security-policy"].empty());
  ExpectSchema(api, "Problem");
}

TEST_F(ConsoleServerTest, PlainHttpOnlyOnLoopbackAndOnlyWhenAsked) {
  WebServerConfig config;
  config.address = "0.0.0.0:0";
  config.plaintext_loopback = true;
  auto refused = WebServer::Start(config, *api_);
  EXPECT_EQ(refused.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(refused.status().message().find("loopback"), std::string::npos);
  config.address = "not-an-address";
  EXPECT_FALSE(WebServer::Start(config, *api_).ok());
}

TEST_F(ConsoleServerTest, FirstLoginMustChangeThePassword) {
  Client c = Login("newbie");
  EXPECT_EQ(Call(c, "GET", "/api/v1/session").Json()["must_change_password"],
            true);
  Reply blocked = Call(c, "GET", "/api/v1/orgs");
  EXPECT_EQ(blocked.status, 403);
  EXPECT_EQ(blocked.Json()["code"], "auth.password_change_required");
  // Weak passwords are refused with the field named, in the caller's language.
  c.lang = "ja";
  Reply weak =
      Call(c, "POST", "/api/v1/session/password",
           json{{"current_password", kGoodPassword}, {"new_password", "short"}}
               .dump());
  EXPECT_EQ(weak.status, 400);
  EXPECT_EQ(weak.Json()["field"], "new_password");
  EXPECT_EQ(weak.Json()["detail"],
            "新しいパスワードは 12 文字以上にしてください。");
  EXPECT_EQ(weak.headers["content-language"], "ja");
  ExpectSchema(weak, "Problem");
  for (const auto& [bad, code] :
       std::vector<std::pair<std::string, std::string>>{
           {"newbie-2026-password", "password.contains_name"},
           {"password1234", "password.common"}}) {
    Reply r =
        Call(c, "POST", "/api/v1/session/password",
             json{{"current_password", kGoodPassword}, {"new_password", bad}}
                 .dump());
    EXPECT_EQ(r.Json()["code"], code) << bad;
  }
  Reply wrong = Call(c, "POST", "/api/v1/session/password",
                     json{{"current_password", "nope"},
                          {"new_password", "a-much-better-one-2026"}}
                         .dump());
  EXPECT_EQ(wrong.Json()["field"], "current_password");

  const std::string old_cookie = c.cookie;
  Reply changed = Call(c, "POST", "/api/v1/session/password",
                       json{{"current_password", kGoodPassword},
                            {"new_password", "a-much-better-one-2026"}}
                           .dump());
  ASSERT_EQ(changed.status, 200) << changed.body;
  ExpectSchema(changed, "Session");
  TakeSession(c, changed);
  EXPECT_NE(c.cookie, old_cookie);  // a new session id
  EXPECT_EQ(Call(c, "GET", "/api/v1/orgs").status, 200);
  Client stale;
  stale.cookie = old_cookie;
  EXPECT_EQ(Call(stale, "GET", "/api/v1/orgs").status, 401);
  // The one-time password no longer works; the new one does.
  Client again;
  EXPECT_EQ(Call(again, "POST", "/api/v1/session",
                 json{{"name", "newbie"}, {"password", kGoodPassword}}.dump())
                .status,
            401);
  Login("newbie", "a-much-better-one-2026");
}

TEST_F(ConsoleServerTest, SessionCookieIsStrictAndLogoutEndsItOnTheServer) {
  Client anonymous;
  Reply login = Call(anonymous, "POST", "/api/v1/session",
                     json{{"name", "op"}, {"password", kGoodPassword}}.dump());
  ASSERT_EQ(login.status, 200);
  ExpectSchema(login, "Session");
  ASSERT_EQ(login.cookies.size(), 1u);
  const std::string& cookie = login.cookies.front();
  for (const char* attribute :
       {"HttpOnly", "Secure", "SameSite=Strict", "Path=/"}) {
    EXPECT_NE(cookie.find(attribute), std::string::npos) << cookie;
  }
  // A login with a planted cookie still gets a fresh id.
  Client planted;
  planted.cookie = "attacker-chosen-id";
  Reply fresh = Call(planted, "POST", "/api/v1/session",
                     json{{"name", "op"}, {"password", kGoodPassword}}.dump());
  EXPECT_EQ(fresh.cookies.front().find("attacker-chosen-id"),
            std::string::npos);

  Client c = Login("op");
  Client saved = c;
  Reply logout = Call(c, "DELETE", "/api/v1/session");
  EXPECT_EQ(logout.status, 204);
  EXPECT_EQ(Call(saved, "GET", "/api/v1/orgs").status, 401);
}

TEST_F(ConsoleServerTest, IdleSessionsExpire) {
  Client c = Login("op");
  clock_.Advance(minutes(29));
  EXPECT_EQ(Call(c, "GET", "/api/v1/orgs").status, 200);
  clock_.Advance(minutes(31));
  EXPECT_EQ(Call(c, "GET", "/api/v1/orgs").status, 401);
}

TEST_F(ConsoleServerTest, StateChangesNeedTheCsrfTokenAndOurOrigin) {
  Client c = Login("acme-admin");
  const std::string path = "/api/v1/orgs/" + std::to_string(acme_) + "/tokens";
  Client no_token;
  no_token.cookie = c.cookie;
  Reply refused = Call(no_token, "POST", path, "{}");
  EXPECT_EQ(refused.status, 403);
  EXPECT_EQ(refused.Json()["code"], "auth.csrf");
  Client wrong_token;
  wrong_token.cookie = c.cookie;
  wrong_token.csrf = "x" + c.csrf.substr(1);
  EXPECT_EQ(Call(wrong_token, "POST", path, "{}").status, 403);
  EXPECT_EQ(
      Call(c, "POST", path, "{}", {{"Origin", "https://evil.example"}}).status,
      403);
  // A form post (no JSON type) is refused even with the token.
  EXPECT_EQ(Call(c, "POST", path, "expires_days=7",
                 {{"Content-Type", "application/x-www-form-urlencoded"}})
                .status,
            415);
  Reply created = Call(c, "POST", path, json{{"expires_days", 3}}.dump());
  ASSERT_EQ(created.status, 201) << created.body;
  ExpectSchema(created, "CreatedToken");
  EXPECT_NE(created.Json()["commands"]["linux"].get<std::string>().find(
                "--ca-sha256 AB:CD"),
            std::string::npos);
  // Default expiry: 7 days, never "no expiry".
  Reply defaulted = Call(c, "POST", path, "{}");
  ASSERT_EQ(defaulted.status, 201);
  EXPECT_FALSE(defaulted.Json()["info"]["expires_at"].is_null());
  Reply bad = Call(c, "POST", path, json{{"expires_days", 0}}.dump());
  EXPECT_EQ(bad.Json()["field"], "expires_days");
}

TEST_F(ConsoleServerTest, RepeatedWrongPasswordsAreSlowed) {
  Client c;
  const std::string wrong =
      json{{"name", "acme-viewer"}, {"password", "not-it"}}.dump();
  for (int i = 0; i < 5; ++i)
    EXPECT_EQ(Call(c, "POST", "/api/v1/session", wrong).status, 401);
  Reply slowed =
      Call(c, "POST", "/api/v1/session",
           json{{"name", "acme-viewer"}, {"password", kGoodPassword}}.dump());
  EXPECT_EQ(slowed.status, 429);
  EXPECT_EQ(slowed.headers["retry-after"], "1");
  // Unknown accounts answer exactly like wrong passwords.
  Reply unknown = Call(c, "POST", "/api/v1/session",
                       json{{"name", "nobody"}, {"password", "x"}}.dump());
  EXPECT_EQ(unknown.status, 401);
  EXPECT_EQ(unknown.Json()["code"], "login.failed");
  clock_.Advance(std::chrono::seconds(2));
  Login("acme-viewer");
}

TEST_F(ConsoleServerTest, AViewerSeesOnlyTheirOrganisationAndCannotWrite) {
  Client v = Login("acme-viewer");
  Reply orgs = Call(v, "GET", "/api/v1/orgs");
  ASSERT_EQ(orgs.status, 200);
  ExpectSchema(orgs, "OrgList");
  ASSERT_EQ(orgs.Json()["items"].size(), 1u);
  EXPECT_EQ(orgs.Json()["items"][0]["name"], "acme");
  const std::string acme = "/api/v1/orgs/" + std::to_string(acme_);
  const std::string globex = "/api/v1/orgs/" + std::to_string(globex_);
  for (const std::string& path :
       {globex, globex + "/rules", globex + "/software", globex + "/endpoints",
        globex + "/tokens", globex + "/endpoints.csv",
        globex + "/endpoints/" + std::to_string(globex_host_),
        acme + "/endpoints/" + std::to_string(globex_host_),
        acme + "/endpoints/" + std::to_string(globex_host_) + "/software"}) {
    Reply r = Call(v, "GET", path);
    EXPECT_EQ(r.status, 404) << path;
    EXPECT_EQ(r.body.find("globex-secret"), std::string::npos) << path;
  }
  Reply write = Call(v, "POST", acme + "/tokens", "{}");
  EXPECT_EQ(write.status, 403);
  EXPECT_EQ(Call(v, "PUT", acme + "/questionnaire",
                 json{{"rules", json::object()}}.dump())
                .status,
            403);
  EXPECT_EQ(Call(v, "GET", "/api/v1/accounts").status, 403);
  // The other organisation's admin cannot revoke acme's tokens either.
  Client g = Login("globex-viewer");
  auto tokens = store_->ListTokens("acme");
  EXPECT_EQ(
      Call(g, "DELETE", acme + "/tokens/" + std::to_string(tokens->front().id))
          .status,
      404);
  Client a = Login("acme-admin");
  auto globex_tokens = store_->ListTokens("globex");
  EXPECT_EQ(Call(a, "DELETE",
                 acme + "/tokens/" + std::to_string(globex_tokens->front().id))
                .status,
            404);
  Reply revoked =
      Call(a, "DELETE", acme + "/tokens/" + std::to_string(tokens->front().id));
  EXPECT_EQ(revoked.status, 204);
}

TEST_F(ConsoleServerTest, ResponsesMatchTheOpenApiDocument) {
  Client op = Login("op");
  const std::string acme = "/api/v1/orgs/" + std::to_string(acme_);
  Reply dash = Call(op, "GET", acme);
  ASSERT_EQ(dash.status, 200) << dash.body;
  ExpectSchema(dash, "Dashboard");
  EXPECT_EQ(dash.Json()["rules"].size(), 10u);
  Reply rules = Call(op, "GET", acme + "/rules");
  ASSERT_EQ(rules.status, 200) << rules.body;
  ExpectSchema(rules, "RuleChecks");
  Reply questions = Call(op, "GET", acme + "/questionnaire");
  ASSERT_EQ(questions.status, 200) << questions.body;
  ExpectSchema(questions, "Questionnaire");
  // Answering "written, spread, managed" moves a rule without checks to A.
  Reply saved = Call(
      op, "PUT", acme + "/questionnaire",
      json{{"rules",
            {{"confidentiality",
              {{"written", true}, {"spread", "spread"}, {"managed", true}}}}}}
          .dump());
  ASSERT_EQ(saved.status, 200) << saved.body;
  ExpectSchema(saved, "Questionnaire");
  const json after = saved.Json();
  EXPECT_EQ(after["rules"][9]["id"], "confidentiality");
  EXPECT_EQ(after["rules"][9]["grade"], "A");
  Reply bad_answer =
      Call(op, "PUT", acme + "/questionnaire",
           json{{"rules", {{"wifi", {{"spread", "maybe"}}}}}}.dump());
  EXPECT_EQ(bad_answer.Json()["field"], "rules.wifi.spread");
  Reply org_software = Call(op, "GET", acme + "/software?q=a");
  ASSERT_EQ(org_software.status, 200) << org_software.body;
  ExpectSchema(org_software, "OrgSoftware");
  // The software ledger: a rule names a title even before any host has it;
  // hosts without a package list are counted as not inventoried; another
  // organisation's viewer gets 404.
  {
    auto port =
        store::OpenSoftwareStore(store::SqliteUrl(dir_ + "/collector.db"));
    ASSERT_TRUE(port.ok()) << port.status().ToString();
    ASSERT_TRUE((*port)
                    ->AddRule(acme_, {"ban", "title", "teamviewer", ""}, "op",
                              clock_.Now())
                    .ok());
    ASSERT_TRUE(
        (*port)->SetLicences(acme_, "zoom", 3, "op", clock_.Now()).ok());
  }
  Reply ledger = Call(op, "GET", acme + "/software/ledger");
  ASSERT_EQ(ledger.status, 200) << ledger.body;
  ExpectSchema(ledger, "SoftwareLedger");
  const json ledger_json = ledger.Json();
  EXPECT_EQ(ledger_json["hosts_not_inventoried"], ledger_json["hosts"]);
  ASSERT_EQ(ledger_json["rows"].size(), 2u) << ledger.body;
  bool banned_seen = false, licences_seen = false;
  for (const json& row : ledger_json["rows"]) {
    if (row["title"] == "teamviewer") {
      banned_seen = row["rule"] == "banned" && row["installed"] == 0 &&
                    row["category_name"] == "Remote access tools";
    }
    if (row["title"] == "zoom") licences_seen = row["owned"] == 3;
  }
  EXPECT_TRUE(banned_seen) << ledger.body;
  EXPECT_TRUE(licences_seen) << ledger.body;
  Client foreign = Login("globex-viewer");
  EXPECT_EQ(Call(foreign, "GET", acme + "/software/ledger").status, 404);
  Reply list = Call(op, "GET", acme + "/endpoints?limit=3&sort=hostname");
  ASSERT_EQ(list.status, 200) << list.body;
  ExpectSchema(list, "EndpointPage");
  Reply detail =
      Call(op, "GET", acme + "/endpoints/" + std::to_string(xss_host_));
  ASSERT_EQ(detail.status, 200) << detail.body;
  ExpectSchema(detail, "EndpointDetail");
  Reply software =
      Call(op, "GET",
           acme + "/endpoints/" + std::to_string(xss_host_) + "/software");
  ExpectSchema(software, "SoftwareList");
  Reply tokens = Call(op, "GET", acme + "/tokens");
  ExpectSchema(tokens, "TokenList");
  EXPECT_EQ(tokens.Json()["server"], "collector.example:50443");
  Reply account = Call(
      op, "POST", "/api/v1/accounts",
      json{{"name", "new-viewer"}, {"role", "viewer"}, {"org_ids", {acme_}}}
          .dump());
  ASSERT_EQ(account.status, 201) << account.body;
  ExpectSchema(account, "CreatedAccount");
  ExpectSchema(Call(op, "GET", "/api/v1/accounts"), "AccountList");
  Reply audit = Call(op, "GET", "/api/v1/audit");
  ASSERT_EQ(audit.status, 200) << audit.body;
  ExpectSchema(audit, "AuditList");
  std::set<std::string> actions;
  const json audit_doc = audit.Json();
  for (const auto& e : audit_doc["items"]) {
    actions.insert(e["action"].get<std::string>());
  }
  EXPECT_TRUE(actions.count("account.create")) << audit.body;
  EXPECT_TRUE(actions.count("session.login"));
  Reply bad = Call(op, "GET", acme + "/endpoints?sort=evil");
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(bad.Json()["field"], "sort");
  ExpectSchema(bad, "Problem");
}

TEST_F(ConsoleServerTest, CursorPagingThroughHttpVisitsEveryEndpointOnce) {
  Client op = Login("op");
  std::string path = "/api/v1/orgs/" + std::to_string(acme_) +
                     "/endpoints?limit=3&sort=last_seen&order=desc";
  std::set<int64_t> ids;
  int pages = 0;
  for (std::string cursor; pages < 10; ++pages) {
    Reply r =
        Call(op, "GET", path + (cursor.empty() ? "" : "&cursor=" + cursor));
    ASSERT_EQ(r.status, 200) << r.body;
    json doc = r.Json();
    EXPECT_EQ(doc["total"], 7);
    for (const auto& e : doc["items"]) ids.insert(e["id"].get<int64_t>());
    if (doc["next_cursor"].is_null()) break;
    cursor = doc["next_cursor"];
  }
  EXPECT_EQ(ids.size(), 7u);
  EXPECT_EQ(pages, 2);
  EXPECT_EQ(Call(op, "GET", path + "&cursor=garbage").Json()["field"],
            "cursor");
}

TEST_F(ConsoleServerTest, HostileHostNamesStayDataAndCsvIsNeutralised) {
  Client op = Login("op");
  const std::string acme = "/api/v1/orgs/" + std::to_string(acme_);
  Reply detail =
      Call(op, "GET", acme + "/endpoints/" + std::to_string(xss_host_));
  EXPECT_EQ(detail.headers["content-type"], "application/json");
  EXPECT_EQ(detail.Json()["endpoint"]["hostname"], kXssHost);
  Reply csv = Call(op, "GET", acme + "/endpoints.csv");
  ASSERT_EQ(csv.status, 200);
  EXPECT_EQ(csv.body.substr(0, 3), "\xEF\xBB\xBF");
  EXPECT_NE(csv.headers["content-disposition"].find("attachment"),
            std::string::npos);
  EXPECT_NE(csv.body.find("\"'=HYPERLINK(\"\"http://evil/\"\",\"\"x\"\")\""),
            std::string::npos)
      << csv.body;
  EXPECT_EQ(csv.body.find(",=HYPERLINK"), std::string::npos);
}

TEST_F(ConsoleServerTest, ApiTokensAreScopedExpiringAndRevocable) {
  Client admin = Login("acme-admin");
  Reply created = Call(
      admin, "POST", "/api/v1/api-tokens",
      json{{"name", "nightly export"}, {"role", "viewer"}, {"expires_days", 1}}
          .dump());
  ASSERT_EQ(created.status, 201) << created.body;
  ExpectSchema(created, "CreatedApiToken");
  Client script;
  script.bearer = created.Json()["token"];
  Reply orgs = Call(script, "GET", "/api/v1/orgs");
  ASSERT_EQ(orgs.status, 200);
  EXPECT_EQ(orgs.Json()["items"].size(), 1u);
  // A viewer token cannot write, needs no CSRF token, and cannot mint tokens.
  EXPECT_EQ(Call(script, "POST",
                 "/api/v1/orgs/" + std::to_string(acme_) + "/tokens", "{}")
                .status,
            403);
  EXPECT_EQ(
      Call(script, "POST", "/api/v1/api-tokens", json{{"name", "x"}}.dump())
          .status,
      403);
  Reply high = Call(admin, "POST", "/api/v1/api-tokens",
                    json{{"name", "x"}, {"role", "operator"}}.dump());
  EXPECT_EQ(high.Json()["field"], "role");
  clock_.Advance(std::chrono::hours(25));
  EXPECT_EQ(Call(script, "GET", "/api/v1/orgs").status, 401);
  Client garbage;
  garbage.bearer = "mmr_not-a-token";
  EXPECT_EQ(Call(garbage, "GET", "/api/v1/orgs").status, 401);
}

// serve listening on every address: the enroll commands name the host the
// browser used for the console, with the agents' port.
TEST_F(ConsoleServerTest, EnrollCommandsNameAReachableHost) {
  ConsoleApiOptions options;
  options.grpc_address = "0.0.0.0:50443";
  options.ca_sha256 = "AB:CD";
  ConsoleApi api(*accounts_, *console_, *store_, *grading_, *reports_, clock_,
                 options);
  WebServerConfig config;
  config.address = "127.0.0.1:0";
  config.key_path = dir_ + "/server.key";
  config.cert_path = dir_ + "/server.crt";
  auto web = WebServer::Start(config, api);
  ASSERT_TRUE(web.ok()) << web.status().ToString();
  web_->Stop();
  web_ = std::move(web).value();
  Client op = Login("op");
  Reply tokens =
      Call(op, "GET", "/api/v1/orgs/" + std::to_string(acme_) + "/tokens");
  ASSERT_EQ(tokens.status, 200) << tokens.body;
  EXPECT_EQ(tokens.Json()["server"], "localhost:50443");
  EXPECT_NE(tokens.Json()["commands"]["linux"].get<std::string>().find(
                "--server localhost:50443 "),
            std::string::npos);
  web_->Stop();
  web_.reset();
}

TEST_F(ConsoleServerTest, OversizedAndMalformedBodiesAreRefused) {
  Client op = Login("op");
  Reply big =
      Call(op, "POST", "/api/v1/accounts", std::string(300 * 1024, ' '));
  EXPECT_EQ(big.status, 413);
  Reply medium = Call(op, "POST", "/api/v1/accounts",
                      "{\"name\":\"" + std::string(100 * 1024, 'a') + "\"}");
  EXPECT_EQ(medium.status, 413);
  Reply broken = Call(op, "POST", "/api/v1/accounts", "{not json");
  EXPECT_EQ(broken.status, 400);
  EXPECT_EQ(broken.Json()["code"], "error.bad_json");
  Reply name =
      Call(op, "POST", "/api/v1/accounts",
           json{{"name", "<script>"}, {"role", "viewer"}, {"org_ids", {acme_}}}
               .dump());
  EXPECT_EQ(name.Json()["field"], "name");
  Reply org =
      Call(op, "POST", "/api/v1/accounts",
           json{{"name", "x"}, {"role", "viewer"}, {"org_ids", {9999}}}.dump());
  EXPECT_EQ(org.Json()["field"], "org_ids");
  Client viewer = Login("acme-viewer");
  Reply escalate = Call(viewer, "POST", "/api/v1/accounts",
                        json{{"name", "evil"}, {"role", "operator"}}.dump());
  EXPECT_EQ(escalate.status, 403);
}

// The diagnosis report and the evidence pack through the API (#15): the same
// library as `report` and `evidence export`, scoped like every org resource.
// Follow-up over time (#15): the per-rule trend resource and the tracked
// improvement items, read by every role, edited by org admins (audited,
// fields named on bad input), with the evidence still closing and
// reopening endpoint items.
TEST_F(ConsoleServerTest, GradeTrendPerRuleSaysWhatChanged) {
  const std::string acme = "/api/v1/orgs/" + std::to_string(acme_);
  // Two earlier evaluations with other grades; the newest is SetUp's.
  const TimePoint now = clock_.Now();
  store::GradingPort& grading = grading_->store();
  ASSERT_TRUE(
      grading
          .SaveGradeSnapshot(acme_, {now - std::chrono::hours(48), "v", "C",
                                     R"({"antivirus":"A","wifi":"B"})"})
          .ok());
  ASSERT_TRUE(
      grading
          .SaveGradeSnapshot(acme_, {now - std::chrono::hours(47), "v", "C",
                                     R"({"antivirus":"A","wifi":"B"})"})
          .ok());
  Client viewer = Login("acme-viewer");
  Reply trend = Call(viewer, "GET", acme + "/trend");
  ASSERT_EQ(trend.status, 200) << trend.body;
  ExpectSchema(trend, "GradeTrend");
  const json doc = trend.Json();
  // Identical evaluations make one point: the two earlier ones and now.
  ASSERT_EQ(doc["points"].size(), 2u) << trend.body;
  EXPECT_EQ(doc["points"][0]["grades"]["antivirus"], "A");
  EXPECT_TRUE(doc["points"][0]["grades"]["email"].is_null());
  EXPECT_EQ(doc["previous"]["grades"]["wifi"], "B");
  std::map<std::string, std::string> changed;
  for (const auto& c : doc["changes"]) {
    changed[c["subject"]] =
        c["from"].get<std::string>() + "→" +
        (c["to"].is_null() ? "" : c["to"].get<std::string>());
  }
  const std::string antivirus_now = doc["current"]["grades"]["antivirus"];
  if (antivirus_now != "A") {
    EXPECT_EQ(changed["antivirus"], "A→" + antivirus_now) << trend.body;
  }
  EXPECT_EQ(changed.count("email"), 0u);  // not graded before: no change
  EXPECT_EQ(doc["rules"][0]["id"], "basic_policy");
  // Answers saved since the last evaluation: the grades the dashboard shows
  // are the newest point, and the change is named.
  Client admin = Login("acme-admin");
  ASSERT_EQ(Call(admin, "PUT", acme + "/questionnaire",
                 json{{"rules",
                       {{"confidentiality",
                         {{"written", true},
                          {"spread", "spread"},
                          {"managed", true}}}}}}
                     .dump())
                .status,
            200);
  const json after = Call(viewer, "GET", acme + "/trend").Json();
  EXPECT_EQ(after["current"]["grades"]["confidentiality"], "A") << after;
  EXPECT_EQ(after["points"].size(), 3u) << after;
  bool confidentiality = false;
  for (const auto& c : after["changes"]) {
    confidentiality |= c["subject"] == "confidentiality" && c["to"] == "A";
  }
  EXPECT_TRUE(confidentiality) << after;
  // Another organisation: 404, as everywhere.
  EXPECT_EQ(
      Call(viewer, "GET", "/api/v1/orgs/" + std::to_string(globex_) + "/trend")
          .status,
      404);
}

TEST_F(ConsoleServerTest, ImprovementItemsAreEditedByOrgAdminsOnly) {
  const std::string acme = "/api/v1/orgs/" + std::to_string(acme_);
  Client viewer = Login("acme-viewer");
  Reply list = Call(viewer, "GET", acme + "/improvements");
  ASSERT_EQ(list.status, 200) << list.body;
  ExpectSchema(list, "ImprovementItems");
  const json items = list.Json()["items"];
  ASSERT_FALSE(items.empty()) << list.body;
  EXPECT_FALSE(list.Json()["can_write"]);
  int64_t rule_item = 0, endpoint_item = 0;
  for (const auto& i : items) {
    if (i["automatic"] && !endpoint_item) endpoint_item = i["id"];
    if (!i["automatic"] && !rule_item) rule_item = i["id"];
  }
  ASSERT_NE(rule_item, 0) << list.body;
  const std::string item = acme + "/improvements/" + std::to_string(rule_item);
  const std::string change = json{
      {"status", "in_progress"},
      {"owner", "総務 山田"},
      {"due", "2030-01-31"}}.dump();
  // Viewers and auditors read but do not edit.
  EXPECT_EQ(Call(viewer, "PATCH", item, change).status, 403);
  Client auditor = Login("acme-auditor");
  EXPECT_EQ(Call(auditor, "PATCH", item, change).status, 403);
  Client other = Login("globex-viewer");
  EXPECT_EQ(Call(other, "GET", acme + "/improvements").status, 404);

  Client admin = Login("acme-admin");
  EXPECT_TRUE(Call(admin, "GET", acme + "/improvements").Json()["can_write"]);
  // Bad input names the field and changes nothing.
  struct Bad {
    json body;
    std::string field;
    std::string code;
  };
  const std::vector<Bad> bad = {
      {{{"status", "finished"}}, "status", "error.one_of"},
      {{{"due", "2030-02-30"}}, "due", "error.bad_date"},
      {{{"due", "31/01/2030"}}, "due", "error.bad_date"},
      {{{"owner", std::string(81, 'x')}}, "owner", "error.too_long"},
      {{{"owner", "a\x1b[2Jb"}}, "owner", "error.bad_text"},
      {{{"owner", 42}}, "owner", "error.expected_string"},
      {{{"priority", "high"}}, "priority", "error.unknown_field"},
      {json::object(), "status", "error.nothing_to_change"},
  };
  for (const auto& b : bad) {
    Reply r = Call(admin, "PATCH", item, b.body.dump());
    EXPECT_EQ(r.status, 400) << b.body.dump() << " " << r.body;
    ExpectSchema(r, "Problem");
    EXPECT_EQ(r.Json()["field"], b.field) << r.body;
    EXPECT_EQ(r.Json()["code"], b.code) << r.body;
  }
  Reply ja = Call(admin, "PATCH", item, json{{"due", "2030-13-01"}}.dump(),
                  {{"Accept-Language", "ja"}});
  EXPECT_NE(ja.Json()["detail"].get<std::string>().find("日付"),
            std::string::npos)
      << ja.body;
  EXPECT_EQ(Call(admin, "PATCH", acme + "/improvements/999999", change).status,
            404);
  EXPECT_EQ(Call(admin, "PUT", item, change).status, 405);

  Reply done = Call(admin, "PATCH", item, change);
  ASSERT_EQ(done.status, 200) << done.body;
  ExpectSchema(done, "ImprovementItem");
  EXPECT_EQ(done.Json()["status"], "in_progress");
  EXPECT_EQ(done.Json()["owner"], "総務 山田");
  EXPECT_EQ(done.Json()["due"], "2030-01-31");
  // A null due date clears it; a hostile owner stays data.
  Reply cleared = Call(admin, "PATCH", item,
                       json{{"due", nullptr}, {"owner", kXssHost}}.dump());
  ASSERT_EQ(cleared.status, 200) << cleared.body;
  EXPECT_TRUE(cleared.Json()["due"].is_null());
  EXPECT_EQ(cleared.Json()["owner"], kXssHost);

  // Audited twice over: the item's trail and the console's audit log.
  auto trail = reports_->ImprovementItemHistory(acme_, rule_item);
  ASSERT_TRUE(trail.ok());
  std::string all;
  for (const auto& line : *trail) all += line + "\n";
  EXPECT_NE(all.find("acme-admin status open→in_progress"), std::string::npos)
      << all;
  EXPECT_NE(all.find("acme-admin due 2030-01-31→"), std::string::npos) << all;
  const json audit = Call(admin, "GET", "/api/v1/audit").Json();
  bool logged = false;
  for (const auto& e : audit["items"]) {
    logged |= e["action"] == "improvement.update" && e["actor"] == "acme-admin";
  }
  EXPECT_TRUE(logged) << audit.dump();

  // Another organisation's item through this organisation's URL: 404.
  ASSERT_TRUE(grading_->Evaluate("globex").ok());
  Client op = Login("op");
  Reply globex_items = Call(
      op, "GET", "/api/v1/orgs/" + std::to_string(globex_) + "/improvements");
  ASSERT_EQ(globex_items.status, 200) << globex_items.body;
  ASSERT_FALSE(globex_items.Json()["items"].empty());
  const int64_t globex_item = globex_items.Json()["items"][0]["id"];
  EXPECT_EQ(Call(admin, "PATCH",
                 acme + "/improvements/" + std::to_string(globex_item), change)
                .status,
            404);

  // The evidence still rules endpoint items: marked done by hand while the
  // plan still has it, it is open again at the next reading.
  ASSERT_NE(endpoint_item, 0) << list.body;
  {
    const std::string ep =
        acme + "/improvements/" + std::to_string(endpoint_item);
    ASSERT_EQ(Call(admin, "PATCH", ep, json{{"status", "done"}}.dump()).status,
              200);
    const json again = Call(viewer, "GET", acme + "/improvements").Json();
    for (const auto& i : again["items"]) {
      if (i["id"] == endpoint_item) {
        EXPECT_EQ(i["status"], "open") << again.dump();
      }
    }
    auto ep_trail = reports_->ImprovementItemHistory(acme_, endpoint_item);
    ASSERT_TRUE(ep_trail.ok());
    ASSERT_FALSE(ep_trail->empty());
    EXPECT_NE(ep_trail->back().find("evidence status done→open"),
              std::string::npos)
        << ep_trail->back();
  }
}

TEST_F(ConsoleServerTest, PerRuleEvidencePackVerifiesLikeTheFullPack) {
  const std::string acme = "/api/v1/orgs/" + std::to_string(acme_);
  Client auditor = Login("acme-auditor");
  Reply bad = Call(auditor, "GET", acme + "/evidence-pack?rule=../../etc");
  EXPECT_EQ(bad.status, 400) << bad.body;
  EXPECT_EQ(bad.Json()["field"], "rule");
  Reply pack = Call(auditor, "GET", acme + "/evidence-pack?rule=antivirus");
  ASSERT_EQ(pack.status, 200) << pack.body;
  EXPECT_EQ(pack.headers["content-disposition"],
            "attachment; filename=\"mamori-evidence-antivirus-" +
                std::to_string(acme_) + ".zip\"");
  auto key = pki::LoadSigningKey(dir_ + "/signing.key");
  ASSERT_TRUE(key.ok()) << key.status().ToString();
  auto v = report::VerifyEvidencePack(pack.body, key->public_key);
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  EXPECT_TRUE(v->ok) << (v->problems.empty() ? "" : v->problems[0]);
  EXPECT_NE(pack.body.find("checks/antivirus_"), std::string::npos);
  EXPECT_EQ(pack.body.find("checks/wifi_"), std::string::npos);
  std::string params;
  ASSERT_TRUE(
      report::ReadZip(pack.body, {},
                      [&](const std::string& name, std::string_view data) {
                        if (name == "parameters.json") params = data;
                        return Status::Ok();
                      })
          .ok());
  EXPECT_EQ(json::parse(params, nullptr, false)["rule"], "antivirus") << params;
}

TEST_F(ConsoleServerTest, ReportAndEvidencePackDownloads) {
  const std::string acme = "/api/v1/orgs/" + std::to_string(acme_);
  Client viewer = Login("acme-viewer");
  Reply pdf = Call(viewer, "GET", acme + "/report?format=pdf&lang=ja");
  ASSERT_EQ(pdf.status, 200) << pdf.body;
  EXPECT_EQ(pdf.headers["content-type"], "application/pdf");
  EXPECT_EQ(pdf.body.rfind("%PDF-", 0), 0u);
  EXPECT_EQ(pdf.headers["content-disposition"],
            "attachment; filename=\"mamori-report-ja-" + std::to_string(acme_) +
                ".pdf\"");

  Reply html = Call(viewer, "GET", acme + "/report?format=html&lang=en");
  ASSERT_EQ(html.status, 200) << html.body;
  EXPECT_EQ(html.headers["content-type"].rfind("text/html", 0), 0u);
  EXPECT_NE(html.body.find("acme"), std::string::npos);

  // Bad parameters name the field; another organisation is 404.
  Reply bad = Call(viewer, "GET", acme + "/report?format=docx");
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(bad.Json()["field"], "format");
  EXPECT_EQ(Call(viewer, "GET", acme + "/report?lang=fr").Json()["field"],
            "lang");
  const std::string globex = "/api/v1/orgs/" + std::to_string(globex_);
  EXPECT_EQ(Call(viewer, "GET", globex + "/report").status, 404);
  EXPECT_EQ(Call(viewer, "GET", globex + "/evidence-pack").status, 404);

  // Viewers read reports but not evidence.
  Reply denied = Call(viewer, "GET", acme + "/evidence-pack");
  EXPECT_EQ(denied.status, 403);
  EXPECT_EQ(denied.headers["content-type"], "application/problem+json");

  auto key = pki::LoadSigningKey(dir_ + "/signing.key");
  for (const std::string who : {"acme-auditor", "acme-admin", "op"}) {
    Client c = Login(who);
    Reply pack = Call(c, "GET", acme + "/evidence-pack");
    ASSERT_EQ(pack.status, 200) << who << ": " << pack.body;
    EXPECT_EQ(pack.headers["content-type"], "application/zip");
    EXPECT_EQ(pack.headers["transfer-encoding"], "chunked");
    EXPECT_EQ(pack.headers["content-disposition"],
              "attachment; filename=\"mamori-evidence-" +
                  std::to_string(acme_) + ".zip\"");
    if (!key.ok()) key = pki::LoadSigningKey(dir_ + "/signing.key");
    ASSERT_TRUE(key.ok()) << key.status().ToString();
    auto verified = report::VerifyEvidencePack(pack.body, key->public_key);
    ASSERT_TRUE(verified.ok()) << verified.status().ToString();
    EXPECT_TRUE(verified->ok) << who;
    EXPECT_GT(verified->files, 3);
    // A changed byte fails verification against the same key.
    std::string tampered = pack.body;
    tampered[tampered.size() / 2] ^= 0x20;
    auto bad_pack = report::VerifyEvidencePack(tampered, key->public_key);
    EXPECT_TRUE(!bad_pack.ok() || !bad_pack->ok) << who;
  }
  // The OpenAPI document describes both downloads with these media types.
  Client anonymous;
  json doc = Call(anonymous, "GET", "/api/v1/openapi.json").Json();
  const json& report_types = doc["paths"]["/orgs/{org_id}/report"]["get"]
                                ["responses"]["200"]["content"];
  EXPECT_TRUE(report_types.contains(pdf.headers["content-type"]));
  EXPECT_TRUE(report_types.contains("text/html"));
  EXPECT_TRUE(doc["paths"]["/orgs/{org_id}/evidence-pack"]["get"]["responses"]
                 ["200"]["content"]
                     .contains("application/zip"));

  // An organisation never graded still gets a complete report and a pack
  // that verifies (everything in it unknown), as the CLI gives.
  Client op = Login("op");
  Reply globex_pdf = Call(op, "GET", globex + "/report?lang=en");
  ASSERT_EQ(globex_pdf.status, 200) << globex_pdf.body;
  EXPECT_EQ(globex_pdf.body.rfind("%PDF-", 0), 0u);
  Reply globex_pack = Call(op, "GET", globex + "/evidence-pack");
  ASSERT_EQ(globex_pack.status, 200) << globex_pack.body;
  auto verified = report::VerifyEvidencePack(globex_pack.body, key->public_key);
  ASSERT_TRUE(verified.ok()) << verified.status().ToString();
  EXPECT_TRUE(verified->ok);
}

}  // namespace
}  // namespace mamori::web
