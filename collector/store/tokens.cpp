#include "collector/store/tokens.h"

namespace mamori::store {

Status CheckTokenUsable(const TokenState& token, int64_t now) {
  if (token.revoked) {
    return UnauthenticatedError("enrollment token was revoked");
  }
  if (token.expires_at.has_value() && now >= *token.expires_at) {
    return UnauthenticatedError("enrollment token expired");
  }
  if (token.uses_left.has_value() && *token.uses_left <= 0) {
    return UnauthenticatedError("enrollment token has no uses left");
  }
  return Status::Ok();
}

}  // namespace mamori::store
