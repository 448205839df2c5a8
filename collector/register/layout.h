#pragma once

// The register's spreadsheet layout, shared by the CSV and XLSX formats:
// sheet names, column headers (Japanese and English) in the IPA
// risk-analysis sheet's order, and the row-by-row conversion between cells
// and model values with validation. Pure functions; thread-safe.
//
// Import is validated row by row: every problem becomes an ImportError that
// names the sheet, the row (as numbered in the file, header = 1 for CSV),
// the column and the reason. Callers apply nothing when any error exists.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "collector/register/model.h"

namespace mamori::asset_register {

// Columns of the information-asset sheet, in the IPA sheet's order.
enum class AssetColumn : int {
  kBusinessArea = 0,
  kName,
  kNote,
  kUsers,
  kOwningDepartment,
  kMedium,
  kPersonal,
  kSensitivePersonal,
  kMyNumber,
  kConfidentiality,
  kIntegrity,
  kAvailability,
  kImportance,
  kRetention,
  kRegisteredOn,
  // Retirement (not IPA columns): the CSV's and the retired sheet's. An
  // import reads the status and ignores the other three (they are changed
  // only by retiring or restoring).
  kStatus,
  kRetiredOn,
  kRetirementReason,
  kRetiredBy,
};
// The IPA columns: the information-asset sheet of an XLSX export.
inline constexpr int kAssetColumnCount = 15;
// With the four retirement columns: CSV and the retired-assets sheet.
inline constexpr int kAssetColumnCountWithRetirement = 19;

std::string_view AssetHeader(AssetColumn column, bool japanese);
std::vector<std::string> AssetHeaders(bool japanese);  // the 15 IPA ones
std::vector<std::string> AssetHeadersWithRetirement(bool japanese);  // 19

// Sheet names; import accepts either language.
std::string_view AssetSheetName(bool japanese);   // 情報資産台帳
std::string_view DeviceSheetName(bool japanese);  // 機器台帳
std::string_view LinkSheetName(bool japanese);    // 関連付け
// The XLSX export's sheet of retired assets (廃棄済み情報資産).
std::string_view RetiredAssetSheetName(bool japanese);
// The status column's values: 使用中 / 廃棄済 (ja), in service / retired.
std::string_view AssetStatusText(bool retired, bool japanese);
std::vector<std::string> DeviceHeaders(bool japanese);
std::vector<std::string> LinkHeaders(bool japanese);

// Yes/no as written in exports: 有/無 (ja), yes/no (en).
std::string_view FlagText(bool value, bool japanese);

// One cell as read from a file. XLSX numeric cells carry `number` (and
// `text` holds the number as written in the file); CSV cells are text only.
struct Cell {
  std::string text;
  std::optional<double> number;
};

// One sheet as read from a file: rows with their numbers in the file.
struct Table {
  std::string sheet;
  std::vector<int64_t> row_numbers;  // parallel to rows, 1-based
  std::vector<std::vector<Cell>> rows;
};

// The information-asset cells of `asset`, in column order, as text.
std::vector<std::string> AssetRowText(const InformationAsset& asset,
                                      bool japanese);

// The cells of `asset` with the four retirement columns (status, date,
// reason, who), in column order, as text.
std::vector<std::string> AssetRowTextWithRetirement(
    const InformationAsset& asset, bool japanese);

// Reads the information-asset table (first row = headers in either
// language). Each row's listed_retired comes from the status column when
// present (blank = in service), else from `retired_sheet`; on the retired
// sheet a row marked in service is an error. A blank 登録日 becomes `today`
// (YYYY-MM-DD). The importance column is recomputed: a differing value in the
// file only adds a warning. Appends every problem to `errors`; returns the rows
// that parsed.
std::vector<ParsedAsset> ParseAssetTable(const Table& table,
                                         std::string_view today,
                                         std::vector<ImportError>* errors,
                                         std::vector<std::string>* warnings,
                                         bool retired_sheet = false);

// Reads the link table (asset name, kind, target). Checks form only; the
// store checks that names refer to existing assets and devices.
std::vector<ParsedLink> ParseLinkTable(const Table& table,
                                       std::vector<ImportError>* errors);

// Converts an Excel serial day number (1900 date system) to YYYY-MM-DD;
// nullopt when out of the range 1900-03-01..9999-12-31.
std::optional<std::string> ExcelSerialToIsoDate(double serial);
// Days since 1899-12-30 for a YYYY-MM-DD date (Excel serial).
std::optional<double> IsoDateToExcelSerial(std::string_view iso_date);

// Size limits for text cells (bytes of UTF-8): kMaxShortText and
// kMaxNoteText, in register_records.h (the store checks them too).

}  // namespace mamori::asset_register
