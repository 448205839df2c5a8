#include "collector/store/sqlite/sqlite_backup.h"

#include <fcntl.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <map>
#include <thread>
#include <utility>

#include "collector/store/sqlite/migrations.h"
#include "collector/store/sqlite/sqlite.h"

namespace mamori::store {
namespace {

// A raw connection, closed on scope exit. The backup file is opened with
// SQLite's own API rather than Database::Open, which would switch a file
// being verified to WAL (a write) and needs it writable.
class Connection {
 public:
  Connection() = default;
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;
  ~Connection() { sqlite3_close_v2(db_); }

  Status Open(const std::string& path, int flags) {
    int rc = sqlite3_open_v2(path.c_str(), &db_, flags, nullptr);
    if (rc != SQLITE_OK) {
      return Error("cannot open " + path);
    }
    sqlite3_extended_result_codes(db_, 1);
    sqlite3_busy_timeout(db_, 10000);
    return Status::Ok();
  }

  Status Exec(const std::string& sql) {
    char* message = nullptr;
    if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &message) !=
        SQLITE_OK) {
      std::string reason = message != nullptr ? message : "unknown error";
      sqlite3_free(message);
      return InternalError(reason);
    }
    return Status::Ok();
  }

  // Runs `sql` (parameters bound as text in order) and calls `row` for each
  // result row.
  template <typename RowFn>
  Status Query(const std::string& sql, const std::vector<std::string>& params,
               RowFn&& row) {
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &stmt, nullptr) != SQLITE_OK) {
      return Error("cannot prepare");
    }
    for (size_t i = 0; i < params.size(); ++i) {
      sqlite3_bind_text(stmt, static_cast<int>(i + 1), params[i].data(),
                        static_cast<int>(params[i].size()), SQLITE_TRANSIENT);
    }
    int rc;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) row(stmt);
    sqlite3_finalize(stmt);
    if (rc != SQLITE_DONE) return Error("cannot read");
    return Status::Ok();
  }

  Status Error(const std::string& what) const {
    return InternalError(what + ": " +
                         (db_ != nullptr ? sqlite3_errmsg(db_) : "no memory"));
  }

  sqlite3* raw() const { return db_; }

 private:
  sqlite3* db_ = nullptr;
};

std::string Text(sqlite3_stmt* stmt, int column) {
  const unsigned char* text = sqlite3_column_text(stmt, column);
  return text != nullptr
             ? std::string(
                   reinterpret_cast<const char*>(text),
                   static_cast<size_t>(sqlite3_column_bytes(stmt, column)))
             : std::string();
}

// Copies every page of `from` into `to` in one step, that is in one read
// transaction on `from`: the copy is the database as of one commit, and
// WAL lets writers go on meanwhile. Retries while the source is locked.
Status CopyPages(sqlite3* from, sqlite3* to) {
  sqlite3_backup* backup = sqlite3_backup_init(to, "main", from, "main");
  if (backup == nullptr) {
    return InternalError(std::string("backup: ") + sqlite3_errmsg(to));
  }
  int rc = SQLITE_OK;
  for (int attempt = 0; attempt < 200; ++attempt) {
    rc = sqlite3_backup_step(backup, -1);
    if (rc != SQLITE_BUSY && rc != SQLITE_LOCKED) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  sqlite3_backup_finish(backup);
  if (rc != SQLITE_DONE) {
    return InternalError(std::string("backup: ") + sqlite3_errstr(rc));
  }
  return Status::Ok();
}

Status SyncFile(const std::string& path) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return InternalError("cannot open " + path + ": " + strerror(errno));
  int rc = fsync(fd);
  close(fd);
  if (rc != 0)
    return InternalError("cannot sync " + path + ": " + strerror(errno));
  return Status::Ok();
}

// Creates `path` empty with mode 0600 (the umask cannot widen it); fails if
// it exists.
Status CreatePrivateFile(const std::string& path) {
  int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    if (errno == EEXIST) return AlreadyExistsError(path + " already exists");
    return InternalError("cannot create " + path + ": " + strerror(errno));
  }
  fchmod(fd, 0600);
  close(fd);
  return Status::Ok();
}

// PRAGMA integrity_check: OK, or DATA_LOSS with its first findings.
Status IntegrityCheck(Connection& db, const std::string& what) {
  std::string findings;
  int count = 0;
  Status read =
      db.Query("PRAGMA integrity_check(20)", {}, [&](sqlite3_stmt* s) {
        std::string line = Text(s, 0);
        if (line == "ok") return;
        if (++count <= 3) findings += (findings.empty() ? "" : "; ") + line;
      });
  if (!read.ok()) {
    return DataLossError(what + " is not a readable SQLite database (" +
                         read.message() + ")");
  }
  if (count > 0) {
    return DataLossError(what + " fails PRAGMA integrity_check: " + findings);
  }
  return Status::Ok();
}

class SqliteBackupEngine final : public BackupEngine {
 public:
  Status Create(const std::string& database, std::span<const BackupFile> files,
                const std::string& out, TimePoint now) override {
    for (const BackupFile& f : files) {
      MAMORI_RETURN_IF_ERROR(CheckBackupPath(f.path));
    }
    if (access(database.c_str(), F_OK) != 0) {
      return NotFoundError("no database at " + database);
    }
    if (access(out.c_str(), F_OK) == 0) {
      return AlreadyExistsError(out + " already exists; choose a new file");
    }
    const std::string partial = out + ".partial";
    unlink(partial.c_str());
    MAMORI_RETURN_IF_ERROR(CreatePrivateFile(partial));
    Status written = Write(database, files, partial, now);
    if (written.ok()) written = SyncFile(partial);
    // link() refuses an existing `out`, where rename() would replace it.
    if (written.ok() && link(partial.c_str(), out.c_str()) != 0) {
      written =
          errno == EEXIST
              ? AlreadyExistsError(out + " already exists")
              : InternalError("cannot create " + out + ": " + strerror(errno));
    }
    unlink(partial.c_str());
    return written;
  }

  Result<BackupContents> Verify(const std::string& backup) override {
    if (access(backup.c_str(), R_OK) != 0) {
      return NotFoundError("cannot read " + backup + ": " + strerror(errno));
    }
    Connection db;
    MAMORI_RETURN_IF_ERROR(
        db.Open(backup, SQLITE_OPEN_READONLY).WithContext(backup));
    MAMORI_RETURN_IF_ERROR(IntegrityCheck(db, backup));

    BackupContents contents;
    std::map<std::string, std::string> meta;
    Status read =
        db.Query("SELECT key, value FROM mamori_backup_meta", {},
                 [&](sqlite3_stmt* s) { meta[Text(s, 0)] = Text(s, 1); });
    if (!read.ok() || meta["format"] != kSqliteBackupFormat) {
      return DataLossError(backup + " is not a mamori collector backup (no " +
                           kSqliteBackupFormat + " marker)");
    }
    contents.collector_version = meta["collector_version"];
    contents.created_at = std::atoll(meta["created_at"].c_str());

    MAMORI_RETURN_IF_ERROR(CheckSchema(db, backup, contents));

    Status files = db.Query(
        "SELECT path, mode, content FROM mamori_backup_file ORDER BY path", {},
        [&](sqlite3_stmt* s) {
          BackupFile f;
          f.path = Text(s, 0);
          f.mode = static_cast<uint32_t>(sqlite3_column_int64(s, 1)) & 0777;
          const void* blob = sqlite3_column_blob(s, 2);
          f.content.assign(static_cast<const char*>(blob),
                           static_cast<size_t>(sqlite3_column_bytes(s, 2)));
          contents.files.push_back(std::move(f));
        });
    if (!files.ok()) {
      return DataLossError(backup +
                           ": cannot read its files: " + files.message());
    }
    for (const BackupFile& f : contents.files) {
      MAMORI_RETURN_IF_ERROR(CheckBackupPath(f.path).WithContext(backup));
      if (f.content.size() > kMaxBackupFileBytes) {
        return DataLossError(backup + ": file " + f.path + " is too large");
      }
    }
    Status counts = db.Query(
        "SELECT (SELECT count(*) FROM hosts), (SELECT count(*) FROM reports)",
        {}, [&](sqlite3_stmt* s) {
          contents.hosts = sqlite3_column_int64(s, 0);
          contents.reports = sqlite3_column_int64(s, 1);
        });
    if (!counts.ok()) {
      return DataLossError(
          backup + " lacks the collector's tables: " + counts.message());
    }
    return contents;
  }

  Status RestoreDatabase(const std::string& backup,
                         const std::string& database) override {
    MAMORI_RETURN_IF_ERROR(CreatePrivateFile(database));
    Status restored = Restore(backup, database);
    if (!restored.ok()) {
      for (const char* suffix : {"", "-wal", "-shm", "-journal"}) {
        unlink((database + suffix).c_str());
      }
    }
    return restored;
  }

 private:
  static Status Write(const std::string& database,
                      std::span<const BackupFile> files,
                      const std::string& partial, TimePoint now) {
    Result<Database> source = Database::Open(database, /*create=*/false);
    if (!source.ok()) return source.status();
    Connection target;
    MAMORI_RETURN_IF_ERROR(
        target.Open(partial, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE));
    MAMORI_RETURN_IF_ERROR(
        CopyPages(source->raw(), target.raw()).WithContext(database));
    // One self-contained file: no -wal beside it to lose when copied away.
    MAMORI_RETURN_IF_ERROR(target.Exec(
        "PRAGMA journal_mode=DELETE; BEGIN;"
        "CREATE TABLE mamori_backup_meta (key TEXT PRIMARY KEY, value TEXT);"
        "CREATE TABLE mamori_backup_file (path TEXT PRIMARY KEY,"
        " mode INTEGER NOT NULL, content BLOB NOT NULL);"));
    sqlite3_stmt* insert = nullptr;
    if (sqlite3_prepare_v2(target.raw(),
                           "INSERT INTO mamori_backup_file VALUES (?1, ?2, ?3)",
                           -1, &insert, nullptr) != SQLITE_OK) {
      return target.Error("backup files");
    }
    for (const BackupFile& f : files) {
      sqlite3_bind_text(insert, 1, f.path.data(),
                        static_cast<int>(f.path.size()), SQLITE_TRANSIENT);
      sqlite3_bind_int64(insert, 2, f.mode & 0777);
      sqlite3_bind_blob(insert, 3, f.content.data(),
                        static_cast<int>(f.content.size()), SQLITE_TRANSIENT);
      int rc = sqlite3_step(insert);
      sqlite3_reset(insert);
      if (rc != SQLITE_DONE) {
        sqlite3_finalize(insert);
        return target.Error("backup file " + f.path);
      }
    }
    sqlite3_finalize(insert);
    const std::vector<std::pair<std::string, std::string>> meta = {
        {"format", kSqliteBackupFormat},
        {"collector_version", MAMORI_VERSION},
        {"created_at", std::to_string(ToUnixSeconds(now))}};
    for (const auto& [key, value] : meta) {
      MAMORI_RETURN_IF_ERROR(
          target.Query("INSERT INTO mamori_backup_meta VALUES (?1, ?2)",
                       {key, value}, [](sqlite3_stmt*) {}));
    }
    MAMORI_RETURN_IF_ERROR(target.Exec("COMMIT"));
    return IntegrityCheck(target, partial);
  }

  // Every module of the backup's schema_migrations is known to this
  // collector, at a version it knows: otherwise a newer collector wrote it.
  static Status CheckSchema(Connection& db, const std::string& backup,
                            BackupContents& contents) {
    Status read = db.Query(
        "SELECT module, max(version) FROM schema_migrations GROUP BY module "
        "ORDER BY module",
        {}, [&](sqlite3_stmt* s) {
          contents.schema.push_back(
              {Text(s, 0), static_cast<int>(sqlite3_column_int64(s, 1))});
        });
    if (!read.ok()) {
      return DataLossError(backup +
                           " has no schema version table: " + read.message());
    }
    for (const SchemaVersion& v : contents.schema) {
      const MigrationModule* known = nullptr;
      for (const MigrationModule& m : AllMigrationModules()) {
        if (m.name == v.module) known = &m;
      }
      if (known == nullptr) {
        return FailedPreconditionError(
            backup + " was written by a newer collector (schema module '" +
            v.module +
            "' is unknown to this one): restore it with that version / "
            "新しいバージョンのコレクタで作られたバックアップです");
      }
      std::span<const MigrationStep> steps = known->steps();
      const int latest = steps.empty() ? 0 : steps.back().version;
      if (v.version > latest) {
        return FailedPreconditionError(
            backup + " was written by a newer collector (schema module '" +
            v.module + "' at version " + std::to_string(v.version) +
            ", this one knows up to " + std::to_string(latest) +
            ") / 新しいバージョンのコレクタで作られたバックアップです");
      }
    }
    return Status::Ok();
  }

  static Status Restore(const std::string& backup,
                        const std::string& database) {
    Connection source;
    MAMORI_RETURN_IF_ERROR(source.Open(backup, SQLITE_OPEN_READONLY));
    Connection target;
    MAMORI_RETURN_IF_ERROR(target.Open(database, SQLITE_OPEN_READWRITE));
    MAMORI_RETURN_IF_ERROR(CopyPages(source.raw(), target.raw()));
    // secure_delete zeroes the dropped rows' pages: the keys are restored
    // as files and must not stay behind inside the database too.
    MAMORI_RETURN_IF_ERROR(target.Exec(
        "PRAGMA secure_delete=ON; BEGIN; DROP TABLE mamori_backup_file;"
        " DROP TABLE mamori_backup_meta; COMMIT; VACUUM;"
        " PRAGMA journal_mode=WAL;"));
    MAMORI_RETURN_IF_ERROR(IntegrityCheck(target, database));
    return SyncFile(database);
  }
};

}  // namespace

std::unique_ptr<BackupEngine> NewSqliteBackupEngine() {
  return std::make_unique<SqliteBackupEngine>();
}

}  // namespace mamori::store
