// `mamori_platform_dacl_probe.exe PATH...` prints, for each path, the owner
// and the DACL as the file system returns them (GetNamedSecurityInfoW, in
// SDDL) and CheckPrivate's verdict, one line each:
//   PATH<TAB>owner=<SID><TAB>dacl=<SDDL><TAB>private | not private: <why>
// Exit status: 0 when every path is private, 1 when one is not (or cannot be
// read), 2 on a usage error. tests/windows/agent_under_wine.sh reads the
// agent's node key, spool and state folder back with it: Wine's icacls
// prints nothing, and this is the same API the agent's own check uses.
// clang-format off
#include <windows.h>
#include <aclapi.h>
#include <sddl.h>
// clang-format on

#include <cstdio>
#include <string>
#include <vector>

#include "agent/platform/files.h"
#include "agent/platform/process.h"
#include "agent/platform/win_util.h"

namespace {

using mamori::platform::win::Utf8ToWide;
using mamori::platform::win::WideToUtf8;

// The owner and the DACL in SDDL, or the error that prevented reading them.
std::string Describe(const std::wstring& path) {
  PSECURITY_DESCRIPTOR sd = nullptr;
  PSID owner = nullptr;
  const DWORD rc = GetNamedSecurityInfoW(
      path.c_str(), SE_FILE_OBJECT,
      OWNER_SECURITY_INFORMATION | DACL_SECURITY_INFORMATION, &owner, nullptr,
      nullptr, nullptr, &sd);
  if (rc != ERROR_SUCCESS) {
    return "unreadable (GetNamedSecurityInfoW error " + std::to_string(rc) +
           ")";
  }
  std::string out = "owner=";
  out += owner != nullptr ? mamori::platform::win::DescribeSid(owner) : "none";
  wchar_t* text = nullptr;
  if (ConvertSecurityDescriptorToStringSecurityDescriptorW(
          sd, SDDL_REVISION_1, DACL_SECURITY_INFORMATION, &text, nullptr)) {
    out += "\tdacl=" + WideToUtf8(text);
    LocalFree(text);
  } else {
    out += "\tdacl=(not convertible, error " + std::to_string(GetLastError()) +
           ")";
  }
  LocalFree(sd);
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  const std::vector<std::string> args =
      mamori::platform::Utf8Arguments(argc, argv);
  if (args.size() < 2) {
    std::fprintf(stderr, "usage: mamori_platform_dacl_probe PATH...\n");
    return 2;
  }
  int rc = 0;
  for (size_t i = 1; i < args.size(); ++i) {
    mamori::Result<std::wstring> wide = Utf8ToWide(args[i]);
    if (!wide.ok()) {
      std::fprintf(stderr, "%s: not UTF-8\n", args[i].c_str());
      return 2;
    }
    const mamori::Status check = mamori::platform::CheckPrivate(args[i]);
    std::printf(
        "%s\t%s\t%s\n", args[i].c_str(), Describe(*wide).c_str(),
        check.ok() ? "private" : ("not private: " + check.message()).c_str());
    if (!check.ok()) rc = 1;
  }
  return rc;
}
