#include "collector/store/records/register_records.h"

#include <algorithm>
#include <chrono>
#include <cstdio>

#include "common/text.h"

namespace mamori::asset_register {
namespace {

struct MediumName {
  Medium medium;
  std::string_view code;
  std::string_view ja;
  std::string_view en;
};

// Labels follow the IPA SME guideline's risk-analysis sheet.
constexpr MediumName kMediumNames[] = {
    {Medium::kPaper, "paper", "書類", "paper"},
    {Medium::kRemovableMedia, "removable_media", "可搬電子媒体",
     "removable media"},
    {Medium::kOfficePc, "office_pc", "事務所PC", "office PC"},
    {Medium::kMobileDevice, "mobile_device", "モバイル機器", "mobile device"},
    {Medium::kInternalServer, "internal_server", "社内サーバー",
     "internal server"},
    {Medium::kExternalServer, "external_server", "社外サーバー",
     "external server/cloud"},
};

const MediumName& NameOf(Medium medium) {
  for (const auto& n : kMediumNames) {
    if (n.medium == medium) return n;
  }
  return kMediumNames[0];
}

int Clamp13(int v) { return std::clamp(v, 1, 3); }

}  // namespace

const std::vector<Medium>& AllMedia() {
  static const std::vector<Medium> kAll = [] {
    std::vector<Medium> all;
    for (const auto& n : kMediumNames) all.push_back(n.medium);
    return all;
  }();
  return kAll;
}

std::string_view MediumCode(Medium medium) { return NameOf(medium).code; }

std::string_view MediumLabel(Medium medium, bool japanese) {
  return japanese ? NameOf(medium).ja : NameOf(medium).en;
}

std::optional<Medium> ParseMedium(std::string_view text) {
  const std::string_view t = Trim(text);
  for (const auto& n : kMediumNames) {
    if (EqualsIgnoreCaseAscii(t, n.code) || t == n.ja ||
        EqualsIgnoreCaseAscii(t, n.en)) {
      return n.medium;
    }
  }
  // Common spellings people type in the Japanese sheet.
  if (t == "紙" || t == "紙媒体") return Medium::kPaper;
  if (t == "社内サーバ") return Medium::kInternalServer;
  if (t == "社外サーバ" || t == "クラウド") return Medium::kExternalServer;
  if (EqualsIgnoreCaseAscii(t, "cloud") ||
      EqualsIgnoreCaseAscii(t, "external server")) {
    return Medium::kExternalServer;
  }
  return std::nullopt;
}

int ComputeImportance(int confidentiality, int integrity, int availability,
                      bool personal, bool sensitive_personal, bool my_number) {
  const int highest = std::max(
      {Clamp13(confidentiality), Clamp13(integrity), Clamp13(availability)});
  if (highest == 3 || personal || sensitive_personal || my_number) return 3;
  return highest == 2 ? 2 : 1;
}

std::string_view DeviceStatusCode(DeviceStatus status) {
  switch (status) {
    case DeviceStatus::kActive:
      return "active";
    case DeviceStatus::kStale:
      return "stale";
    case DeviceStatus::kRetired:
      return "retired";
    case DeviceStatus::kRevoked:
      return "revoked";
  }
  return "active";
}

std::string_view DeviceStatusLabel(DeviceStatus status, bool japanese) {
  if (!japanese) return DeviceStatusCode(status);
  switch (status) {
    case DeviceStatus::kActive:
      return "稼働中";
    case DeviceStatus::kStale:
      return "報告途絶";
    case DeviceStatus::kRetired:
      return "廃棄済";
    case DeviceStatus::kRevoked:
      return "失効";
  }
  return "稼働中";
}

std::string_view LinkKindCode(LinkKind kind) {
  return kind == LinkKind::kDevice ? "device" : "service";
}

std::string_view LinkKindLabel(LinkKind kind, bool japanese) {
  if (!japanese) return LinkKindCode(kind);
  return kind == LinkKind::kDevice ? "機器" : "外部サービス";
}

std::optional<LinkKind> ParseLinkKind(std::string_view text) {
  const std::string_view t = Trim(text);
  if (EqualsIgnoreCaseAscii(t, "device") || t == "機器") {
    return LinkKind::kDevice;
  }
  if (EqualsIgnoreCaseAscii(t, "service") || t == "外部サービス" ||
      t == "サービス") {
    return LinkKind::kService;
  }
  return std::nullopt;
}

bool IsIsoDate(std::string_view text) {
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return false;
  const auto y = ParseInt64(text.substr(0, 4));
  const auto m = ParseInt64(text.substr(5, 2));
  const auto d = ParseInt64(text.substr(8, 2));
  if (!y || !m || !d || *y < 1900 || *m < 1 || *d < 1) return false;
  const std::chrono::year_month_day ymd{
      std::chrono::year(static_cast<int>(*y)),
      std::chrono::month(static_cast<unsigned>(*m)),
      std::chrono::day(static_cast<unsigned>(*d))};
  return ymd.ok();
}

std::string IsoDateFromUnix(int64_t unix_seconds) {
  const auto days = std::chrono::floor<std::chrono::days>(
      std::chrono::sys_seconds(std::chrono::seconds(unix_seconds)));
  const std::chrono::year_month_day ymd{days};
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()),
                static_cast<unsigned>(ymd.day()));
  return buf;
}

std::string IsoDateTimeFromUnix(int64_t unix_seconds) {
  if (unix_seconds == 0) return "";
  const int64_t day_seconds = ((unix_seconds % 86400) + 86400) % 86400;
  char buf[32];
  std::snprintf(buf, sizeof buf, "%s %02d:%02d:%02d UTC",
                IsoDateFromUnix(unix_seconds).c_str(),
                static_cast<int>(day_seconds / 3600),
                static_cast<int>(day_seconds / 60 % 60),
                static_cast<int>(day_seconds % 60));
  return buf;
}

std::string RetirementChangeProblem(const InformationAsset& asset,
                                    bool retiring) {
  if (retiring && asset.retired) {
    return "\"" + asset.name + "\" is already retired (on " +
           asset.retired->retired_on + ")";
  }
  if (!retiring && !asset.retired) {
    return "\"" + asset.name + "\" is not retired";
  }
  return "";
}

std::string RetirementProblem(const AssetRetirement& retirement,
                              std::string_view today, std::string* field) {
  *field = "retired_on";
  if (!IsIsoDate(retirement.retired_on)) {
    return "the retirement date must be a real date written YYYY-MM-DD";
  }
  if (IsIsoDate(today)) {
    // ISO dates compare as text; one day of slack for Japan ahead of UTC.
    const auto days = std::chrono::sys_days(std::chrono::year_month_day{
        std::chrono::year(static_cast<int>(*ParseInt64(today.substr(0, 4)))),
        std::chrono::month(
            static_cast<unsigned>(*ParseInt64(today.substr(5, 2)))),
        std::chrono::day(
            static_cast<unsigned>(*ParseInt64(today.substr(8, 2))))});
    const std::string latest =
        IsoDateFromUnix(std::chrono::duration_cast<std::chrono::seconds>(
                            (days + std::chrono::days(1)).time_since_epoch())
                            .count());
    if (retirement.retired_on > latest) {
      return "the retirement date " + retirement.retired_on +
             " is in the future (today is " + std::string(today) + ")";
    }
  }
  *field = "reason";
  if (!IsValidUtf8(retirement.reason)) return "the reason is not valid UTF-8";
  if (Trim(retirement.reason).empty()) return "a reason is required";
  if (retirement.reason.size() > kMaxNoteText) {
    return "the reason is longer than " + std::to_string(kMaxNoteText) +
           " bytes";
  }
  field->clear();
  return "";
}

std::string ImportedStateProblem(const ParsedAsset& parsed,
                                 const InformationAsset* stored) {
  const std::string& name = parsed.asset.name;
  if (stored == nullptr) {
    if (!parsed.listed_retired) return "";
    return "\"" + name +
           "\" is not in the register: an import does not create retired "
           "assets (import it in service, then retire it)";
  }
  if (parsed.listed_retired == stored->retired.has_value()) return "";
  if (stored->retired) {
    return "\"" + name + "\" was retired on " + stored->retired->retired_on +
           ": an import does not restore it (use Restore in the console or "
           "`register restore`)";
  }
  return "\"" + name +
         "\" is in service: an import does not retire it (use Retire in the "
         "console or `register retire`)";
}

std::string ImportError::ToString() const {
  std::string out = sheet;
  if (row > 0) out += " row " + std::to_string(row);
  if (!column.empty()) out += ", column " + column;
  return out + ": " + reason;
}

}  // namespace mamori::asset_register
