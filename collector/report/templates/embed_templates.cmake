# Writes OUT: a C++ file defining the report templates from TEMPLATE_DIR as
# string constants, so the collector carries them without an install path.
# Usage: cmake -DTEMPLATE_DIR=… -DOUT=… -P embed_templates.cmake
file(READ ${TEMPLATE_DIR}/report.html.mustache text)
string(FIND "${text}" ")mamori_tpl\"" clash)
if(NOT clash EQUAL -1)
  message(FATAL_ERROR "report.html.mustache contains the raw-string delimiter")
endif()
file(WRITE ${OUT}.tmp "// Generated from collector/report/templates; do not edit.
#include <string_view>
namespace mamori::report {
extern const std::string_view kReportHtmlTemplate;
const std::string_view kReportHtmlTemplate = R\"mamori_tpl(${text})mamori_tpl\";
}  // namespace mamori::report
")
file(COPY_FILE ${OUT}.tmp ${OUT} ONLY_IF_DIFFERENT)
