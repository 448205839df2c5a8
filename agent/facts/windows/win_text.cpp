#include "agent/facts/windows/win_text.h"

// Windows headers: <windows.h> first, then the rest in dependency order.
// clang-format off
#include <windows.h>
// clang-format on

#include <cwchar>

namespace mamori::facts::win {

std::wstring Utf8ToWide(std::string_view text) {
  if (text.empty()) return {};
  // Without MB_ERR_INVALID_CHARS the API replaces bad sequences with U+FFFD
  // instead of failing the whole string.
  const int size = MultiByteToWideChar(
      CP_UTF8, 0, text.data(), static_cast<int>(text.size()), nullptr, 0);
  if (size <= 0) return {};
  std::wstring out(static_cast<size_t>(size), L'\0');
  MultiByteToWideChar(CP_UTF8, 0, text.data(), static_cast<int>(text.size()),
                      out.data(), size);
  return out;
}

std::string WideToUtf8(std::wstring_view text) {
  if (text.empty()) return {};
  const int size = WideCharToMultiByte(CP_UTF8, 0, text.data(),
                                       static_cast<int>(text.size()), nullptr,
                                       0, nullptr, nullptr);
  if (size <= 0) return {};
  std::string out(static_cast<size_t>(size), '\0');
  WideCharToMultiByte(CP_UTF8, 0, text.data(), static_cast<int>(text.size()),
                      out.data(), size, nullptr, nullptr);
  return out;
}

std::string WideToUtf8(const wchar_t* text) {
  if (text == nullptr) return {};
  return WideToUtf8(std::wstring_view(text, std::wcslen(text)));
}

}  // namespace mamori::facts::win
