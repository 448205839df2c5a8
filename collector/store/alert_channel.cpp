#include <algorithm>
#include <initializer_list>

#include "collector/store/alert_port.h"

namespace mamori::store {
namespace {

bool OneOf(const std::string& value, std::initializer_list<const char*> set) {
  return std::any_of(set.begin(), set.end(),
                     [&](const char* s) { return value == s; });
}

}  // namespace

Status CheckNewAlertChannel(const AlertChannel& channel,
                            const std::string& secret) {
  if (!OneOf(channel.kind, {"email", "webhook"})) {
    return InvalidArgumentError(
        "channel kind must be email or webhook, not \"" + channel.kind + "\"");
  }
  if (!OneOf(channel.language, {"ja", "en"})) {
    return InvalidArgumentError("language must be ja or en");
  }
  if (!OneOf(channel.schedule, {"immediate", "daily", "weekly"})) {
    return InvalidArgumentError("schedule must be immediate, daily or weekly");
  }
  if (channel.kind == "webhook" && secret.size() < 16) {
    return InvalidArgumentError("a webhook needs a secret of 16+ characters");
  }
  return Status::Ok();
}

}  // namespace mamori::store
