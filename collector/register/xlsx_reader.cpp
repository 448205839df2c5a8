#include "collector/register/xlsx_reader.h"

#include <Poco/Exception.h>
#include <Poco/SAX/Attributes.h>
#include <Poco/SAX/DefaultHandler.h>
#include <Poco/SAX/SAXParser.h>
#include <zip.h>

#include <cstdlib>
#include <map>
#include <memory>

#include "collector/register/decode_budget.h"
#include "common/text.h"

namespace mamori::asset_register {
namespace {

using Poco::XML::Attributes;
using Poco::XML::XMLChar;
using Poco::XML::XMLString;

const XMLString* FindAttribute(const Attributes& attrs,
                               std::string_view local_name) {
  for (int i = 0; i < attrs.getLength(); ++i) {
    if (attrs.getLocalName(i) == local_name) return &attrs.getValue(i);
  }
  return nullptr;
}

// Thrown by the handlers when the file's decoded data would exceed its
// DecodeBudget; the budget is then spent, which tells it from other errors.
void Spend(DecodeBudget& budget, size_t bytes) {
  if (!budget.Charge(bytes)) {
    throw Poco::DataFormatException("decoded data over the limit");
  }
}

// For text still being gathered (a cell value, a shared string): throws when
// `bytes` would not fit, without counting them.
void Require(DecodeBudget& budget, size_t bytes) {
  if (!budget.Fits(bytes)) Spend(budget, bytes);
}

// What a std::string of `size` bytes in a container costs.
size_t StringBytes(size_t size) { return sizeof(std::string) + size; }

// workbook.xml: sheet names and their relationship ids, in order.
class WorkbookHandler final : public Poco::XML::DefaultHandler {
 public:
  explicit WorkbookHandler(DecodeBudget* budget) : budget_(*budget) {}
  void startElement(const XMLString& /*uri*/, const XMLString& local,
                    const XMLString& /*qname*/,
                    const Attributes& attrs) override {
    if (local != "sheet") return;
    const XMLString* name = FindAttribute(attrs, "name");
    const XMLString* id = FindAttribute(attrs, "id");
    if (!name || !id) return;
    Spend(budget_,
          sizeof(Table) + StringBytes(name->size()) + StringBytes(id->size()));
    sheets.emplace_back(*name, *id);
  }
  std::vector<std::pair<std::string, std::string>> sheets;

 private:
  DecodeBudget& budget_;
};

// xl/_rels/workbook.xml.rels: relationship id → part target.
class RelsHandler final : public Poco::XML::DefaultHandler {
 public:
  explicit RelsHandler(DecodeBudget* budget) : budget_(*budget) {}
  void startElement(const XMLString& /*uri*/, const XMLString& local,
                    const XMLString& /*qname*/,
                    const Attributes& attrs) override {
    if (local != "Relationship") return;
    const XMLString* id = FindAttribute(attrs, "Id");
    const XMLString* target = FindAttribute(attrs, "Target");
    if (!id || !target) return;
    // A map node holds both strings and about four pointers.
    Spend(budget_, StringBytes(id->size()) + StringBytes(target->size()) +
                       4 * sizeof(void*));
    targets[*id] = *target;
  }
  std::map<std::string, std::string> targets;

 private:
  DecodeBudget& budget_;
};

// sharedStrings.xml: one string per <si>, joining its <t> runs but not the
// phonetic (<rPh>) ones, which hold furigana for Japanese text.
class SharedStringsHandler final : public Poco::XML::DefaultHandler {
 public:
  explicit SharedStringsHandler(DecodeBudget* budget) : budget_(*budget) {}
  void startElement(const XMLString& /*uri*/, const XMLString& local,
                    const XMLString& /*qname*/,
                    const Attributes& /*attrs*/) override {
    if (local == "si") {
      current_.clear();
    } else if (local == "rPh") {
      ++phonetic_depth_;
    } else if (local == "t" && phonetic_depth_ == 0) {
      in_text_ = true;
    }
  }
  void endElement(const XMLString& /*uri*/, const XMLString& local,
                  const XMLString& /*qname*/) override {
    if (local == "si") {
      Spend(budget_, StringBytes(current_.size()));
      strings.push_back(DecodeOoxmlEscapes(current_));
    } else if (local == "rPh") {
      --phonetic_depth_;
    } else if (local == "t") {
      in_text_ = false;
    }
  }
  void characters(const XMLChar ch[], int start, int length) override {
    if (!in_text_) return;
    Require(budget_, current_.size() + static_cast<size_t>(length));
    current_.append(ch + start, length);
  }
  std::vector<std::string> strings;

 private:
  DecodeBudget& budget_;
  std::string current_;
  int phonetic_depth_ = 0;
  bool in_text_ = false;
};

// Column index (0-based) from a cell reference such as "AB12"; -1 if bad.
int ColumnOf(std::string_view ref) {
  int col = 0;
  size_t i = 0;
  for (; i < ref.size() && ref[i] >= 'A' && ref[i] <= 'Z'; ++i) {
    col = col * 26 + (ref[i] - 'A' + 1);
    if (col > 16384) return -1;
  }
  return i == 0 ? -1 : col - 1;
}

class SheetHandler final : public Poco::XML::DefaultHandler {
 public:
  SheetHandler(const std::vector<std::string>& shared, Table* table,
               DecodeBudget* budget)
      : shared_(shared), table_(table), budget_(*budget) {}

  // The number of the row being read (0 before the first).
  int64_t row_number() const { return row_number_; }

  void startElement(const XMLString& /*uri*/, const XMLString& local,
                    const XMLString& /*qname*/,
                    const Attributes& attrs) override {
    if (local == "row") {
      const XMLString* r = FindAttribute(attrs, "r");
      const auto number = r ? ParseInt64(*r) : std::nullopt;
      row_number_ = number && *number > row_number_ ? *number : row_number_ + 1;
      Spend(budget_, DecodeBudget::kRowBytes);
      table_->rows.emplace_back();
      table_->row_numbers.push_back(row_number_);
      next_column_ = 0;
    } else if (local == "c") {
      const XMLString* r = FindAttribute(attrs, "r");
      const XMLString* t = FindAttribute(attrs, "t");
      column_ = r ? ColumnOf(*r) : next_column_;
      if (column_ < 0) Fail("bad cell reference \"" + (r ? *r : "") + "\"");
      next_column_ = column_ + 1;
      type_ = t ? *t : "n";
      value_.clear();
      has_value_ = false;
    } else if (local == "v" || (local == "t" && type_ == "inlineStr")) {
      in_value_ = true;
      has_value_ = true;
    } else if (local == "rPh") {
      ++phonetic_depth_;
    }
  }

  void endElement(const XMLString& /*uri*/, const XMLString& local,
                  const XMLString& /*qname*/) override {
    if (local == "v" || local == "t") {
      in_value_ = false;
    } else if (local == "rPh") {
      --phonetic_depth_;
    } else if (local == "c") {
      if (has_value_) StoreCell();
    }
  }

  void characters(const XMLChar ch[], int start, int length) override {
    if (!in_value_ || phonetic_depth_ != 0) return;
    Require(budget_, value_.size() + static_cast<size_t>(length));
    value_.append(ch + start, length);
  }

 private:
  void Fail(const std::string& reason) {
    throw Poco::DataFormatException(reason);
  }

  void StoreCell() {
    if (table_->rows.empty()) Fail("cell outside a row");
    auto& row = table_->rows.back();
    // The row grows to this cell's column: every cell before it counts.
    const size_t new_cells = row.size() <= static_cast<size_t>(column_)
                                 ? column_ + 1 - row.size()
                                 : 0;
    Spend(budget_, new_cells * DecodeBudget::kCellBytes);
    Cell cell;
    if (type_ == "s") {
      const auto index = ParseUint64(Trim(value_));
      if (!index || *index >= shared_.size()) {
        Fail("shared string index \"" + value_ + "\" out of range");
      }
      // Each use is a copy.
      Spend(budget_, shared_[*index].size());
      cell.text = shared_[*index];
    } else if (type_ == "inlineStr" || type_ == "str") {
      Spend(budget_, value_.size());
      cell.text = DecodeOoxmlEscapes(value_);
    } else if (type_ == "b") {
      cell.text = Trim(value_) == "1" ? "true" : "false";
    } else if (type_ == "e") {
      Spend(budget_, value_.size());
      cell.text = value_;
    } else {
      Spend(budget_, value_.size());
      const std::string text(Trim(value_));
      char* end = nullptr;
      const double number = std::strtod(text.c_str(), &end);
      if (text.empty() || end != text.c_str() + text.size()) {
        Fail("numeric cell holds \"" + text + "\"");
      }
      cell.text = text;
      cell.number = number;
    }
    if (new_cells > 0) row.resize(column_ + 1);
    row[column_] = std::move(cell);
  }

  const std::vector<std::string>& shared_;
  Table* table_;
  DecodeBudget& budget_;
  int64_t row_number_ = 0;
  int column_ = 0;
  int next_column_ = 0;
  std::string type_;
  std::string value_;
  bool has_value_ = false;
  bool in_value_ = false;
  int phonetic_depth_ = 0;
};

// The workbook's ZIP container, read in place from the caller's bytes with
// libzip, which checks the central directory (including ZIP64 records)
// against the file before trusting any size in it (Poco::Zip's sequential
// reader allocated a ZIP64 record's declared size: a few bytes could ask
// for exabytes).
class Archive {
 public:
  static Result<std::unique_ptr<Archive>> Open(std::string_view bytes) {
    zip_error_t error;
    zip_error_init(&error);
    zip_source_t* source =
        zip_source_buffer_create(bytes.data(), bytes.size(), 0, &error);
    if (source == nullptr) return Failure("not a ZIP container", &error);
    zip_t* zip = zip_open_from_source(source, ZIP_RDONLY, &error);
    if (zip == nullptr) {
      zip_source_free(source);
      return Failure("not a ZIP container", &error);
    }
    return std::unique_ptr<Archive>(new Archive(zip));
  }
  ~Archive() { zip_discard(zip_); }
  Archive(const Archive&) = delete;
  Archive& operator=(const Archive&) = delete;

  // Reads part `name`, decompressed, up to kMaxXlsxPartBytes and while the
  // workbook's parts together stay within kMaxXlsxXmlBytes (`*xml_bytes`
  // counts them). A missing optional part reads as "".
  Result<std::string> ReadPart(const std::string& name, bool required,
                               size_t* xml_bytes) const {
    const zip_int64_t index = zip_name_locate(zip_, name.c_str(), 0);
    if (index < 0) {
      if (!required) return std::string();
      return InvalidArgumentError("not an XLSX workbook: part " + name +
                                  " is missing");
    }
    zip_file_t* file =
        zip_fopen_index(zip_, static_cast<zip_uint64_t>(index), 0);
    if (file == nullptr) {
      return InvalidArgumentError("part " + name + ": " + zip_strerror(zip_));
    }
    std::string data;
    char buffer[64 * 1024];
    Status status = Status::Ok();
    for (;;) {
      const zip_int64_t n = zip_fread(file, buffer, sizeof buffer);
      if (n < 0) {
        status =
            InvalidArgumentError("part " + name + ": " +
                                 zip_error_strerror(zip_file_get_error(file)));
        break;
      }
      if (n == 0) break;
      const auto got = static_cast<size_t>(n);
      if (data.size() + got > kMaxXlsxPartBytes) {
        status = InvalidArgumentError("part " + name + " is larger than " +
                                      std::to_string(kMaxXlsxPartBytes >> 20) +
                                      " MiB uncompressed / 展開後 " +
                                      std::to_string(kMaxXlsxPartBytes >> 20) +
                                      " MiB を超える部品があります");
        break;
      }
      if (*xml_bytes + got > kMaxXlsxXmlBytes) {
        status = InvalidArgumentError(
            "part " + name + ": the workbook's parts are larger than " +
            std::to_string(kMaxXlsxXmlBytes >> 20) +
            " MiB uncompressed together / ブックの展開後サイズが " +
            std::to_string(kMaxXlsxXmlBytes >> 20) + " MiB を超えます");
        break;
      }
      *xml_bytes += got;
      data.append(buffer, got);
    }
    zip_fclose(file);
    if (!status.ok()) return status;
    return data;
  }

 private:
  explicit Archive(zip_t* zip) : zip_(zip) {}
  static Status Failure(const std::string& what, zip_error_t* error) {
    const std::string reason = zip_error_strerror(error);
    zip_error_fini(error);
    return InvalidArgumentError(what + ": " + reason);
  }
  zip_t* zip_;
};

void Parse(const std::string& xml, Poco::XML::DefaultHandler* handler) {
  Poco::XML::SAXParser parser;
  parser.setFeature(Poco::XML::XMLReader::FEATURE_NAMESPACES, true);
  parser.setFeature(Poco::XML::XMLReader::FEATURE_EXTERNAL_GENERAL_ENTITIES,
                    false);
  parser.setFeature(Poco::XML::XMLReader::FEATURE_EXTERNAL_PARAMETER_ENTITIES,
                    false);
  parser.setContentHandler(handler);
  parser.parseMemoryNP(xml.data(), xml.size());
}

// Parses `xml` (part `part`) with `handler`. INVALID_ARGUMENT naming the
// part, or the budget's message naming `where()` when the budget ran out.
template <typename Where>
Status ParseBounded(const std::string& xml, const std::string& part,
                    Poco::XML::DefaultHandler* handler,
                    const DecodeBudget& budget, Where where) {
  try {
    Parse(xml, handler);
  } catch (const Poco::Exception& e) {
    if (budget.spent()) return budget.Exceeded(where());
    return InvalidArgumentError(part + ": " + e.displayText());
  }
  return Status::Ok();
}

// Resolves a relationship target relative to xl/.
std::string PartPath(const std::string& target) {
  if (StartsWith(target, "/")) return target.substr(1);
  return "xl/" + target;
}

Result<std::vector<Table>> ReadXlsxOrThrow(std::string_view bytes) {
  auto archive = Archive::Open(bytes);
  if (!archive.ok()) return archive.status();
  DecodeBudget budget;
  size_t xml_bytes = 0;

  auto workbook_xml = (*archive)->ReadPart("xl/workbook.xml", true, &xml_bytes);
  if (!workbook_xml.ok()) return workbook_xml.status();
  auto rels_xml =
      (*archive)->ReadPart("xl/_rels/workbook.xml.rels", true, &xml_bytes);
  if (!rels_xml.ok()) return rels_xml.status();
  auto shared_xml =
      (*archive)->ReadPart("xl/sharedStrings.xml", false, &xml_bytes);
  if (!shared_xml.ok()) return shared_xml.status();

  WorkbookHandler workbook(&budget);
  MAMORI_RETURN_IF_ERROR(
      ParseBounded(*workbook_xml, "xl/workbook.xml", &workbook, budget,
                   [] { return std::string("xl/workbook.xml"); }));
  RelsHandler rels(&budget);
  MAMORI_RETURN_IF_ERROR(
      ParseBounded(*rels_xml, "xl/_rels/workbook.xml.rels", &rels, budget,
                   [] { return std::string("xl/_rels/workbook.xml.rels"); }));
  SharedStringsHandler shared(&budget);
  if (!shared_xml->empty()) {
    MAMORI_RETURN_IF_ERROR(ParseBounded(
        *shared_xml, "xl/sharedStrings.xml", &shared, budget,
        [] { return std::string("shared strings (xl/sharedStrings.xml)"); }));
  }
  *shared_xml = std::string();  // only the strings are needed from here on

  std::vector<Table> tables;
  for (const auto& [name, id] : workbook.sheets) {
    const auto target = rels.targets.find(id);
    if (target == rels.targets.end()) {
      return InvalidArgumentError("sheet " + name + ": relationship " + id +
                                  " is missing");
    }
    auto sheet_xml =
        (*archive)->ReadPart(PartPath(target->second), true, &xml_bytes);
    if (!sheet_xml.ok()) return sheet_xml.status();
    Table table;
    table.sheet = name;
    SheetHandler handler(shared.strings, &table, &budget);
    MAMORI_RETURN_IF_ERROR(
        ParseBounded(*sheet_xml, "sheet " + name, &handler, budget, [&] {
          return "sheet " + table.sheet + " row " +
                 std::to_string(handler.row_number());
        }));
    tables.push_back(std::move(table));
  }
  return tables;
}

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

void AppendUtf8(uint32_t cp, std::string* out) {
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

}  // namespace

std::string DecodeOoxmlEscapes(std::string_view text) {
  if (text.find("_x") == std::string_view::npos) return std::string(text);
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '_' && i + 6 < text.size() && text[i + 1] == 'x' &&
        text[i + 6] == '_') {
      uint32_t cp = 0;
      bool hex = true;
      for (size_t k = 2; k < 6; ++k) {
        const int d = HexDigit(text[i + k]);
        if (d < 0) {
          hex = false;
          break;
        }
        cp = cp * 16 + static_cast<uint32_t>(d);
      }
      // Surrogate halves cannot stand alone in UTF-8; keep them literal.
      if (hex && (cp < 0xD800 || cp > 0xDFFF)) {
        AppendUtf8(cp, &out);
        i += 6;
        continue;
      }
    }
    out.push_back(text[i]);
  }
  return out;
}

Result<std::vector<Table>> ReadXlsx(std::string_view bytes) {
  if (bytes.size() > kMaxXlsxBytes) {
    return InvalidArgumentError("XLSX file is larger than " +
                                std::to_string(kMaxXlsxBytes >> 20) + " MiB");
  }
  try {
    return ReadXlsxOrThrow(bytes);
  } catch (const Poco::Exception& e) {
    return InvalidArgumentError("not a readable XLSX workbook: " +
                                e.displayText());
  } catch (const std::exception& e) {
    return InvalidArgumentError(std::string("not a readable XLSX workbook: ") +
                                e.what());
  }
}

}  // namespace mamori::asset_register
