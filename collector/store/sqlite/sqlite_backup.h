#pragma once

// The SQLite BackupEngine. A backup is itself a SQLite file (rollback
// journal, no WAL, mode 0600): a page-by-page copy of collector.db made with
// SQLite's online backup API in one read transaction (so a snapshot of one
// instant, while WAL lets `serve` keep committing), plus two tables of its
// own, mamori_backup_meta (format, writer version, time) and
// mamori_backup_file (path, mode, content of the data directory's other
// files). Restoring copies the pages back and drops those tables with
// secure_delete, so no key material lingers in free pages of the database.
//
// Thread safety: as BackupEngine.

#include <memory>

#include "collector/store/backup.h"

namespace mamori::store {

// The format tag written to and required in mamori_backup_meta.
inline constexpr char kSqliteBackupFormat[] = "mamori-collector-backup/1";

std::unique_ptr<BackupEngine> NewSqliteBackupEngine();

}  // namespace mamori::store
