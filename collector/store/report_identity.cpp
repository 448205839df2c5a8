#include "collector/store/report_identity.h"

#include <algorithm>

#include "common/text.h"

namespace mamori::store {
namespace {

std::string Shown(const std::string& value) {
  std::string cut = value.size() > 64 ? value.substr(0, 64) + "…" : value;
  return "'" + SanitizeUtf8(cut) + "'";
}

}  // namespace

std::vector<std::string> SplitMacs(const std::string& joined) {
  std::vector<std::string> out;
  for (std::string_view mac : Split(joined, ',')) {
    if (!mac.empty()) out.emplace_back(mac);
  }
  return out;
}

std::optional<std::string> ReportedIdentityConflict(
    const HostIdentityData& enrolled, const HostIdentityData& reported) {
  const std::pair<const char*,
                  std::pair<const std::string*, const std::string*>>
      stable[] = {
          {"machine_id", {&enrolled.machine_id, &reported.machine_id}},
          {"smbios_uuid", {&enrolled.smbios_uuid, &reported.smbios_uuid}},
          {"serial", {&enrolled.serial, &reported.serial}},
      };
  bool compared = false;
  for (const auto& [name, values] : stable) {
    const std::string& a = *values.first;
    const std::string& b = *values.second;
    if (a.empty() || b.empty()) continue;
    compared = true;
    if (a != b) {
      return std::string(name) + " " + Shown(b) +
             " differs from the enrolled " + Shown(a);
    }
  }
  if (compared) return std::nullopt;
  if (enrolled.hostname.empty() || reported.hostname.empty() ||
      enrolled.hostname == reported.hostname || enrolled.macs.empty() ||
      reported.macs.empty()) {
    return std::nullopt;
  }
  for (const std::string& mac : reported.macs) {
    if (std::find(enrolled.macs.begin(), enrolled.macs.end(), mac) !=
        enrolled.macs.end()) {
      return std::nullopt;
    }
  }
  return "host name " + Shown(reported.hostname) +
         " and MAC addresses differ "
         "from the enrolled " +
         Shown(enrolled.hostname) + " (no stable identifier to compare)";
}

}  // namespace mamori::store
