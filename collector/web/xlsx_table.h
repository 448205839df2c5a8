#pragma once

// One table as an XLSX workbook, for the console's exports (the endpoint
// list): a bold, frozen header row and every cell a text cell. Text cells
// are never evaluated by spreadsheet programs; on top of that each cell
// goes through the CSV export's NeutraliseCell, so a host name such as
// "=HYPERLINK(…)" reads "'=HYPERLINK(…)" in both exports and stays inert if
// a user edits the cell or pastes it elsewhere. Cells longer than the
// format's 32,767 characters are cut at a UTF-8 boundary.
//
// Thread safety: no shared state.

#include <string>
#include <vector>

#include "common/status.h"

namespace mamori::web {

// The workbook's bytes: one sheet named `sheet_name` (at most 31
// characters, no []:*?/\) holding `rows`, the first row as the header.
// INTERNAL naming libxlsxwriter's error when the workbook cannot be
// written (the temporary file it needs is removed in every case).
Result<std::string> TableToXlsx(
    const std::string& sheet_name,
    const std::vector<std::vector<std::string>>& rows);

}  // namespace mamori::web
