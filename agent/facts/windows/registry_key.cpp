#include "agent/facts/windows/registry_key.h"

#include <utility>

#include "agent/facts/windows/win_error.h"
#include "agent/facts/windows/win_text.h"

namespace mamori::facts::win {

namespace {

// Registry values are bounded by the OS at 1 MB in practice; a bigger size
// from RegQueryValueExW would be a corrupt hive or a race.
constexpr DWORD kMaxValueBytes = 1u << 20;

std::string TypeName(DWORD type) {
  switch (type) {
    case REG_SZ:
      return "REG_SZ";
    case REG_EXPAND_SZ:
      return "REG_EXPAND_SZ";
    case REG_DWORD:
      return "REG_DWORD";
    case REG_QWORD:
      return "REG_QWORD";
    case REG_BINARY:
      return "REG_BINARY";
    case REG_MULTI_SZ:
      return "REG_MULTI_SZ";
    default:
      return "type " + std::to_string(type);
  }
}

CollectionStatus WrongType(const std::string& path, std::string_view name,
                           DWORD type, std::string_view wanted) {
  return ErrorStatus(path + "\\" + std::string(name) + " is " + TypeName(type) +
                     ", expected " + std::string(wanted));
}

}  // namespace

std::string RootName(HKEY root) {
  if (root == HKEY_LOCAL_MACHINE) return "HKLM";
  if (root == HKEY_CURRENT_USER) return "HKCU";
  if (root == HKEY_USERS) return "HKU";
  if (root == HKEY_CLASSES_ROOT) return "HKCR";
  return "HKEY";
}

RegKey::~RegKey() {
  if (handle_ != nullptr) RegCloseKey(handle_);
}

RegKey::RegKey(RegKey&& other) noexcept
    : handle_(std::exchange(other.handle_, nullptr)),
      view_flag_(other.view_flag_),
      path_(std::move(other.path_)) {}

RegKey& RegKey::operator=(RegKey&& other) noexcept {
  if (this != &other) {
    if (handle_ != nullptr) RegCloseKey(handle_);
    handle_ = std::exchange(other.handle_, nullptr);
    view_flag_ = other.view_flag_;
    path_ = std::move(other.path_);
  }
  return *this;
}

CollectionStatus RegKey::Open(HKEY root, std::string_view path, RegView view,
                              RegKey* key) {
  *key = RegKey();
  key->view_flag_ = view == RegView::k32 ? KEY_WOW64_32KEY : KEY_WOW64_64KEY;
  key->path_ = RootName(root) + (path.empty() ? "" : "\\") + std::string(path);
  HKEY handle = nullptr;
  const LSTATUS rc = RegOpenKeyExW(root, Utf8ToWide(path).c_str(), 0,
                                   KEY_READ | key->view_flag_, &handle);
  if (rc == ERROR_FILE_NOT_FOUND || rc == ERROR_PATH_NOT_FOUND)
    return OkStatus();
  if (rc != ERROR_SUCCESS) {
    return Win32Status("RegOpenKeyExW " + key->path_,
                       static_cast<uint32_t>(rc));
  }
  key->handle_ = handle;
  return OkStatus();
}

CollectionStatus RegKey::OpenSubkey(std::string_view name, RegKey* key) const {
  *key = RegKey();
  key->view_flag_ = view_flag_;
  key->path_ = path_ + "\\" + std::string(name);
  if (handle_ == nullptr) return OkStatus();
  HKEY handle = nullptr;
  const LSTATUS rc = RegOpenKeyExW(handle_, Utf8ToWide(name).c_str(), 0,
                                   KEY_READ | view_flag_, &handle);
  if (rc == ERROR_FILE_NOT_FOUND || rc == ERROR_PATH_NOT_FOUND)
    return OkStatus();
  if (rc != ERROR_SUCCESS) {
    return Win32Status("RegOpenKeyExW " + key->path_,
                       static_cast<uint32_t>(rc));
  }
  key->handle_ = handle;
  return OkStatus();
}

CollectionStatus RegKey::Query(std::string_view name, DWORD* type,
                               std::string* data, bool* found) const {
  *found = false;
  if (handle_ == nullptr) return OkStatus();
  const std::wstring wide_name = Utf8ToWide(name);
  // The value may grow between the size query and the read; retry a few times.
  for (int attempt = 0; attempt < 4; ++attempt) {
    DWORD size = 0;
    LSTATUS rc = RegQueryValueExW(handle_, wide_name.c_str(), nullptr, type,
                                  nullptr, &size);
    if (rc == ERROR_FILE_NOT_FOUND) return OkStatus();
    if (rc != ERROR_SUCCESS) {
      return Win32Status("RegQueryValueExW " + path_ + "\\" + std::string(name),
                         static_cast<uint32_t>(rc));
    }
    if (size > kMaxValueBytes) {
      return ErrorStatus(path_ + "\\" + std::string(name) + " is " +
                         std::to_string(size) + " bytes, over the 1 MB limit");
    }
    data->assign(size, '\0');
    rc = RegQueryValueExW(handle_, wide_name.c_str(), nullptr, type,
                          reinterpret_cast<BYTE*>(data->data()), &size);
    if (rc == ERROR_MORE_DATA) continue;
    if (rc == ERROR_FILE_NOT_FOUND) return OkStatus();
    if (rc != ERROR_SUCCESS) {
      return Win32Status("RegQueryValueExW " + path_ + "\\" + std::string(name),
                         static_cast<uint32_t>(rc));
    }
    data->resize(size);
    *found = true;
    return OkStatus();
  }
  return ErrorStatus(path_ + "\\" + std::string(name) +
                     " kept changing size while being read");
}

CollectionStatus RegKey::GetDword(std::string_view name,
                                  std::optional<uint32_t>* out) const {
  out->reset();
  DWORD type = 0;
  std::string data;
  bool found = false;
  CollectionStatus s = Query(name, &type, &data, &found);
  if (!s.ok() || !found) return s;
  if (type != REG_DWORD || data.size() != 4) {
    return WrongType(path_, name, type, "REG_DWORD");
  }
  uint32_t value = 0;
  for (int i = 3; i >= 0; --i) {
    value = (value << 8) | static_cast<unsigned char>(data[i]);
  }
  *out = value;
  return OkStatus();
}

CollectionStatus RegKey::GetQword(std::string_view name,
                                  std::optional<uint64_t>* out) const {
  out->reset();
  DWORD type = 0;
  std::string data;
  bool found = false;
  CollectionStatus s = Query(name, &type, &data, &found);
  if (!s.ok() || !found) return s;
  if (!((type == REG_QWORD && data.size() == 8) ||
        (type == REG_DWORD && data.size() == 4))) {
    return WrongType(path_, name, type, "REG_QWORD");
  }
  uint64_t value = 0;
  for (size_t i = data.size(); i-- > 0;) {
    value = (value << 8) | static_cast<unsigned char>(data[i]);
  }
  *out = value;
  return OkStatus();
}

CollectionStatus RegKey::GetString(std::string_view name,
                                   std::optional<std::string>* out) const {
  out->reset();
  DWORD type = 0;
  std::string data;
  bool found = false;
  CollectionStatus s = Query(name, &type, &data, &found);
  if (!s.ok() || !found) return s;
  if (type != REG_SZ && type != REG_EXPAND_SZ) {
    return WrongType(path_, name, type, "REG_SZ");
  }
  // Registry strings need not be NUL-terminated, and may carry several.
  std::wstring_view wide(reinterpret_cast<const wchar_t*>(data.data()),
                         data.size() / sizeof(wchar_t));
  const size_t nul = wide.find(L'\0');
  if (nul != std::wstring_view::npos) wide = wide.substr(0, nul);
  *out = WideToUtf8(wide);
  return OkStatus();
}

CollectionStatus RegKey::GetBinary(std::string_view name,
                                   std::optional<std::string>* out) const {
  out->reset();
  DWORD type = 0;
  std::string data;
  bool found = false;
  CollectionStatus s = Query(name, &type, &data, &found);
  if (!s.ok() || !found) return s;
  if (type != REG_BINARY) return WrongType(path_, name, type, "REG_BINARY");
  *out = std::move(data);
  return OkStatus();
}

CollectionStatus RegKey::SubkeyNames(std::vector<std::string>* out) const {
  out->clear();
  if (handle_ == nullptr) return OkStatus();
  // Key names are at most 255 characters.
  wchar_t name[256];
  for (DWORD index = 0;; ++index) {
    DWORD length = 256;
    const LSTATUS rc = RegEnumKeyExW(handle_, index, name, &length, nullptr,
                                     nullptr, nullptr, nullptr);
    if (rc == ERROR_NO_MORE_ITEMS) break;
    if (rc != ERROR_SUCCESS) {
      return Win32Status("RegEnumKeyExW " + path_, static_cast<uint32_t>(rc));
    }
    out->push_back(WideToUtf8(std::wstring_view(name, length)));
  }
  return OkStatus();
}

}  // namespace mamori::facts::win
