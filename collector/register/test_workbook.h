#pragma once

// Test helper: XLSX workbooks made by hand, as another program might write
// them, for the reader's tests. Header-only; used by tests only.

#include <Poco/DateTime.h>
#include <Poco/Path.h>
#include <Poco/Zip/Compress.h>

#include <sstream>
#include <string>
#include <utility>
#include <vector>

namespace mamori::asset_register {

// The default shared strings: phonetic runs, rich-text runs and an escape.
inline constexpr char kHandMadeSharedStrings[] =
    R"(<?xml version="1.0" encoding="UTF-8"?>
<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">
<si><t>顧客名簿</t><rPh sb="0" eb="2"><t>コキャク</t></rPh></si>
<si><r><t>事務所</t></r><r><t>PC</t></r></si>
<si><t>a_x000D_b</t></si>
</sst>)";

// A workbook of one sheet named 台帳 holding `sheet_xml`, with
// `shared_strings_xml` as xl/sharedStrings.xml.
inline std::string HandMadeWorkbook(
    const std::string& sheet_xml,
    const std::string& shared_strings_xml = kHandMadeSharedStrings) {
  const std::vector<std::pair<std::string, std::string>> parts = {
      {"[Content_Types].xml",
       R"(<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>)"},
      {"xl/workbook.xml",
       R"(<?xml version="1.0" encoding="UTF-8"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"
 xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">
<sheets><sheet name="台帳" sheetId="1" r:id="rId1"/></sheets></workbook>)"},
      {"xl/_rels/workbook.xml.rels",
       R"(<?xml version="1.0" encoding="UTF-8"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="/xl/worksheets/s1.xml"/>
</Relationships>)"},
      {"xl/sharedStrings.xml", shared_strings_xml},
      {"xl/worksheets/s1.xml", sheet_xml},
  };
  std::ostringstream out;
  Poco::Zip::Compress zip(out, true);
  for (const auto& [name, body] : parts) {
    std::istringstream in(body);
    zip.addFile(in, Poco::DateTime(2026, 11, 23), Poco::Path(name));
  }
  zip.close();
  return out.str();
}

}  // namespace mamori::asset_register
