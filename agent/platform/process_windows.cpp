// Windows implementation of agent/platform/paths.h and process.h.
// <windows.h> first: the other SDK headers need its definitions.
#include <windows.h>
//
#include <knownfolders.h>
#include <shlobj.h>

#include <cstdio>

#include "agent/platform/paths.h"
#include "agent/platform/process.h"
#include "agent/platform/win_util.h"
#include "common/log.h"

namespace mamori::platform {
namespace {

// %ProgramData%\mamori, from the known folder; the environment variable and
// then C:\ProgramData only if the shell cannot say (logged).
std::string MamoriDataDir() {
  wchar_t* folder = nullptr;
  std::string base;
  if (SUCCEEDED(SHGetKnownFolderPath(FOLDERID_ProgramData, KF_FLAG_DEFAULT,
                                     nullptr, &folder))) {
    base = win::WideToUtf8(folder);
  }
  CoTaskMemFree(folder);
  if (base.empty()) {
    wchar_t env[MAX_PATH];
    const DWORD n = GetEnvironmentVariableW(L"ProgramData", env, MAX_PATH);
    if (n > 0 && n < MAX_PATH)
      base = win::WideToUtf8(std::wstring_view(env, n));
    MAMORI_LOG(kWarning) << "SHGetKnownFolderPath(FOLDERID_ProgramData) "
                            "failed; using "
                         << (base.empty() ? "C:\\ProgramData" : base);
    if (base.empty()) base = "C:\\ProgramData";
  }
  return base + "\\mamori";
}

}  // namespace

const std::string& DefaultConfigPath() {
  static const std::string kPath = MamoriDataDir() + "\\agent.conf";
  return kPath;
}

const std::string& DefaultStateDir() {
  static const std::string kPath = MamoriDataDir() + "\\state";
  return kPath;
}

std::vector<std::string> Utf8Arguments(int argc, char** argv) {
  std::vector<std::string> args = win::SplitCommandLine(GetCommandLineW());
  // Should the two parsers ever disagree on the count, trust the CRT's.
  if (static_cast<int>(args.size()) != argc) {
    return std::vector<std::string>(argv, argv + argc);
  }
  return args;
}

void PrepareConsole() { SetConsoleOutputCP(CP_UTF8); }

Status RedirectStderrToFile(const std::string& path) {
  Result<std::wstring> wpath = win::Utf8ToWide(path);
  if (!wpath.ok()) return InvalidArgumentError("path is not UTF-8: " + path);
#ifdef _MSC_VER
  // MSVC deprecates _wfreopen (C4996, an error under /WX).
  FILE* reopened = nullptr;
  if (_wfreopen_s(&reopened, wpath->c_str(), L"a", stderr) != 0) {
    reopened = nullptr;
  }
#else
  FILE* reopened = _wfreopen(wpath->c_str(), L"a", stderr);
#endif
  if (reopened == nullptr) {
    // Wine's msvcrt reopens only a stream that has a file, and a service's
    // stderr has none (measured: no agent.log under Wine's service manager):
    // the log lines then go to the file directly.
    FILE* log = nullptr;
#ifdef _MSC_VER
    if (_wfopen_s(&log, wpath->c_str(), L"a") != 0) log = nullptr;
#else
    log = _wfopen(wpath->c_str(), L"a");
#endif
    if (log == nullptr) {
      return win::WinError("cannot open", path, GetLastError());
    }
    SetLogOutput(log);
  }
  return Status::Ok();
}

}  // namespace mamori::platform
