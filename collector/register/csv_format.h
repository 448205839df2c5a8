#pragma once

// CSV form of the register's information-asset sheet.
//
// Writing: UTF-8 with a byte-order mark (so Excel picks the encoding), CRLF
// line ends, RFC 4180 quoting. Formula injection: a cell starting with
// '=', '+', '-', '@', tab, carriage return or an apostrophe is written with
// one leading apostrophe, which spreadsheet programs show as text and never
// evaluate ("=HYPERLINK(...)" → "'=HYPERLINK(...)"). Reading strips exactly
// one leading apostrophe from any cell, so re-importing an export gives the
// original text back (escaping the apostrophe itself keeps this reversible).
//
// Reading uses libcsv (Debian's libcsv3) in strict mode. Pure functions;
// thread-safe.

#include <string>
#include <string_view>
#include <vector>

#include "collector/register/layout.h"
#include "common/status.h"

namespace mamori::asset_register {

// Largest CSV file accepted for import.
inline constexpr size_t kMaxCsvBytes = 64u << 20;

// Returns `cell` with a leading apostrophe when it could start a formula
// (or already starts with an apostrophe).
std::string NeutraliseCell(std::string_view cell);
// Reverses NeutraliseCell: drops one leading apostrophe, if any.
std::string RestoreCell(std::string_view cell);

// Encodes rows as CSV with BOM and CRLF; every cell is neutralised.
std::string EncodeCsv(const std::vector<std::vector<std::string>>& rows);

// The information-asset sheet (headers in the chosen language) as CSV, every
// asset given, with the status column (使用中/廃棄済) and the retirement
// date, reason and who after the IPA columns.
std::string AssetsToCsv(const std::vector<InformationAsset>& assets,
                        bool japanese);

// Decodes CSV text (optional UTF-8 BOM) into a table named `sheet`, rows
// numbered by record (header = 1), each cell passed through RestoreCell.
// Errors: INVALID_ARGUMENT naming the record for malformed quoting, invalid
// UTF-8 or a file larger than kMaxCsvBytes.
Result<Table> DecodeCsv(std::string_view text, std::string sheet);

}  // namespace mamori::asset_register
