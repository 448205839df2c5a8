#include "collector/software/ledger.h"

#include <sys/stat.h>
#include <xlsxwriter.h>

#include <algorithm>
#include <cstdio>
#include <map>
#include <set>

#include "collector/register/csv_format.h"
#include "common/text.h"
#include "common/version.h"

namespace mamori::software {
namespace {

struct Header {
  const char* ja;
  const char* en;
};

constexpr Header kLedgerHeaders[] = {
    {"カテゴリ", "Category"},
    {"ソフトウェア", "Software"},
    {"ルール", "Rule"},
    {"インストール台数", "Installed on"},
    {"保有ライセンス数", "Licences owned"},
    {"ライセンス超過", "Over-deployed"},
    {"最低バージョン", "Minimum version"},
    {"最低未満の台数", "Below minimum"},
    {"バージョン", "Versions"},
    {"発行元", "Publishers"},
    {"端末", "Hosts"},
    {"ID", "ID"},
};

constexpr Header kInstallHeaders[] = {
    {"ソフトウェア", "Software"},     {"端末", "Host"},
    {"プラットフォーム", "Platform"}, {"パッケージ名", "Package"},
    {"バージョン", "Version"},        {"発行元", "Publisher"},
};

const char* Text(const Header& h, bool japanese) {
  return japanese ? h.ja : h.en;
}

std::string Join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& i : items) {
    if (!out.empty()) out += ", ";
    out += i;
  }
  return out;
}

void AddDistinct(std::vector<std::string>* list, const std::string& item) {
  if (item.empty()) return;
  if (std::find(list->begin(), list->end(), item) == list->end()) {
    list->push_back(item);
  }
}

// `value` as valid UTF-8 of at most kMaxCellBytes (a spreadsheet cell
// holds 32,767 characters; libxlsxwriter refuses longer strings), cut at a
// character boundary with "…" appended.
constexpr size_t kMaxCellBytes = 32000;
std::string Cell(std::string_view value) {
  std::string text = SanitizeUtf8(value);
  if (text.size() <= kMaxCellBytes) return text;
  size_t cut = kMaxCellBytes;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) {
    --cut;
  }
  text.resize(cut);
  return text + "…";
}

// The ledger sheet's cells for `row`, every string made valid UTF-8.
std::vector<std::string> RowCells(const LedgerRow& row) {
  return {Cell(row.category_name),
          Cell(row.title_name),
          row.rule,
          std::to_string(row.installed),
          row.owned ? std::to_string(*row.owned) : "",
          row.owned ? std::to_string(row.OverDeployed()) : "",
          Cell(row.min_version),
          row.min_version.empty() ? "" : std::to_string(row.below_floor),
          Cell(Join(row.versions)),
          Cell(Join(row.publishers)),
          Cell(Join(row.hosts)),
          row.title};
}

std::string RuleLabel(const std::string& action, const std::string& platform,
                      bool japanese) {
  std::string label = action == "ban" ? (japanese ? "禁止" : "banned")
                                      : (japanese ? "必須" : "required");
  if (!platform.empty()) label += " (" + platform + ")";
  return label;
}

}  // namespace

int64_t LedgerRow::OverDeployed() const {
  if (!owned || installed <= *owned) return 0;
  return installed - *owned;
}

Ledger BuildLedger(const Dictionary& dictionary,
                   const store::SoftwareRules& rules,
                   const store::SoftwareInventory& inventory, bool japanese) {
  Ledger ledger;
  ledger.japanese = japanese;
  ledger.hosts = inventory.hosts;
  ledger.hosts_without_inventory = inventory.hosts_without_inventory;
  ledger.installs = inventory.installs;

  std::map<std::string, LedgerRow> rows;
  const auto row_for = [&](const std::string& title_id) -> LedgerRow& {
    auto [it, fresh] = rows.try_emplace(title_id);
    LedgerRow& row = it->second;
    if (fresh) {
      row.title = title_id;
      if (const Title* t = dictionary.FindTitle(title_id)) {
        row.title_name = t->name.In(japanese ? "ja" : "en");
        row.category = t->category;
        const Category* c = dictionary.FindCategory(t->category);
        row.category_name =
            c != nullptr ? c->name.In(japanese ? "ja" : "en") : t->category;
      } else {
        row.title_name = title_id;
        row.category = "?";
        row.category_name = "?";
      }
    }
    return row;
  };

  // Installs: hosts, versions and publishers per title.
  std::map<std::string, std::set<int64_t>> hosts_by_title;
  for (const auto& install : inventory.installs) {
    LedgerRow& row = row_for(install.title);
    if (hosts_by_title[install.title].insert(install.host_id).second) {
      row.hosts.push_back(install.hostname);
    }
    AddDistinct(&row.versions, install.version);
    AddDistinct(&row.publishers, install.publisher);
  }
  for (auto& [id, row] : rows) {
    row.installed = static_cast<int64_t>(hosts_by_title[id].size());
    std::sort(row.versions.begin(), row.versions.end(),
              [](const std::string& a, const std::string& b) {
                return CompareVersions(a, b) < 0;
              });
  }

  // Rules: a title rule names the title; a category rule every title of the
  // category that is installed (a category is not a row of its own).
  for (const auto& rule : rules.rules) {
    const std::string label = RuleLabel(rule.action, rule.platform, japanese);
    if (rule.target_kind == "title") {
      LedgerRow& row = row_for(rule.target);
      if (!row.rule.empty()) row.rule += ", ";
      row.rule += label;
      continue;
    }
    for (auto& [id, row] : rows) {
      if (row.category != rule.target) continue;
      if (!row.rule.empty()) row.rule += ", ";
      row.rule += label + (japanese ? "（カテゴリ）" : " (category)");
    }
  }
  for (const auto& licence : rules.licences) {
    row_for(licence.title).owned = licence.owned;
  }
  for (const auto& floor : rules.floors) {
    LedgerRow& row = row_for(floor.title);
    row.min_version = floor.min_version;
    std::set<int64_t> below;
    for (const auto& install : inventory.installs) {
      if (install.title == floor.title &&
          CompareVersions(install.version, floor.min_version) < 0) {
        below.insert(install.host_id);
      }
    }
    row.below_floor = static_cast<int64_t>(below.size());
  }

  for (auto& [id, row] : rows) ledger.rows.push_back(std::move(row));
  std::stable_sort(ledger.rows.begin(), ledger.rows.end(),
                   [](const LedgerRow& a, const LedgerRow& b) {
                     return a.category < b.category;
                   });
  return ledger;
}

std::string LedgerToCsv(const Ledger& ledger) {
  std::vector<std::vector<std::string>> table;
  std::vector<std::string> headers;
  for (const Header& h : kLedgerHeaders) {
    headers.push_back(Text(h, ledger.japanese));
  }
  table.push_back(std::move(headers));
  for (const auto& row : ledger.rows) {
    table.push_back(RowCells(row));
  }
  return asset_register::EncodeCsv(table);
}

Status WriteLedgerXlsx(const Ledger& ledger, const std::string& path) {
  const bool ja = ledger.japanese;
  const std::string temp = path + ".tmp";
  lxw_workbook* book = workbook_new(temp.c_str());
  if (book == nullptr) return InternalError("cannot create workbook " + temp);
  lxw_format* header = workbook_add_format(book);
  format_set_bold(header);
  format_set_bg_color(header, 0xDDEBF7);
  lxw_format* text = workbook_add_format(book);
  format_set_num_format(text, "@");
  lxw_error error = LXW_NO_ERROR;
  const auto keep = [&](lxw_error e) {
    if (error == LXW_NO_ERROR) error = e;
  };
  const auto write_text = [&](lxw_worksheet* sheet, lxw_row_t r, lxw_col_t c,
                              const std::string& value) {
    if (value.empty()) return;
    keep(worksheet_write_string(sheet, r, c, Cell(value).c_str(), text));
  };
  const auto write_headers = [&](lxw_worksheet* sheet, const Header* begin,
                                 const Header* end) {
    lxw_col_t c = 0;
    for (const Header* h = begin; h != end; ++h, ++c) {
      keep(worksheet_write_string(sheet, 0, c, Text(*h, ja), header));
    }
    worksheet_freeze_panes(sheet, 1, 0);
  };

  lxw_worksheet* sheet =
      workbook_add_worksheet(book, ja ? "ソフトウェア台帳" : "Software ledger");
  write_headers(sheet, std::begin(kLedgerHeaders), std::end(kLedgerHeaders));
  lxw_row_t r = 1;
  for (const auto& row : ledger.rows) {
    const std::vector<std::string> cells = RowCells(row);
    for (size_t c = 0; c < cells.size(); ++c) {
      const auto col = static_cast<lxw_col_t>(c);
      // Counts are numbers; everything else a string cell.
      const bool number = (c == 3) || (c == 4 && row.owned) ||
                          (c == 5 && row.owned) ||
                          (c == 7 && !row.min_version.empty());
      if (number) {
        keep(worksheet_write_number(sheet, r, col, std::stod(cells[c]),
                                    nullptr));
      } else {
        write_text(sheet, r, col, cells[c]);
      }
    }
    ++r;
  }
  worksheet_set_column(sheet, 0, 1, 24, nullptr);
  worksheet_set_column(sheet, 2, 10, 16, nullptr);

  lxw_worksheet* installs =
      workbook_add_worksheet(book, ja ? "インストール一覧" : "Installs");
  write_headers(installs, std::begin(kInstallHeaders),
                std::end(kInstallHeaders));
  r = 1;
  for (const auto& install : ledger.installs) {
    write_text(installs, r, 0, install.title);
    write_text(installs, r, 1, install.hostname);
    write_text(installs, r, 2, install.platform);
    write_text(installs, r, 3, install.package);
    write_text(installs, r, 4, install.version);
    write_text(installs, r, 5, install.publisher);
    ++r;
  }
  worksheet_set_column(installs, 0, 5, 20, nullptr);

  lxw_worksheet* unknown = workbook_add_worksheet(
      book, ja ? "ソフトウェア未収集の端末" : "Hosts not inventoried");
  keep(worksheet_write_string(unknown, 0, 0, ja ? "端末" : "Host", header));
  r = 1;
  for (const auto& host : ledger.hosts_without_inventory) {
    write_text(unknown, r++, 0, host);
  }
  worksheet_set_column(unknown, 0, 0, 24, nullptr);

  keep(workbook_close(book));
  if (error != LXW_NO_ERROR) {
    std::remove(temp.c_str());
    return InternalError("writing " + path + ": " + lxw_strerror(error));
  }
  if (chmod(temp.c_str(), 0600) != 0 ||
      std::rename(temp.c_str(), path.c_str()) != 0) {
    std::remove(temp.c_str());
    return InternalError("cannot move " + temp + " to " + path);
  }
  return Status::Ok();
}

}  // namespace mamori::software
