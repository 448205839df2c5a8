#include "collector/store/endpoint_search.h"

namespace mamori::store {

size_t Utf8Length(std::string_view text) {
  size_t n = 0;
  for (char c : text) {
    if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++n;
  }
  return n;
}

bool UsesSearchIndex(std::string_view text) {
  // FTS5 reads its query as a C string: a NUL would end it early.
  return Utf8Length(text) >= kSearchIndexMinChars &&
         text.find('\0') == std::string_view::npos;
}

std::string Fts5Phrase(std::string_view text) {
  std::string out;
  out.reserve(text.size() + 2);
  out += '"';
  for (char c : text) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
  return out;
}

std::string LikeContaining(std::string_view text) {
  std::string out = "%";
  out.reserve(text.size() + 2);
  for (char c : text) {
    if (c == '\\' || c == '%' || c == '_') out += '\\';
    out += c;
  }
  out += '%';
  return out;
}

}  // namespace mamori::store
