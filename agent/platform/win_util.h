#pragma once

// Windows-only helpers of the platform seam: UTF-8 <-> UTF-16, error text,
// and the private security descriptor (by SID, never by account name, which
// is localised: "Administrators" is "Administrateurs" on French Windows).

#ifdef _WIN32

#include <windows.h>

#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace mamori::platform::win {

// INVALID_ARGUMENT on bytes that are not UTF-8.
Result<std::wstring> Utf8ToWide(std::string_view text);
// Unpaired surrogates become U+FFFD.
std::string WideToUtf8(std::wstring_view text);

// "<what> <path>: <FormatMessage text> (error N)".
Status WinError(const std::string& what, const std::string& path, DWORD code);

// A SID in a self-owned buffer.
using Sid = std::vector<unsigned char>;

// The SID of the user this process runs as (LocalSystem for a service).
Result<Sid> CurrentUserSid();
Sid WellKnownSid(WELL_KNOWN_SID_TYPE type);
// "S-1-5-32-545" (and " (Users)" etc. for a few well-known ones).
std::string DescribeSid(PSID sid);

// A DACL granting full control to the current user, LocalSystem and
// BUILTIN\Administrators, and nobody else. With `inheritable`, files and
// folders created below inherit the entries.
class PrivateDacl {
 public:
  static Result<PrivateDacl> Make(bool inheritable);
  PACL acl() { return reinterpret_cast<PACL>(buffer_.data()); }
  // A security descriptor pointing at acl(), DACL protected from
  // inheritance. Valid while this object lives and is not moved.
  SECURITY_ATTRIBUTES* attributes();

 private:
  std::vector<unsigned char> buffer_;
  SECURITY_DESCRIPTOR descriptor_{};
  SECURITY_ATTRIBUTES attributes_{};
};

// The handler StopEventRoute installs with SetConsoleCtrlHandler. Windows
// calls it on a new thread; tests call it the same way instead of sending a
// real Ctrl+Break, which would also reach every process on the console.
BOOL WINAPI OnConsoleCtrl(DWORD type);

// Parses a Windows command line into UTF-8 arguments (CommandLineToArgvW).
std::vector<std::string> SplitCommandLine(const wchar_t* command_line);

}  // namespace mamori::platform::win

#endif  // _WIN32
