#include "agent/spool/spool.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <utility>

#include "agent/platform/files.h"

namespace mamori::agent {
namespace {

constexpr int kSchemaVersion = 1;
constexpr int kBusyTimeoutMs = 10000;

// A damaged file (SQLITE_CORRUPT, SQLITE_NOTADB) is DATA_LOSS, which
// OpenOrRecover answers by starting a new spool; anything else is INTERNAL.
Status SqliteError(sqlite3* db, const std::string& what) {
  const int code = sqlite3_errcode(db) & 0xff;
  std::string message = "spool: " + what + sqlite3_errmsg(db);
  if (code == SQLITE_CORRUPT || code == SQLITE_NOTADB) {
    return DataLossError(std::move(message));
  }
  return InternalError(std::move(message));
}

// A prepared statement that finalises itself; errors carry SQLite's text.
class Stmt {
 public:
  Stmt(sqlite3* db, const char* sql) : db_(db) {
    rc_ = sqlite3_prepare_v2(db, sql, -1, &stmt_, nullptr);
  }
  ~Stmt() { sqlite3_finalize(stmt_); }
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;

  Status status() const {
    if (rc_ == SQLITE_OK) return Status::Ok();
    return SqliteError(db_, "prepare failed: ");
  }
  void BindText(int i, const std::string& v) {
    sqlite3_bind_text(stmt_, i, v.data(), static_cast<int>(v.size()),
                      SQLITE_TRANSIENT);
  }
  void BindBlob(int i, const std::string& v) {
    sqlite3_bind_blob(stmt_, i, v.data(), static_cast<int>(v.size()),
                      SQLITE_TRANSIENT);
  }
  void BindInt(int i, int64_t v) { sqlite3_bind_int64(stmt_, i, v); }

  // Returns true on a row, false when done; errors as INTERNAL.
  Result<bool> Step() {
    int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    return SqliteError(db_, "");
  }
  int64_t Int(int col) const { return sqlite3_column_int64(stmt_, col); }
  std::string Text(int col) const {
    const void* p = sqlite3_column_blob(stmt_, col);
    int n = sqlite3_column_bytes(stmt_, col);
    return p == nullptr ? std::string()
                        : std::string(static_cast<const char*>(p),
                                      static_cast<size_t>(n));
  }

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_ = nullptr;
  int rc_;
};

// Rolls back on scope exit unless committed, so an error path never leaves a
// half-applied change.
class Transaction {
 public:
  explicit Transaction(sqlite3* db) : db_(db) {}
  ~Transaction() {
    if (open_) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
  }
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  Status Begin() {
    // IMMEDIATE takes the write lock up front so two agents sharing a state
    // directory wait for each other instead of failing mid-transaction.
    if (sqlite3_exec(db_, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr) !=
        SQLITE_OK) {
      return UnavailableError(std::string("spool: begin: ") +
                              sqlite3_errmsg(db_));
    }
    open_ = true;
    return Status::Ok();
  }
  Status Commit() {
    if (sqlite3_exec(db_, "COMMIT", nullptr, nullptr, nullptr) != SQLITE_OK) {
      return SqliteError(db_, "commit: ");
    }
    open_ = false;
    return Status::Ok();
  }

 private:
  sqlite3* db_;
  bool open_ = false;
};

}  // namespace

Result<std::unique_ptr<Spool>> Spool::Open(const std::string& path,
                                           SpoolLimits limits,
                                           const Clock& clock) {
  // Create the file private ourselves: SQLite would use the umask, and the
  // WAL and shared-memory files copy the main file's mode (on Windows they
  // inherit the state directory's private DACL).
  if (Status s = platform::CreatePrivateFileIfMissing(path); !s.ok()) {
    return InternalError("spool: " + s.message());
  }
  sqlite3* db = nullptr;
  int rc =
      sqlite3_open_v2(path.c_str(), &db,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_FULLMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    std::string reason = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    sqlite3_close(db);
    return InternalError("spool: cannot open " + path + ": " + reason);
  }
  std::unique_ptr<Spool> spool(new Spool(db, limits, clock));
  Status st = spool->Init();
  if (!st.ok()) return st.WithContext(path);
  return spool;
}

Result<std::unique_ptr<Spool>> Spool::OpenOrRecover(const std::string& path,
                                                    SpoolLimits limits,
                                                    const Clock& clock,
                                                    std::string* moved_to) {
  Result<std::unique_ptr<Spool>> spool = Open(path, limits, clock);
  if (spool.ok() || spool.status().code() != StatusCode::kDataLoss) {
    return spool;
  }
  const Status damage = spool.status();
  // Keep the damaged file (and its journal) for whoever investigates; a
  // suffix with the time never replaces an earlier one.
  const std::string aside =
      path + ".corrupt-" + std::to_string(ToUnixSeconds(clock.Now()));
  for (const char* suffix : {"", "-wal", "-shm"}) {
    const std::string from = path + suffix;
    const std::string to = aside + suffix;
    if (std::rename(from.c_str(), to.c_str()) != 0 && *suffix == '\0') {
      return DataLossError(damage.message() + "; and it cannot be moved to " +
                           aside + ": " + std::strerror(errno));
    }
  }
  spool = Open(path, limits, clock);
  if (!spool.ok()) return spool;
  // How many reports were queued is in the damaged file: count at least one
  // so the collector shows that reports are missing.
  MAMORI_RETURN_IF_ERROR((*spool)->CountDropped(1));
  if (moved_to != nullptr) *moved_to = aside;
  return spool;
}

Spool::~Spool() { sqlite3_close(db_); }

Status Spool::Exec(const char* sql) {
  if (sqlite3_exec(db_, sql, nullptr, nullptr, nullptr) != SQLITE_OK) {
    return SqliteError(db_, "");
  }
  return Status::Ok();
}

Status Spool::CountDropped(int64_t reports) {
  Stmt add(db_,
           "UPDATE counters SET value = value + ? "
           "WHERE name = 'dropped_unreported'");
  MAMORI_RETURN_IF_ERROR(add.status());
  add.BindInt(1, reports);
  return add.Step().status();
}

Result<int64_t> Spool::QueryInt(const char* sql) {
  Stmt s(db_, sql);
  MAMORI_RETURN_IF_ERROR(s.status());
  Result<bool> row = s.Step();
  if (!row.ok()) return row.status();
  if (!*row) return int64_t{0};
  return s.Int(0);
}

Status Spool::Init() {
  sqlite3_busy_timeout(db_, kBusyTimeoutMs);
  Result<int64_t> version = QueryInt("PRAGMA user_version");
  if (!version.ok()) {
    return DataLossError("not a spool database: " + version.status().message());
  }
  if (*version > 0) {
    // A file with a readable header can still have damaged pages; find them
    // now rather than in the middle of a send. Takes milliseconds for a
    // full spool.
    Stmt check(db_, "PRAGMA quick_check");
    MAMORI_RETURN_IF_ERROR(check.status());
    Result<bool> row = check.Step();
    if (!row.ok()) return row.status();
    if (!*row || check.Text(0) != "ok") {
      return DataLossError("spool database is damaged: " +
                           (*row ? check.Text(0) : std::string("no answer")));
    }
  }
  if (*version > kSchemaVersion) {
    return FailedPreconditionError("spool schema version " +
                                   std::to_string(*version) +
                                   " is newer than this agent understands (" +
                                   std::to_string(kSchemaVersion) + ")");
  }
  // FULL makes each commit durable in WAL mode too: a report the agent
  // considers spooled is on disk before the first send attempt.
  MAMORI_RETURN_IF_ERROR(Exec("PRAGMA journal_mode=WAL"));
  MAMORI_RETURN_IF_ERROR(Exec("PRAGMA synchronous=FULL"));
  if (*version == kSchemaVersion) return Status::Ok();
  Transaction tx(db_);
  MAMORI_RETURN_IF_ERROR(tx.Begin());
  MAMORI_RETURN_IF_ERROR(
      Exec("CREATE TABLE IF NOT EXISTS reports ("
           "  seq INTEGER PRIMARY KEY AUTOINCREMENT,"
           "  report_id TEXT NOT NULL UNIQUE,"
           "  enqueued_at INTEGER NOT NULL,"
           "  bytes INTEGER NOT NULL,"
           "  attempts INTEGER NOT NULL DEFAULT 0,"
           "  payload BLOB NOT NULL);"
           "CREATE TABLE IF NOT EXISTS counters ("
           "  name TEXT PRIMARY KEY, value INTEGER NOT NULL);"
           "INSERT OR IGNORE INTO counters VALUES ('dropped_unreported', 0);"
           "CREATE TABLE IF NOT EXISTS acked_parts ("
           "  family TEXT PRIMARY KEY, sha256 TEXT NOT NULL);"
           "PRAGMA user_version = 1;"));
  return tx.Commit();
}

Status Spool::EnforceBounds(uint64_t incoming) {
  int64_t cutoff = ToUnixSeconds(clock_.Now() - limits_.max_age);
  int64_t dropped = 0;
  {
    Stmt del(db_, "DELETE FROM reports WHERE enqueued_at < ?");
    MAMORI_RETURN_IF_ERROR(del.status());
    del.BindInt(1, cutoff);
    Result<bool> r = del.Step();
    if (!r.ok()) return r.status();
    dropped += sqlite3_changes(db_);
  }
  Result<int64_t> total =
      QueryInt("SELECT COALESCE(SUM(bytes), 0) FROM reports");
  if (!total.ok()) return total.status();
  uint64_t bytes = static_cast<uint64_t>(*total);
  while (bytes + incoming > limits_.max_bytes) {
    Stmt oldest(db_, "SELECT seq, bytes FROM reports ORDER BY seq LIMIT 1");
    MAMORI_RETURN_IF_ERROR(oldest.status());
    Result<bool> row = oldest.Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    int64_t seq = oldest.Int(0);
    bytes -= static_cast<uint64_t>(oldest.Int(1));
    Stmt del(db_, "DELETE FROM reports WHERE seq = ?");
    MAMORI_RETURN_IF_ERROR(del.status());
    del.BindInt(1, seq);
    Result<bool> r = del.Step();
    if (!r.ok()) return r.status();
    ++dropped;
  }
  if (dropped == 0) return Status::Ok();
  return CountDropped(dropped);
}

Result<SpoolEntry> Spool::Enqueue(const std::string& report_id,
                                  const std::string& payload) {
  if (report_id.empty()) {
    return InvalidArgumentError("spool: report id is empty");
  }
  if (payload.size() > limits_.max_bytes) {
    return ResourceExhaustedError("spool: report of " +
                                  std::to_string(payload.size()) +
                                  " bytes exceeds the spool limit of " +
                                  std::to_string(limits_.max_bytes) + " bytes");
  }
  Transaction tx(db_);
  MAMORI_RETURN_IF_ERROR(tx.Begin());
  MAMORI_RETURN_IF_ERROR(EnforceBounds(payload.size()));
  SpoolEntry entry;
  entry.report_id = report_id;
  entry.enqueued_at = FromUnixSeconds(ToUnixSeconds(clock_.Now()));
  entry.payload = payload;
  Stmt ins(db_,
           "INSERT INTO reports (report_id, enqueued_at, bytes, payload) "
           "VALUES (?, ?, ?, ?)");
  MAMORI_RETURN_IF_ERROR(ins.status());
  ins.BindText(1, report_id);
  ins.BindInt(2, ToUnixSeconds(entry.enqueued_at));
  ins.BindInt(3, static_cast<int64_t>(payload.size()));
  ins.BindBlob(4, payload);
  Result<bool> r = ins.Step();
  if (!r.ok()) {
    if (sqlite3_extended_errcode(db_) == SQLITE_CONSTRAINT_UNIQUE) {
      return InvalidArgumentError("spool: report " + report_id +
                                  " is already queued");
    }
    return r.status();
  }
  entry.seq = sqlite3_last_insert_rowid(db_);
  MAMORI_RETURN_IF_ERROR(tx.Commit());
  return entry;
}

Result<std::vector<SpoolEntry>> Spool::Pending(int limit) {
  {
    Transaction tx(db_);
    MAMORI_RETURN_IF_ERROR(tx.Begin());
    MAMORI_RETURN_IF_ERROR(EnforceBounds(0));
    MAMORI_RETURN_IF_ERROR(tx.Commit());
  }
  Stmt q(db_,
         "SELECT seq, report_id, enqueued_at, payload, attempts FROM reports "
         "ORDER BY seq LIMIT ?");
  MAMORI_RETURN_IF_ERROR(q.status());
  q.BindInt(1, limit);
  std::vector<SpoolEntry> out;
  while (true) {
    Result<bool> row = q.Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    SpoolEntry e;
    e.seq = q.Int(0);
    e.report_id = q.Text(1);
    e.enqueued_at = FromUnixSeconds(q.Int(2));
    e.payload = q.Text(3);
    e.attempts = q.Int(4);
    out.push_back(std::move(e));
  }
  return out;
}

Status Spool::Discard(const std::string& report_id) {
  Transaction tx(db_);
  MAMORI_RETURN_IF_ERROR(tx.Begin());
  Stmt del(db_, "DELETE FROM reports WHERE report_id = ?");
  MAMORI_RETURN_IF_ERROR(del.status());
  del.BindText(1, report_id);
  MAMORI_RETURN_IF_ERROR(del.Step().status());
  if (sqlite3_changes(db_) > 0) MAMORI_RETURN_IF_ERROR(CountDropped(1));
  return tx.Commit();
}

Status Spool::MarkAttempt(const std::string& report_id) {
  Stmt up(db_,
          "UPDATE reports SET attempts = attempts + 1 WHERE report_id = ?");
  MAMORI_RETURN_IF_ERROR(up.status());
  up.BindText(1, report_id);
  return up.Step().status();
}

Status Spool::Ack(const std::string& report_id, uint64_t dropped_reported,
                  const std::map<std::string, std::string>& acked_parts) {
  Transaction tx(db_);
  MAMORI_RETURN_IF_ERROR(tx.Begin());
  {
    Stmt del(db_, "DELETE FROM reports WHERE report_id = ?");
    MAMORI_RETURN_IF_ERROR(del.status());
    del.BindText(1, report_id);
    MAMORI_RETURN_IF_ERROR(del.Step().status());
  }
  {
    // Reports dropped after this one was built are still unreported.
    Stmt sub(db_,
             "UPDATE counters SET value = MAX(0, value - ?) "
             "WHERE name = 'dropped_unreported'");
    MAMORI_RETURN_IF_ERROR(sub.status());
    sub.BindInt(1, static_cast<int64_t>(dropped_reported));
    MAMORI_RETURN_IF_ERROR(sub.Step().status());
  }
  MAMORI_RETURN_IF_ERROR(Exec("DELETE FROM acked_parts"));
  for (const auto& [family, sha] : acked_parts) {
    Stmt ins(db_, "INSERT INTO acked_parts (family, sha256) VALUES (?, ?)");
    MAMORI_RETURN_IF_ERROR(ins.status());
    ins.BindText(1, family);
    ins.BindText(2, sha);
    MAMORI_RETURN_IF_ERROR(ins.Step().status());
  }
  return tx.Commit();
}

Result<std::map<std::string, std::string>> Spool::AckedParts() {
  Stmt q(db_, "SELECT family, sha256 FROM acked_parts");
  MAMORI_RETURN_IF_ERROR(q.status());
  std::map<std::string, std::string> out;
  while (true) {
    Result<bool> row = q.Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    out[q.Text(0)] = q.Text(1);
  }
  return out;
}

Status Spool::ClearAckedParts() { return Exec("DELETE FROM acked_parts"); }

Result<SpoolStats> Spool::Stats() {
  SpoolStats stats;
  Result<int64_t> n = QueryInt("SELECT COUNT(*) FROM reports");
  if (!n.ok()) return n.status();
  Result<int64_t> bytes =
      QueryInt("SELECT COALESCE(SUM(bytes), 0) FROM reports");
  if (!bytes.ok()) return bytes.status();
  Result<int64_t> dropped =
      QueryInt("SELECT value FROM counters WHERE name = 'dropped_unreported'");
  if (!dropped.ok()) return dropped.status();
  stats.reports = *n;
  stats.bytes = static_cast<uint64_t>(*bytes);
  stats.dropped_unreported = static_cast<uint64_t>(*dropped);
  return stats;
}

}  // namespace mamori::agent
