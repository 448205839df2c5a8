#pragma once

// Reads the sheets of an XLSX workbook into Tables, using libzip for the
// container and Poco::XML's SAX parser for the parts (workbook, its
// relationships, shared strings, worksheets). Understands shared strings
// (skipping phonetic furigana runs), inline strings, numbers, booleans and
// cached formula results; dates arrive as numbers (Excel serials), which the
// layout converts for date columns. Thread-safe: no shared state.
//
// Hostile files are bounded: the file, each decompressed part and all parts
// together have limits, the decoded cells of the whole workbook share one
// DecodeBudget (decode_budget.h: shared strings count for every use, rows
// for their padding), and external XML entities are not loaded. The archive
// is read in place, not copied.

#include <string>
#include <string_view>
#include <vector>

#include "collector/register/layout.h"
#include "common/status.h"

namespace mamori::asset_register {

inline constexpr size_t kMaxXlsxBytes = 64u << 20;
inline constexpr size_t kMaxXlsxPartBytes = 64u << 20;
inline constexpr size_t kMaxXlsxXmlBytes = 128u << 20;

// Reads every worksheet of the workbook held in `bytes`, in workbook order,
// each as a Table named after its sheet (rows numbered as in the file).
// Errors: INVALID_ARGUMENT naming the part and the reason when the file is
// not a readable workbook or exceeds a limit (the decoded-size limit names
// the sheet and row where it ran out).
Result<std::vector<Table>> ReadXlsx(std::string_view bytes);

// Decodes OOXML's _xHHHH_ escapes (used for control characters) in `text`.
std::string DecodeOoxmlEscapes(std::string_view text);

}  // namespace mamori::asset_register
