#include "collector/web/api_base.h"

#include <time.h>

#include "common/log.h"
#include "common/text.h"

namespace mamori::web {

using nlohmann::json;

namespace {
constexpr size_t kMaxJsonBody = 64 * 1024;
}  // namespace

std::string IsoTime(TimePoint t) {
  const time_t seconds = static_cast<time_t>(ToUnixSeconds(t));
  tm parts{};
  gmtime_r(&seconds, &parts);
  char text[32];
  strftime(text, sizeof(text), "%Y-%m-%dT%H:%M:%SZ", &parts);
  return text;
}

json OptionalTime(const std::optional<TimePoint>& t) {
  return t ? json(IsoTime(*t)) : json(nullptr);
}

json Localized(const policy::LocalizedText& text) {
  return {{"ja", text.ja}, {"en", text.en}};
}

HttpResponse ApiBase::Problem(int status, const std::string& key,
                              const Args& args, const std::string& field) {
  HttpResponse r;
  r.status = status;
  r.content_type = "application/problem+json";
  json doc = {{"type", "urn:mamori:problem:" + key},
              {"title", catalogue().Text(call.lang,
                                         "problem." + std::to_string(status))},
              {"status", status},
              {"detail", catalogue().Text(call.lang, key, args)},
              {"code", key}};
  if (!field.empty()) doc["field"] = field;
  r.body = doc.dump(-1, ' ', false, json::error_handler_t::replace);
  r.AddHeader("Content-Language", call.lang);
  return r;
}

HttpResponse ApiBase::FieldProblem(const std::string& field,
                                   const std::string& key, Args args) {
  args.emplace_back("field", field);
  return Problem(400, key, args, field);
}

HttpResponse ApiBase::RegisterMissing() {
  if (api.register_not_on_backend_) {
    return Problem(501, "register.not_on_backend");
  }
  return Problem(503, "register.unavailable");
}

HttpResponse ApiBase::StoreProblem(const Status& s) {
  switch (s.code()) {
    case StatusCode::kNotFound:
      return Problem(404, "error.not_found");
    case StatusCode::kInvalidArgument: {
      const std::string field = s.message().substr(0, s.message().find(':'));
      return FieldProblem(field, "error.invalid_field");
    }
    case StatusCode::kAlreadyExists:
      return Problem(409, "error.already_exists");
    case StatusCode::kUnimplemented:
      // A port the store's backend does not have yet (issue #17).
      return Problem(501, "error.not_on_backend");
    default:
      MAMORI_LOG(kError) << "console: " << s.ToString();
      return Problem(500, "error.internal");
  }
}

HttpResponse ApiBase::Json(const json& doc, int status) {
  HttpResponse r;
  r.status = status;
  // Text from endpoints and files is hostile: a byte that is not UTF-8
  // becomes U+FFFD instead of failing the whole answer.
  r.body = doc.dump(-1, ' ', false, json::error_handler_t::replace);
  return r;
}

HttpResponse ApiBase::NoContent() {
  HttpResponse r;
  r.status = 204;
  r.content_type.clear();
  return r;
}

void ApiBase::Audit(const std::string& action, const std::string& target,
                    std::optional<int64_t> org_id, const json& before,
                    const json& after) {
  store::AuditEntry e;
  e.at = api.clock_.Now();
  e.actor = call.Actor();
  e.source = call.request.source;
  e.action = action;
  e.target = target;
  e.org_id = org_id;
  e.before_json = before.dump();
  e.after_json = after.dump();
  // A failed audit write must not be silent: the change already happened,
  // so it is logged as an error rather than undone.
  if (Status s = api.accounts_.AppendAudit(e); !s.ok()) {
    MAMORI_LOG(kError) << "audit log write failed for " << action << ": "
                       << s.ToString();
  }
}

std::optional<HttpResponse> ApiBase::ParseBody() {
  const std::string type = call.request.Header("content-type");
  if (type.rfind("application/json", 0) != 0) {
    return Problem(415, "error.json_required");
  }
  if (call.request.body.size() > kMaxJsonBody) {
    return Problem(413, "error.too_large",
                   {{"limit", std::to_string(kMaxJsonBody)}});
  }
  call.body = json::parse(call.request.body, nullptr, false);
  if (call.body.is_discarded() || !call.body.is_object()) {
    return Problem(400, "error.bad_json");
  }
  return std::nullopt;
}

std::optional<HttpResponse> ApiBase::BodyString(const std::string& field,
                                                std::string* out,
                                                size_t max_bytes) {
  auto it = call.body.find(field);
  if (it == call.body.end() || it->is_null()) {
    out->clear();
    return std::nullopt;
  }
  if (!it->is_string()) return FieldProblem(field, "error.expected_string");
  *out = it->get<std::string>();
  if (out->size() > max_bytes) {
    return FieldProblem(field, "error.too_long",
                        {{"max", std::to_string(max_bytes)}});
  }
  if (!IsCleanUtf8(*out)) return FieldProblem(field, "error.bad_text");
  return std::nullopt;
}

bool ApiBase::CanWrite(int64_t org_id) const {
  return (call.role == store::Role::kOperator ||
          call.role == store::Role::kOrgAdmin) &&
         call.scope.Allows(org_id);
}

Result<store::OrgOverview> ApiBase::ScopedOrg(int64_t org_id) {
  return api.console_.FindOrg(call.scope, org_id, api.clock_.Now(),
                              api.options_.silent_after);
}

}  // namespace mamori::web
