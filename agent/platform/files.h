#pragma once

// Private, durable files for the agent's state (identity, CA, spool), one
// interface over POSIX and Windows:
//   POSIX    mode 0700 directories, 0600 files; temporary file + fsync +
//            rename + fsync of the directory.
//   Windows  a protected DACL (no inheritance from the parent) that grants
//            full control to the current user, LocalSystem and the
//            Administrators group only, by SID; FlushFileBuffers +
//            MoveFileExW(REPLACE_EXISTING | WRITE_THROUGH).
// Paths are UTF-8 on both (converted to UTF-16 for the Windows API).
//
// Thread-safe as long as two calls do not write the same path at once.

#include <string>
#include <string_view>

#include "common/status.h"

namespace mamori::platform {

// Creates `dir` and any missing parents, then makes `dir` itself private
// (0700; on Windows the private DACL, inherited by what is created inside).
// INTERNAL naming the path on failure.
Status EnsurePrivateDir(const std::string& dir);

// Replaces `path` with `content` so that a crash or a failure leaves either
// the old or the new content, never a mix, and the new file is private. Uses
// `path` + ".tmp" as the temporary file (a stale one from a crash is
// replaced, whatever its permissions). On an error the old file is untouched
// and the temporary file is removed.
Status WritePrivateFileAtomically(const std::string& path,
                                  std::string_view content);

// Creates `path` empty and private when it does not exist; an existing file
// is left as it is. For files another library fills in (the SQLite spool),
// so they never start with the umask's or the parent's permissions.
Status CreatePrivateFileIfMissing(const std::string& path);

// OK when nobody but the owner (and, on Windows, LocalSystem and the
// Administrators group) can access `path`. FAILED_PRECONDITION naming the
// path and who else can (POSIX: the mode bits or a foreign owner; Windows:
// the SIDs of the extra allow entries, or "no DACL"); NOT_FOUND when it does
// not exist; INTERNAL when it cannot be inspected.
Status CheckPrivate(const std::string& path);

}  // namespace mamori::platform
