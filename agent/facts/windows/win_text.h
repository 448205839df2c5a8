#pragma once

// UTF-8 ↔ UTF-16 for the Windows gatherers: every string leaving a W API is
// converted here, so Japanese names (Uninstall DisplayName, ProductName,
// account names) reach the facts intact. Thread-safe.

#include <string>
#include <string_view>

namespace mamori::facts::win {

// Returns `text` as UTF-16. Invalid UTF-8 sequences become U+FFFD.
std::wstring Utf8ToWide(std::string_view text);

// Returns `text` as UTF-8. Unpaired surrogates become U+FFFD.
std::string WideToUtf8(std::wstring_view text);

// Returns the UTF-8 text of a NUL-terminated wide string; "" for nullptr.
std::string WideToUtf8(const wchar_t* text);

}  // namespace mamori::facts::win
