#pragma once

// SqliteCheckQueries: CheckQueries (store/check_queries.h) on a SQLite
// connection of its own, opened read-only on the collector's file. The
// sandbox the port promises is built from SQLite's own tools:
//   - every main-schema fact view v_* that has an org_id column is shadowed
//     by a TEMP view of the same name keeping the rows where org_id equals
//     mamori_org(), a function returning the organisation of the running
//     query (temp objects win over main ones for unqualified names);
//   - an authorizer allows SELECT, recursive CTEs, functions, and reads that
//     are either inside a view or of the temp views and the reference tables
//     at top level (a read without a column — count(*), or a table a
//     flattened view joins — counts as inside a view only when the check's
//     own text does not name that table); everything else (main tables and
//     views read directly, PRAGMA, ATTACH, writes) is denied when the statement
//     is prepared;
//   - a progress handler stops a statement that runs past the time limit.
// Statements are prepared once (SQLITE_PREPARE_PERSISTENT) and cached by the
// caller's key. The connection never writes, so queries take no write lock.
//
// Thread safety: one per thread.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <string_view>

#include "collector/store/check_queries.h"
#include "collector/store/sqlite/sqlite.h"

namespace mamori::store {

class SqliteCheckQueries final : public CheckQueries {
 public:
  static constexpr std::chrono::milliseconds kDefaultTimeLimit{4000};

  // Opens the sandboxed connection on the (migrated) database at `path`.
  // Returns it, or the open error naming the file.
  static Result<std::unique_ptr<SqliteCheckQueries>> Open(
      const std::string& path,
      std::chrono::milliseconds time_limit = kDefaultTimeLimit);
  ~SqliteCheckQueries() override;
  SqliteCheckQueries(const SqliteCheckQueries&) = delete;
  SqliteCheckQueries& operator=(const SqliteCheckQueries&) = delete;

  Result<QueryShape> Describe(const std::string& key,
                              std::string_view sql) override;
  Status Run(const std::string& key, std::string_view sql, int64_t org_id,
             std::span<const QueryValue> values, const RowSink& sink) override;

  void SetTimeLimit(std::chrono::milliseconds limit) override {
    time_limit_ = limit;
  }
  void Interrupt() override { interrupted_ = true; }

 private:
  SqliteCheckQueries(Database db, std::chrono::milliseconds time_limit)
      : db_(std::move(db)), time_limit_(time_limit) {}
  Status Sandbox();
  Result<sqlite3_stmt*> Prepare(const std::string& key, std::string_view sql);

  static int Authorize(void* self, int action, const char* a, const char* b,
                       const char* db, const char* view);
  static int Progress(void* self);
  static void OrgFunction(sqlite3_context* ctx, int argc, sqlite3_value** argv);

  Database db_;
  std::chrono::milliseconds time_limit_;
  std::map<std::string, sqlite3_stmt*> statements_;
  int64_t org_id_ = 0;  // of the running query; 0 = none (no rows)
  std::chrono::steady_clock::time_point deadline_ =
      std::chrono::steady_clock::time_point::max();
  bool timed_out_ = false;
  // Set by Interrupt(), read by the progress handler of the running query.
  std::atomic<bool> interrupted_{false};
  // Why the authorizer last refused, for the error message.
  std::string denied_;
  // The names each statement's text holds (lower case, quotes removed), by
  // key; named_ is the set of the statement being prepared or run (SQLite
  // prepares a statement again when the schema changed).
  std::map<std::string, std::set<std::string>> names_;
  const std::set<std::string>* named_ = nullptr;
  // The database's tables and views (lower case), read once at Sandbox().
  std::set<std::string> schema_names_;
};

}  // namespace mamori::store
