#pragma once

// Helpers for the Windows tests (test code only): a registry sandbox that
// redirects HKLM/HKCU with RegOverridePredefKey into a scratch key under
// HKCU (works without admin rights on Windows and under Wine), value writers,
// and the check that scripts/test-windows.sh imported the .reg fixtures.
// Not thread-safe: RegOverridePredefKey affects the whole process.

// Windows headers: <windows.h> first, then the rest in dependency order.
// clang-format off
#include <windows.h>
// clang-format on

#include <cstdint>
#include <string>
#include <string_view>

#include "agent/facts/windows/win_text.h"

namespace mamori::facts::win::testing {

// True when tests/fixtures/windows/*.reg were imported (marker value
// HKLM\SOFTWARE\MamoriTest\Fixtures\Loaded = 1).
inline bool FixturesLoaded() {
  DWORD value = 0;
  DWORD size = sizeof value;
  return RegGetValueW(HKEY_LOCAL_MACHINE, L"SOFTWARE\\MamoriTest\\Fixtures",
                      L"Loaded", RRF_RT_REG_DWORD, nullptr, &value,
                      &size) == ERROR_SUCCESS &&
         value == 1;
}

inline constexpr char kFixturesMissing[] =
    "registry fixtures are not loaded: run scripts/test-windows.sh, which "
    "imports tests/fixtures/windows/*.reg into the Wine prefix";

// While alive, HKEY_LOCAL_MACHINE and HKEY_CURRENT_USER (and HKEY_USERS when
// asked) of this process point at empty scratch keys
// HKCU\Software\MamoriTest\Sandbox\<name>\{HKLM,HKCU,HKU}.
class RegistrySandbox {
 public:
  explicit RegistrySandbox(std::string_view name) {
    root_path_ = L"Software\\MamoriTest\\Sandbox\\" + Utf8ToWide(name);
    RegDeleteTreeW(HKEY_CURRENT_USER, root_path_.c_str());
    hklm_ = Create(L"HKLM");
    hkcu_ = Create(L"HKCU");
    hku_ = Create(L"HKU");
    ok_ = hklm_ != nullptr && hkcu_ != nullptr && hku_ != nullptr &&
          RegOverridePredefKey(HKEY_LOCAL_MACHINE, hklm_) == ERROR_SUCCESS &&
          RegOverridePredefKey(HKEY_USERS, hku_) == ERROR_SUCCESS &&
          // HKCU last: the scratch keys themselves live under the real HKCU.
          RegOverridePredefKey(HKEY_CURRENT_USER, hkcu_) == ERROR_SUCCESS;
  }
  ~RegistrySandbox() {
    RegOverridePredefKey(HKEY_CURRENT_USER, nullptr);
    RegOverridePredefKey(HKEY_LOCAL_MACHINE, nullptr);
    RegOverridePredefKey(HKEY_USERS, nullptr);
    for (HKEY k : {hklm_, hkcu_, hku_}) {
      if (k != nullptr) RegCloseKey(k);
    }
    RegDeleteTreeW(HKEY_CURRENT_USER, root_path_.c_str());
  }
  RegistrySandbox(const RegistrySandbox&) = delete;
  RegistrySandbox& operator=(const RegistrySandbox&) = delete;

  bool ok() const { return ok_; }

 private:
  HKEY Create(const wchar_t* leaf) {
    HKEY key = nullptr;
    const std::wstring path = root_path_ + L"\\" + leaf;
    if (RegCreateKeyExW(HKEY_CURRENT_USER, path.c_str(), 0, nullptr, 0,
                        KEY_ALL_ACCESS, nullptr, &key,
                        nullptr) != ERROR_SUCCESS) {
      return nullptr;
    }
    return key;
  }

  std::wstring root_path_;
  HKEY hklm_ = nullptr;
  HKEY hkcu_ = nullptr;
  HKEY hku_ = nullptr;
  bool ok_ = false;
};

// Writers for sandboxed keys (paths in UTF-8, created as needed). Return
// true on success.
inline bool SetDword(HKEY root, std::string_view path, std::string_view name,
                     uint32_t value) {
  return RegSetKeyValueW(root, Utf8ToWide(path).c_str(),
                         Utf8ToWide(name).c_str(), REG_DWORD, &value,
                         sizeof value) == ERROR_SUCCESS;
}

inline bool SetString(HKEY root, std::string_view path, std::string_view name,
                      std::string_view value) {
  const std::wstring wide = Utf8ToWide(value);
  return RegSetKeyValueW(root, Utf8ToWide(path).c_str(),
                         Utf8ToWide(name).c_str(), REG_SZ, wide.c_str(),
                         static_cast<DWORD>((wide.size() + 1) *
                                            sizeof(wchar_t))) == ERROR_SUCCESS;
}

inline bool SetBinary(HKEY root, std::string_view path, std::string_view name,
                      std::string_view bytes) {
  return RegSetKeyValueW(root, Utf8ToWide(path).c_str(),
                         Utf8ToWide(name).c_str(), REG_BINARY, bytes.data(),
                         static_cast<DWORD>(bytes.size())) == ERROR_SUCCESS;
}

}  // namespace mamori::facts::win::testing
