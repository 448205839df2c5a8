#include "collector/store/testing/test_database.h"

#include <sqlite3.h>
#include <stdlib.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>

#include "collector/store/postgres/pg.h"
#include "collector/store/sqlite/sqlite.h"
#include "common/text.h"

namespace mamori::store::testing {

std::string BackendName(Backend backend) {
  return backend == Backend::kSqlite ? "sqlite" : "postgres";
}

std::optional<std::string> PostgresClusterUrl() {
  const char* url = std::getenv("MAMORI_TEST_PG_URL");
  if (url == nullptr || *url == '\0') return std::nullopt;
  return std::string(url);
}

std::string WithDatabase(const std::string& url, const std::string& database) {
  const size_t scheme = url.find("://");
  const size_t start = scheme == std::string::npos ? 0 : scheme + 3;
  const size_t slash = url.find('/', start);
  const size_t query = url.find('?', start);
  if (slash == std::string::npos ||
      (query != std::string::npos && query < slash)) {
    // No path: insert one before the query.
    const size_t at = query == std::string::npos ? url.size() : query;
    return url.substr(0, at) + "/" + database + url.substr(at);
  }
  const size_t end = query == std::string::npos ? url.size() : query;
  return url.substr(0, slash + 1) + database + url.substr(end);
}

class TestDatabase::Inspector {
 public:
  virtual ~Inspector() = default;
  virtual Result<Table> All(const std::string& sql) = 0;
  Result<std::optional<std::string>> First(const std::string& sql) {
    Result<Table> rows = All(sql);
    if (!rows.ok()) return rows.status();
    if (rows->empty() || rows->front().empty()) {
      return std::optional<std::string>();
    }
    // A NULL reads as empty text, as before.
    return std::optional<std::string>(rows->front().front().value_or(""));
  }
};

namespace {

class SqliteInspector final : public TestDatabase::Inspector {
 public:
  explicit SqliteInspector(Database db) : db_(std::move(db)) {}
  Result<TestDatabase::Table> All(const std::string& sql) override {
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(db_.raw(), sql.c_str(), -1, &stmt, nullptr) !=
        SQLITE_OK) {
      return InternalError(std::string(sqlite3_errmsg(db_.raw())) + ": " + sql);
    }
    TestDatabase::Table table;
    int rc = SQLITE_ROW;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
      std::vector<std::optional<std::string>> row;
      for (int c = 0; c < sqlite3_column_count(stmt); ++c) {
        if (sqlite3_column_type(stmt, c) == SQLITE_NULL) {
          row.emplace_back(std::nullopt);
        } else {
          const auto* text =
              reinterpret_cast<const char*>(sqlite3_column_text(stmt, c));
          row.emplace_back(std::string(
              text, static_cast<size_t>(sqlite3_column_bytes(stmt, c))));
        }
      }
      table.push_back(std::move(row));
    }
    sqlite3_finalize(stmt);
    if (rc != SQLITE_DONE) {
      return InternalError(std::string(sqlite3_errmsg(db_.raw())) + ": " + sql);
    }
    return table;
  }

 private:
  Database db_;
};

class PgInspector final : public TestDatabase::Inspector {
 public:
  explicit PgInspector(pg::Connection conn) : conn_(std::move(conn)) {}
  Result<TestDatabase::Table> All(const std::string& sql) override {
    Result<pg::Rows> rows = conn_.QueryOnce(sql);
    if (!rows.ok()) return rows.status();
    TestDatabase::Table table;
    for (int r = 0; r < rows->size(); ++r) {
      std::vector<std::optional<std::string>> row;
      for (int c = 0; c < rows->columns(); ++c) {
        if (rows->IsNull(r, c)) {
          row.emplace_back(std::nullopt);
        } else {
          row.emplace_back(rows->Text(r, c));
        }
      }
      table.push_back(std::move(row));
    }
    return table;
  }

 private:
  pg::Connection conn_;
};

class SqliteSession final : public TestDatabase::Session {
 public:
  explicit SqliteSession(Database db) : db_(std::move(db)) {}
  Status Exec(const std::string& sql) override { return db_.Exec(sql); }

 private:
  Database db_;
};

class PgSession final : public TestDatabase::Session {
 public:
  explicit PgSession(pg::Connection conn) : conn_(std::move(conn)) {}
  Status Exec(const std::string& sql) override { return conn_.Exec(sql); }

 private:
  pg::Connection conn_;
};

std::atomic<int> next_database{0};

}  // namespace

TestDatabase::TestDatabase(Backend backend, std::string url,
                           std::string drop_name)
    : backend_(backend), url_(std::move(url)), name_(std::move(drop_name)) {}

Result<std::unique_ptr<TestDatabase>> TestDatabase::Create(Backend backend) {
  if (backend == Backend::kSqlite) {
    std::string pattern =
        std::filesystem::temp_directory_path().string() + "/mamori_db_XXXXXX";
    if (mkdtemp(pattern.data()) == nullptr) {
      return InternalError("mkdtemp failed for " + pattern);
    }
    return std::unique_ptr<TestDatabase>(new TestDatabase(
        backend, "sqlite:" + pattern + "/collector.db", pattern));
  }
  std::optional<std::string> cluster = PostgresClusterUrl();
  if (!cluster) {
    return FailedPreconditionError(
        "MAMORI_TEST_PG_URL is not set: run the PostgreSQL cases under "
        "scripts/pg-cluster.sh run -- …");
  }
  Result<pg::Connection> admin = pg::Connection::Open(*cluster);
  if (!admin.ok()) return admin.status();
  const std::string name = "mamori_t" + std::to_string(getpid()) + "_" +
                           std::to_string(next_database++);
  MAMORI_RETURN_IF_ERROR(admin->Exec("DROP DATABASE IF EXISTS " + name));
  MAMORI_RETURN_IF_ERROR(
      admin->Exec("CREATE DATABASE " + name + " TEMPLATE template0"));
  return std::unique_ptr<TestDatabase>(
      new TestDatabase(backend, WithDatabase(*cluster, name), name));
}

TestDatabase::~TestDatabase() {
  inspector_.reset();
  if (backend_ == Backend::kSqlite) {
    std::error_code ignored;
    std::filesystem::remove_all(name_, ignored);
    return;
  }
  std::optional<std::string> cluster = PostgresClusterUrl();
  if (!cluster) return;
  Result<pg::Connection> admin = pg::Connection::Open(*cluster);
  // FORCE: a store a test leaked would otherwise keep the database busy.
  if (admin.ok()) {
    (void)admin->Exec("DROP DATABASE IF EXISTS " + name_ + " WITH (FORCE)");
  }
}

Result<TestDatabase::Table> TestDatabase::Query(const std::string& sql) {
  // Opens the inspector on first use (ScalarText does).
  if (!inspector_) {
    Result<std::string> opened = ScalarText("SELECT 1");
    if (!opened.ok()) return opened.status();
  }
  return inspector_->All(sql);
}

Result<std::string> TestDatabase::ScalarText(const std::string& sql) {
  if (!inspector_) {
    if (backend_ == Backend::kSqlite) {
      Result<Database> db = Database::Open(url_.substr(7), /*create=*/false);
      if (!db.ok()) return db.status();
      inspector_ = std::make_unique<SqliteInspector>(std::move(db).value());
    } else {
      Result<pg::Connection> conn = pg::Connection::Open(url_);
      if (!conn.ok()) return conn.status();
      inspector_ = std::make_unique<PgInspector>(std::move(conn).value());
    }
  }
  Result<std::optional<std::string>> first = inspector_->First(sql);
  if (!first.ok()) return first.status();
  if (!first->has_value()) return NotFoundError("no row: " + sql);
  return **first;
}

Result<std::unique_ptr<TestDatabase::Session>> TestDatabase::OpenSession() {
  if (backend_ == Backend::kSqlite) {
    Result<Database> db = Database::Open(url_.substr(7), /*create=*/false);
    if (!db.ok()) return db.status();
    return std::unique_ptr<Session>(
        std::make_unique<SqliteSession>(std::move(db).value()));
  }
  Result<pg::Connection> conn = pg::Connection::Open(url_);
  if (!conn.ok()) return conn.status();
  return std::unique_ptr<Session>(
      std::make_unique<PgSession>(std::move(conn).value()));
}

Result<int64_t> TestDatabase::Scalar(const std::string& sql) {
  Result<std::string> text = ScalarText(sql);
  if (!text.ok()) return text.status();
  std::optional<int64_t> value = ParseInt64(*text);
  if (!value) return InvalidArgumentError("not an integer: '" + *text + "'");
  return *value;
}

}  // namespace mamori::store::testing
