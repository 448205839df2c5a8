#include "agent/facts/windows/win_error.h"

// Windows headers: <windows.h> first, then the rest in dependency order.
// clang-format off
#include <windows.h>
#include <wbemcli.h>
// clang-format on

#include <cstdio>

#include "agent/facts/windows/win_text.h"

namespace mamori::facts::win {

namespace {

std::string SystemMessage(uint32_t code) {
  wchar_t* buffer = nullptr;
  const DWORD length = FormatMessageW(
      FORMAT_MESSAGE_ALLOCATE_BUFFER | FORMAT_MESSAGE_FROM_SYSTEM |
          FORMAT_MESSAGE_IGNORE_INSERTS,
      nullptr, code, MAKELANGID(LANG_ENGLISH, SUBLANG_ENGLISH_US),
      reinterpret_cast<wchar_t*>(&buffer), 0, nullptr);
  if (length == 0 || buffer == nullptr) {
    // No English text installed (e.g. a Japanese-only system): any language.
    if (buffer != nullptr) LocalFree(buffer);
    buffer = nullptr;
    FormatMessageW(FORMAT_MESSAGE_ALLOCATE_BUFFER | FORMAT_MESSAGE_FROM_SYSTEM |
                       FORMAT_MESSAGE_IGNORE_INSERTS,
                   nullptr, code, 0, reinterpret_cast<wchar_t*>(&buffer), 0,
                   nullptr);
  }
  std::string text = WideToUtf8(buffer);
  if (buffer != nullptr) LocalFree(buffer);
  return std::string(Trim(text));
}

CollectionState StateFor(uint32_t code) {
  switch (code) {
    case ERROR_ACCESS_DENIED:
    case static_cast<uint32_t>(E_ACCESSDENIED):
    case static_cast<uint32_t>(WBEM_E_ACCESS_DENIED):
      return CollectionState::kPermissionDenied;
    case ERROR_CALL_NOT_IMPLEMENTED:
    case ERROR_SERVICE_DOES_NOT_EXIST:
    case static_cast<uint32_t>(E_NOTIMPL):
    case static_cast<uint32_t>(REGDB_E_CLASSNOTREG):
    case static_cast<uint32_t>(WBEM_E_INVALID_NAMESPACE):
    case static_cast<uint32_t>(WBEM_E_INVALID_CLASS):
      return CollectionState::kUnsupported;
    default:
      return CollectionState::kError;
  }
}

}  // namespace

CollectionStatus Win32Status(std::string_view what, uint32_t code) {
  CollectionStatus s;
  s.state = StateFor(code);
  s.error_code = code;
  std::string text = SystemMessage(code);
  // Network API codes (NERR_*) have their text in netmsg.dll, not the system
  // table; name the ones the gatherers meet.
  if (text.empty() && code == 2140) text = "NERR_InternalError";
  if (text.empty() && code == 2220) text = "NERR_GroupNotFound";
  if (text.empty() && code == 2221) text = "NERR_UserNotFound";
  s.message = std::string(what) + ": " + (text.empty() ? "error" : text) +
              " (Win32 error " + std::to_string(code) + ")";
  return s;
}

std::string HresultText(long hr) {
  switch (static_cast<uint32_t>(hr)) {
    case static_cast<uint32_t>(WBEM_E_INVALID_NAMESPACE):
      return "WBEM_E_INVALID_NAMESPACE";
    case static_cast<uint32_t>(WBEM_E_INVALID_CLASS):
      return "WBEM_E_INVALID_CLASS";
    case static_cast<uint32_t>(WBEM_E_INVALID_QUERY):
      return "WBEM_E_INVALID_QUERY";
    case static_cast<uint32_t>(WBEM_E_ACCESS_DENIED):
      return "WBEM_E_ACCESS_DENIED";
    case static_cast<uint32_t>(WBEM_E_NOT_FOUND):
      return "WBEM_E_NOT_FOUND";
    case static_cast<uint32_t>(E_NOTIMPL):
      return "E_NOTIMPL";
    case static_cast<uint32_t>(E_ACCESSDENIED):
      return "E_ACCESSDENIED";
    case static_cast<uint32_t>(REGDB_E_CLASSNOTREG):
      return "REGDB_E_CLASSNOTREG";
    default:
      break;
  }
  return SystemMessage(static_cast<uint32_t>(hr));
}

CollectionStatus HresultStatus(std::string_view what, long hr) {
  CollectionStatus s;
  const auto code = static_cast<uint32_t>(hr);
  s.state = StateFor(code);
  s.error_code = code;
  char hex[16];
  std::snprintf(hex, sizeof hex, "0x%08lX", static_cast<unsigned long>(code));
  std::string text = HresultText(hr);
  s.message = std::string(what) + ": " + (text.empty() ? "failed" : text) +
              " (HRESULT " + hex + ")";
  return s;
}

bool RunningUnderWine() {
  HMODULE ntdll = GetModuleHandleW(L"ntdll.dll");
  return ntdll != nullptr &&
         GetProcAddress(ntdll, "wine_get_version") != nullptr;
}

}  // namespace mamori::facts::win
