#include "agent/facts/antivirus.h"

#include <chrono>

#include "agent/facts/time_range.h"

namespace mamori::facts {

Result<CvdHeader> ParseCvdHeader(std::string_view header) {
  constexpr std::string_view kMagic = "ClamAV-VDB:";
  if (header.size() > 512) header = header.substr(0, 512);
  if (!StartsWith(header, kMagic)) {
    return InvalidArgumentError(
        "not a ClamAV database: header does not start with \"ClamAV-VDB:\"");
  }
  // The header is padded with spaces (or NULs in hand-made files) to 512.
  const size_t end = header.find('\0');
  if (end != std::string_view::npos) header = header.substr(0, end);
  header = Trim(header);
  const std::vector<std::string_view> fields = Split(header, ':');
  if (fields.size() < 4) {
    return InvalidArgumentError("ClamAV database header has " +
                                std::to_string(fields.size()) +
                                " fields, expected at least 4");
  }
  CvdHeader out;
  out.build_time_text = SanitizeUtf8(Trim(fields[1]));
  const std::optional<uint64_t> version = ParseUint64(Trim(fields[2]));
  if (!version || *version > UINT32_MAX) {
    return InvalidArgumentError("ClamAV database header version \"" +
                                SanitizeUtf8(fields[2]) + "\" is not a number");
  }
  out.version = static_cast<uint32_t>(*version);
  out.signatures = ParseUint64(Trim(fields[3])).value_or(0);
  if (fields.size() >= 8) out.builder = SanitizeUtf8(Trim(fields[7]));
  if (fields.size() >= 9) {
    const std::optional<int64_t> seconds = ParseInt64(Trim(fields[8]));
    // Beyond TimePoint's range the conversion would overflow.
    if (seconds && *seconds > 0 && *seconds <= kTimePointLastSecond) {
      out.build_time = FromUnixSeconds(*seconds);
    }
  }
  return out;
}

bool FreshclamConfUsable(std::string_view conf) {
  for (std::string_view line : SplitLines(conf)) {
    line = Trim(line);
    if (line.empty() || line.front() == '#') continue;
    const std::vector<std::string_view> words = SplitWhitespace(line);
    if (!words.empty() && words[0] == "Example") return false;
  }
  return true;
}

double AgeHours(TimePoint built, TimePoint now) {
  return std::chrono::duration<double, std::ratio<3600>>(now - built).count();
}

const std::vector<VendorAgent>& KnownVendorAgents() {
  static const std::vector<VendorAgent> kAgents = {
      {"ESET Endpoint Antivirus / Server Security for Linux",
       "ESET",
       {"/opt/eset/eea", "/opt/eset/efs", "/opt/eset/esets", "/opt/eset"},
       {}},
      {"Trend Micro Deep Security Agent",
       "Trend Micro",
       {"/opt/ds_agent"},
       {"ds_agent"}},
      {"Trend Micro ServerProtect for Linux",
       "Trend Micro",
       {"/opt/TrendMicro/SProtectLinux"},
       {}},
      {"Sophos Protection for Linux",
       "Sophos",
       {"/opt/sophos-spl"},
       {"sophos_threat_d"}},
      {"Sophos Anti-Virus for Linux", "Sophos", {"/opt/sophos-av"}, {"savd"}},
      {"CrowdStrike Falcon Sensor",
       "CrowdStrike",
       {"/opt/CrowdStrike"},
       {"falcon-sensor"}},
      {"Microsoft Defender for Endpoint",
       "Microsoft",
       {"/opt/microsoft/mdatp"},
       {"wdavdaemon"}},
      {"Kaspersky Endpoint Security for Linux",
       "Kaspersky",
       {"/opt/kaspersky/kesl", "/opt/kaspersky"},
       {"kesl"}},
      {"Trellix/McAfee Endpoint Security for Linux",
       "Trellix",
       {"/opt/McAfee", "/opt/isec"},
       {"mfetpd", "isectpd"}},
      {"SentinelOne Agent", "SentinelOne", {"/opt/sentinelone"}, {}},
      {"Bitdefender GravityZone",
       "Bitdefender",
       {"/opt/bitdefender-security-tools"},
       {}},
      {"F-Secure / WithSecure Elements", "WithSecure", {"/opt/f-secure"}, {}},
  };
  return kAgents;
}

}  // namespace mamori::facts

namespace mamori::facts {

std::string DpkgPackageVersion(std::string_view dpkg_status,
                               std::string_view package) {
  const std::string needle = "Package: " + std::string(package) + "\n";
  size_t pos = 0;
  while ((pos = dpkg_status.find(needle, pos)) != std::string_view::npos) {
    if (pos == 0 || dpkg_status[pos - 1] == '\n') break;
    pos += needle.size();
  }
  if (pos == std::string_view::npos) return "";
  size_t end = dpkg_status.find("\n\n", pos);
  if (end == std::string_view::npos) end = dpkg_status.size();
  for (std::string_view line : SplitLines(dpkg_status.substr(pos, end - pos))) {
    if (StartsWith(line, "Version:")) {
      return SanitizeUtf8(Trim(line.substr(8)));
    }
  }
  return "";
}

}  // namespace mamori::facts
