#pragma once

// Backups of a collector's data: the database as one consistent snapshot,
// taken while `serve` may be writing, plus the data directory's other files
// (the PKI and signing keys) with their modes, in one file. This header names
// no database library; collector/store/sqlite/sqlite_backup.h implements it for
// SQLite. `mamori-collector backup` / `restore` (collector/cli/cmd_backup.h)
// walk the data directory and write the restored files.
//
// Thread safety: an engine keeps no state between calls; calls on different
// files may run concurrently.

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/status.h"

namespace mamori::store {

// One file of the data directory other than the database.
struct BackupFile {
  std::string path;      // relative, '/'-separated (see CheckBackupPath)
  uint32_t mode = 0600;  // permission bits
  std::string content;
};

struct SchemaVersion {
  std::string module;
  int version = 0;
};

// What a verified backup holds.
struct BackupContents {
  std::string collector_version;  // version of the collector that wrote it
  int64_t created_at = 0;         // Unix seconds
  std::vector<SchemaVersion> schema;
  std::vector<BackupFile> files;
  int64_t hosts = 0;    // rows, for the summary printed to the operator
  int64_t reports = 0;  // stored reports (each acknowledged to its agent)
};

// The largest file of the data directory a backup carries (keys and
// certificates are a few KiB; anything this big is not ours).
inline constexpr size_t kMaxBackupFileBytes = 16 << 20;

// OK when `path` is a safe relative path for a restored file: not empty,
// not absolute, '/'-separated components that are neither empty, "." nor
// "..", no NUL or control characters, at most 255 bytes. INVALID_ARGUMENT
// naming the path otherwise.
Status CheckBackupPath(std::string_view path);

class BackupEngine {
 public:
  virtual ~BackupEngine() = default;

  // Writes a consistent copy of the database at `database` (which other
  // processes may be writing) and `files` to `out`, created with mode 0600.
  // Returns OK; NOT_FOUND when `database` is missing; ALREADY_EXISTS when
  // `out` exists (never overwritten); INVALID_ARGUMENT for a bad file path;
  // INTERNAL with the reason otherwise (then no `out` is left behind).
  virtual Status Create(const std::string& database,
                        std::span<const BackupFile> files,
                        const std::string& out, TimePoint now) = 0;

  // Reads and checks `backup` without changing it: the database passes its
  // integrity check, it is a mamori backup, its schema is not newer than
  // this collector, every file path is safe. Returns the contents; NOT_FOUND
  // when missing; DATA_LOSS naming what is corrupt; FAILED_PRECONDITION when
  // it was written by a newer collector.
  virtual Result<BackupContents> Verify(const std::string& backup) = 0;

  // Writes the database held by a verified `backup` to `database` (must not
  // exist), without the backup's own tables. OK, or the error with `database`
  // removed.
  virtual Status RestoreDatabase(const std::string& backup,
                                 const std::string& database) = 0;
};

}  // namespace mamori::store
