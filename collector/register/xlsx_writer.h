#pragma once

// Writes the register as an XLSX workbook with libxlsxwriter: sheets
// information assets (IPA column order), devices and links, headers in
// Japanese or English. Levels are numeric cells, 登録日 a real date cell
// (yyyy-mm-dd); text is always written as string cells, which spreadsheet
// programs never evaluate, so no formula-injection escaping is needed (or
// applied) here. Thread-safe: no shared state.

#include <string>

#include "collector/register/model.h"
#include "common/status.h"

namespace mamori::asset_register {

// Writes `snapshot` to `path` (through a temporary file renamed into place,
// so a failed export never leaves a half-written file). Returns OK, or
// INTERNAL naming the libxlsxwriter error and the path.
Status WriteXlsx(const RegisterSnapshot& snapshot, bool japanese,
                 const std::string& path);

// One-line summary of a device's checks: "fail: usb_storage, antivirus;
// unknown: firewall" (or "" when there are none).
std::string ChecksSummary(const std::vector<RuleState>& checks);

}  // namespace mamori::asset_register
