#include "collector/register/layout.h"

#include <chrono>
#include <cmath>
#include <map>
#include <set>

#include "common/text.h"

namespace mamori::asset_register {
namespace {

struct Header {
  std::string_view ja;
  std::string_view en;
};

// Japanese headers follow the IPA risk-analysis sheet (情報資産管理台帳).
constexpr Header kAssetHeaders[kAssetColumnCountWithRetirement] = {
    {"業務分類", "Business area"},
    {"情報資産名称", "Asset name"},
    {"備考", "Note"},
    {"利用者範囲", "Users"},
    {"管理部署", "Owning department"},
    {"媒体・保存先", "Medium/location"},
    {"個人情報", "Personal information"},
    {"要配慮個人情報", "Sensitive personal information"},
    {"特定個人情報", "My Number information"},
    {"機密性", "Confidentiality"},
    {"完全性", "Integrity"},
    {"可用性", "Availability"},
    {"重要度", "Importance"},
    {"保存期限", "Retention period"},
    {"登録日", "Registered on"},
    {"状態", "Status"},
    {"廃棄日", "Retired on"},
    {"廃棄理由", "Retirement reason"},
    {"廃棄者", "Retired by"},
};

constexpr Header kDeviceHeaders[] = {
    {"機器名", "Device"},
    {"役割", "Role"},
    {"利用者・所有者", "Owner/user"},
    {"設置場所・部署", "Location/department"},
    {"OS", "OS"},
    {"シリアル番号", "Serial"},
    {"型番", "Model"},
    {"最終報告", "Last seen"},
    {"状態", "Status"},
    {"点検結果", "Checks"},
    {"ホストID", "Host ID"},
};

constexpr Header kLinkHeaders[] = {
    {"情報資産名称", "Asset name"},
    {"種別", "Kind"},
    {"保存先", "Held on"},
};

template <size_t N>
std::vector<std::string> HeaderList(const Header (&headers)[N], bool japanese) {
  std::vector<std::string> out;
  for (const auto& h : headers) {
    out.emplace_back(japanese ? h.ja : h.en);
  }
  return out;
}

// Maps header cells to column indexes in the file; -1 when absent.
template <size_t N>
std::vector<int> MatchHeaders(const Header (&headers)[N],
                              const std::vector<Cell>& header_row,
                              const std::string& sheet, int64_t row_number,
                              std::vector<ImportError>* errors) {
  std::vector<int> index(N, -1);
  for (size_t c = 0; c < header_row.size(); ++c) {
    const std::string_view text = Trim(header_row[c].text);
    if (text.empty()) continue;
    bool known = false;
    for (size_t h = 0; h < N; ++h) {
      if (text == headers[h].ja || EqualsIgnoreCaseAscii(text, headers[h].en)) {
        known = true;
        if (index[h] >= 0) {
          errors->push_back(
              {sheet, row_number, std::string(text), "column appears twice"});
        }
        index[h] = static_cast<int>(c);
      }
    }
    if (!known) {
      errors->push_back(
          {sheet, row_number, std::string(text), "unknown column header"});
    }
  }
  return index;
}

bool IsBlankRow(const std::vector<Cell>& row) {
  for (const auto& cell : row) {
    if (!Trim(cell.text).empty()) return false;
  }
  return true;
}

// Checks one text cell: valid UTF-8, within `max_bytes`, and, unless
// `multiline`, no control characters (tab included).
std::optional<std::string> CheckText(std::string_view text, size_t max_bytes,
                                     bool multiline) {
  if (!IsValidUtf8(text)) return "not valid UTF-8";
  if (text.size() > max_bytes) {
    return "longer than " + std::to_string(max_bytes) + " bytes";
  }
  for (const char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if (c == 0x7f ||
        (c < 0x20 && !(multiline && (c == '\n' || c == '\r' || c == '\t')))) {
      return multiline ? "contains a control character"
                       : "contains a control character or line break";
    }
  }
  return std::nullopt;
}

std::optional<bool> ParseFlag(std::string_view text) {
  const std::string_view t = Trim(text);
  for (std::string_view yes :
       {"有", "○", "〇", "◯", "はい", "yes", "y", "true", "1"}) {
    if (t == yes || EqualsIgnoreCaseAscii(t, yes)) return true;
  }
  for (std::string_view no :
       {"無", "×", "-", "なし", "いいえ", "no", "n", "false", "0"}) {
    if (t == no || EqualsIgnoreCaseAscii(t, no)) return false;
  }
  return std::nullopt;
}

std::optional<int> ParseLevel(const Cell& cell) {
  if (cell.number) {
    const double v = *cell.number;
    if (v == 1.0 || v == 2.0 || v == 3.0) return static_cast<int>(v);
    return std::nullopt;
  }
  const std::string_view t = Trim(cell.text);
  // Full-width digits are what a Japanese IME types by default.
  if (t == "1" || t == "１") return 1;
  if (t == "2" || t == "２") return 2;
  if (t == "3" || t == "３") return 3;
  return std::nullopt;
}

// Accepts YYYY-MM-DD, YYYY/M/D and Excel serial numbers.
std::optional<std::string> ParseDate(const Cell& cell) {
  if (cell.number) return ExcelSerialToIsoDate(*cell.number);
  std::string t(Trim(cell.text));
  if (IsIsoDate(t)) return t;
  const char sep = t.find('/') != std::string::npos ? '/' : '-';
  const auto parts = Split(t, sep);
  if (parts.size() != 3) return std::nullopt;
  const auto y = ParseInt64(parts[0]);
  const auto m = ParseInt64(parts[1]);
  const auto d = ParseInt64(parts[2]);
  if (!y || !m || !d || *y < 1000 || *y > 9999 || *m < 0 || *m > 99 || *d < 0 ||
      *d > 99) {
    return std::nullopt;
  }
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", static_cast<int>(*y),
                static_cast<int>(*m), static_cast<int>(*d));
  if (!IsIsoDate(buf)) return std::nullopt;
  return std::string(buf);
}

std::string Quoted(std::string_view text) {
  std::string shown(text.substr(0, 60));
  if (!IsValidUtf8(shown)) shown = SanitizeUtf8(shown);
  return "\"" + shown + (text.size() > 60 ? "…\"" : "\"");
}

}  // namespace

std::string_view AssetHeader(AssetColumn column, bool japanese) {
  const auto& h = kAssetHeaders[static_cast<int>(column)];
  return japanese ? h.ja : h.en;
}

std::vector<std::string> AssetHeaders(bool japanese) {
  std::vector<std::string> all = HeaderList(kAssetHeaders, japanese);
  all.resize(kAssetColumnCount);
  return all;
}
std::vector<std::string> AssetHeadersWithRetirement(bool japanese) {
  return HeaderList(kAssetHeaders, japanese);
}
std::vector<std::string> DeviceHeaders(bool japanese) {
  return HeaderList(kDeviceHeaders, japanese);
}
std::vector<std::string> LinkHeaders(bool japanese) {
  return HeaderList(kLinkHeaders, japanese);
}

std::string_view AssetSheetName(bool japanese) {
  return japanese ? "情報資産台帳" : "Information assets";
}
std::string_view DeviceSheetName(bool japanese) {
  return japanese ? "機器台帳" : "Devices";
}
std::string_view LinkSheetName(bool japanese) {
  return japanese ? "関連付け" : "Links";
}

std::string_view RetiredAssetSheetName(bool japanese) {
  return japanese ? "廃棄済み情報資産" : "Retired assets";
}

std::string_view AssetStatusText(bool retired, bool japanese) {
  if (japanese) return retired ? "廃棄済" : "使用中";
  return retired ? "retired" : "in service";
}

std::string_view FlagText(bool value, bool japanese) {
  if (japanese) return value ? "有" : "無";
  return value ? "yes" : "no";
}

std::vector<std::string> AssetRowText(const InformationAsset& a,
                                      bool japanese) {
  return {a.business_area,
          a.name,
          a.note,
          a.users,
          a.owning_department,
          std::string(MediumLabel(a.medium, japanese)),
          std::string(FlagText(a.personal, japanese)),
          std::string(FlagText(a.sensitive_personal, japanese)),
          std::string(FlagText(a.my_number, japanese)),
          std::to_string(a.confidentiality),
          std::to_string(a.integrity),
          std::to_string(a.availability),
          std::to_string(a.importance()),
          a.retention,
          a.registered_on};
}

std::vector<std::string> AssetRowTextWithRetirement(const InformationAsset& a,
                                                    bool japanese) {
  std::vector<std::string> cells = AssetRowText(a, japanese);
  cells.emplace_back(AssetStatusText(a.retired.has_value(), japanese));
  cells.push_back(a.retired ? a.retired->retired_on : "");
  cells.push_back(a.retired ? a.retired->reason : "");
  cells.push_back(a.retired ? a.retired->retired_by : "");
  return cells;
}

std::vector<ParsedAsset> ParseAssetTable(const Table& table,
                                         std::string_view today,
                                         std::vector<ImportError>* errors,
                                         std::vector<std::string>* warnings,
                                         bool retired_sheet) {
  std::vector<ParsedAsset> out;
  if (table.rows.empty()) {
    errors->push_back({table.sheet, 0, "", "no header row"});
    return out;
  }
  const size_t errors_before = errors->size();
  const std::vector<int> index = MatchHeaders(
      kAssetHeaders, table.rows[0], table.sheet, table.row_numbers[0], errors);
  // Columns without which a row cannot be judged; the rest may be absent.
  for (AssetColumn required :
       {AssetColumn::kName, AssetColumn::kMedium, AssetColumn::kPersonal,
        AssetColumn::kSensitivePersonal, AssetColumn::kMyNumber,
        AssetColumn::kConfidentiality, AssetColumn::kIntegrity,
        AssetColumn::kAvailability}) {
    if (index[static_cast<int>(required)] < 0) {
      errors->push_back({table.sheet, table.row_numbers[0],
                         std::string(AssetHeader(required, true)) + " / " +
                             std::string(AssetHeader(required, false)),
                         "required column is missing"});
    }
  }
  if (errors->size() != errors_before) return out;

  // Header names as written in this file, for messages.
  const auto column_name = [&](AssetColumn c) {
    return table.rows[0][index[static_cast<int>(c)]].text;
  };
  std::map<std::string, int64_t> first_row_of_name;
  for (size_t r = 1; r < table.rows.size(); ++r) {
    const auto& row = table.rows[r];
    const int64_t row_number = table.row_numbers[r];
    if (IsBlankRow(row)) continue;
    static const Cell kEmpty;
    const auto cell = [&](AssetColumn c) -> const Cell& {
      const int i = index[static_cast<int>(c)];
      return (i >= 0 && static_cast<size_t>(i) < row.size()) ? row[i] : kEmpty;
    };
    bool row_ok = true;
    const auto fail = [&](AssetColumn c, std::string reason) {
      errors->push_back(
          {table.sheet, row_number, column_name(c), std::move(reason)});
      row_ok = false;
    };
    const auto text = [&](AssetColumn c, size_t max_bytes, bool multiline) {
      if (index[static_cast<int>(c)] < 0) return std::string();
      std::string value(Trim(cell(c).text));
      if (auto bad = CheckText(value, max_bytes, multiline)) {
        fail(c, *bad);
        return std::string();
      }
      return value;
    };

    ParsedAsset parsed;
    parsed.row = row_number;
    InformationAsset& a = parsed.asset;
    a.business_area = text(AssetColumn::kBusinessArea, kMaxShortText, false);
    a.name = text(AssetColumn::kName, kMaxShortText, false);
    a.note = text(AssetColumn::kNote, kMaxNoteText, true);
    a.users = text(AssetColumn::kUsers, kMaxShortText, true);
    a.owning_department =
        text(AssetColumn::kOwningDepartment, kMaxShortText, false);
    a.retention = text(AssetColumn::kRetention, kMaxShortText, false);

    if (a.name.empty() && row_ok) {
      fail(AssetColumn::kName, "asset name is required");
    } else if (!a.name.empty()) {
      const auto [it, inserted] = first_row_of_name.emplace(a.name, row_number);
      if (!inserted) {
        fail(AssetColumn::kName, "duplicate asset name " + Quoted(a.name) +
                                     " (first on row " +
                                     std::to_string(it->second) + ")");
      }
    }

    if (auto medium = ParseMedium(cell(AssetColumn::kMedium).text)) {
      a.medium = *medium;
    } else {
      fail(AssetColumn::kMedium,
           "unknown medium " + Quoted(cell(AssetColumn::kMedium).text) +
               " (expected 書類/paper, 可搬電子媒体/removable media, "
               "事務所PC/office PC, モバイル機器/mobile device, "
               "社内サーバー/internal server or 社外サーバー/external "
               "server/cloud)");
    }

    const auto flag = [&](AssetColumn c, bool* out) {
      if (auto v = ParseFlag(cell(c).text)) {
        *out = *v;
      } else {
        fail(c, "must be 有 or 無 (yes or no), got " + Quoted(cell(c).text));
      }
    };
    flag(AssetColumn::kPersonal, &a.personal);
    flag(AssetColumn::kSensitivePersonal, &a.sensitive_personal);
    flag(AssetColumn::kMyNumber, &a.my_number);

    const auto level = [&](AssetColumn c, int* out) {
      if (auto v = ParseLevel(cell(c))) {
        *out = *v;
      } else {
        fail(c, "must be 1, 2 or 3, got " + Quoted(cell(c).text));
      }
    };
    level(AssetColumn::kConfidentiality, &a.confidentiality);
    level(AssetColumn::kIntegrity, &a.integrity);
    level(AssetColumn::kAvailability, &a.availability);

    const Cell& date_cell = cell(AssetColumn::kRegisteredOn);
    if (Trim(date_cell.text).empty() && !date_cell.number) {
      a.registered_on = std::string(today);
    } else if (auto date = ParseDate(date_cell)) {
      a.registered_on = *date;
    } else {
      fail(AssetColumn::kRegisteredOn,
           "not a date (expected YYYY-MM-DD), got " + Quoted(date_cell.text));
    }

    parsed.sheet = table.sheet;
    parsed.listed_retired = retired_sheet;
    if (index[static_cast<int>(AssetColumn::kStatus)] >= 0) {
      parsed.column = column_name(AssetColumn::kStatus);
      const std::string_view status = Trim(cell(AssetColumn::kStatus).text);
      if (status == "廃棄済" || EqualsIgnoreCaseAscii(status, "retired")) {
        parsed.listed_retired = true;
      } else if (status.empty() || status == "使用中" ||
                 EqualsIgnoreCaseAscii(status, "in service")) {
        if (retired_sheet && !status.empty()) {
          fail(AssetColumn::kStatus,
               "this sheet lists retired assets, the row says " +
                   Quoted(status));
        }
      } else {
        fail(AssetColumn::kStatus,
             "must be 使用中 or 廃棄済 (in service or "
             "retired), got " +
                 Quoted(status));
      }
    }

    if (!row_ok) continue;
    if (index[static_cast<int>(AssetColumn::kImportance)] >= 0) {
      const Cell& given = cell(AssetColumn::kImportance);
      const auto given_level = ParseLevel(given);
      if (!Trim(given.text).empty() &&
          given_level.value_or(0) != a.importance()) {
        warnings->push_back(
            table.sheet + " row " + std::to_string(row_number) + ": " +
            column_name(AssetColumn::kImportance) + " " + Quoted(given.text) +
            " ignored; computed from C/I/A and personal-information flags: " +
            std::to_string(a.importance()));
      }
    }
    out.push_back(std::move(parsed));
  }
  return out;
}

std::vector<ParsedLink> ParseLinkTable(const Table& table,
                                       std::vector<ImportError>* errors) {
  std::vector<ParsedLink> out;
  if (table.rows.empty()) return out;
  const size_t errors_before = errors->size();
  const std::vector<int> index = MatchHeaders(
      kLinkHeaders, table.rows[0], table.sheet, table.row_numbers[0], errors);
  for (size_t h = 0; h < index.size(); ++h) {
    if (index[h] < 0) {
      errors->push_back({table.sheet, table.row_numbers[0],
                         std::string(kLinkHeaders[h].ja) + " / " +
                             std::string(kLinkHeaders[h].en),
                         "required column is missing"});
    }
  }
  if (errors->size() != errors_before) return out;
  std::set<std::tuple<std::string, int, std::string>> seen;
  for (size_t r = 1; r < table.rows.size(); ++r) {
    const auto& row = table.rows[r];
    if (IsBlankRow(row)) continue;
    const int64_t row_number = table.row_numbers[r];
    const auto value = [&](int h) {
      const int i = index[h];
      return static_cast<size_t>(i) < row.size()
                 ? std::string(Trim(row[i].text))
                 : std::string();
    };
    const auto column_name = [&](int h) {
      return table.rows[0][index[h]].text;
    };
    bool row_ok = true;
    ParsedLink parsed;
    parsed.row = row_number;
    parsed.link.asset_name = value(0);
    parsed.link.target = value(2);
    for (int h : {0, 2}) {
      const std::string v = value(h);
      if (v.empty()) {
        errors->push_back(
            {table.sheet, row_number, column_name(h), "required"});
        row_ok = false;
      } else if (auto bad = CheckText(v, kMaxShortText, false)) {
        errors->push_back({table.sheet, row_number, column_name(h), *bad});
        row_ok = false;
      }
    }
    if (auto kind = ParseLinkKind(value(1))) {
      parsed.link.kind = *kind;
    } else {
      errors->push_back({table.sheet, row_number, column_name(1),
                         "must be 機器/device or 外部サービス/service, got " +
                             Quoted(value(1))});
      row_ok = false;
    }
    if (!row_ok) continue;
    // A repeated link is harmless; keep one.
    if (!seen.emplace(parsed.link.asset_name,
                      static_cast<int>(parsed.link.kind), parsed.link.target)
             .second) {
      continue;
    }
    out.push_back(std::move(parsed));
  }
  return out;
}

std::optional<std::string> ExcelSerialToIsoDate(double serial) {
  // 61 = 1900-03-01; earlier serials hit Excel's fictitious 1900-02-29.
  if (!std::isfinite(serial) || serial < 61 || serial > 2958465) {
    return std::nullopt;
  }
  const auto days = static_cast<int64_t>(std::floor(serial)) - 25569;
  return IsoDateFromUnix(days * 86400);
}

std::optional<double> IsoDateToExcelSerial(std::string_view iso_date) {
  if (!IsIsoDate(iso_date)) return std::nullopt;
  const std::chrono::year_month_day ymd{
      std::chrono::year(static_cast<int>(*ParseInt64(iso_date.substr(0, 4)))),
      std::chrono::month(
          static_cast<unsigned>(*ParseInt64(iso_date.substr(5, 2)))),
      std::chrono::day(
          static_cast<unsigned>(*ParseInt64(iso_date.substr(8, 2))))};
  const auto days = std::chrono::sys_days(ymd).time_since_epoch().count();
  return static_cast<double>(days + 25569);
}

}  // namespace mamori::asset_register
