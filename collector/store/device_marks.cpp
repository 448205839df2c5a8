#include "collector/store/device_marks.h"

#include <algorithm>
#include <iterator>
#include <optional>

#include "collector/devices/oui.h"
#include "common/text.h"

namespace mamori::store {
namespace {

constexpr const char* kKinds[] = {"printer", "router", "nas", "phone", "other"};

}  // namespace

Result<std::string> NormalisedDeviceMac(std::string_view text) {
  std::optional<devices::MacInfo> info = devices::ParseMac(text);
  if (!info) {
    return InvalidArgumentError("mac: \"" + TerminalSafe(text.substr(0, 40)) +
                                "\" is not a MAC address (aa:bb:cc:dd:ee:ff)");
  }
  return info->mac;
}

Status ValidateDeviceMark(const DeviceMark& mark) {
  if (mark.verdict != "not_pc" && mark.verdict != "needs_agent") {
    return InvalidArgumentError("verdict: \"" +
                                TerminalSafe(mark.verdict.substr(0, 40)) +
                                "\" is not not_pc or needs_agent");
  }
  if (mark.verdict == "needs_agent" && !mark.kind.empty()) {
    return InvalidArgumentError(
        "kind: only a device marked not_pc has a kind (printer, router, nas, "
        "phone, other)");
  }
  if (mark.verdict == "not_pc" &&
      std::find(std::begin(kKinds), std::end(kKinds), mark.kind) ==
          std::end(kKinds)) {
    return InvalidArgumentError(
        "kind: \"" + TerminalSafe(mark.kind.substr(0, 40)) +
        "\" is not one of printer, router, nas, phone, other");
  }
  if (mark.note.size() > 500 || !IsValidUtf8(mark.note)) {
    return InvalidArgumentError("note: at most 500 bytes of UTF-8 text (got " +
                                std::to_string(mark.note.size()) + " bytes)");
  }
  return Status::Ok();
}

AuditEntry DeviceMarkAudit(int64_t org_id, const DeviceActor& actor,
                           const std::string& action, const std::string& mac,
                           const std::string& before, const std::string& after,
                           TimePoint now) {
  AuditEntry entry;
  entry.at = now;
  entry.actor = actor.actor;
  entry.source = actor.source;
  entry.action = action;
  entry.target = "device:" + mac;
  entry.org_id = org_id;
  entry.before_json = before;
  entry.after_json = after;
  return entry;
}

}  // namespace mamori::store
