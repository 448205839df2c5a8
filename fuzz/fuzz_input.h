#pragma once

// How the fuzz targets read their input, so that seed files stay plain:
// targets that drive several parsers take the first byte as the choice of
// parser (modulo their count) and the rest as the text; parsers that need
// several texts (a file and the files it includes) take them separated by
// NUL bytes. Thread safety: pure functions.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace mamori::fuzz {

// The input as text.
inline std::string_view AsText(const uint8_t* data, size_t size) {
  return std::string_view(reinterpret_cast<const char*>(data), size);
}

// The input split at NUL bytes; always at least one (possibly empty) part.
inline std::vector<std::string_view> SplitParts(std::string_view text) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  while (true) {
    const size_t nul = text.find('\0', start);
    if (nul == std::string_view::npos) {
      parts.push_back(text.substr(start));
      return parts;
    }
    parts.push_back(text.substr(start, nul - start));
    start = nul + 1;
  }
}

// Part `i` of `parts`, or "" when there are fewer.
inline std::string_view PartOr(const std::vector<std::string_view>& parts,
                               size_t i) {
  return i < parts.size() ? parts[i] : std::string_view();
}

}  // namespace mamori::fuzz
