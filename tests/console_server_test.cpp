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
#include <thread>

#include "collector/pki/ca.h"
#include "collector/pki/crypto.h"
#include "collector/policy/grading_service.h"
#include "collector/register/csv_format.h"
#include "collector/register/xlsx_reader.h"
#include "collector/report/evidence_pack.h"
#include "collector/store/open_store.h"
#include "collector/store/register_port.h"
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
  std::string reason;  // the status line's reason phrase
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
    options.alerts_store_url = store::SqliteUrl(db);
    api_ = std::make_unique<ConsoleApi>(*accounts_, *console_, *store_,
                                        *grading_, *reports_, clock_, options);
    // The register page's own connection, as serve opens it.
    auto register_store = store::SqliteStore::Open(db, clock_);
    ASSERT_TRUE(register_store.ok());
    register_store_ = std::move(register_store).value();
    auto register_port = register_store_->OpenRegister(clock_);
    ASSERT_TRUE(register_port.ok());
    register_ = std::move(register_port).value();
    api_->SetRegister(register_.get());
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
    r.reason = response.getReason();
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
  std::unique_ptr<store::SqliteStore> register_store_;
  std::unique_ptr<asset_register::RegisterPort> register_;
  std::unique_ptr<ConsoleApi> api_;
  std::unique_ptr<WebServer> web_;
  Poco::Net::Context::Ptr client_context_;
  int64_t acme_ = 0, globex_ = 0, xss_host_ = 0, globex_host_ = 0;
  std::unique_ptr<store::DeviceStore> devices_;
};

TEST_F(ConsoleServerTest, ServesTheConsoleOverTlsWithSecurityHeaders) {
  Client c;
  Reply index = Call(c, "GET", "/");
  ASSERT_EQ(index.status, 200);
  EXPECT_EQ(index.reason, "OK");
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
  Reply missing = Call(c, "GET", "/no/such/file.js");
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(missing.reason, "Not Found");
  EXPECT_EQ(Call(c, "GET", "/js/../../etc/passwd").status, 400);
  EXPECT_EQ(Call(c, "POST", "/index.html", "{}").status, 405);
  Reply api = Call(c, "GET", "/api/v1/orgs");
  EXPECT_EQ(api.status, 401);
  // The status line says what the code means (it said "401 OK").
  EXPECT_EQ(api.reason, "Unauthorized");
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
  // Another first character (a token that starts with "x" stayed equal).
  wrong_token.csrf = (c.csrf.front() == 'x' ? "y" : "x") + c.csrf.substr(1);
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

// Stale-while-revalidate (graded_pages.h): after a re-grade the next view
// is answered at once with the previous copy, marked as such and naming the
// grading run it shows; once the background rebuild is done the new run
// shows. An answer saved through the console shows in the saver's very next
// view, never behind a copy. The copies are bytes with an ETag.
TEST_F(ConsoleServerTest, GradedPagesServeThePreviousCopyWhileRebuilt) {
  const std::string acme = "/api/v1/orgs/" + std::to_string(acme_);
  Client viewer = Login("acme-viewer");
  // The first view builds the pages: current.
  Reply rules = Call(viewer, "GET", acme + "/rules");
  ASSERT_EQ(rules.status, 200) << rules.body;
  ExpectSchema(rules, "RuleChecks");
  EXPECT_EQ(rules.headers["x-mamori-graded-copy"], "current");
  const std::string first_run = rules.Json()["evaluated_at"];
  Reply dashboard = Call(viewer, "GET", acme);
  ASSERT_EQ(dashboard.status, 200) << dashboard.body;
  ExpectSchema(dashboard, "Dashboard");
  EXPECT_EQ(dashboard.headers["x-mamori-graded-copy"], "current");
  EXPECT_EQ(dashboard.Json()["evaluated_at"], first_run);
  EXPECT_EQ(dashboard.Json()["org"]["id"], acme_);

  // The bytes have an ETag: asked again with it, 304 and no body.
  const std::string etag = rules.headers["etag"];
  ASSERT_FALSE(etag.empty());
  Reply same =
      Call(viewer, "GET", acme + "/rules", "", {{"If-None-Match", etag}});
  EXPECT_EQ(same.status, 304);
  EXPECT_TRUE(same.body.empty());
  EXPECT_EQ(same.headers["etag"], etag);
  EXPECT_EQ(Call(viewer, "GET", acme + "/rules", "",
                 {{"If-None-Match", "\"something-else\""}})
                .status,
            200);

  // Graded again (as serve's re-grade does after reports). The background
  // rebuild is held so that the three pages are seen before it runs.
  api_->HoldRebuilds(true);
  clock_.Advance(std::chrono::seconds(5));
  ASSERT_TRUE(grading_->Evaluate("acme").ok());
  Reply stale = Call(viewer, "GET", acme + "/rules");
  ASSERT_EQ(stale.status, 200) << stale.body;
  EXPECT_EQ(stale.headers["x-mamori-graded-copy"], "previous");
  EXPECT_EQ(stale.Json()["evaluated_at"], first_run);
  EXPECT_EQ(stale.headers["etag"], etag);  // the very same bytes
  Reply stale_dashboard = Call(viewer, "GET", acme);
  ASSERT_EQ(stale_dashboard.status, 200) << stale_dashboard.body;
  EXPECT_EQ(stale_dashboard.headers["x-mamori-graded-copy"], "previous");
  EXPECT_EQ(stale_dashboard.Json()["evaluated_at"], first_run);
  // The organisation header is read per request: it names the new run.
  EXPECT_NE(stale_dashboard.Json()["org"]["graded_at"], first_run);

  Reply stale_trend = Call(viewer, "GET", acme + "/trend");
  ASSERT_EQ(stale_trend.status, 200) << stale_trend.body;
  EXPECT_EQ(stale_trend.headers["x-mamori-graded-copy"], "previous");
  api_->HoldRebuilds(false);
  api_->WaitForRebuilds();
  Reply fresh = Call(viewer, "GET", acme + "/rules");
  ASSERT_EQ(fresh.status, 200) << fresh.body;
  EXPECT_EQ(fresh.headers["x-mamori-graded-copy"], "current");
  const std::string second_run = fresh.Json()["evaluated_at"];
  EXPECT_NE(second_run, first_run);
  EXPECT_NE(fresh.headers["etag"], etag);
  Reply fresh_dashboard = Call(viewer, "GET", acme);
  EXPECT_EQ(fresh_dashboard.headers["x-mamori-graded-copy"], "current");
  EXPECT_EQ(fresh_dashboard.Json()["evaluated_at"], second_run);
  EXPECT_EQ(fresh_dashboard.Json()["org"]["graded_at"], second_run);

  // An answer saved through the console: the saver's next view shows it,
  // built now (current), although a copy of the same grading run exists.
  auto confidentiality = [](const json& doc) {
    for (const json& rule : doc["rules"]) {
      if (rule["id"] == "confidentiality") return rule["grade"];
    }
    return json();
  };
  const json before = confidentiality(fresh_dashboard.Json());
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
  Reply saved = Call(admin, "GET", acme);
  ASSERT_EQ(saved.status, 200) << saved.body;
  EXPECT_EQ(saved.headers["x-mamori-graded-copy"], "current");
  EXPECT_EQ(confidentiality(saved.Json()), "A") << saved.body;
  EXPECT_NE(confidentiality(saved.Json()), before);
  EXPECT_EQ(Call(viewer, "GET", acme + "/rules", "",
                 {{"If-None-Match", fresh.headers["etag"]}})
                .status,
            200);  // the rules page changed with the answer: new bytes
  // Another organisation: 404 whether or not a copy exists.
  Client globex = Login("globex-viewer");
  EXPECT_EQ(Call(globex, "GET", acme).status, 404);
  EXPECT_EQ(Call(globex, "GET", acme + "/rules").status, 404);
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

// --- endpoint revoke, history, pending updates; XLSX; parameters; API tokens

namespace {

// One report of host `host_id` (node key "k", as Enroll gives every host)
// carrying the updates family and, when given, a package list.
store::ReportInput HostReport(int64_t host_id, const std::string& report_id,
                              const json& updates,
                              std::vector<store::PackageRow> packages) {
  store::ReportInput in;
  in.host_id = host_id;
  in.node_key_hash = pki::Sha256Hex("k");
  in.report_id = report_id;
  store::FamilyUpdate family;
  family.family = "updates";
  family.state = "STATUS_OK";
  family.payload_json = updates.dump();
  family.sha256 = pki::Sha256Hex(family.payload_json);
  in.families.push_back(family);
  if (!packages.empty()) {
    store::FamilyUpdate list;
    list.family = "packages";
    list.state = "STATUS_OK";
    list.payload_json = json{{"status", {{"state", "STATUS_OK"}}}}.dump();
    list.sha256 = pki::Sha256Hex(report_id + "packages");
    in.families.push_back(list);
    in.packages = std::move(packages);
  }
  return in;
}

}  // namespace

// The organisation-wide software view: end-of-support items flagged with
// the vendor's date and page, "who still has Office 2016?" answered, the
// copy refreshed after a minute, hostile names as data, scoping.
TEST_F(ConsoleServerTest, SoftwareViewFlagsEndOfSupportAndIsSearchable) {
  const std::string acme = "/api/v1/orgs/" + std::to_string(acme_);
  auto row = [](std::string name, std::string version) {
    return store::PackageRow{std::move(name),
                             std::move(version),
                             "x64",
                             "PACKAGE_SOURCE_PROGRAMS",
                             "",
                             "",
                             std::nullopt};
  };
  ASSERT_TRUE(
      store_
          ->StoreReports(std::vector<store::ReportInput>{HostReport(
              xss_host_, "sw1", json::object(),
              {row("Microsoft Office Professional Plus 2016", "16.0.4266"),
               row("Microsoft Edge", "999.0.1"), row(kXssHost, "1")})})[0]
          .ok());
  Client viewer = Login("acme-viewer");
  Reply all = Call(viewer, "GET", acme + "/software");
  ASSERT_EQ(all.status, 200) << all.body;
  ExpectSchema(all, "OrgSoftware");
  const json doc = all.Json();
  EXPECT_EQ(doc["ended_total"], 1) << all.body;
  bool office_seen = false, hostile_seen = false;
  for (const json& item : doc["items"]) {
    if (item["name"] == "Microsoft Office Professional Plus 2016") {
      office_seen = true;
      const json& e = item["end_of_support"];
      EXPECT_EQ(e["label"], "Office 2016");
      EXPECT_EQ(e["ends_on"], "2025-10-14");
      EXPECT_EQ(e["ended"], true);
      EXPECT_EQ(e["source"],
                "https://learn.microsoft.com/lifecycle/products/"
                "microsoft-office-2016");
    } else if (item["name"] == kXssHost) {
      hostile_seen = true;
      EXPECT_TRUE(item["end_of_support"].is_null());
      ASSERT_EQ(item["endpoints"].size(), 1u);
      EXPECT_EQ(item["endpoints"][0]["hostname"], kXssHost);
    } else {
      EXPECT_TRUE(item["end_of_support"].is_null()) << item.dump();
    }
  }
  EXPECT_TRUE(office_seen && hostile_seen) << all.body;
  // Who still has Office 2016? Words of the name, or the label.
  Reply who = Call(viewer, "GET", acme + "/software?q=office%202016");
  ASSERT_EQ(who.status, 200) << who.body;
  ASSERT_EQ(who.Json()["items"].size(), 1u) << who.body;
  EXPECT_EQ(who.Json()["items"][0]["endpoints"][0]["id"], xss_host_);
  Reply ended = Call(viewer, "GET", acme + "/software?eos=true");
  ASSERT_EQ(ended.status, 200) << ended.body;
  ASSERT_EQ(ended.Json()["items"].size(), 1u) << ended.body;
  EXPECT_EQ(ended.Json()["total"], 1);
  Reply bad = Call(viewer, "GET", acme + "/software?eos=maybe");
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(bad.Json()["field"], "eos");
  // Another organisation's viewer: 404, nothing of acme's copy.
  Client globex = Login("globex-viewer");
  EXPECT_EQ(Call(globex, "GET", acme + "/software").status, 404);
  // The copy is at most a minute old: a new install shows after that.
  ASSERT_TRUE(
      store_
          ->StoreReports(std::vector<store::ReportInput>{HostReport(
              xss_host_, "sw2", json::object(),
              {row("Microsoft Office Professional Plus 2016", "16.0.4266"),
               row("Adobe Flash Player 32 NPAPI", "32.0.0.465")})})[0]
          .ok());
  Reply cached = Call(viewer, "GET", acme + "/software?eos=true");
  EXPECT_EQ(cached.Json()["items"].size(), 1u) << cached.body;
  EXPECT_EQ(cached.Json()["computed_at"], doc["computed_at"]);
  clock_.Advance(std::chrono::seconds(61));
  // The first request after that still gets the old copy at once (no
  // request builds one) and the view's thread rebuilds it meanwhile.
  Reply stale = Call(viewer, "GET", acme + "/software?eos=true");
  ASSERT_EQ(stale.status, 200) << stale.body;
  EXPECT_EQ(stale.Json()["computed_at"], doc["computed_at"]);
  Reply fresh = stale;
  for (int i = 0; i < 600 && fresh.Json()["computed_at"] == doc["computed_at"];
       ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    fresh = Call(viewer, "GET", acme + "/software?eos=true");
    ASSERT_EQ(fresh.status, 200) << fresh.body;
  }
  EXPECT_NE(fresh.Json()["computed_at"], doc["computed_at"]);
  EXPECT_EQ(fresh.Json()["items"].size(), 2u) << fresh.body;
  EXPECT_EQ(fresh.Json()["ended_total"], 2);
  Reply flash = Call(viewer, "GET", acme + "/software?q=flash");
  ASSERT_EQ(flash.Json()["items"].size(), 1u) << flash.body;
  EXPECT_EQ(flash.Json()["items"][0]["end_of_support"]["ends_on"],
            "2020-12-31");

  // Pages: `limit` rows at a time, the next page through next_cursor,
  // every matching row once, in the view's order.
  Reply everything = Call(viewer, "GET", acme + "/software?limit=500");
  ASSERT_EQ(everything.status, 200) << everything.body;
  const json every_item = everything.Json()["items"];
  ASSERT_GE(every_item.size(), 2u) << everything.body;
  EXPECT_EQ(everything.Json()["next_cursor"], "");
  EXPECT_EQ(everything.Json()["truncated"], false);
  std::vector<std::string> paged;
  std::string cursor;
  for (int page = 0; page < 100; ++page) {
    Reply one = Call(viewer, "GET",
                     acme + "/software?limit=1" +
                         (cursor.empty() ? "" : "&cursor=" + cursor));
    ASSERT_EQ(one.status, 200) << one.body;
    ExpectSchema(one, "OrgSoftware");
    const json one_doc = one.Json();
    EXPECT_EQ(one_doc["total"], every_item.size());
    EXPECT_LE(one_doc["items"].size(), 1u);
    for (const json& item : one_doc["items"]) {
      paged.push_back(item["name"].get<std::string>() + " " +
                      item["version"].get<std::string>());
    }
    cursor = one_doc["next_cursor"].get<std::string>();
    EXPECT_EQ(one_doc["truncated"], !cursor.empty());
    if (cursor.empty()) break;
  }
  std::vector<std::string> whole;
  for (const json& item : every_item) {
    whole.push_back(item["name"].get<std::string>() + " " +
                    item["version"].get<std::string>());
  }
  EXPECT_EQ(paged, whole);
  for (const std::string& bad_query :
       {std::string("limit=0"), std::string("limit=501"),
        std::string("limit=x"), std::string("cursor=zz"),
        std::string("cursor=%3Cscript%3E")}) {
    Reply refused = Call(viewer, "GET", acme + "/software?" + bad_query);
    EXPECT_EQ(refused.status, 400) << bad_query << " " << refused.body;
  }
}

TEST_F(ConsoleServerTest, RevokingAHostIsAuditedAndRefusesItsNextReport) {
  const std::string acme = "/api/v1/orgs/" + std::to_string(acme_);
  const std::string host = acme + "/endpoints/" + std::to_string(xss_host_);
  Client viewer = Login("acme-viewer");
  EXPECT_EQ(Call(viewer, "POST", host + "/revoke", "{}").status, 403);
  Client admin = Login("acme-admin");
  // Another organisation's host through this organisation: 404, untouched.
  EXPECT_EQ(
      Call(admin, "POST",
           acme + "/endpoints/" + std::to_string(globex_host_) + "/revoke",
           "{}")
          .status,
      404);
  EXPECT_FALSE(store_->FindHostCredential(globex_host_)->revoked);
  Client no_csrf = admin;
  no_csrf.csrf.clear();
  EXPECT_EQ(Call(no_csrf, "POST", host + "/revoke", "{}").status, 403);
  Reply detail = Call(admin, "GET", host);
  ASSERT_EQ(detail.status, 200) << detail.body;
  EXPECT_EQ(detail.Json()["revoked"], false);
  EXPECT_EQ(detail.Json()["can_write"], true);
  // Before: the node key is accepted.
  auto stored = store_->StoreReports(std::vector<store::ReportInput>{
      HostReport(xss_host_, "r-before", json{{"pending", json::array()}}, {})});
  ASSERT_TRUE(stored[0].ok()) << stored[0].status().ToString();

  Reply revoked = Call(admin, "POST", host + "/revoke", "{}");
  ASSERT_EQ(revoked.status, 200) << revoked.body;
  ExpectSchema(revoked, "HostRevoked");
  EXPECT_EQ(Call(admin, "GET", host).Json()["revoked"], true);
  auto refused = store_->StoreReports(std::vector<store::ReportInput>{
      HostReport(xss_host_, "r-after", json{{"pending", json::array()}}, {})});
  ASSERT_EQ(refused.size(), 1u);
  EXPECT_FALSE(refused[0].ok());
  auto credential = store_->FindHostCredential(xss_host_);
  ASSERT_TRUE(credential.ok());
  EXPECT_TRUE(credential->revoked);
  EXPECT_TRUE(credential->node_key_hash.empty());
  Client op = Login("op");
  const json audit = Call(op, "GET", "/api/v1/audit").Json();
  bool found = false;
  for (const auto& e : audit["items"]) {
    if (e["action"] == "host.revoke") {
      found = true;
      EXPECT_EQ(e["actor"], "acme-admin");
      EXPECT_EQ(e["target"], kXssHost);
      EXPECT_EQ(e["before"]["revoked"], false);
      EXPECT_EQ(e["after"]["revoked"], true);
    }
  }
  EXPECT_TRUE(found) << audit.dump();
}

TEST_F(ConsoleServerTest, EndpointHistoryAndPendingUpdatesComeFromTheStore) {
  const std::string acme = "/api/v1/orgs/" + std::to_string(acme_);
  const std::string host = acme + "/endpoints/" + std::to_string(xss_host_);
  Client op = Login("op");
  // Never reported: unknown, not "nothing pending".
  Reply none = Call(op, "GET", host + "/updates");
  ASSERT_EQ(none.status, 200) << none.body;
  ExpectSchema(none, "PendingUpdates");
  EXPECT_TRUE(none.Json()["state"].is_null());
  EXPECT_TRUE(none.Json()["pending_count"].is_null());

  const json first = {{"status", {{"state", "STATUS_OK"}}},
                      {"pending", json::array()},
                      {"pending_count", 0},
                      {"security_pending_count", 0},
                      {"reboot_required", false}};
  json second = first;
  second["pending"] = json::array({{{"name", kXssHost},
                                    {"installed_version", "1.0"},
                                    {"candidate_version", "1.1"},
                                    {"security", true},
                                    {"origin", "Debian-Security"},
                                    {"kb_ids", json::array()}},
                                   {{"name", "libc6"},
                                    {"installed_version", "2.36-9"},
                                    {"candidate_version", "2.36-9+deb12u4"},
                                    {"security", false},
                                    {"origin", "Debian"},
                                    {"kb_ids", json::array()}}});
  second["pending_count"] = 2;
  second["security_pending_count"] = 1;
  second["reboot_required"] = true;
  store::PackageRow openssl{
      "openssl", "3.0.11", "amd64",     "PACKAGE_SOURCE_DPKG",
      "",        "",       std::nullopt};
  ASSERT_TRUE(store_
                  ->StoreReports(std::vector<store::ReportInput>{
                      HostReport(xss_host_, "r1", first, {openssl})})[0]
                  .ok());
  clock_.Advance(std::chrono::hours(1));
  openssl.version = "3.0.13";
  store::PackageRow evil{kFormulaHost, "1", "amd64",     "PACKAGE_SOURCE_DPKG",
                         "",           "",  std::nullopt};
  auto second_report = store_->StoreReports(std::vector<store::ReportInput>{
      HostReport(xss_host_, "r2", second, {openssl, evil})});
  ASSERT_TRUE(second_report[0].ok()) << second_report[0].status().ToString();
  op = Login("op");  // the hour passed the session's idle timeout

  Reply updates = Call(op, "GET", host + "/updates");
  ASSERT_EQ(updates.status, 200) << updates.body;
  ExpectSchema(updates, "PendingUpdates");
  const json u = updates.Json();
  EXPECT_EQ(u["state"], "STATUS_OK");
  EXPECT_EQ(u["pending_count"], 2);
  EXPECT_EQ(u["security_pending_count"], 1);
  EXPECT_EQ(u["reboot_required"], true);
  ASSERT_EQ(u["items"].size(), 2u);
  EXPECT_EQ(u["items"][0]["name"], kXssHost);
  EXPECT_EQ(u["items"][0]["security"], true);

  Reply history = Call(op, "GET", host + "/history");
  ASSERT_EQ(history.status, 200) << history.body;
  ExpectSchema(history, "EndpointHistory");
  const json hist = history.Json();
  std::vector<json> update_changes;
  for (const auto& f : hist["facts"]) {
    if (f["family"] == "updates") update_changes.push_back(f);
  }
  ASSERT_EQ(update_changes.size(), 2u) << hist.dump();
  // Newest first; the second names what changed.
  EXPECT_EQ(update_changes[1]["first"], true);
  const json changed = update_changes[0]["changed"];
  EXPECT_NE(std::find(changed.begin(), changed.end(), "pending"), changed.end())
      << changed.dump();
  EXPECT_EQ(std::find(changed.begin(), changed.end(), "status"), changed.end());
  std::set<std::string> package_changes;
  for (const auto& p : hist["packages"]) {
    package_changes.insert(p["name"].get<std::string>() + ":" +
                           p["kind"].get<std::string>());
  }
  // The first list is the baseline; the second's differences are changes.
  EXPECT_TRUE(package_changes.count("openssl:changed")) << hist.dump();
  EXPECT_TRUE(package_changes.count(kFormulaHost + ":installed"));

  // Another organisation's viewer: 404 for both.
  Client globex = Login("globex-viewer");
  EXPECT_EQ(Call(globex, "GET", host + "/history").status, 404);
  EXPECT_EQ(Call(globex, "GET", host + "/updates").status, 404);
}

TEST_F(ConsoleServerTest, EndpointsExportAsXlsxWithFormulaCellsNeutralised) {
  Client viewer = Login("acme-viewer");
  const std::string acme = "/api/v1/orgs/" + std::to_string(acme_);
  Reply xlsx = Call(viewer, "GET", acme + "/endpoints.xlsx");
  ASSERT_EQ(xlsx.status, 200) << xlsx.body;
  EXPECT_EQ(
      xlsx.headers["content-type"],
      "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
  EXPECT_NE(xlsx.headers["content-disposition"].find(".xlsx"),
            std::string::npos);
  auto book = asset_register::ReadXlsx(xlsx.body);
  ASSERT_TRUE(book.ok()) << book.status().ToString();
  ASSERT_EQ(book->size(), 1u);
  const asset_register::Table& sheet = book->front();
  EXPECT_EQ(sheet.sheet, "Endpoints");
  ASSERT_EQ(sheet.rows.size(), 8u);  // header + 7 acme hosts, no globex
  EXPECT_EQ(sheet.rows[0][1].text, "Host name");
  std::set<std::string> names;
  for (size_t r = 1; r < sheet.rows.size(); ++r) {
    names.insert(sheet.rows[r][1].text);
    EXPECT_FALSE(sheet.rows[r][1].number.has_value());
  }
  EXPECT_TRUE(names.count("'" + kFormulaHost)) << *names.begin();
  EXPECT_TRUE(names.count(kXssHost));
  EXPECT_FALSE(names.count("globex-secret-server"));
  // Filters apply as on the list; Japanese headers for a Japanese caller.
  viewer.lang = "ja";
  Reply filtered = Call(viewer, "GET", acme + "/endpoints.xlsx?q=pc-1");
  auto small = asset_register::ReadXlsx(filtered.body);
  ASSERT_TRUE(small.ok());
  EXPECT_EQ(small->front().sheet, "端末");
  EXPECT_EQ(small->front().rows.size(), 2u);
  Client globex = Login("globex-viewer");
  EXPECT_EQ(Call(globex, "GET", acme + "/endpoints.xlsx").status, 404);
}

TEST_F(ConsoleServerTest, OrgAdminsOverrideCheckParametersAudited) {
  // A check with a bounded integer parameter, from the policies in force.
  std::string check_id, name;
  int64_t max = 0;
  for (const policy::Check& c : grading_->policies().checks) {
    for (const policy::Parameter& p : c.parameters) {
      if (check_id.empty() && p.type == policy::ParamType::kInteger && p.max) {
        check_id = c.id;
        name = p.name;
        max = static_cast<int64_t>(*p.max);
      }
    }
  }
  ASSERT_FALSE(check_id.empty());
  const std::string path =
      "/api/v1/orgs/" + std::to_string(acme_) + "/parameters";
  auto body = [&](const std::string& check, const std::string& param,
                  const std::string& value) {
    return json{{"check_id", check}, {"name", param}, {"value", value}}.dump();
  };
  Client viewer = Login("acme-viewer");
  EXPECT_EQ(Call(viewer, "PUT", path, body(check_id, name, "5")).status, 403);
  Client globex = Login("globex-viewer");
  EXPECT_EQ(Call(globex, "PUT", path, body(check_id, name, "5")).status, 404);
  Client admin = Login("acme-admin");
  Reply too_big =
      Call(admin, "PUT", path, body(check_id, name, std::to_string(max + 1)));
  EXPECT_EQ(too_big.status, 400);
  EXPECT_EQ(too_big.Json()["field"], "value");
  ExpectSchema(too_big, "Problem");
  EXPECT_EQ(
      Call(admin, "PUT", path, body(check_id, name, "abc")).Json()["field"],
      "value");
  EXPECT_EQ(Call(admin, "PUT", path, body("no_such_check", name, "5"))
                .Json()["field"],
            "check_id");
  EXPECT_EQ(
      Call(admin, "PUT", path, body(check_id, "no_such", "5")).Json()["field"],
      "name");
  Reply saved = Call(admin, "PUT", path, body(check_id, name, "5"));
  ASSERT_EQ(saved.status, 200) << saved.body;
  ExpectSchema(saved, "ParameterSet");
  EXPECT_EQ(saved.Json()["value"], "5");
  // The rules page shows the value in force as this organisation's.
  const json rules =
      Call(admin, "GET", "/api/v1/orgs/" + std::to_string(acme_) + "/rules")
          .Json();
  bool shown = false;
  for (const auto& rule : rules["rules"]) {
    for (const auto& c : rule["checks"]) {
      if (c["check_id"] != check_id) continue;
      for (const auto& p : c["parameters"]) {
        if (p["name"] == name) {
          shown = true;
          EXPECT_EQ(p["value"], "5");
          EXPECT_EQ(p["overridden"], true);
        }
      }
    }
  }
  EXPECT_TRUE(shown);
  // Another organisation's rules keep the default.
  Client op = Login("op");
  const json audit = Call(op, "GET", "/api/v1/audit").Json();
  bool audited = false;
  for (const auto& e : audit["items"]) {
    if (e["action"] == "parameter.set") {
      audited = true;
      EXPECT_EQ(e["target"], check_id + "." + name);
      EXPECT_TRUE(e["before"]["value"].is_null());
      EXPECT_EQ(e["after"]["value"], "5");
      EXPECT_EQ(e["org_id"], acme_);
    }
  }
  EXPECT_TRUE(audited);
}

TEST_F(ConsoleServerTest, ApiTokensAreListedAndRevokedByTheirOwner) {
  Client admin = Login("acme-admin");
  Reply created =
      Call(admin, "POST", "/api/v1/api-tokens",
           json{{"name", "<b>nightly</b>"}, {"role", "viewer"}}.dump());
  ASSERT_EQ(created.status, 201) << created.body;
  const int64_t id = created.Json()["info"]["id"];
  Client script;
  script.bearer = created.Json()["token"];
  Reply list = Call(admin, "GET", "/api/v1/api-tokens");
  ASSERT_EQ(list.status, 200) << list.body;
  ExpectSchema(list, "ApiTokenList");
  ASSERT_EQ(list.Json()["items"].size(), 1u);
  EXPECT_EQ(list.Json()["items"][0]["name"], "<b>nightly</b>");
  EXPECT_EQ(list.Json()["items"][0]["state"], "valid");
  EXPECT_EQ(list.body.find(script.bearer), std::string::npos);
  // The script may list but not revoke; another account gets 404.
  EXPECT_EQ(Call(script, "GET", "/api/v1/api-tokens").status, 200);
  EXPECT_EQ(
      Call(script, "DELETE", "/api/v1/api-tokens/" + std::to_string(id)).status,
      403);
  Client other = Login("op");
  EXPECT_EQ(
      Call(other, "DELETE", "/api/v1/api-tokens/" + std::to_string(id)).status,
      404);
  EXPECT_EQ(Call(script, "GET", "/api/v1/orgs").status, 200);
  EXPECT_EQ(
      Call(admin, "DELETE", "/api/v1/api-tokens/" + std::to_string(id)).status,
      204);
  EXPECT_EQ(Call(script, "GET", "/api/v1/orgs").status, 401);
  EXPECT_EQ(
      Call(admin, "GET", "/api/v1/api-tokens").Json()["items"][0]["state"],
      "revoked");
}

TEST_F(ConsoleServerTest, RegisterAssetsLinksExportAndImportWithPreview) {
  const std::string reg = "/api/v1/orgs/" + std::to_string(acme_) + "/register";
  Client viewer = Login("acme-viewer");
  Reply read = Call(viewer, "GET", reg);
  ASSERT_EQ(read.status, 200) << read.body;
  ExpectSchema(read, "Register");
  EXPECT_EQ(read.Json()["can_write"], false);
  EXPECT_EQ(read.Json()["devices"].size(), 7u);  // every acme host, no globex
  const json asset = {{"name", kFormulaHost},  {"business_area", "<b>経理</b>"},
                      {"medium", "office_pc"}, {"confidentiality", 1},
                      {"integrity", 1},        {"availability", 2},
                      {"personal", true}};
  EXPECT_EQ(Call(viewer, "PUT", reg + "/assets", asset.dump()).status, 403);
  Client globex = Login("globex-viewer");
  EXPECT_EQ(Call(globex, "GET", reg).status, 404);
  EXPECT_EQ(Call(globex, "GET", reg + ".xlsx").status, 404);

  Client admin = Login("acme-admin");
  json bad = asset;
  bad["medium"] = "floppy";
  EXPECT_EQ(Call(admin, "PUT", reg + "/assets", bad.dump()).Json()["field"],
            "medium");
  bad = asset;
  bad["confidentiality"] = 4;
  EXPECT_EQ(Call(admin, "PUT", reg + "/assets", bad.dump()).Json()["field"],
            "confidentiality");
  Reply saved = Call(admin, "PUT", reg + "/assets", asset.dump());
  ASSERT_EQ(saved.status, 200) << saved.body;
  ExpectSchema(saved, "SavedAsset");
  EXPECT_EQ(saved.Json()["asset"]["importance"], 3);  // personal information
  EXPECT_EQ(saved.Json()["changed"], true);
  EXPECT_EQ(Call(admin, "PUT", reg + "/assets", asset.dump()).Json()["changed"],
            false);

  Reply link = Call(
      admin, "POST", reg + "/links",
      json{{"asset_name", kFormulaHost}, {"kind", "device"}, {"target", "pc-1"}}
          .dump());
  ASSERT_EQ(link.status, 200) << link.body;
  ExpectSchema(link, "AddedLink");
  EXPECT_EQ(Call(admin, "POST", reg + "/links",
                 json{{"asset_name", kFormulaHost},
                      {"kind", "device"},
                      {"target", "globex-secret-server"}}
                     .dump())
                .Json()["field"],
            "target");
  EXPECT_EQ(Call(admin, "POST", reg + "/links",
                 json{{"asset_name", "no such asset"},
                      {"kind", "service"},
                      {"target", "kintone"}}
                     .dump())
                .Json()["field"],
            "asset_name");

  Reply csv = Call(viewer, "GET", reg + ".csv");
  ASSERT_EQ(csv.status, 200);
  EXPECT_NE(csv.body.find("'=HYPERLINK"), std::string::npos) << csv.body;
  EXPECT_EQ(csv.body.find(",=HYPERLINK"), std::string::npos);
  Reply xlsx = Call(viewer, "GET", reg + ".xlsx");
  ASSERT_EQ(xlsx.status, 200);
  auto book = asset_register::ReadXlsx(xlsx.body);
  ASSERT_TRUE(book.ok()) << book.status().ToString();
  bool found = false;
  for (const auto& row : book->front().rows) {
    for (const auto& cell : row) found = found || cell.text == kFormulaHost;
  }
  EXPECT_TRUE(found) << "the asset is not a text cell of the first sheet";

  // Import: a preview changes nothing, applying stores it, all or nothing.
  asset_register::InformationAsset imported;
  imported.name = "顧客名簿";
  imported.medium = asset_register::Medium::kInternalServer;
  imported.confidentiality = 3;
  imported.registered_on = "2026-04-01";
  const std::string file = asset_register::AssetsToCsv({imported}, true);
  std::map<std::string, std::string> octets = {
      {"Content-Type", "application/octet-stream"}};
  Reply preview =
      Call(admin, "POST", reg + "/import?dry_run=true", file, octets);
  ASSERT_EQ(preview.status, 200) << preview.body;
  ExpectSchema(preview, "ImportSummary");
  EXPECT_EQ(preview.Json()["created"], 1);
  EXPECT_EQ(preview.Json()["applied"], false);
  EXPECT_EQ(Call(admin, "GET", reg).Json()["assets"].size(), 1u);
  Reply applied =
      Call(admin, "POST", reg + "/import?dry_run=false", file, octets);
  ASSERT_EQ(applied.status, 200) << applied.body;
  EXPECT_EQ(applied.Json()["applied"], true);
  EXPECT_EQ(Call(admin, "GET", reg).Json()["assets"].size(), 2u);
  EXPECT_EQ(
      Call(viewer, "POST", reg + "/import?dry_run=true", file, octets).status,
      403);
  EXPECT_EQ(Call(admin, "POST", reg + "/import", file, octets).Json()["field"],
            "dry_run");
  Reply broken = Call(admin, "POST", reg + "/import?dry_run=true",
                      "\xEF\xBB\xBF\"unterminated,quote\r\n", octets);
  EXPECT_EQ(broken.status, 400) << broken.body;
  EXPECT_EQ(broken.Json()["field"], "file");
  Reply huge = Call(admin, "POST", reg + "/import?dry_run=true",
                    std::string(300 * 1024, 'x'), octets);
  EXPECT_TRUE(huge.status == 413 || huge.status == -1) << huge.status;

  Client op = Login("op");
  std::set<std::string> actions;
  const json audit = Call(op, "GET", "/api/v1/audit").Json();
  for (const auto& e : audit["items"]) {
    actions.insert(e["action"].get<std::string>());
  }
  EXPECT_TRUE(actions.count("register.asset"));
  EXPECT_TRUE(actions.count("register.link"));
  EXPECT_TRUE(actions.count("register.import"));
}

// Alerts (#20): org admins and operators read and configure them; viewers
// see nothing of recipients; another organisation's are 404; a webhook's
// secret is shown once; changes are audited; bad input names its field.
TEST_F(ConsoleServerTest, AlertChannelsAndSettingsForOrgAdminsAudited) {
  const std::string alerts =
      "/api/v1/orgs/" + std::to_string(acme_) + "/alerts";
  Client viewer = Login("acme-viewer");
  EXPECT_EQ(Call(viewer, "GET", alerts).status, 403);
  EXPECT_EQ(Call(viewer, "POST", alerts + "/channels",
                 R"({"kind":"email","target":"a@example.jp"})")
                .status,
            403);
  Client admin = Login("acme-admin");
  Reply empty = Call(admin, "GET", alerts);
  ASSERT_EQ(empty.status, 200) << empty.body;
  ExpectSchema(empty, "Alerts");
  EXPECT_EQ(empty.Json()["settings"]["silent_days"], 7);
  EXPECT_EQ(
      Call(admin, "GET", "/api/v1/orgs/" + std::to_string(globex_) + "/alerts")
          .status,
      404);

  Reply mail = Call(admin, "POST", alerts + "/channels",
                    R"({"kind":"email","target":"it@example.jp",)"
                    R"("language":"ja"})");
  ASSERT_EQ(mail.status, 201) << mail.body;
  ExpectSchema(mail, "AlertChannel");
  EXPECT_EQ(mail.Json()["language"], "ja");
  EXPECT_TRUE(mail.Json()["secret"].is_null());
  Reply hook =
      Call(admin, "POST", alerts + "/channels",
           R"({"kind":"webhook","target":"https://hooks.example.jp/m",)"
           R"("language":"en","schedule":"daily"})");
  ASSERT_EQ(hook.status, 201) << hook.body;
  const std::string secret = hook.Json()["secret"];
  EXPECT_GE(secret.size(), 32u);
  Reply listed = Call(admin, "GET", alerts);
  ASSERT_EQ(listed.status, 200);
  ExpectSchema(listed, "Alerts");
  EXPECT_EQ(listed.Json()["channels"].size(), 2u);
  EXPECT_EQ(listed.body.find(secret), std::string::npos);
  EXPECT_EQ(Call(admin, "POST", alerts + "/channels",
                 R"({"kind":"email","target":"it@example.jp"})")
                .status,
            409);

  // Hostile or malformed input is refused, naming the field.
  for (const char* body :
       {R"({"kind":"email","target":"a@b\r\nBcc: x@y"})",
        R"({"kind":"webhook","target":"http://plain.example.jp/"})",
        R"({"kind":"sms","target":"+81"})",
        R"({"kind":"email","target":"a@example.jp","schedule":"hourly"})"}) {
    Reply bad = Call(admin, "POST", alerts + "/channels", body);
    EXPECT_EQ(bad.status, 400) << body << " " << bad.body;
    ExpectSchema(bad, "Problem");
  }
  Reply range =
      Call(admin, "PUT", alerts + "/settings", R"({"silent_days":0})");
  EXPECT_EQ(range.status, 400);
  EXPECT_EQ(range.Json()["field"], "silent_days");
  Reply settings = Call(admin, "PUT", alerts + "/settings",
                        R"({"silent_days":3,"max_per_hour":5})");
  ASSERT_EQ(settings.status, 200) << settings.body;
  ExpectSchema(settings, "AlertSettings");

  const int64_t hook_id = hook.Json()["id"];
  EXPECT_EQ(Call(admin, "DELETE",
                 "/api/v1/orgs/" + std::to_string(globex_) +
                     "/alerts/channels/" + std::to_string(hook_id))
                .status,
            404);
  EXPECT_EQ(
      Call(admin, "DELETE", alerts + "/channels/" + std::to_string(hook_id))
          .status,
      204);
  EXPECT_EQ(Call(admin, "GET", alerts).Json()["channels"].size(), 1u);

  Client op = Login("op");
  Reply audit = Call(op, "GET", "/api/v1/audit");
  ASSERT_EQ(audit.status, 200);
  std::multiset<std::string> actions;
  const json audit_doc = audit.Json();
  for (const auto& e : audit_doc["items"]) {
    actions.insert(e["action"].get<std::string>());
  }
  EXPECT_EQ(actions.count("alert_channel.add"), 2u);
  EXPECT_EQ(actions.count("alert_channel.remove"), 1u);
  EXPECT_EQ(actions.count("alert_settings.set"), 1u);
  EXPECT_EQ(audit.body.find(secret), std::string::npos);
  // The OpenAPI document describes the four operations.
  Client anonymous;
  json doc = Call(anonymous, "GET", "/api/v1/openapi.json").Json();
  EXPECT_TRUE(doc["paths"]["/orgs/{org_id}/alerts"].contains("get"));
  EXPECT_TRUE(doc["paths"]["/orgs/{org_id}/alerts/channels"].contains("post"));
  EXPECT_TRUE(
      doc["paths"]["/orgs/{org_id}/alerts/channels/{channel_id}"].contains(
          "delete"));
  EXPECT_TRUE(doc["paths"]["/orgs/{org_id}/alerts/settings"].contains("put"));
}

// Device assets: owner, location and retirement edited by an org admin,
// audited before → after, validated with the field named; a viewer's write
// is 403 and another organisation's host 404.
TEST_F(ConsoleServerTest, RegisterDeviceEditAndRetireIsAuditedAndScoped) {
  const std::string reg = "/api/v1/orgs/" + std::to_string(acme_) + "/register";
  const std::string device = reg + "/devices/" + std::to_string(xss_host_);
  const json edit = {{"owner", "総務部 <b>田中</b>"},
                     {"location", "=HYPERLINK(\"x\")"},
                     {"retired", true}};
  Client viewer = Login("acme-viewer");
  EXPECT_EQ(Call(viewer, "PATCH", device, edit.dump()).status, 403);
  Client admin = Login("acme-admin");
  EXPECT_EQ(Call(admin, "PATCH",
                 reg + "/devices/" + std::to_string(globex_host_), edit.dump())
                .status,
            404);
  EXPECT_EQ(Call(admin, "PATCH", reg + "/devices/999999", edit.dump()).status,
            404);
  Reply bad = Call(admin, "PATCH", device, json{{"retired", "yes"}}.dump());
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(bad.Json()["field"], "retired");
  bad = Call(admin, "PATCH", device, json{{"colour", "red"}}.dump());
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(bad.Json()["field"], "colour");
  bad = Call(admin, "PATCH", device,
             json{{"owner", std::string(501, 'x')}}.dump());
  EXPECT_EQ(bad.Json()["field"], "owner");
  Client no_csrf = admin;
  no_csrf.csrf.clear();
  EXPECT_EQ(Call(no_csrf, "PATCH", device, edit.dump()).status, 403);

  Reply done = Call(admin, "PATCH", device, edit.dump());
  ASSERT_EQ(done.status, 200) << done.body;
  EXPECT_EQ(done.Json()["changed"], true);
  EXPECT_EQ(done.Json()["device"]["status"], "retired");
  EXPECT_EQ(done.Json()["device"]["owner"], "総務部 <b>田中</b>");
  // The same again changes nothing (and is not audited twice).
  EXPECT_EQ(Call(admin, "PATCH", device, edit.dump()).Json()["changed"], false);
  Reply read = Call(viewer, "GET", reg);
  ASSERT_EQ(read.status, 200) << read.body;
  ExpectSchema(read, "Register");
  bool seen = false;
  const json register_doc = read.Json();
  for (const json& d : register_doc["devices"]) {
    if (d["host_id"] == std::to_string(xss_host_)) {
      seen = d["status"] == "retired" && d["location"] == "=HYPERLINK(\"x\")";
    }
  }
  EXPECT_TRUE(seen) << read.body;
  // Back in service: retired false.
  Reply back = Call(admin, "PATCH", device, json{{"retired", false}}.dump());
  ASSERT_EQ(back.status, 200) << back.body;
  EXPECT_NE(back.Json()["device"]["status"], "retired");

  Client op = Login("op");
  int device_entries = 0;
  const json audit = Call(op, "GET", "/api/v1/audit").Json();
  for (const auto& e : audit["items"]) {
    if (e["action"] == "register.device") {
      ++device_entries;
      EXPECT_EQ(e["target"], kXssHost) << e.dump();
    }
  }
  EXPECT_EQ(device_entries, 2);
}

// Retiring an information asset (廃棄): org admins and operators only,
// another organisation's is 404, bad dates and a missing reason name their
// field, the hostile reason comes back as the same text, the asset leaves
// the list and counts for the retired view, the export carries it (CSV
// status column, XLSX retired sheet) and re-imports as a no-op, a link to
// a retired device says so, and both changes are audited.
TEST_F(ConsoleServerTest, RegisterAssetRetireAndRestoreScopedValidatedAudited) {
  const std::string reg = "/api/v1/orgs/" + std::to_string(acme_) + "/register";
  const std::string name = "USB-07 \"><img src=x onerror=alert(1)>";
  const std::string reason =
      "破砕済み <script>alert(1)</script>\n=HYPERLINK(\"http://evil\")\u202e";
  Client admin = Login("acme-admin");
  const json asset = {{"name", name},
                      {"medium", "removable_media"},
                      {"confidentiality", 2},
                      {"integrity", 1},
                      {"availability", 1}};
  ASSERT_EQ(Call(admin, "PUT", reg + "/assets", asset.dump()).status, 200);
  ASSERT_EQ(
      Call(admin, "POST", reg + "/links",
           json{{"asset_name", name}, {"kind", "device"}, {"target", "pc-1"}}
               .dump())
          .status,
      200);
  const json retire = {
      {"name", name}, {"retired_on", "2026-01-15"}, {"reason", reason}};

  Client viewer = Login("acme-viewer");
  EXPECT_EQ(Call(viewer, "POST", reg + "/assets/retire", retire.dump()).status,
            403);
  Client globex = Login("globex-viewer");
  EXPECT_EQ(Call(globex, "POST", reg + "/assets/retire", retire.dump()).status,
            404);
  Client no_csrf = admin;
  no_csrf.csrf.clear();
  EXPECT_EQ(Call(no_csrf, "POST", reg + "/assets/retire", retire.dump()).status,
            403);
  for (const char* date : {"2026-13-01", "15/01/2026", "2999-01-01"}) {
    json bad = retire;
    bad["retired_on"] = date;
    Reply r = Call(admin, "POST", reg + "/assets/retire", bad.dump());
    EXPECT_EQ(r.status, 400) << date;
    EXPECT_EQ(r.Json()["field"], "retired_on") << r.body;
  }
  json bad = retire;
  bad.erase("reason");
  EXPECT_EQ(
      Call(admin, "POST", reg + "/assets/retire", bad.dump()).Json()["field"],
      "reason");
  bad = retire;
  bad["reason"] = std::string(4001, 'x');
  EXPECT_EQ(
      Call(admin, "POST", reg + "/assets/retire", bad.dump()).Json()["field"],
      "reason");
  // Invalid UTF-8 in the reason never reaches the store.
  EXPECT_EQ(Call(admin, "POST", reg + "/assets/retire",
                 "{\"name\":\"x\",\"reason\":\"\xff\xfe\"}")
                .status,
            400);
  bad = retire;
  bad["deleted"] = true;
  EXPECT_EQ(
      Call(admin, "POST", reg + "/assets/retire", bad.dump()).Json()["field"],
      "deleted");
  bad = retire;
  bad["name"] = "no such asset";
  EXPECT_EQ(Call(admin, "POST", reg + "/assets/retire", bad.dump()).status,
            404);

  Reply done = Call(admin, "POST", reg + "/assets/retire", retire.dump());
  ASSERT_EQ(done.status, 200) << done.body;
  ExpectSchema(done, "RetiredAsset");
  EXPECT_EQ(done.Json()["asset"]["retired"]["reason"], reason);
  EXPECT_EQ(done.Json()["asset"]["retired"]["retired_on"], "2026-01-15");
  EXPECT_EQ(done.Json()["asset"]["retired"]["retired_by"], "acme-admin");
  EXPECT_EQ(Call(admin, "POST", reg + "/assets/retire", retire.dump()).status,
            409);

  // Out of the list and its count, in the retired view; its device link
  // says when the device itself is retired.
  std::string pc1, pc2;
  const json before = Call(admin, "GET", reg).Json();
  for (const json& d : before["devices"]) {
    if (d["name"] == "pc-1") pc1 = d["host_id"];
    if (d["name"] == "pc-2") pc2 = d["host_id"];
  }
  ASSERT_FALSE(pc1.empty());
  ASSERT_FALSE(pc2.empty());
  // A revoked host can no longer report: its links say so too.
  ASSERT_EQ(
      Call(admin, "POST", reg + "/links",
           json{{"asset_name", name}, {"kind", "device"}, {"target", "pc-2"}}
               .dump())
          .status,
      200);
  ASSERT_EQ(Call(admin, "POST",
                 "/api/v1/orgs/" + std::to_string(acme_) + "/endpoints/" + pc2 +
                     "/revoke",
                 "{}")
                .status,
            200);
  ASSERT_EQ(Call(admin, "PATCH", reg + "/devices/" + pc1,
                 json{{"retired", true}}.dump())
                .status,
            200);
  Reply read = Call(viewer, "GET", reg);
  ASSERT_EQ(read.status, 200) << read.body;
  ExpectSchema(read, "Register");
  const json doc = read.Json();
  for (const json& a : doc["assets"]) EXPECT_NE(a["name"], name);
  ASSERT_EQ(doc["retired_assets"].size(), 1u);
  EXPECT_EQ(doc["retired_assets"][0]["name"], name);
  EXPECT_EQ(doc["counts"]["retired"], 1);
  EXPECT_EQ(doc["counts"]["assets"], doc["assets"].size());
  bool link_says_retired = false, link_says_revoked = false;
  for (const json& l : doc["links"]) {
    link_says_retired |= l["asset_name"] == name && l["target"] == "pc-1" &&
                         l["target_status"] == "retired";
    link_says_revoked |= l["asset_name"] == name && l["target"] == "pc-2" &&
                         l["target_status"] == "revoked";
  }
  EXPECT_TRUE(link_says_retired) << doc["links"].dump();
  EXPECT_TRUE(link_says_revoked) << doc["links"].dump();
  // Globex never sees it.
  Reply other = Call(globex, "GET",
                     "/api/v1/orgs/" + std::to_string(globex_) + "/register");
  EXPECT_EQ(other.body.find("USB-07"), std::string::npos);

  // Exports: the CSV's status column (reason neutralised), the XLSX's
  // retired sheet; the CSV re-imports as a no-op.
  Reply csv = Call(viewer, "GET", reg + ".csv");
  ASSERT_EQ(csv.status, 200);
  EXPECT_NE(csv.body.find(",retired,2026-01-15,\"破砕済み"), std::string::npos)
      << csv.body;
  Reply xlsx = Call(viewer, "GET", reg + ".xlsx");
  auto book = asset_register::ReadXlsx(xlsx.body);
  ASSERT_TRUE(book.ok()) << book.status().ToString();
  ASSERT_EQ(book->size(), 4u);
  EXPECT_EQ((*book)[3].sheet, "Retired assets");  // English: no Accept-Language
  ASSERT_EQ((*book)[3].rows.size(), 2u);
  EXPECT_EQ((*book)[3].rows[1][1].text, name);
  for (const auto& row : (*book)[0].rows) EXPECT_NE(row[1].text, name);
  std::map<std::string, std::string> octets = {
      {"Content-Type", "application/octet-stream"}};
  for (const std::string* file : {&csv.body, &xlsx.body}) {
    Reply again =
        Call(admin, "POST", reg + "/import?dry_run=true", *file, octets);
    ASSERT_EQ(again.status, 200) << again.body;
    EXPECT_TRUE(again.Json()["errors"].empty()) << again.body;
    EXPECT_EQ(again.Json()["created"], 0);
    EXPECT_EQ(again.Json()["updated"], 0);
  }
  // A file listing it in service is refused, naming the row.
  asset_register::InformationAsset listed;
  listed.name = name;
  listed.medium = asset_register::Medium::kRemovableMedia;
  listed.confidentiality = 2;
  listed.registered_on = "2026-04-01";
  Reply resurrect = Call(admin, "POST", reg + "/import?dry_run=false",
                         asset_register::AssetsToCsv({listed}, true), octets);
  ASSERT_EQ(resurrect.status, 200) << resurrect.body;
  EXPECT_EQ(resurrect.Json()["applied"], false);
  ASSERT_EQ(resurrect.Json()["errors"].size(), 1u);
  EXPECT_EQ(resurrect.Json()["errors"][0]["row"], 2);
  EXPECT_EQ(Call(viewer, "GET", reg).Json()["counts"]["retired"], 1);

  // Restore: the same rights; 409 when in service.
  const json restore = {{"name", name}};
  EXPECT_EQ(
      Call(viewer, "POST", reg + "/assets/restore", restore.dump()).status,
      403);
  Reply back = Call(admin, "POST", reg + "/assets/restore", restore.dump());
  ASSERT_EQ(back.status, 200) << back.body;
  ExpectSchema(back, "RetiredAsset");
  EXPECT_TRUE(back.Json()["asset"]["retired"].is_null());
  EXPECT_EQ(Call(admin, "POST", reg + "/assets/restore", restore.dump()).status,
            409);
  EXPECT_EQ(Call(viewer, "GET", reg).Json()["counts"]["retired"], 0);

  Client op = Login("op");
  int retired = 0, restored = 0;
  const json audit = Call(op, "GET", "/api/v1/audit").Json();
  for (const auto& e : audit["items"]) {
    if (e["target"] != name) continue;
    retired += e["action"] == "register.asset.retire";
    restored += e["action"] == "register.asset.restore";
  }
  EXPECT_EQ(retired, 1);
  EXPECT_EQ(restored, 1);
}

TEST_F(ConsoleServerTest, FirstDiagnosisAndIpaFormsScoreTheAnswers) {
  const std::string q =
      "/api/v1/orgs/" + std::to_string(acme_) + "/questionnaire";
  Client viewer = Login("acme-viewer");
  Reply first = Call(viewer, "GET", q + "/first");
  ASSERT_EQ(first.status, 200) << first.body;
  ExpectSchema(first, "FirstDiagnosisForm");
  const json form = first.Json();
  ASSERT_FALSE(form["questions"].empty());
  EXPECT_EQ(form["categories"].size(), 4u);
  EXPECT_EQ(form["can_write"], false);
  EXPECT_EQ(Call(viewer, "PUT", q + "/first",
                 json{{"answers", json::object()}}.dump())
                .status,
            403);
  Client globex = Login("globex-viewer");
  EXPECT_EQ(Call(globex, "GET", q + "/first").status, 404);
  EXPECT_EQ(Call(globex, "GET", q + "/ipa").status, 404);

  Client admin = Login("acme-admin");
  const std::string some = form["questions"][0]["id"];
  Reply out_of_range =
      Call(admin, "PUT", q + "/first", json{{"answers", {{some, 6}}}}.dump());
  EXPECT_EQ(out_of_range.status, 400);
  EXPECT_EQ(out_of_range.Json()["field"], "answers." + some);
  EXPECT_EQ(Call(admin, "PUT", q + "/first",
                 json{{"answers", {{"<script>", 3}}}}.dump())
                .Json()["field"],
            "answers.<script>");
  json all_five = json::object();
  for (const auto& question : form["questions"]) all_five[question["id"]] = 5;
  Reply scored =
      Call(admin, "PUT", q + "/first", json{{"answers", all_five}}.dump());
  ASSERT_EQ(scored.status, 200) << scored.body;
  ExpectSchema(scored, "FirstDiagnosisForm");
  EXPECT_EQ(scored.Json()["result"]["overall"]["grade"], "A");
  EXPECT_EQ(scored.Json()["result"]["overall"]["average"], 5.0);
  EXPECT_EQ(scored.Json()["questions"][0]["score"], 5);

  Reply ipa = Call(admin, "GET", q + "/ipa");
  ASSERT_EQ(ipa.status, 200) << ipa.body;
  ExpectSchema(ipa, "IpaForm");
  EXPECT_EQ(ipa.Json()["items"].size(), 25u);
  EXPECT_EQ(
      Call(admin, "PUT", q + "/ipa", json{{"answers", {{"26", "done"}}}}.dump())
          .Json()["field"],
      "answers.26");
  EXPECT_EQ(
      Call(admin, "PUT", q + "/ipa", json{{"answers", {{"3", "maybe"}}}}.dump())
          .Json()["field"],
      "answers.3");
  json done = json::object();
  for (int i = 1; i <= 25; ++i) done[std::to_string(i)] = "done";
  done["25"] = "not_done";
  Reply saved = Call(admin, "PUT", q + "/ipa", json{{"answers", done}}.dump());
  ASSERT_EQ(saved.status, 200) << saved.body;
  ExpectSchema(saved, "IpaForm");
  EXPECT_EQ(saved.Json()["result"]["total"], 96);
  EXPECT_EQ(saved.Json()["result"]["band"], "70-99");
  EXPECT_EQ(saved.Json()["result"]["complete"], true);
  EXPECT_EQ(saved.Json()["items"][24]["answer"], "not_done");

  Client op = Login("op");
  std::set<std::string> actions;
  const json audit = Call(op, "GET", "/api/v1/audit").Json();
  for (const auto& e : audit["items"]) {
    actions.insert(e["action"].get<std::string>());
  }
  EXPECT_TRUE(actions.count("answers.first_diagnosis"));
  EXPECT_TRUE(actions.count("answers.ipa"));
}

// Sessions live in the store: another ConsoleApi on the same database (a
// restarted serve, or a second collector) accepts the cookie, and a logout
// through one ends the session for both at once. Only the id's hash is kept.
TEST_F(ConsoleServerTest, SessionsSurviveARestartAndEndEverywhereAtLogout) {
  Client c = Login("op");
  ASSERT_FALSE(c.cookie.empty());
  EXPECT_TRUE(accounts_->FindSession(pki::Sha256Hex(c.cookie)).ok());
  EXPECT_FALSE(accounts_->FindSession(c.cookie).ok());

  ConsoleApiOptions options;
  ConsoleApi second(*accounts_, *console_, *store_, *grading_, *reports_,
                    clock_, options);
  auto ask = [&](ConsoleApi& api, const std::string& method) {
    HttpRequest r;
    r.method = method;
    r.path = "/api/v1/session";
    r.source = "127.0.0.1";
    r.headers["cookie"] = "__Host-mamori_session=" + c.cookie;
    r.headers["x-csrf-token"] = c.csrf;
    return api.Handle(r);
  };
  HttpResponse there = ask(second, "GET");
  EXPECT_EQ(there.status, 200) << there.body;
  EXPECT_EQ(json::parse(there.body)["csrf_token"], c.csrf);
  // Logging out through the first ends it for the second too.
  EXPECT_EQ(Call(c, "DELETE", "/api/v1/session").status, 204);
  EXPECT_EQ(ask(second, "GET").status, 401);
  EXPECT_FALSE(accounts_->FindSession(pki::Sha256Hex(c.cookie)).ok());

  // Idle expiry is enforced on stored sessions, by every instance.
  Client d = Login("op");
  c = d;
  EXPECT_EQ(ask(second, "GET").status, 200);
  clock_.Advance(std::chrono::minutes(31));
  EXPECT_EQ(ask(second, "GET").status, 401);
  EXPECT_EQ(Call(d, "GET", "/api/v1/session").status, 401);
}

// The devices page's list: filters, the vendor/MAC search and cursor paging
// visit every device once; CSV (BOM, formula cells neutralised) and XLSX
// exports follow the same filter; scoped and validated like the rest.
TEST_F(ConsoleServerTest, DevicesFilterPageAndExportLikeTheEndpointList) {
  auto devices =
      store::OpenDeviceStore(store::SqliteUrl(dir_ + "/collector.db"));
  ASSERT_TRUE(devices.ok()) << devices.status().ToString();
  devices_ = std::move(devices).value();
  api_->SetDevices(devices_.get());
  // The XSS host saw six devices: Dell PCs, a Brother printer, a phone.
  std::string table = R"({"source":"rtnetlink","neighbours":[)";
  const std::vector<std::string> macs = {
      "00:14:22:99:99:01", "00:14:22:99:99:02", "00:14:22:99:99:03",
      "00:14:22:99:99:04", "00:80:77:12:34:56", "da:a1:19:00:00:01"};
  for (size_t i = 0; i < macs.size(); ++i) {
    table += (i ? "," : "") + std::string(R"({"ip":"192.168.1.)") +
             std::to_string(50 + i) + R"(","mac":")" + macs[i] +
             R"(","interface":"eth0","state":"NEIGHBOUR_STATE_STALE"})";
  }
  table += R"(],"total_entries":6})";
  store::ReportInput report;
  report.host_id = xss_host_;
  report.node_key_hash = pki::Sha256Hex("k");
  report.report_id = "neighbours-1";
  report.collected_at = ToUnixSeconds(clock_.Now());
  store::FamilyUpdate family{"neighbours", "STATUS_OK", report.collected_at,
                             table, pki::Sha256Hex(table)};
  report.families.push_back(family);
  ASSERT_TRUE(
      store_->StoreReports(std::vector<store::ReportInput>{report})[0].ok());

  const std::string base = "/api/v1/orgs/" + std::to_string(acme_);
  Client admin = Login("acme-admin");
  ASSERT_EQ(Call(admin, "PUT", base + "/devices/00:80:77:12:34:56/mark",
                 R"j({"verdict":"not_pc","kind":"printer","note":"=SUM(1)"})j")
                .status,
            204);
  Client viewer = Login("acme-viewer");
  std::set<std::string> seen;
  std::string cursor;
  for (int page = 0; page < 10; ++page) {
    Reply r = Call(viewer, "GET",
                   base + "/devices?limit=4" +
                       (cursor.empty() ? "" : "&cursor=" + cursor));
    ASSERT_EQ(r.status, 200) << r.body;
    ExpectSchema(r, "DeviceList");
    const json doc = r.Json();
    EXPECT_EQ(doc["total"], 6);
    EXPECT_EQ(doc["all_devices"], 6);
    EXPECT_FALSE(doc["can_write"]);
    for (const json& d : doc["items"]) {
      EXPECT_TRUE(seen.insert(d["mac"].get<std::string>()).second);
    }
    if (doc["next_cursor"].is_null()) break;
    cursor = doc["next_cursor"];
  }
  EXPECT_EQ(seen.size(), 6u);

  Reply known = Call(viewer, "GET", base + "/devices?filter=known");
  ASSERT_EQ(known.status, 200);
  ASSERT_EQ(known.Json()["items"].size(), 1u);
  EXPECT_EQ(known.Json()["all_devices"], 6);
  EXPECT_EQ(known.Json()["items"][0]["mac"], "00:80:77:12:34:56");
  EXPECT_EQ(
      Call(viewer, "GET", base + "/devices?filter=needs_agent").Json()["total"],
      0);
  Reply pcs = Call(viewer, "GET", base + "/devices?filter=unmanaged_pc");
  ASSERT_EQ(pcs.status, 200);
  EXPECT_EQ(pcs.Json()["total"], pcs.Json()["unmanaged_pcs"]);
  for (const json& d : pcs.Json()["items"]) EXPECT_TRUE(d["looks_like_pc"]);
  Reply search = Call(viewer, "GET", base + "/devices?q=00:14:22:99:99:0");
  EXPECT_EQ(search.Json()["total"], 4);

  Reply bad = Call(viewer, "GET", base + "/devices?filter=everything");
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(bad.Json()["field"], "filter");
  EXPECT_EQ(Call(viewer, "GET", base + "/devices?cursor=nope").Json()["field"],
            "cursor");
  EXPECT_EQ(Call(viewer, "GET", base + "/devices?limit=0").Json()["field"],
            "limit");
  const std::string globex = "/api/v1/orgs/" + std::to_string(globex_);
  EXPECT_EQ(Call(viewer, "GET", globex + "/devices").status, 404);
  EXPECT_EQ(Call(viewer, "GET", globex + "/devices.csv").status, 404);

  Reply csv = Call(viewer, "GET", base + "/devices.csv?filter=known");
  ASSERT_EQ(csv.status, 200) << csv.body;
  EXPECT_EQ(csv.body.rfind("\xEF\xBB\xBF", 0), 0u);
  EXPECT_NE(csv.body.find("00:80:77:12:34:56"), std::string::npos);
  EXPECT_EQ(csv.body.find("00:14:22:99:99:01"), std::string::npos);
  EXPECT_NE(csv.body.find("'=SUM(1)"), std::string::npos) << csv.body;
  Reply all_csv = Call(viewer, "GET", base + "/devices.csv");
  EXPECT_NE(all_csv.body.find("00:14:22:99:99:01"), std::string::npos);
  Reply xlsx = Call(viewer, "GET", base + "/devices.xlsx");
  ASSERT_EQ(xlsx.status, 200);
  EXPECT_EQ(xlsx.body.rfind("PK", 0), 0u);
  EXPECT_NE(xlsx.headers["content-disposition"].find("devices-"),
            std::string::npos);
  api_->SetDevices(nullptr);
}

// Alert deliveries are paged newest first, each with the event it was about;
// a viewer gets 403, another organisation 404, a bad cursor 400.
TEST_F(ConsoleServerTest, AlertDeliveriesArePagedWithTheirEvents) {
  auto port = store::OpenAlertStore(store::SqliteUrl(dir_ + "/collector.db"));
  ASSERT_TRUE(port.ok());
  store::AlertChannel mail;
  mail.kind = "email";
  mail.target = "it@example.jp";
  mail.language = "ja";
  mail.schedule = "immediate";
  ASSERT_TRUE((*port)->AddChannel(acme_, mail, "", "test", clock_.Now()).ok());
  ASSERT_TRUE(
      (*port)->SetSettings(acme_, {7, 1000}, "test", clock_.Now()).ok());
  std::vector<store::AlertCondition> failing;
  for (int i = 0; i < 5; ++i) {
    failing.push_back({store::kAlertCheckFailing, xss_host_,
                       "check-" + std::to_string(i), kXssHost, "ja", "en", ""});
  }
  ASSERT_TRUE(
      (*port)
          ->Reconcile(acme_, {store::kAlertCheckFailing}, failing, clock_.Now())
          .ok());
  const std::string path =
      "/api/v1/orgs/" + std::to_string(acme_) + "/alerts/deliveries";
  Client admin = Login("acme-admin");
  std::vector<std::string> subjects;
  std::string cursor;
  for (int page = 0; page < 5; ++page) {
    Reply r =
        Call(admin, "GET",
             path + "?limit=2" + (cursor.empty() ? "" : "&cursor=" + cursor));
    ASSERT_EQ(r.status, 200) << r.body;
    ExpectSchema(r, "AlertDeliveryPage");
    const json doc = r.Json();
    for (const json& d : doc["items"]) {
      EXPECT_EQ(d["event"]["hostname"], kXssHost);
      subjects.push_back(d["event"]["subject"]);
    }
    if (doc["next_cursor"].is_null()) break;
    cursor = doc["next_cursor"];
  }
  EXPECT_EQ(subjects, (std::vector<std::string>{"check-4", "check-3", "check-2",
                                                "check-1", "check-0"}));
  Reply alerts =
      Call(admin, "GET", "/api/v1/orgs/" + std::to_string(acme_) + "/alerts");
  ASSERT_EQ(alerts.status, 200);
  ExpectSchema(alerts, "Alerts");
  EXPECT_TRUE(alerts.Json()["smtp"].is_null());  // no relay in this fixture
  Client viewer = Login("acme-viewer");
  EXPECT_EQ(Call(viewer, "GET", path).status, 403);
  EXPECT_EQ(Call(admin, "GET", path + "?cursor=-1").Json()["field"], "cursor");
  EXPECT_EQ(
      Call(admin, "GET",
           "/api/v1/orgs/" + std::to_string(globex_) + "/alerts/deliveries")
          .status,
      404);
}

// The report schedule: org admins set, change and remove it (audited), a
// viewer gets 403, another organisation 404, bad fields 400 naming them.
TEST_F(ConsoleServerTest, ReportScheduleIsEditedByOrgAdminsAudited) {
  const std::string path =
      "/api/v1/orgs/" + std::to_string(acme_) + "/report-schedule";
  Client admin = Login("acme-admin");
  Reply none = Call(admin, "GET", path);
  ASSERT_EQ(none.status, 200) << none.body;
  ExpectSchema(none, "ReportSchedulePage");
  EXPECT_TRUE(none.Json()["schedule"].is_null());
  EXPECT_EQ(Call(admin, "DELETE", path).status, 404);
  for (const char* body :
       {R"({"interval_days":0})", R"({"interval_days":"30"})",
        R"({"interval_days":30,"lang":"fr"})",
        R"({"interval_days":30,"recipients":["a@b\r\nBcc: x@y"]})",
        R"({"interval_days":30,"recipients":"it@example.jp"})"}) {
    Reply bad = Call(admin, "PUT", path, body);
    EXPECT_EQ(bad.status, 400) << body;
    ExpectSchema(bad, "Problem");
    EXPECT_FALSE(bad.Json()["field"].get<std::string>().empty()) << body;
  }
  Reply set = Call(admin, "PUT", path,
                   R"({"interval_days":30,"recipients":["it@example.jp",)"
                   R"("boss@example.jp"],"lang":"ja"})");
  ASSERT_EQ(set.status, 200) << set.body;
  ExpectSchema(set, "ReportSchedulePage");
  Reply changed = Call(admin, "PUT", path,
                       R"({"interval_days":7,"recipients":["it@example.jp"],)"
                       R"("lang":"en"})");
  ASSERT_EQ(changed.status, 200);
  Reply read = Call(admin, "GET", path);
  ExpectSchema(read, "ReportSchedulePage");
  EXPECT_EQ(read.Json()["schedule"]["interval_days"], 7);
  EXPECT_EQ(read.Json()["schedule"]["recipients"].size(), 1u);
  EXPECT_EQ(read.Json()["schedule"]["lang"], "en");
  // The CLI's store sees the same schedule.
  auto stored = reports_->ReportScheduleOf(acme_);
  ASSERT_TRUE(stored.ok() && stored->has_value());
  EXPECT_EQ((*stored)->interval_seconds, 7 * 86400);

  Client viewer = Login("acme-viewer");
  EXPECT_EQ(Call(viewer, "GET", path).status, 403);
  EXPECT_EQ(Call(viewer, "PUT", path, R"({"interval_days":1})").status, 403);
  EXPECT_EQ(Call(admin, "GET",
                 "/api/v1/orgs/" + std::to_string(globex_) + "/report-schedule")
                .status,
            404);
  Client no_csrf = admin;
  no_csrf.csrf = "";
  EXPECT_EQ(Call(no_csrf, "DELETE", path).status, 403);
  EXPECT_EQ(Call(admin, "DELETE", path).status, 204);
  EXPECT_TRUE(Call(admin, "GET", path).Json()["schedule"].is_null());

  Client op = Login("op");
  std::multiset<std::string> actions;
  const json audit = Call(op, "GET", "/api/v1/audit").Json();
  for (const auto& e : audit["items"]) actions.insert(e["action"]);
  EXPECT_EQ(actions.count("report_schedule.set"), 2u);
  EXPECT_EQ(actions.count("report_schedule.delete"), 1u);
}

}  // namespace
}  // namespace mamori::web
