// The caller's own API tokens: list and revoke. Only hashes and prefixes are
// stored, so the list shows the prefix, never a secret.
#include <nlohmann/json.hpp>

#include "collector/web/console_api_parts.h"

namespace mamori::web {

using nlohmann::json;

namespace {

json ApiTokenJson(const store::ApiToken& t, TimePoint now) {
  std::string state = "valid";
  if (t.revoked_at) {
    state = "revoked";
  } else if (t.expires_at <= now) {
    state = "expired";
  }
  return {{"id", t.id},
          {"name", t.name},
          {"prefix", t.prefix},
          {"role", store::RoleName(t.role)},
          {"org_ids", t.org_ids},
          {"created_at", IsoTime(t.created_at)},
          {"expires_at", IsoTime(t.expires_at)},
          {"revoked_at", OptionalTime(t.revoked_at)},
          {"state", state}};
}

}  // namespace

HttpResponse ApiTokenHandlers::List() {
  Result<std::vector<store::ApiToken>> tokens =
      accounts().ListApiTokens(call.account->id);
  if (!tokens.ok()) return StoreProblem(tokens.status());
  json items = json::array();
  for (const store::ApiToken& t : *tokens) {
    items.push_back(ApiTokenJson(t, clock().Now()));
  }
  return Json({{"items", items}, {"can_create", !call.via_token}});
}

HttpResponse ApiTokenHandlers::Revoke(int64_t token_id) {
  // As for creating: a person at the console, not another token.
  if (call.via_token) return Problem(403, "auth.forbidden");
  Result<std::vector<store::ApiToken>> tokens =
      accounts().ListApiTokens(call.account->id);
  if (!tokens.ok()) return StoreProblem(tokens.status());
  const store::ApiToken* found = nullptr;
  for (const store::ApiToken& t : *tokens) {
    if (t.id == token_id) found = &t;
  }
  if (found == nullptr) return Problem(404, "error.not_found");
  const json before = ApiTokenJson(*found, clock().Now());
  if (Status s =
          accounts().RevokeApiToken(call.account->id, token_id, clock().Now());
      !s.ok()) {
    return StoreProblem(s);
  }
  Audit("api_token.revoke", found->prefix, std::nullopt, before,
        {{"state", "revoked"}});
  return NoContent();
}

}  // namespace mamori::web
