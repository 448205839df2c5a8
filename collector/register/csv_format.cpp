#include "collector/register/csv_format.h"

#include <csv.h>

#include <memory>

#include "collector/register/decode_budget.h"
#include "common/text.h"

namespace mamori::asset_register {
namespace {

constexpr std::string_view kBom = "\xEF\xBB\xBF";

bool StartsFormula(std::string_view cell) {
  if (cell.empty()) return false;
  switch (cell.front()) {
    case '=':
    case '+':
    case '-':
    case '@':
    case '\t':
    case '\r':
    case '\'':
      return true;
    default:
      return false;
  }
}

void AppendField(std::string_view cell, std::string* out) {
  const bool quote = cell.find_first_of(",\"\r\n") != std::string_view::npos;
  if (!quote) {
    out->append(cell);
    return;
  }
  out->push_back('"');
  for (const char c : cell) {
    if (c == '"') out->push_back('"');
    out->push_back(c);
  }
  out->push_back('"');
}

// State threaded through libcsv's C callbacks.
// Once the budget is spent, fields and records are ignored and the caller
// stops feeding the parser.
struct Reader {
  Table table;
  std::vector<Cell> row;
  int64_t record = 0;
  DecodeBudget budget;
};

void OnField(void* data, size_t len, void* context) {
  auto* r = static_cast<Reader*>(context);
  const std::string_view raw(static_cast<const char*>(data), data ? len : 0);
  if (!r->budget.Charge(DecodeBudget::kCellBytes + raw.size())) return;
  r->row.push_back(Cell{RestoreCell(raw), std::nullopt});
}

void OnRecord(int /*terminator*/, void* context) {
  auto* r = static_cast<Reader*>(context);
  if (!r->budget.Charge(DecodeBudget::kRowBytes)) return;
  ++r->record;
  r->table.row_numbers.push_back(r->record);
  r->table.rows.push_back(std::move(r->row));
  r->row.clear();
}

// Keep leading/trailing spaces and tabs: libcsv trims them by default, which
// would change cell text on a round trip.
int NoSpace(unsigned char /*c*/) { return 0; }

}  // namespace

std::string NeutraliseCell(std::string_view cell) {
  if (!StartsFormula(cell)) return std::string(cell);
  std::string out = "'";
  out.append(cell);
  return out;
}

std::string RestoreCell(std::string_view cell) {
  if (!cell.empty() && cell.front() == '\'') cell.remove_prefix(1);
  return std::string(cell);
}

std::string EncodeCsv(const std::vector<std::vector<std::string>>& rows) {
  std::string out(kBom);
  for (const auto& row : rows) {
    for (size_t i = 0; i < row.size(); ++i) {
      if (i > 0) out.push_back(',');
      AppendField(NeutraliseCell(row[i]), &out);
    }
    out.append("\r\n");
  }
  return out;
}

std::string AssetsToCsv(const std::vector<InformationAsset>& assets,
                        bool japanese) {
  std::vector<std::vector<std::string>> rows;
  rows.reserve(assets.size() + 1);
  rows.push_back(AssetHeadersWithRetirement(japanese));
  for (const auto& a : assets) {
    rows.push_back(AssetRowTextWithRetirement(a, japanese));
  }
  return EncodeCsv(rows);
}

Result<Table> DecodeCsv(std::string_view text, std::string sheet) {
  if (text.size() > kMaxCsvBytes) {
    return InvalidArgumentError("CSV file is larger than " +
                                std::to_string(kMaxCsvBytes >> 20) + " MiB");
  }
  if (StartsWith(text, kBom)) text.remove_prefix(kBom.size());
  if (!IsValidUtf8(text)) {
    // Name the record so people can find the cell (Shift_JIS exports from
    // older Excel are the usual cause).
    // Line by line in place: a list of every line of a large file would
    // cost more than the file.
    size_t line = 1;
    for (std::string_view rest = text; !rest.empty(); ++line) {
      const size_t end = rest.find('\n');
      if (!IsValidUtf8(rest.substr(0, end))) {
        return InvalidArgumentError(
            sheet + " line " + std::to_string(line) +
            ": not valid UTF-8 (save the file as \"CSV UTF-8\") / UTF-8 "
            "ではありません (「CSV UTF-8」形式で保存してください)");
      }
      rest = end == std::string_view::npos ? std::string_view()
                                           : rest.substr(end + 1);
    }
    return InvalidArgumentError(sheet + ": not valid UTF-8");
  }

  csv_parser parser;
  if (csv_init(&parser, CSV_STRICT | CSV_STRICT_FINI) != 0) {
    return InternalError("csv_init failed");
  }
  std::unique_ptr<csv_parser, void (*)(csv_parser*)> guard(&parser, csv_free);
  csv_set_space_func(&parser, NoSpace);
  Reader reader;
  reader.table.sheet = std::move(sheet);
  // Fed in slices so that a file whose cells outgrow the budget (every comma
  // is a cell) is refused as soon as it does.
  constexpr size_t kSlice = 1u << 20;
  auto exceeded = [&reader] {
    return reader.budget.Exceeded(reader.table.sheet + " record " +
                                  std::to_string(reader.record + 1));
  };
  bool parsed = true;
  for (size_t at = 0; parsed && at < text.size(); at += kSlice) {
    const size_t n = std::min(kSlice, text.size() - at);
    parsed = csv_parse(&parser, text.data() + at, n, OnField, OnRecord,
                       &reader) == n;
    if (reader.budget.spent()) return exceeded();
  }
  parsed = parsed && csv_fini(&parser, OnField, OnRecord, &reader) == 0;
  if (reader.budget.spent()) return exceeded();
  if (!parsed) {
    return InvalidArgumentError(
        reader.table.sheet + " record " + std::to_string(reader.record + 1) +
        ": malformed CSV (" + csv_strerror(csv_error(&parser)) +
        "); a cell holding a quote, comma or line break must itself be "
        "quoted, with quotes doubled: \"say \"\"hi\"\"\"");
  }
  return std::move(reader.table);
}

}  // namespace mamori::asset_register
