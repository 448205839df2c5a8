// mamori-msi-config.exe: the MSI's deferred custom actions (run as SYSTEM).
//
//   mamori-msi-config.exe configure SERVER CA_SHA256 TOKEN
//       validates the three properties and writes under %ProgramData%\mamori
//       agent.conf and enroll.conf (server, token, CA fingerprint) in a
//       directory whose DACL grants SYSTEM and Administrators only
//       (protected: nothing inherited). Then, when mamori-agent.exe is
//       installed beside this program and the computer is not enrolled yet
//       (no state\identity.json), it runs `mamori-agent.exe enroll` with the
//       token in a private file (never on a command line); on success the
//       spent enroll.conf is deleted. A refused or unreachable enrollment
//       fails the install (rolled back) with the agent's message: msiexec
//       exits 1603, which GPO and Intune report and retry, and the token is
//       not spent.
//   mamori-msi-config.exe start-service
//       enrolled: sets the mamori-agent service to start automatically and
//       starts it. Not enrolled: leaves it stopped, on demand, and says so
//       (as the Debian package leaves its unit disabled).
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

// The folder this program was installed in (the agent is beside it).
std::wstring ExeDir() {
  wchar_t buffer[MAX_PATH];
  DWORD n = GetModuleFileNameW(nullptr, buffer, MAX_PATH);
  std::wstring path(buffer, n < MAX_PATH ? n : 0);
  size_t slash = path.rfind(L'\\');
  return slash == std::wstring::npos ? L"." : path.substr(0, slash);
}

bool Exists(const std::wstring& path) {
  return GetFileAttributesW(path.c_str()) != INVALID_FILE_ATTRIBUTES;
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

// The agent's exit codes (agent/cmd_once.h) as words for the log.
std::string ExitMeaning(DWORD code) {
  switch (code) {
    case 2:
      return "usage error";
    case 3:
      return "collector unreachable / コレクタに接続できません";
    case 4:
      return "refused (CA mismatch, bad, expired or used-up token) / "
             "拒否されました";
    default:
      return "failed";
  }
}

// Runs `mamori-agent.exe enroll` when the agent is installed beside this
// program and the computer is not enrolled yet; its output goes to the
// install log. Returns 0 enrolled (or nothing to do), 1 not enrolled.
int Enroll(PrivateSecurity& security, const std::wstring& dir,
           const std::wstring& server, const std::wstring& fingerprint,
           const std::wstring& token) {
  const std::wstring agent = ExeDir() + L"\\mamori-agent.exe";
  if (!Exists(agent)) return 0;  // the facts-only MSI
  if (Exists(dir + L"\\state\\identity.json")) {
    Report("already enrolled (" + Utf8(dir) +
           "\\state\\identity.json): the identity is kept / 登録済みです");
    DeleteFileW((dir + L"\\enroll.conf").c_str());
    return 0;
  }
  const std::wstring token_file = dir + L"\\enroll.token";
  const std::wstring output_file = dir + L"\\enroll.out";
  if (!WritePrivateFile(security, token_file, Utf8(token) + "\n")) {
    Report("cannot write the token file in " + Utf8(dir));
    return 1;
  }
  SECURITY_ATTRIBUTES inheritable = *security.attributes();
  inheritable.bInheritHandle = TRUE;
  HANDLE output =
      CreateFileW(output_file.c_str(), GENERIC_WRITE, FILE_SHARE_READ,
                  &inheritable, CREATE_ALWAYS, FILE_ATTRIBUTE_NORMAL, nullptr);
  if (output == INVALID_HANDLE_VALUE) {
    DeleteFileW(token_file.c_str());
    Report("cannot create " + Utf8(output_file));
    return 1;
  }
  std::wstring command = L"\"" + agent + L"\" enroll --server " + server +
                         L" --ca-sha256 " + fingerprint + L" --token-file \"" +
                         token_file + L"\"";
  STARTUPINFOW startup{};
  startup.cb = sizeof(startup);
  startup.dwFlags = STARTF_USESTDHANDLES;
  startup.hStdInput = nullptr;
  startup.hStdOutput = output;
  startup.hStdError = output;
  PROCESS_INFORMATION process{};
  DWORD code = 1;
  bool timed_out = false;
  if (CreateProcessW(agent.c_str(), command.data(), nullptr, nullptr, TRUE,
                     CREATE_NO_WINDOW, nullptr, ExeDir().c_str(), &startup,
                     &process)) {
    // The agent's own RPC deadline is 30 s; three minutes is a hung agent.
    if (WaitForSingleObject(process.hProcess, 180000) == WAIT_TIMEOUT) {
      TerminateProcess(process.hProcess, 1);
      WaitForSingleObject(process.hProcess, 5000);
      timed_out = true;
    }
    GetExitCodeProcess(process.hProcess, &code);
    CloseHandle(process.hThread);
    CloseHandle(process.hProcess);
  } else {
    code = GetLastError();
    Report("cannot start " + Utf8(agent) + " (error " + std::to_string(code) +
           ")");
    code = 1;
  }
  CloseHandle(output);
  DeleteFileW(token_file.c_str());
  // The agent's messages (never the token) into the install log.
  std::string text;
  HANDLE in =
      CreateFileW(output_file.c_str(), GENERIC_READ, FILE_SHARE_READ, nullptr,
                  OPEN_EXISTING, FILE_ATTRIBUTE_NORMAL, nullptr);
  if (in != INVALID_HANDLE_VALUE) {
    char buffer[4096];
    DWORD n = 0;
    while (text.size() < 16384 &&
           ReadFile(in, buffer, sizeof(buffer), &n, nullptr) && n > 0) {
      text.append(buffer, n);
    }
    CloseHandle(in);
  }
  DeleteFileW(output_file.c_str());
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    std::string line = text.substr(start, end - start);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (!line.empty()) Report("mamori-agent: " + line);
    start = end + 1;
  }
  if (code == 0 && !timed_out) {
    DeleteFileW((dir + L"\\enroll.conf").c_str());  // the token is spent
    Report("enrolled with " + Utf8(server) + " / 登録しました");
    return 0;
  }
  // Not enrolled: the token stays unspent and leaves the disk; the install
  // is rolled back, so the next attempt starts clean.
  DeleteFileW((dir + L"\\enroll.conf").c_str());
  Report("not enrolled: mamori-agent enroll " +
         (timed_out
              ? std::string("timed out after 180 s")
              : "exited " + std::to_string(code) + ", " + ExitMeaning(code)) +
         "; the installation is rolled back / 登録できなかったため、"
         "インストールを取り消します");
  return 1;
}

// Enrolled: the service starts automatically from now on, and now.
int StartAgentService() {
  const std::wstring identity =
      ProgramData() + L"\\mamori\\state\\identity.json";
  SC_HANDLE manager = OpenSCManagerW(nullptr, nullptr, SC_MANAGER_CONNECT);
  if (manager == nullptr) {
    Report("cannot open the service manager (error " +
           std::to_string(GetLastError()) + ")");
    return 1;
  }
  SC_HANDLE service = OpenServiceW(manager, L"mamori-agent",
                                   SERVICE_CHANGE_CONFIG | SERVICE_START);
  if (service == nullptr) {
    Report("the mamori-agent service is not installed (error " +
           std::to_string(GetLastError()) + ")");
    CloseServiceHandle(manager);
    return 1;
  }
  int rc = 0;
  if (!Exists(identity)) {
    Report(
        "installed, not enrolled: the mamori-agent service stays stopped. "
        "Enroll with \"mamori-agent.exe enroll\", then: sc config mamori-agent "
        "start= auto && sc start mamori-agent / 未登録のためサービスは停止した"
        "ままです");
  } else if (!ChangeServiceConfigW(service, SERVICE_NO_CHANGE,
                                   SERVICE_AUTO_START, SERVICE_NO_CHANGE,
                                   nullptr, nullptr, nullptr, nullptr, nullptr,
                                   nullptr, nullptr)) {
    Report("cannot set the service to start automatically (error " +
           std::to_string(GetLastError()) + ")");
    rc = 1;
  } else if (!StartServiceW(service, 0, nullptr) &&
             GetLastError() != ERROR_SERVICE_ALREADY_RUNNING) {
    Report("cannot start the mamori-agent service (error " +
           std::to_string(GetLastError()) + ")");
    rc = 1;
  } else {
    Report("the mamori-agent service is started / サービスを開始しました");
  }
  CloseServiceHandle(service);
  CloseServiceHandle(manager);
  return rc;
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
  return Enroll(security, dir, server, fingerprint, token);
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
  if (command == L"start-service" && argc == 2) return StartAgentService();
  if (command == L"remove-data" && argc == 2) {
    const std::wstring dir = ProgramData() + L"\\mamori";
    // The service reports STOPPED before its process has exited and closed
    // agent.log (measured under Wine: error 32, sharing violation): retry
    // for up to 15 s while a file is still in use.
    bool removed = RemoveTree(dir);
    for (int i = 0;
         !removed && GetLastError() == ERROR_SHARING_VIOLATION && i < 30; ++i) {
      Sleep(500);
      removed = RemoveTree(dir);
    }
    if (!removed) {
      Report("cannot remove " + Utf8(dir) + " (error " +
             std::to_string(GetLastError()) + ")");
      return 1;
    }
    std::printf("mamori-msi-config: removed %s\n", Utf8(dir).c_str());
    return 0;
  }
  std::fprintf(stderr,
               "usage: mamori-msi-config.exe configure SERVER CA_SHA256 TOKEN\n"
               "       mamori-msi-config.exe start-service\n"
               "       mamori-msi-config.exe remove-data\n");
  return 2;
}
