#pragma once

// Turns an XLSX or CSV file into a validated import plan: information
// assets and links, every problem collected as an ImportError. The plan is
// pure data; the store applies it in one transaction only when it holds no
// error (all or nothing). Thread-safe: no shared state.

#include <string>
#include <string_view>
#include <vector>

#include "collector/register/layout.h"
#include "collector/store/register_port.h"
#include "common/status.h"

namespace mamori::asset_register {

enum class FileFormat { kCsv, kXlsx };

// Detects the format from the content: a ZIP signature means XLSX,
// anything else is read as CSV.
FileFormat DetectFormat(std::string_view bytes);

// Builds the plan from file content. Row problems land in plan.errors;
// a file that cannot be read at all (not a workbook, malformed CSV, no
// information-asset sheet) is an INVALID_ARGUMENT error. `today` fills
// blank 登録日 cells.
Result<ImportPlan> PlanImport(std::string_view bytes, std::string_view today);

// Creates or replaces one asset by name (from `register set`), validated
// exactly as an import row is, through `port`'s Import. Returns true when
// something changed; INVALID_ARGUMENT naming the columns for values the
// layout rejects (nothing written); NOT_FOUND for an unknown organisation;
// the port's other errors as they are.
Result<bool> PutAsset(RegisterPort& port, const std::string& org,
                      const InformationAsset& asset, const std::string& actor);

}  // namespace mamori::asset_register
