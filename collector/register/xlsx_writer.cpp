#include "collector/register/xlsx_writer.h"

#include <sys/stat.h>
#include <xlsxwriter.h>

#include <cstdio>
#include <map>

#include "collector/register/layout.h"

namespace mamori::asset_register {
namespace {

// Collects the first libxlsxwriter error while a workbook is filled.
class SheetWriter {
 public:
  SheetWriter(lxw_worksheet* sheet, lxw_format* text)
      : sheet_(sheet), text_(text) {}

  void Text(lxw_row_t row, lxw_col_t col, const std::string& value) {
    if (value.empty()) return;
    Record(worksheet_write_string(sheet_, row, col, value.c_str(), text_));
  }
  void Number(lxw_row_t row, lxw_col_t col, double value, lxw_format* format) {
    Record(worksheet_write_number(sheet_, row, col, value, format));
  }
  void Headers(const std::vector<std::string>& headers, lxw_format* format) {
    for (size_t c = 0; c < headers.size(); ++c) {
      Record(worksheet_write_string(sheet_, 0, static_cast<lxw_col_t>(c),
                                    headers[c].c_str(), format));
    }
    worksheet_freeze_panes(sheet_, 1, 0);
  }
  lxw_error error() const { return error_; }

 private:
  void Record(lxw_error e) {
    if (error_ == LXW_NO_ERROR) error_ = e;
  }
  lxw_worksheet* sheet_;
  lxw_format* text_;
  lxw_error error_ = LXW_NO_ERROR;
};

}  // namespace

std::string ChecksSummary(const std::vector<RuleState>& checks) {
  std::map<std::string, std::string> by_state;
  for (const auto& c : checks) {
    if (c.state == "pass") continue;
    auto& list = by_state[c.state];
    if (!list.empty()) list += ", ";
    list += c.rule_id;
  }
  std::string out;
  for (const auto& [state, rules] : by_state) {
    if (!out.empty()) out += "; ";
    out += state + ": " + rules;
  }
  if (out.empty() && !checks.empty()) out = "pass";
  return out;
}

Status WriteXlsx(const RegisterSnapshot& snapshot, bool japanese,
                 const std::string& path) {
  const std::string temp = path + ".tmp";
  lxw_workbook* book = workbook_new(temp.c_str());
  if (book == nullptr) {
    return InternalError("cannot create workbook " + temp);
  }
  lxw_format* header = workbook_add_format(book);
  format_set_bold(header);
  format_set_bg_color(header, 0xDDEBF7);
  lxw_format* text = workbook_add_format(book);
  format_set_num_format(text, "@");
  lxw_format* date = workbook_add_format(book);
  format_set_num_format(date, "yyyy-mm-dd");
  lxw_format* level = workbook_add_format(book);
  format_set_align(level, LXW_ALIGN_CENTER);

  lxw_error error = LXW_NO_ERROR;
  const auto keep = [&](lxw_error e) {
    if (error == LXW_NO_ERROR) error = e;
  };

  // Information assets, in the IPA sheet's column order: those in service
  // on the main sheet, the retired ones on their own sheet with the
  // retirement columns after.
  lxw_row_t row = 1;
  const auto write_assets = [&](bool retired_sheet) {
    const int columns =
        retired_sheet ? kAssetColumnCountWithRetirement : kAssetColumnCount;
    lxw_worksheet* sheet = workbook_add_worksheet(
        book, std::string(retired_sheet ? RetiredAssetSheetName(japanese)
                                        : AssetSheetName(japanese))
                  .c_str());
    SheetWriter assets(sheet, text);
    assets.Headers(retired_sheet ? AssetHeadersWithRetirement(japanese)
                                 : AssetHeaders(japanese),
                   header);
    lxw_row_t r = 1;
    for (const auto& a : snapshot.assets) {
      if (a.retired.has_value() != retired_sheet) continue;
      const std::vector<std::string> cells =
          AssetRowTextWithRetirement(a, japanese);
      for (int c = 0; c < columns; ++c) {
        const auto column = static_cast<AssetColumn>(c);
        const auto col = static_cast<lxw_col_t>(c);
        switch (column) {
          case AssetColumn::kConfidentiality:
          case AssetColumn::kIntegrity:
          case AssetColumn::kAvailability:
          case AssetColumn::kImportance:
            assets.Number(r, col, std::stod(cells[c]), level);
            break;
          case AssetColumn::kRegisteredOn:
          case AssetColumn::kRetiredOn:
            if (auto serial = IsoDateToExcelSerial(cells[c])) {
              assets.Number(r, col, *serial, date);
            } else {
              assets.Text(r, col, cells[c]);
            }
            break;
          default:
            assets.Text(r, col, cells[c]);
        }
      }
      ++r;
    }
    keep(assets.error());
    worksheet_set_column(sheet, 0, 0, 14, nullptr);
    worksheet_set_column(sheet, 1, 1, 24, nullptr);
    worksheet_set_column(sheet, 2, 5, 16, nullptr);
    worksheet_set_column(sheet, 14, 14, 12, nullptr);
    if (retired_sheet) worksheet_set_column(sheet, 15, 18, 16, nullptr);
  };
  write_assets(false);

  lxw_worksheet* devices_sheet = workbook_add_worksheet(
      book, std::string(DeviceSheetName(japanese)).c_str());
  SheetWriter devices(devices_sheet, text);
  devices.Headers(DeviceHeaders(japanese), header);
  row = 1;
  for (const auto& d : snapshot.devices) {
    const std::string cells[] = {
        d.name,
        d.role,
        d.owner,
        d.location,
        d.os,
        d.serial,
        d.model,
        IsoDateTimeFromUnix(d.last_seen_unix),
        std::string(DeviceStatusLabel(d.status, japanese)),
        ChecksSummary(d.checks),
        d.host_id};
    for (size_t c = 0; c < std::size(cells); ++c) {
      devices.Text(row, static_cast<lxw_col_t>(c), cells[c]);
    }
    ++row;
  }
  keep(devices.error());
  worksheet_set_column(devices_sheet, 0, 10, 16, nullptr);

  lxw_worksheet* links_sheet = workbook_add_worksheet(
      book, std::string(LinkSheetName(japanese)).c_str());
  SheetWriter links(links_sheet, text);
  links.Headers(LinkHeaders(japanese), header);
  row = 1;
  for (const auto& l : snapshot.links) {
    links.Text(row, 0, l.asset_name);
    links.Text(row, 1, std::string(LinkKindLabel(l.kind, japanese)));
    links.Text(row, 2, l.target);
    ++row;
  }
  keep(links.error());
  worksheet_set_column(links_sheet, 0, 2, 24, nullptr);
  write_assets(true);

  const lxw_error closed = workbook_close(book);
  keep(closed);
  if (error != LXW_NO_ERROR) {
    std::remove(temp.c_str());
    return InternalError("writing " + path + ": " + lxw_strerror(error));
  }
  // The register names personal information: readable by the owner only.
  if (chmod(temp.c_str(), 0600) != 0 ||
      std::rename(temp.c_str(), path.c_str()) != 0) {
    std::remove(temp.c_str());
    return InternalError("cannot move " + temp + " to " + path);
  }
  return Status::Ok();
}

}  // namespace mamori::asset_register
