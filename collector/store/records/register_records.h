#pragma once

// The information-asset register's data model (情報資産管理台帳): information
// assets entered by people in the IPA risk-analysis sheet's column order,
// device assets derived from enrolled hosts, the links between them, and a
// validated import plan. Plain value types and pure functions; thread-safe as
// values are.
//
// This is the vocabulary of the store's RegisterPort (store/register_port.h),
// so it lives below the store: store/ needs nothing from collector/register,
// which includes this header (through register/model.h) and uses the same
// names (namespace mamori::asset_register). File formats, layouts and import
// parsing stay in collector/register.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mamori::asset_register {

// Where the information lives (媒体・保存先), as in the IPA sheet.
enum class Medium : int {
  kPaper = 1,
  kRemovableMedia = 2,
  kOfficePc = 3,
  kMobileDevice = 4,
  kInternalServer = 5,
  kExternalServer = 6,
};

// Every medium, in the IPA sheet's order.
const std::vector<Medium>& AllMedia();

// Stable code stored in the database and JSON ("office_pc").
std::string_view MediumCode(Medium medium);
// Label shown to people: "事務所PC" (ja) or "office PC" (en).
std::string_view MediumLabel(Medium medium, bool japanese);
// Accepts a code, the Japanese label or the English label (case-insensitive
// for ASCII, surrounding white space ignored). nullopt when none matches.
std::optional<Medium> ParseMedium(std::string_view text);

// Importance (重要度) per domain.md §4: 3 when any of C/I/A is 3 or any
// personal-information flag is set, else 2 when any of C/I/A is 2, else 1.
// Inputs outside 1..3 are the caller's bug; they are clamped, never trusted.
int ComputeImportance(int confidentiality, int integrity, int availability,
                      bool personal, bool sensitive_personal, bool my_number);

// Retirement of an information asset (廃棄・除却: a PC handed back, a USB
// stick destroyed, a data set deleted). The asset stays in the register,
// marked, with when, why and by whom; restoring it clears the mark.
struct AssetRetirement {
  std::string retired_on;  // YYYY-MM-DD: the day it was disposed of
  std::string reason;      // free text, at most kMaxNoteText bytes
  std::string retired_by;  // the actor who recorded it
  friend bool operator==(const AssetRetirement&,
                         const AssetRetirement&) = default;
};

// One row of the ledger. `importance` is always derived with
// ComputeImportance(); there is deliberately no way to set it by hand.
struct InformationAsset {
  std::string business_area;  // 業務分類
  std::string name;           // 情報資産名称 (unique per organisation)
  std::string note;           // 備考
  std::string users;          // 利用者範囲
  std::string owning_department;  // 管理部署
  Medium medium = Medium::kPaper;
  bool personal = false;            // 個人情報
  bool sensitive_personal = false;  // 要配慮個人情報
  bool my_number = false;           // 特定個人情報 (マイナンバー)
  int confidentiality = 1;
  int integrity = 1;
  int availability = 1;
  std::string retention;  // 保存期限: free text ("5年", "契約終了まで")
  std::string registered_on;  // 登録日: YYYY-MM-DD
  // Set while the asset is retired; only RetireAsset/RestoreAsset change it
  // (an import never does: see CheckImportedState).
  std::optional<AssetRetirement> retired;

  int importance() const {
    return ComputeImportance(confidentiality, integrity, availability, personal,
                             sensitive_personal, my_number);
  }
  friend bool operator==(const InformationAsset&,
                         const InformationAsset&) = default;
};

// Lifecycle of a device asset. Stale: not seen within the configured
// period. Retired: marked by a person; kept for the record, never deleted.
// Revoked: its credentials were revoked after its last enrollment (`hosts
// revoke`, the console's Revoke): it can no longer report. A retired mark
// wins over revoked, which wins over stale.
enum class DeviceStatus : int {
  kActive = 0,
  kStale = 1,
  kRetired = 2,
  kRevoked = 3,
};
std::string_view DeviceStatusCode(DeviceStatus status);
std::string_view DeviceStatusLabel(DeviceStatus status, bool japanese);

// Worst current state of one employee rule on one device or asset.
struct RuleState {
  std::string rule_id;
  std::string state;  // as the grading engine writes it: pass/fail/unknown/…
  friend bool operator==(const RuleState&, const RuleState&) = default;
};

// A device asset: derived from an enrolled host, plus the two fields people
// edit (owner/user and location/department).
struct DeviceAsset {
  std::string host_id;
  std::string name;  // host name as reported
  std::string role;  // workstation/server/…, from the facts when known
  std::string owner;
  std::string location;
  std::string os;
  std::string serial;
  std::string model;
  int64_t last_seen_unix = 0;  // 0 = never reported
  DeviceStatus status = DeviceStatus::kActive;
  std::vector<RuleState> checks;  // current per-rule states, may be empty
};

// Kind of target an information asset is linked to.
enum class LinkKind : int { kDevice = 0, kService = 1 };
std::string_view LinkKindCode(LinkKind kind);
std::string_view LinkKindLabel(LinkKind kind, bool japanese);
std::optional<LinkKind> ParseLinkKind(std::string_view text);

// "customer list → PC-05" or "customer list → kintone (service)".
struct AssetLink {
  std::string asset_name;
  LinkKind kind = LinkKind::kDevice;
  std::string target;  // device name or external service name
  friend bool operator==(const AssetLink&, const AssetLink&) = default;
};

// Everything an export writes and an import reads, for one organisation.
struct RegisterSnapshot {
  std::vector<InformationAsset> assets;
  std::vector<DeviceAsset> devices;
  std::vector<AssetLink> links;
};

// Size limits for text fields (bytes of UTF-8).
inline constexpr size_t kMaxShortText = 1000;
inline constexpr size_t kMaxNoteText = 4000;

// One problem found while reading an import file.
struct ImportError {
  std::string sheet;
  int64_t row = 0;     // 0 = the sheet as a whole
  std::string column;  // header text, empty when about the whole row
  std::string reason;
  // "情報資産台帳 row 3, column 機密性: must be 1, 2 or 3 (got \"4\")"
  std::string ToString() const;
};

struct ParsedAsset {
  InformationAsset asset;  // `retired` is never set from a file
  int64_t row = 0;
  // The file lists the asset as retired (its retired sheet, or 廃棄済 in the
  // status column). An import only checks this against the register.
  bool listed_retired = false;
  std::string sheet;   // where the row is, for messages ("" = asset_sheet)
  std::string column;  // the status column's header, "" when absent
};
struct ParsedLink {
  AssetLink link;
  int64_t row = 0;
};

// A file turned into validated rows (collector/register/import_file.h makes
// one); the store applies it only when it holds no error.
struct ImportPlan {
  std::vector<ParsedAsset> assets;
  std::vector<ParsedLink> links;  // empty for CSV
  bool has_link_sheet = false;
  std::vector<ImportError> errors;
  std::vector<std::string> warnings;
  std::string asset_sheet;  // sheet name as in the file, for messages
  std::string link_sheet;
};

// Checks a retirement before it is stored: `retired_on` a real date
// YYYY-MM-DD from 1900 and no later than the day after `today` (one day of
// slack for time zones ahead of UTC), `reason` non-empty valid UTF-8 of at
// most kMaxNoteText bytes. Returns "" when valid, else the problem, with
// the field's name ("retired_on" or "reason") in `field`.
std::string RetirementProblem(const AssetRetirement& retirement,
                              std::string_view today, std::string* field);

// Whether `asset` may be retired (`retiring`) or restored now: "" when it
// may, else why not (already retired, with the date; or not retired).
std::string RetirementChangeProblem(const InformationAsset& asset,
                                    bool retiring);

// The import rule for retirement: a file never retires or restores an
// asset. Returns the reason when the row `parsed` states another state than
// the register's `stored` (nullptr = not in the register), "" when they
// agree.
std::string ImportedStateProblem(const ParsedAsset& parsed,
                                 const InformationAsset* stored);

// True for a real calendar date written YYYY-MM-DD.
bool IsIsoDate(std::string_view text);
// Formats a Unix time as YYYY-MM-DD (UTC).
std::string IsoDateFromUnix(int64_t unix_seconds);
// Formats a Unix time as YYYY-MM-DD HH:MM:SS UTC; "" for 0.
std::string IsoDateTimeFromUnix(int64_t unix_seconds);

}  // namespace mamori::asset_register
