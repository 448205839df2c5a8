#pragma once

// The software ledger (ソフトウェア台帳) of one organisation: per dictionary
// title installed on its hosts or named by its rules — category, the
// organisation's rule (banned / required), versions and publishers seen,
// hosts with it installed against the licences owned, the version floor and
// how many installs are below it — and the install list behind it. Built
// from the store's inventory (store/software_port.h) by a pure function;
// exported as CSV (UTF-8 with BOM, formula-looking cells neutralised by the
// register's CSV helpers) or XLSX (libxlsxwriter, text as string cells).
// Strings from endpoints are hostile: invalid UTF-8 is replaced, cells that
// could start a formula are neutralised in CSV, and XLSX never writes a
// formula.
//
// Thread safety: pure functions; no shared state.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "collector/software/dictionary.h"
#include "collector/store/software_port.h"
#include "common/status.h"

namespace mamori::software {

struct LedgerRow {
  std::string title;          // dictionary id
  std::string title_name;     // in the ledger's language
  std::string category;       // dictionary id
  std::string category_name;  // in the ledger's language
  // "banned", "required" or "" (with " (windows)" / " (linux)" when the rule
  // is for one platform; several joined by ", ").
  std::string rule;
  std::vector<std::string> versions;    // distinct, ordered oldest first
  std::vector<std::string> publishers;  // distinct
  std::vector<std::string> hosts;       // distinct host names
  int64_t installed = 0;                // hosts with the title
  std::optional<int64_t> owned;         // licences owned, when on record
  std::string min_version;              // "" when no floor
  int64_t below_floor = 0;              // hosts with an install below it
  // installed - owned when positive, else 0.
  int64_t OverDeployed() const;
};

struct Ledger {
  std::vector<LedgerRow> rows;  // by category id, then title id
  std::vector<store::SoftwareInstall> installs;
  int64_t hosts = 0;
  std::vector<std::string> hosts_without_inventory;
  bool japanese = true;
};

// Builds the ledger. Titles the inventory names that are no longer in the
// dictionary keep their id as name and "?" as category.
Ledger BuildLedger(const Dictionary& dictionary,
                   const store::SoftwareRules& rules,
                   const store::SoftwareInventory& inventory, bool japanese);

// The ledger sheet as CSV text (UTF-8 BOM, CRLF, cells neutralised).
std::string LedgerToCsv(const Ledger& ledger);

// Writes an XLSX workbook (sheets: the ledger, the installs, and the hosts
// whose software is unknown) through a temporary file renamed into place.
// Returns OK or INTERNAL naming the path.
Status WriteLedgerXlsx(const Ledger& ledger, const std::string& path);

}  // namespace mamori::software
