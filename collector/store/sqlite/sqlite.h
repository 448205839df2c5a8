#pragma once

// A small RAII layer over the raw sqlite3 C API: Database (one connection),
// Statement (prepared once, bound and stepped many times) and Transaction
// (rolls back unless committed). The store uses it instead of Poco::Data so
// each statement is prepared exactly once per connection.
//
// Thread safety: a Database and its Statements belong to one thread at a time
// (the caller serialises access); distinct Database objects on the same file
// may be used from different threads or processes (SQLite's own locking, WAL).

#include <sqlite3.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/status.h"

namespace mamori::store {

class Statement;

// One open connection. Move-only; closes on destruction.
class Database {
 public:
  // Opens (creating when `create` is true) the file at `path`, turns on WAL,
  // synchronous=NORMAL, foreign keys, a 16 MiB page cache (see sqlite.cpp for
  // why not more) and a busy timeout. Returns the open
  // database, or INTERNAL/NOT_FOUND naming the path and SQLite's reason.
  static Result<Database> Open(const std::string& path, bool create = true);

  Database(Database&& other) noexcept;
  Database& operator=(Database&& other) noexcept;
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;
  ~Database();

  // Runs one or more statements without results (DDL, PRAGMA, BEGIN).
  // Returns OK, or INTERNAL with SQLite's message and the failing SQL's start.
  Status Exec(std::string_view sql);

  // Prepares one statement. Returns it, or INTERNAL naming the SQL.
  Result<Statement> Prepare(std::string_view sql);

  // Rows changed by the last INSERT/UPDATE/DELETE on this connection.
  int64_t Changes() const;
  // Rowid of the last successful INSERT on this connection.
  int64_t LastInsertId() const;

  sqlite3* raw() const { return db_; }

 private:
  explicit Database(sqlite3* db) : db_(db) {}
  sqlite3* db_ = nullptr;
};

// A prepared statement. Bind parameters are 1-based, as in SQLite. Step()
// returns true while a row is available; Reset() makes it reusable.
class Statement {
 public:
  Statement(Statement&& other) noexcept;
  Statement& operator=(Statement&& other) noexcept;
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  ~Statement();

  Statement& Bind(int index, int64_t value);
  Statement& Bind(int index, std::string_view value);  // copied (TRANSIENT)
  Statement& Bind(int index, const char* value) {
    return Bind(index, std::string_view(value));
  }
  Statement& Bind(int index, double value);
  Statement& BindNull(int index);
  // Binds NULL when `value` is empty.
  Statement& Bind(int index, const std::optional<int64_t>& value);

  // Advances to the next row. Returns true with a row, false when done, or an
  // error (INTERNAL; ABORTED for a constraint violation, so callers can tell
  // a UNIQUE clash from a broken database).
  Result<bool> Step();
  // Steps until done; for statements whose rows are not needed.
  Status Run();
  // Clears the row cursor and all bindings for the next use.
  void Reset();

  int64_t ColumnInt(int index) const;
  double ColumnDouble(int index) const;
  std::string ColumnText(int index) const;
  // The same without a copy; valid until the next Step() or Reset().
  std::string_view ColumnView(int index) const;
  bool ColumnIsNull(int index) const;
  // NULL → nullopt.
  std::optional<int64_t> ColumnOptionalInt(int index) const;

 private:
  friend class Database;
  Statement(sqlite3* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}
  sqlite3* db_ = nullptr;
  sqlite3_stmt* stmt_ = nullptr;
  bool bind_failed_ = false;
};

// BEGIN IMMEDIATE on construction (when Begin() succeeds); ROLLBACK in the
// destructor unless Commit() succeeded. Not nestable: use Savepoint inside.
class Transaction {
 public:
  explicit Transaction(Database& db) : db_(db) {}
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  ~Transaction();

  // Returns OK when the transaction started, INTERNAL otherwise.
  Status Begin();
  // Returns OK when committed; on error the destructor rolls back.
  Status Commit();

 private:
  Database& db_;
  bool open_ = false;
};

// A named savepoint inside a transaction: Release() keeps its work, the
// destructor rolls back to it otherwise (leaving the outer transaction open).
class Savepoint {
 public:
  Savepoint(Database& db, std::string name) : db_(db), name_(std::move(name)) {}
  Savepoint(const Savepoint&) = delete;
  Savepoint& operator=(const Savepoint&) = delete;
  ~Savepoint();

  Status Begin();
  Status Release();

 private:
  Database& db_;
  std::string name_;
  bool open_ = false;
};

}  // namespace mamori::store
