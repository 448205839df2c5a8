#include "collector/store/sqlite/sqlite.h"

#include <utility>

namespace mamori::store {
namespace {

Status SqliteError(sqlite3* db, std::string_view what) {
  std::string message(what);
  message += ": ";
  message += db != nullptr ? sqlite3_errmsg(db) : "out of memory";
  int code =
      db != nullptr ? (sqlite3_extended_errcode(db) & 0xff) : SQLITE_NOMEM;
  if (code == SQLITE_CONSTRAINT) return AbortedError(std::move(message));
  // Passing conditions a client should retry later (issue 13.7): a busy
  // database, a full disk, a failed read or write.
  if (code == SQLITE_BUSY || code == SQLITE_LOCKED || code == SQLITE_FULL ||
      code == SQLITE_IOERR) {
    return UnavailableError(std::move(message));
  }
  if (code == SQLITE_CORRUPT || code == SQLITE_NOTADB) {
    return DataLossError(std::move(message));
  }
  return InternalError(std::move(message));
}

std::string SqlHead(std::string_view sql) {
  constexpr size_t kMax = 80;
  std::string head(sql.substr(0, kMax));
  for (char& c : head) {
    if (c == '\n') c = ' ';
  }
  return sql.size() > kMax ? head + "…" : head;
}

}  // namespace

Result<Database> Database::Open(const std::string& path, bool create) {
  sqlite3* raw = nullptr;
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX;
  if (create) flags |= SQLITE_OPEN_CREATE;
  int rc = sqlite3_open_v2(path.c_str(), &raw, flags, nullptr);
  if (rc != SQLITE_OK) {
    std::string reason = raw != nullptr ? sqlite3_errmsg(raw) : "out of memory";
    sqlite3_close(raw);
    if (rc == SQLITE_CANTOPEN) {
      return NotFoundError("cannot open database " + path + ": " + reason);
    }
    return InternalError("cannot open database " + path + ": " + reason);
  }
  Database db(raw);
  sqlite3_busy_timeout(raw, 10000);
  sqlite3_extended_result_codes(raw, 1);
  // WAL lets CLI readers run while serve writes; NORMAL is durable across a
  // process crash (only an OS crash may lose the last commits).
  MAMORI_RETURN_IF_ERROR(
      // A 16 MiB page cache (the default is 2 MiB). It was 64 MiB while
      // host_packages had an index by package, whose scattered pages every
      // first report touched (core migration 3 dropped it). Measured with
      // 10,000 hosts stored: 16 MiB costs no more CPU per report than 64,
      // and SQLite scans the whole page-cache hash at every commit, which
      // grows with the cache (≈6 % of a steady report at 64 MiB); the
      // collector's RSS in the steady phase fell from ≈99 to ≈49 MiB.
      db.Exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
              "PRAGMA foreign_keys=ON; PRAGMA cache_size=-16384;")
          .WithContext(path));
  return db;
}

Database::Database(Database&& other) noexcept
    : db_(std::exchange(other.db_, nullptr)) {}

Database& Database::operator=(Database&& other) noexcept {
  if (this != &other) {
    sqlite3_close_v2(db_);
    db_ = std::exchange(other.db_, nullptr);
  }
  return *this;
}

Database::~Database() { sqlite3_close_v2(db_); }

Status Database::Exec(std::string_view sql) {
  std::string text(sql);
  char* error = nullptr;
  int rc = sqlite3_exec(db_, text.c_str(), nullptr, nullptr, &error);
  if (rc != SQLITE_OK) {
    std::string message = error != nullptr ? error : sqlite3_errstr(rc);
    sqlite3_free(error);
    Status status = SqliteError(db_, "SQL failed (" + SqlHead(sql) + ")");
    return Status(status.code(),
                  "SQL failed (" + SqlHead(sql) + "): " + message);
  }
  return Status::Ok();
}

Result<Statement> Database::Prepare(std::string_view sql) {
  sqlite3_stmt* stmt = nullptr;
  int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()),
                              SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
  if (rc != SQLITE_OK) {
    return SqliteError(db_, "cannot prepare (" + SqlHead(sql) + ")");
  }
  return Statement(db_, stmt);
}

int64_t Database::Changes() const { return sqlite3_changes64(db_); }

int64_t Database::LastInsertId() const {
  return sqlite3_last_insert_rowid(db_);
}

Statement::Statement(Statement&& other) noexcept
    : db_(other.db_),
      stmt_(std::exchange(other.stmt_, nullptr)),
      bind_failed_(other.bind_failed_) {}

Statement& Statement::operator=(Statement&& other) noexcept {
  if (this != &other) {
    sqlite3_finalize(stmt_);
    db_ = other.db_;
    stmt_ = std::exchange(other.stmt_, nullptr);
    bind_failed_ = other.bind_failed_;
  }
  return *this;
}

Statement::~Statement() { sqlite3_finalize(stmt_); }

Statement& Statement::Bind(int index, int64_t value) {
  if (sqlite3_bind_int64(stmt_, index, value) != SQLITE_OK) bind_failed_ = true;
  return *this;
}

Statement& Statement::Bind(int index, std::string_view value) {
  if (sqlite3_bind_text64(stmt_, index, value.data(), value.size(),
                          SQLITE_TRANSIENT, SQLITE_UTF8) != SQLITE_OK) {
    bind_failed_ = true;
  }
  return *this;
}

Statement& Statement::Bind(int index, double value) {
  if (sqlite3_bind_double(stmt_, index, value) != SQLITE_OK)
    bind_failed_ = true;
  return *this;
}

Statement& Statement::BindNull(int index) {
  if (sqlite3_bind_null(stmt_, index) != SQLITE_OK) bind_failed_ = true;
  return *this;
}

Statement& Statement::Bind(int index, const std::optional<int64_t>& value) {
  return value.has_value() ? Bind(index, *value) : BindNull(index);
}

Result<bool> Statement::Step() {
  if (bind_failed_) {
    return InternalError(std::string("cannot bind parameter: ") +
                         sqlite3_errmsg(db_));
  }
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  const char* sql = sqlite3_sql(stmt_);
  return SqliteError(db_,
                     "SQL failed (" + SqlHead(sql != nullptr ? sql : "") + ")");
}

Status Statement::Run() {
  while (true) {
    Result<bool> row = Step();
    if (!row.ok()) {
      Reset();
      return row.status();
    }
    if (!*row) break;
  }
  Reset();
  return Status::Ok();
}

void Statement::Reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
  bind_failed_ = false;
}

int64_t Statement::ColumnInt(int index) const {
  return sqlite3_column_int64(stmt_, index);
}

double Statement::ColumnDouble(int index) const {
  return sqlite3_column_double(stmt_, index);
}

std::string Statement::ColumnText(int index) const {
  const auto* text =
      reinterpret_cast<const char*>(sqlite3_column_text(stmt_, index));
  if (text == nullptr) return {};
  return std::string(text,
                     static_cast<size_t>(sqlite3_column_bytes(stmt_, index)));
}

std::string_view Statement::ColumnView(int index) const {
  const auto* text =
      reinterpret_cast<const char*>(sqlite3_column_text(stmt_, index));
  if (text == nullptr) return {};
  return {text, static_cast<size_t>(sqlite3_column_bytes(stmt_, index))};
}

bool Statement::ColumnIsNull(int index) const {
  return sqlite3_column_type(stmt_, index) == SQLITE_NULL;
}

std::optional<int64_t> Statement::ColumnOptionalInt(int index) const {
  if (ColumnIsNull(index)) return std::nullopt;
  return ColumnInt(index);
}

Transaction::~Transaction() {
  if (open_) (void)db_.Exec("ROLLBACK");
}

Status Transaction::Begin() {
  MAMORI_RETURN_IF_ERROR(db_.Exec("BEGIN IMMEDIATE"));
  open_ = true;
  return Status::Ok();
}

Status Transaction::Commit() {
  MAMORI_RETURN_IF_ERROR(db_.Exec("COMMIT"));
  open_ = false;
  return Status::Ok();
}

Savepoint::~Savepoint() {
  if (open_) {
    (void)db_.Exec("ROLLBACK TO " + name_);
    (void)db_.Exec("RELEASE " + name_);
  }
}

Status Savepoint::Begin() {
  MAMORI_RETURN_IF_ERROR(db_.Exec("SAVEPOINT " + name_));
  open_ = true;
  return Status::Ok();
}

Status Savepoint::Release() {
  MAMORI_RETURN_IF_ERROR(db_.Exec("RELEASE " + name_));
  open_ = false;
  return Status::Ok();
}

}  // namespace mamori::store
