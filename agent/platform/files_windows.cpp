// Windows implementation of agent/platform/files.h.
// <windows.h> first: the other SDK headers need its definitions.
#include <windows.h>
//
#include <aclapi.h>

#include <algorithm>
#include <filesystem>

#include "agent/platform/files.h"
#include "agent/platform/win_util.h"

namespace mamori::platform {
namespace {

using win::WinError;

Result<std::wstring> Wide(const std::string& path) {
  Result<std::wstring> w = win::Utf8ToWide(path);
  if (!w.ok()) return InvalidArgumentError("path is not UTF-8: " + path);
  return w;
}

Status ApplyDacl(HANDLE handle, win::PrivateDacl& dacl,
                 const std::string& path) {
  const DWORD rc = SetSecurityInfo(
      handle, SE_FILE_OBJECT,
      DACL_SECURITY_INFORMATION | PROTECTED_DACL_SECURITY_INFORMATION, nullptr,
      nullptr, dacl.acl(), nullptr);
  if (rc != ERROR_SUCCESS) return WinError("cannot set the DACL of", path, rc);
  return Status::Ok();
}

}  // namespace

Status EnsurePrivateDir(const std::string& dir) {
  Result<std::wstring> wdir = Wide(dir);
  if (!wdir.ok()) return wdir.status();
  Result<win::PrivateDacl> dacl = win::PrivateDacl::Make(/*inheritable=*/true);
  if (!dacl.ok()) return dacl.status();
  // Parents get their default permissions; only `dir` itself is private.
  std::error_code ec;
  const std::filesystem::path path(*wdir);
  if (path.has_parent_path()) {
    std::filesystem::create_directories(path.parent_path(), ec);
    if (ec) {
      return InternalError("cannot create directory " + dir + ": " +
                           ec.message());
    }
  }
  if (!CreateDirectoryW(wdir->c_str(), dacl->attributes())) {
    const DWORD err = GetLastError();
    if (err != ERROR_ALREADY_EXISTS) {
      return WinError("cannot create directory", dir, err);
    }
    const DWORD attributes = GetFileAttributesW(wdir->c_str());
    if (attributes == INVALID_FILE_ATTRIBUTES ||
        (attributes & FILE_ATTRIBUTE_DIRECTORY) == 0) {
      return InternalError("cannot create directory " + dir +
                           ": a file of that name exists");
    }
    // It exists: make it private now (the chmod 0700 of POSIX). Files
    // already inside keep their own DACLs.
    const DWORD rc = SetNamedSecurityInfoW(
        const_cast<wchar_t*>(wdir->c_str()), SE_FILE_OBJECT,
        DACL_SECURITY_INFORMATION | PROTECTED_DACL_SECURITY_INFORMATION,
        nullptr, nullptr, dacl->acl(), nullptr);
    if (rc != ERROR_SUCCESS) {
      return WinError("cannot set the DACL of", dir, rc);
    }
  }
  return Status::Ok();
}

Status WritePrivateFileAtomically(const std::string& path,
                                  std::string_view content) {
  const std::string tmp = path + ".tmp";
  Result<std::wstring> wpath = Wide(path);
  if (!wpath.ok()) return wpath.status();
  const std::wstring wtmp = *wpath + L".tmp";
  Result<win::PrivateDacl> dacl = win::PrivateDacl::Make(false);
  if (!dacl.ok()) return dacl.status();

  // As O_EXCL | O_NOFOLLOW on POSIX: a stale temporary file (or a link
  // planted in its place; DeleteFileW removes the link, not its target) is
  // removed, and CREATE_NEW fails on anything that reappears there, so the
  // write never goes through a reparse point to another file.
  if (!DeleteFileW(wtmp.c_str()) && GetLastError() != ERROR_FILE_NOT_FOUND) {
    return WinError("cannot remove the stale", tmp, GetLastError());
  }
  HANDLE h = CreateFileW(wtmp.c_str(), GENERIC_WRITE | WRITE_DAC | READ_CONTROL,
                         0, dacl->attributes(), CREATE_NEW,
                         FILE_ATTRIBUTE_NORMAL | FILE_FLAG_OPEN_REPARSE_POINT,
                         nullptr);
  if (h == INVALID_HANDLE_VALUE) {
    return WinError("cannot create", tmp, GetLastError());
  }
  auto fail = [&](Status s) {
    CloseHandle(h);
    DeleteFileW(wtmp.c_str());
    return s;
  };
  // The DACL is set on the handle too, so the file is private whatever the
  // parent directory's inheritable entries say.
  if (Status s = ApplyDacl(h, *dacl, tmp); !s.ok()) return fail(s);
  size_t done = 0;
  while (done < content.size()) {
    const DWORD chunk =
        static_cast<DWORD>(std::min<size_t>(content.size() - done, 1u << 30));
    DWORD written = 0;
    if (!WriteFile(h, content.data() + done, chunk, &written, nullptr) ||
        written == 0) {
      return fail(WinError("cannot write", tmp, GetLastError()));
    }
    done += written;
  }
  if (!FlushFileBuffers(h)) {
    return fail(WinError("cannot flush", tmp, GetLastError()));
  }
  CloseHandle(h);
  // WRITE_THROUGH: returns only once the rename is on disk (the fsync of the
  // directory on POSIX).
  if (!MoveFileExW(wtmp.c_str(), wpath->c_str(),
                   MOVEFILE_REPLACE_EXISTING | MOVEFILE_WRITE_THROUGH)) {
    const DWORD err = GetLastError();
    DeleteFileW(wtmp.c_str());
    return WinError("cannot rename " + tmp + " to", path, err);
  }
  return Status::Ok();
}

Status CreatePrivateFileIfMissing(const std::string& path) {
  Result<std::wstring> wpath = Wide(path);
  if (!wpath.ok()) return wpath.status();
  Result<win::PrivateDacl> dacl = win::PrivateDacl::Make(false);
  if (!dacl.ok()) return dacl.status();
  // CREATE_NEW: the security attributes apply to a new file only, and an
  // existing one must not be touched.
  HANDLE h = CreateFileW(wpath->c_str(), GENERIC_READ | GENERIC_WRITE,
                         FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE,
                         dacl->attributes(), CREATE_NEW, FILE_ATTRIBUTE_NORMAL,
                         nullptr);
  if (h == INVALID_HANDLE_VALUE) {
    const DWORD err = GetLastError();
    if (err == ERROR_FILE_EXISTS) return Status::Ok();
    return WinError("cannot create", path, err);
  }
  CloseHandle(h);
  return Status::Ok();
}

Status CheckPrivate(const std::string& path) {
  Result<std::wstring> wpath = Wide(path);
  if (!wpath.ok()) return wpath.status();
  PSID owner = nullptr;
  PACL dacl = nullptr;
  PSECURITY_DESCRIPTOR sd = nullptr;
  const DWORD rc = GetNamedSecurityInfoW(
      wpath->c_str(), SE_FILE_OBJECT,
      OWNER_SECURITY_INFORMATION | DACL_SECURITY_INFORMATION, &owner, nullptr,
      &dacl, nullptr, &sd);
  if (rc == ERROR_FILE_NOT_FOUND || rc == ERROR_PATH_NOT_FOUND) {
    return NotFoundError(path + " does not exist");
  }
  if (rc != ERROR_SUCCESS) {
    return WinError("cannot read the security of", path, rc);
  }
  struct FreeSd {
    PSECURITY_DESCRIPTOR sd;
    ~FreeSd() { LocalFree(sd); }
  } free_sd{sd};
  if (dacl == nullptr) {
    return FailedPreconditionError(path +
                                   " has no DACL, so everyone has full access");
  }
  Result<win::Sid> me = win::CurrentUserSid();
  if (!me.ok()) return me.status();
  const win::Sid system = win::WellKnownSid(WinLocalSystemSid);
  const win::Sid admins = win::WellKnownSid(WinBuiltinAdministratorsSid);
  auto trusted = [&](PSID sid) {
    return (owner != nullptr && EqualSid(sid, owner)) ||
           EqualSid(sid, const_cast<unsigned char*>(me->data())) ||
           (!system.empty() &&
            EqualSid(sid, const_cast<unsigned char*>(system.data()))) ||
           (!admins.empty() &&
            EqualSid(sid, const_cast<unsigned char*>(admins.data())));
  };
  ACL_SIZE_INFORMATION info{};
  if (!GetAclInformation(dacl, &info, sizeof(info), AclSizeInformation)) {
    return WinError("cannot read the DACL of", path, GetLastError());
  }
  std::string others;
  for (DWORD i = 0; i < info.AceCount; ++i) {
    void* ace = nullptr;
    if (!GetAce(dacl, i, &ace)) {
      return WinError("cannot read the DACL of", path, GetLastError());
    }
    const auto* header = static_cast<const ACE_HEADER*>(ace);
    if ((header->AceFlags & INHERIT_ONLY_ACE) != 0) continue;
    if (header->AceType == ACCESS_DENIED_ACE_TYPE) continue;
    if (header->AceType != ACCESS_ALLOWED_ACE_TYPE) {
      // Object and callback entries: not understood, so not private.
      others += std::string(others.empty() ? "" : ", ") + "an ACE of type " +
                std::to_string(header->AceType);
      continue;
    }
    PSID sid = &static_cast<ACCESS_ALLOWED_ACE*>(ace)->SidStart;
    if (!trusted(sid)) {
      others += std::string(others.empty() ? "" : ", ") + win::DescribeSid(sid);
    }
  }
  if (!others.empty()) {
    return FailedPreconditionError(path + " can also be accessed by " + others);
  }
  return Status::Ok();
}

}  // namespace mamori::platform
