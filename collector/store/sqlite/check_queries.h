#pragma once

// SqliteCheckQueries: CheckQueries (store/check_queries.h) on one SQLite
// connection. Statements are prepared once (SQLITE_PREPARE_PERSISTENT) and
// cached by the caller's key.
//
// Thread safety: one per connection and thread, like the Database it uses.

#include <map>
#include <string>
#include <string_view>

#include "collector/store/check_queries.h"
#include "collector/store/sqlite/sqlite.h"

namespace mamori::store {

class SqliteCheckQueries final : public CheckQueries {
 public:
  // `db` must outlive this object.
  explicit SqliteCheckQueries(Database& db) : db_(db) {}
  ~SqliteCheckQueries() override;
  SqliteCheckQueries(const SqliteCheckQueries&) = delete;
  SqliteCheckQueries& operator=(const SqliteCheckQueries&) = delete;

  Result<QueryShape> Describe(const std::string& key,
                              std::string_view sql) override;
  Status Run(const std::string& key, std::string_view sql,
             std::span<const QueryValue> values, const RowSink& sink) override;

 private:
  Result<sqlite3_stmt*> Prepare(const std::string& key, std::string_view sql);

  Database& db_;
  std::map<std::string, sqlite3_stmt*> statements_;
};

}  // namespace mamori::store
