#include "collector/web/xlsx_table.h"

#include <stdlib.h>
#include <unistd.h>
#include <xlsxwriter.h>

#include <fstream>
#include <sstream>

#include "collector/register/csv_format.h"

namespace mamori::web {
namespace {

constexpr size_t kMaxCellChars = 32767;

// At most kMaxCellChars characters (libxlsxwriter counts UTF-8 characters
// and refuses longer strings), cut before a continuation byte.
std::string FitCell(std::string text) {
  size_t chars = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    if ((static_cast<unsigned char>(text[i]) & 0xC0) == 0x80) continue;
    if (++chars > kMaxCellChars) {
      text.resize(i);
      break;
    }
  }
  return text;
}

// A private directory for libxlsxwriter's output file (it writes only to a
// path), removed with its content when the export ends.
class TempDir {
 public:
  TempDir() {
    const char* base = getenv("TMPDIR");
    std::string pattern =
        std::string(base && *base ? base : "/tmp") + "/mamori-xlsx-XXXXXX";
    if (mkdtemp(pattern.data()) != nullptr) path_ = pattern;
  }
  ~TempDir() {
    if (path_.empty()) return;
    unlink(File().c_str());
    rmdir(path_.c_str());
  }
  bool ok() const { return !path_.empty(); }
  std::string File() const { return path_ + "/export.xlsx"; }

 private:
  std::string path_;
};

}  // namespace

Result<std::string> TableToXlsx(
    const std::string& sheet_name,
    const std::vector<std::vector<std::string>>& rows) {
  TempDir dir;
  if (!dir.ok()) return InternalError("xlsx export: cannot create a temp dir");
  const std::string path = dir.File();
  lxw_workbook* book = workbook_new(path.c_str());
  if (book == nullptr)
    return InternalError("xlsx export: cannot create " + path);
  lxw_format* header = workbook_add_format(book);
  format_set_bold(header);
  format_set_bg_color(header, 0xDDEBF7);
  lxw_format* text = workbook_add_format(book);
  format_set_num_format(text, "@");
  lxw_worksheet* sheet = workbook_add_worksheet(book, sheet_name.c_str());
  if (sheet == nullptr) {
    workbook_close(book);
    return InternalError("xlsx export: bad sheet name '" + sheet_name + "'");
  }
  lxw_error error = LXW_NO_ERROR;
  for (size_t r = 0; r < rows.size(); ++r) {
    for (size_t c = 0; c < rows[r].size(); ++c) {
      const std::string cell =
          FitCell(asset_register::NeutraliseCell(rows[r][c]));
      if (cell.empty()) continue;
      const lxw_error e = worksheet_write_string(
          sheet, static_cast<lxw_row_t>(r), static_cast<lxw_col_t>(c),
          cell.c_str(), r == 0 ? header : text);
      if (error == LXW_NO_ERROR) error = e;
    }
  }
  worksheet_freeze_panes(sheet, 1, 0);
  if (!rows.empty() && !rows[0].empty()) {
    worksheet_autofilter(sheet, 0, 0, static_cast<lxw_row_t>(rows.size() - 1),
                         static_cast<lxw_col_t>(rows[0].size() - 1));
  }
  const lxw_error closed = workbook_close(book);
  if (error == LXW_NO_ERROR) error = closed;
  if (error != LXW_NO_ERROR) {
    return InternalError(std::string("xlsx export: ") + lxw_strerror(error));
  }
  std::ifstream in(path, std::ios::binary);
  std::ostringstream bytes;
  bytes << in.rdbuf();
  if (!in) return InternalError("xlsx export: cannot read " + path);
  return bytes.str();
}

}  // namespace mamori::web
