#include "agent/platform/win_util.h"

#include <sddl.h>
#include <shellapi.h>

#include <utility>

namespace mamori::platform::win {

Result<std::wstring> Utf8ToWide(std::string_view text) {
  if (text.empty()) return std::wstring();
  const int n = MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, text.data(),
                                    static_cast<int>(text.size()), nullptr, 0);
  if (n <= 0) return InvalidArgumentError("not valid UTF-8");
  std::wstring out(static_cast<size_t>(n), L'\0');
  MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, text.data(),
                      static_cast<int>(text.size()), out.data(), n);
  return out;
}

std::string WideToUtf8(std::wstring_view text) {
  if (text.empty()) return std::string();
  const int n = WideCharToMultiByte(CP_UTF8, 0, text.data(),
                                    static_cast<int>(text.size()), nullptr, 0,
                                    nullptr, nullptr);
  if (n <= 0) return std::string();
  std::string out(static_cast<size_t>(n), '\0');
  WideCharToMultiByte(CP_UTF8, 0, text.data(), static_cast<int>(text.size()),
                      out.data(), n, nullptr, nullptr);
  return out;
}

Status WinError(const std::string& what, const std::string& path, DWORD code) {
  wchar_t* buffer = nullptr;
  const DWORD n = FormatMessageW(
      FORMAT_MESSAGE_ALLOCATE_BUFFER | FORMAT_MESSAGE_FROM_SYSTEM |
          FORMAT_MESSAGE_IGNORE_INSERTS,
      nullptr, code, 0, reinterpret_cast<wchar_t*>(&buffer), 0, nullptr);
  std::string text = n > 0 ? WideToUtf8(std::wstring_view(buffer, n)) : "";
  if (buffer != nullptr) LocalFree(buffer);
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r' ||
                           text.back() == ' ' || text.back() == '.')) {
    text.pop_back();
  }
  return InternalError(what + " " + path + ": " +
                       (text.empty() ? "error" : text) + " (error " +
                       std::to_string(code) + ")");
}

Result<Sid> CurrentUserSid() {
  HANDLE token = nullptr;
  if (!OpenProcessToken(GetCurrentProcess(), TOKEN_QUERY, &token)) {
    return WinError("cannot open", "the process token", GetLastError());
  }
  DWORD size = 0;
  GetTokenInformation(token, TokenUser, nullptr, 0, &size);
  std::vector<unsigned char> info(size);
  if (size == 0 ||
      !GetTokenInformation(token, TokenUser, info.data(), size, &size)) {
    const DWORD err = GetLastError();
    CloseHandle(token);
    return WinError("cannot read", "the process token's user", err);
  }
  CloseHandle(token);
  PSID sid = reinterpret_cast<TOKEN_USER*>(info.data())->User.Sid;
  const DWORD length = GetLengthSid(sid);
  Sid out(length);
  CopySid(length, out.data(), sid);
  return out;
}

Sid WellKnownSid(WELL_KNOWN_SID_TYPE type) {
  DWORD size = SECURITY_MAX_SID_SIZE;
  Sid out(size);
  if (!CreateWellKnownSid(type, nullptr, out.data(), &size)) return Sid();
  out.resize(size);
  return out;
}

std::string DescribeSid(PSID sid) {
  wchar_t* text = nullptr;
  std::string out = "(unreadable SID)";
  if (ConvertSidToStringSidW(sid, &text)) {
    out = WideToUtf8(text);
    LocalFree(text);
  }
  struct Known {
    WELL_KNOWN_SID_TYPE type;
    const char* label;
  };
  static const Known kKnown[] = {
      {WinWorldSid, "Everyone"},
      {WinBuiltinUsersSid, "Users"},
      {WinAuthenticatedUserSid, "Authenticated Users"},
      {WinInteractiveSid, "Interactive"},
      {WinAnonymousSid, "Anonymous"},
      {WinBuiltinGuestsSid, "Guests"},
  };
  for (const Known& k : kKnown) {
    Sid known = WellKnownSid(k.type);
    if (!known.empty() && EqualSid(sid, known.data())) {
      return out + " (" + k.label + ")";
    }
  }
  return out;
}

Result<PrivateDacl> PrivateDacl::Make(bool inheritable) {
  Result<Sid> user = CurrentUserSid();
  if (!user.ok()) return user.status();
  std::vector<Sid> sids = {*user, WellKnownSid(WinLocalSystemSid),
                           WellKnownSid(WinBuiltinAdministratorsSid)};
  if (sids[1].empty() || sids[2].empty()) {
    return WinError("cannot build", "the SYSTEM/Administrators SIDs",
                    GetLastError());
  }
  // A service runs as LocalSystem: one entry for it is enough.
  if (EqualSid(sids[0].data(), sids[1].data())) sids.erase(sids.begin());
  DWORD size = sizeof(ACL);
  for (const Sid& sid : sids) {
    size += sizeof(ACCESS_ALLOWED_ACE) - sizeof(DWORD) +
            GetLengthSid(const_cast<unsigned char*>(sid.data()));
  }
  size = (size + 3) & ~DWORD{3};
  PrivateDacl dacl;
  dacl.buffer_.assign(size, 0);
  if (!InitializeAcl(dacl.acl(), size, ACL_REVISION)) {
    return WinError("cannot build", "a DACL", GetLastError());
  }
  const DWORD flags =
      inheritable ? (OBJECT_INHERIT_ACE | CONTAINER_INHERIT_ACE) : 0;
  for (Sid& sid : sids) {
    if (!AddAccessAllowedAceEx(dacl.acl(), ACL_REVISION, flags, FILE_ALL_ACCESS,
                               sid.data())) {
      return WinError("cannot build", "a DACL", GetLastError());
    }
  }
  return dacl;
}

SECURITY_ATTRIBUTES* PrivateDacl::attributes() {
  InitializeSecurityDescriptor(&descriptor_, SECURITY_DESCRIPTOR_REVISION);
  SetSecurityDescriptorDacl(&descriptor_, TRUE, acl(), FALSE);
  SetSecurityDescriptorControl(&descriptor_, SE_DACL_PROTECTED,
                               SE_DACL_PROTECTED);
  attributes_.nLength = sizeof(attributes_);
  attributes_.lpSecurityDescriptor = &descriptor_;
  attributes_.bInheritHandle = FALSE;
  return &attributes_;
}

std::vector<std::string> SplitCommandLine(const wchar_t* command_line) {
  std::vector<std::string> out;
  int count = 0;
  wchar_t** args = CommandLineToArgvW(command_line, &count);
  if (args == nullptr) return out;
  for (int i = 0; i < count; ++i) out.push_back(WideToUtf8(args[i]));
  LocalFree(args);
  return out;
}

}  // namespace mamori::platform::win
