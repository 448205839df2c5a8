// mamori-msi-config.exe: the MSI's deferred custom actions (run as SYSTEM).
//
//   mamori-msi-config.exe configure SERVER CA_SHA256 TOKEN
//       validates the three properties and writes under %ProgramData%\mamori:
//       agent.conf and enroll.conf (server, token, CA fingerprint for the
//       agent's first start) in a directory whose DACL grants SYSTEM and
//       Administrators only (protected: nothing inherited).
//   mamori-msi-config.exe remove-data
//       deletes %ProgramData%\mamori (uninstall with REMOVE_DATA=1).
//
// A bad property exits 1 before anything is written, with the reason on
// stderr and appended to %ProgramData%\mamori-install.log (never the
// token), and the MSI rolls the installation back. MAMORI_PROGRAMDATA
// overrides the ProgramData folder (tests).
#include <windows.h>
// clang-format off
#include <sddl.h>
#include <shlobj.h>
// clang-format on

#include <cstdio>
#include <cwctype>
#include <string>

namespace {

std::wstring ProgramData() {
  wchar_t buffer[MAX_PATH];
  DWORD n = GetEnvironmentVariableW(L"MAMORI_PROGRAMDATA", buffer, MAX_PATH);
  if (n > 0 && n < MAX_PATH) return buffer;
  PWSTR path = nullptr;
  std::wstring result = L"C:\\ProgramData";
  if (SUCCEEDED(
          SHGetKnownFolderPath(FOLDERID_ProgramData, 0, nullptr, &path))) {
    result = path;
  }
  CoTaskMemFree(path);
  return result;
}

std::string Utf8(const std::wstring& text) {
  if (text.empty()) return {};
  int n = WideCharToMultiByte(CP_UTF8, 0, text.data(),
                              static_cast<int>(text.size()), nullptr, 0,
                              nullptr, nullptr);
  std::string out(static_cast<size_t>(n), '\0');
  WideCharToMultiByte(CP_UTF8, 0, text.data(), static_cast<int>(text.size()),
                      out.data(), n, nullptr, nullptr);
  return out;
}

void Report(const std::string& message) {
  std::fprintf(stderr, "mamori-msi-config: %s\n", message.c_str());
  const std::wstring log = ProgramData() + L"\\mamori-install.log";
  HANDLE h = CreateFileW(log.c_str(), FILE_APPEND_DATA, FILE_SHARE_READ,
                         nullptr, OPEN_ALWAYS, FILE_ATTRIBUTE_NORMAL, nullptr);
  if (h == INVALID_HANDLE_VALUE) return;
  const std::string line = message + "\r\n";
  DWORD written = 0;
  WriteFile(h, line.data(), static_cast<DWORD>(line.size()), &written, nullptr);
  CloseHandle(h);
}

// Shows at most 60 characters of a rejected value, control characters as '?'.
std::string Shown(const std::wstring& value) {
  std::wstring cut = value.substr(0, 60);
  for (wchar_t& c : cut) {
    if (c < 0x20 || c == 0x7f) c = L'?';
  }
  return "\"" + Utf8(cut) + "\"";
}

bool ValidServer(const std::wstring& s) {
  size_t colon = s.rfind(L':');
  if (colon == std::wstring::npos || colon == 0 || s.size() > 255) return false;
  for (size_t i = 0; i < colon; ++i) {
    wchar_t c = s[i];
    if (!(std::iswalnum(c) && c < 0x80) && c != L'.' && c != L'-' &&
        c != L'[' && c != L']' && c != L':') {
      return false;
    }
  }
  std::wstring port = s.substr(colon + 1);
  if (port.empty() || port.size() > 5) return false;
  for (wchar_t c : port) {
    if (c < L'0' || c > L'9') return false;
  }
  int value = std::stoi(port);
  return value >= 1 && value <= 65535;
}

// 64 hex digits, optionally separated by colons.
bool ValidFingerprint(const std::wstring& s) {
  int digits = 0;
  for (wchar_t c : s) {
    if (c == L':') continue;
    if (!std::iswxdigit(c) || c >= 0x80) return false;
    ++digits;
  }
  return digits == 64;
}

bool ValidToken(const std::wstring& s) {
  if (s.size() < 8 || s.size() > 256) return false;
  for (wchar_t c : s) {
    if (!(std::iswalnum(c) && c < 0x80) && c != L'_' && c != L'-') return false;
  }
  return true;
}

// SYSTEM and Administrators full control, inheritance from the parent cut.
constexpr wchar_t kPrivateSddl[] = L"D:P(A;OICI;FA;;;SY)(A;OICI;FA;;;BA)";

class PrivateSecurity {
 public:
  PrivateSecurity() {
    ok_ = ConvertStringSecurityDescriptorToSecurityDescriptorW(
        kPrivateSddl, SDDL_REVISION_1, &sd_, nullptr);
    attributes_.nLength = sizeof(attributes_);
    attributes_.lpSecurityDescriptor = sd_;
    attributes_.bInheritHandle = FALSE;
  }
  ~PrivateSecurity() { LocalFree(sd_); }
  bool ok() const { return ok_ != FALSE; }
  SECURITY_ATTRIBUTES* attributes() { return &attributes_; }
  bool Apply(const std::wstring& path) {
    return SetFileSecurityW(path.c_str(), DACL_SECURITY_INFORMATION, sd_) !=
           FALSE;
  }

 private:
  PSECURITY_DESCRIPTOR sd_ = nullptr;
  BOOL ok_ = FALSE;
  SECURITY_ATTRIBUTES attributes_{};
};

bool WritePrivateFile(PrivateSecurity& security, const std::wstring& path,
                      const std::string& content) {
  HANDLE h = CreateFileW(path.c_str(), GENERIC_WRITE, 0, security.attributes(),
                         CREATE_ALWAYS, FILE_ATTRIBUTE_NORMAL, nullptr);
  if (h == INVALID_HANDLE_VALUE) return false;
  DWORD written = 0;
  BOOL ok = WriteFile(h, content.data(), static_cast<DWORD>(content.size()),
                      &written, nullptr);
  ok = ok && FlushFileBuffers(h);
  CloseHandle(h);
  // An existing file keeps its old DACL under CREATE_ALWAYS: set it again.
  return ok && written == content.size() && security.Apply(path);
}

int Configure(const std::wstring& server, const std::wstring& fingerprint,
              const std::wstring& token) {
  if (!ValidServer(server)) {
    Report(
        "SERVER: expected HOST:PORT (e.g. collector.example.jp:50443), got " +
        Shown(server) + " / SERVER は ホスト:ポート で指定してください");
    return 1;
  }
  if (!ValidFingerprint(fingerprint)) {
    Report(
        "CA_SHA256: expected the 64 hex digits printed by mamori-collector "
        "init, got " +
        Shown(fingerprint) + " / CA_SHA256 が正しくありません");
    return 1;
  }
  if (!ValidToken(token)) {
    Report(
        "TOKEN: expected the token printed by mamori-collector token "
        "create (letters, digits, _ and -) / TOKEN が正しくありません");
    return 1;
  }
  PrivateSecurity security;
  if (!security.ok()) {
    Report("cannot build the security descriptor");
    return 1;
  }
  const std::wstring dir = ProgramData() + L"\\mamori";
  if (!CreateDirectoryW(dir.c_str(), security.attributes()) &&
      GetLastError() != ERROR_ALREADY_EXISTS) {
    Report("cannot create " + Utf8(dir) + " (error " +
           std::to_string(GetLastError()) + ")");
    return 1;
  }
  if (!security.Apply(dir)) {
    Report("cannot restrict " + Utf8(dir) + " to SYSTEM and Administrators");
    return 1;
  }
  const std::string agent_conf =
      "# Written by the mamori-agent MSI. / MSI が作成しました。\r\n"
      "collector:\r\n  server: " +
      Utf8(server) + "\r\n";
  const std::string enroll_conf =
      "# Read once by the agent at its first start, then deleted.\r\n"
      "server: " +
      Utf8(server) + "\r\ntoken: " + Utf8(token) +
      "\r\nca_sha256: " + Utf8(fingerprint) + "\r\n";
  if (!WritePrivateFile(security, dir + L"\\agent.conf", agent_conf) ||
      !WritePrivateFile(security, dir + L"\\enroll.conf", enroll_conf)) {
    Report("cannot write the configuration in " + Utf8(dir) + " (error " +
           std::to_string(GetLastError()) + ")");
    return 1;
  }
  std::printf("mamori-msi-config: configured %s for %s\n", Utf8(dir).c_str(),
              Utf8(server).c_str());
  return 0;
}

// Deletes `dir` and everything under it. Returns false on the first error.
bool RemoveTree(const std::wstring& dir) {
  WIN32_FIND_DATAW entry;
  HANDLE find = FindFirstFileW((dir + L"\\*").c_str(), &entry);
  if (find != INVALID_HANDLE_VALUE) {
    do {
      const std::wstring name = entry.cFileName;
      if (name == L"." || name == L"..") continue;
      const std::wstring path = dir + L"\\" + name;
      const bool ok =
          (entry.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY) &&
                  !(entry.dwFileAttributes & FILE_ATTRIBUTE_REPARSE_POINT)
              ? RemoveTree(path)
              : DeleteFileW(path.c_str()) != FALSE;
      if (!ok) {
        FindClose(find);
        return false;
      }
    } while (FindNextFileW(find, &entry));
    FindClose(find);
  }
  return RemoveDirectoryW(dir.c_str()) != FALSE ||
         GetLastError() == ERROR_FILE_NOT_FOUND;
}

}  // namespace

int wmain(int argc, wchar_t** argv) {
  const std::wstring command = argc > 1 ? argv[1] : L"";
  if (command == L"configure" && argc == 5) {
    return Configure(argv[2], argv[3], argv[4]);
  }
  if (command == L"remove-data" && argc == 2) {
    const std::wstring dir = ProgramData() + L"\\mamori";
    if (!RemoveTree(dir)) {
      Report("cannot remove " + Utf8(dir) + " (error " +
             std::to_string(GetLastError()) + ")");
      return 1;
    }
    std::printf("mamori-msi-config: removed %s\n", Utf8(dir).c_str());
    return 0;
  }
  std::fprintf(stderr,
               "usage: mamori-msi-config.exe configure SERVER CA_SHA256 TOKEN\n"
               "       mamori-msi-config.exe remove-data\n");
  return 2;
}
