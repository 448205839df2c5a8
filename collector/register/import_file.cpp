#include "collector/register/import_file.h"

#include <map>

#include "collector/register/csv_format.h"
#include "collector/register/xlsx_reader.h"
#include "common/text.h"

namespace mamori::asset_register {

FileFormat DetectFormat(std::string_view bytes) {
  return StartsWith(bytes, std::string_view("PK\x03\x04", 4))
             ? FileFormat::kXlsx
             : FileFormat::kCsv;
}

Result<ImportPlan> PlanImport(std::string_view bytes, std::string_view today) {
  ImportPlan plan;
  if (DetectFormat(bytes) == FileFormat::kCsv) {
    auto table = DecodeCsv(bytes, "CSV");
    if (!table.ok()) return table.status();
    plan.asset_sheet = table->sheet;
    plan.assets = ParseAssetTable(*table, today, &plan.errors, &plan.warnings);
    return plan;
  }

  auto tables = ReadXlsx(bytes);
  if (!tables.ok()) return tables.status();
  const Table* assets = nullptr;
  const Table* links = nullptr;
  const Table* retired = nullptr;
  for (const auto& t : *tables) {
    if (t.sheet == AssetSheetName(true) || t.sheet == AssetSheetName(false)) {
      assets = &t;
    } else if (t.sheet == RetiredAssetSheetName(true) ||
               t.sheet == RetiredAssetSheetName(false)) {
      retired = &t;
    } else if (t.sheet == LinkSheetName(true) ||
               t.sheet == LinkSheetName(false)) {
      links = &t;
    }
  }
  // A workbook of one sheet under another name is taken as the ledger:
  // people often keep the IPA sheet in a file of their own.
  if (assets == nullptr && tables->size() == 1) assets = &tables->front();
  if (assets == nullptr) {
    return InvalidArgumentError(
        "no information-asset sheet: expected a sheet named " +
        std::string(AssetSheetName(true)) + " or " +
        std::string(AssetSheetName(false)));
  }
  plan.asset_sheet = assets->sheet;
  plan.assets = ParseAssetTable(*assets, today, &plan.errors, &plan.warnings);
  if (retired != nullptr && !retired->rows.empty()) {
    // One name, one asset: a name on both sheets is an error there.
    std::map<std::string, int64_t> main_rows;
    for (const ParsedAsset& p : plan.assets) main_rows[p.asset.name] = p.row;
    for (ParsedAsset& p :
         ParseAssetTable(*retired, today, &plan.errors, &plan.warnings, true)) {
      if (auto it = main_rows.find(p.asset.name); it != main_rows.end()) {
        plan.errors.push_back(
            {retired->sheet, p.row, "情報資産名称 / Asset name",
             "\"" + p.asset.name + "\" is also on " + assets->sheet + " row " +
                 std::to_string(it->second)});
        continue;
      }
      plan.assets.push_back(std::move(p));
    }
  }
  if (links != nullptr) {
    plan.has_link_sheet = true;
    plan.link_sheet = links->sheet;
    plan.links = ParseLinkTable(*links, &plan.errors);
  }
  return plan;
}

Result<bool> PutAsset(RegisterPort& port, const std::string& org,
                      const InformationAsset& asset, const std::string& actor) {
  // Validate exactly as an import row would be.
  Table table;
  table.sheet = "register set";
  table.row_numbers = {1, 2};
  std::vector<Cell> header, row;
  for (const auto& h : AssetHeaders(false)) header.push_back({h, std::nullopt});
  for (const auto& v : AssetRowText(asset, false))
    row.push_back({v, std::nullopt});
  table.rows = {header, row};
  ImportPlan plan;
  plan.assets =
      ParseAssetTable(table, asset.registered_on, &plan.errors, &plan.warnings);
  if (!plan.errors.empty()) {
    std::string message;
    for (const auto& e : plan.errors) {
      message += (message.empty() ? "" : "; ") + e.column + ": " + e.reason;
    }
    return InvalidArgumentError(message);
  }
  // Editing one asset keeps its state: a retired asset stays retired.
  auto stored = port.ListAssets(org);
  if (!stored.ok()) return stored.status();
  for (const InformationAsset& a : *stored) {
    if (a.name == asset.name && a.retired && !plan.assets.empty()) {
      plan.assets[0].listed_retired = true;
    }
  }
  auto summary = port.Import(org, plan, actor, false);
  if (!summary.ok()) return summary.status();
  // The one row's problem found against the register (a retired asset).
  if (!summary->errors.empty()) {
    return FailedPreconditionError(summary->errors[0].reason);
  }
  return summary->created + summary->updated > 0;
}

}  // namespace mamori::asset_register
