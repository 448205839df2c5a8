#pragma once

// TestDatabase: a fresh, empty database for one test on either backend, so
// the store's test suites run the same cases over SQLite and PostgreSQL
// (issue #17). SQLite: a file in a new temporary directory. PostgreSQL: a
// new database on the cluster named by the environment variable
// MAMORI_TEST_PG_URL (scripts/pg-cluster.sh run … sets it), dropped when
// the TestDatabase goes; without the variable the PostgreSQL cases skip.
//
// Scalar() reads one value with plain SQL for assertions on what was stored
// (a second connection: stores hand out none).
//
// Thread safety: one test thread.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"

namespace mamori::store::testing {

enum class Backend { kSqlite, kPostgres };

// "sqlite" / "postgres", for parameterised test names.
std::string BackendName(Backend backend);

// The PostgreSQL cluster URL from MAMORI_TEST_PG_URL; nullopt when unset.
std::optional<std::string> PostgresClusterUrl();

// `url` (postgresql://…/DB?…) naming database `database` instead.
std::string WithDatabase(const std::string& url, const std::string& database);

class TestDatabase {
 public:
  // A new database; FAILED_PRECONDITION for PostgreSQL without
  // MAMORI_TEST_PG_URL (callers skip), or the backend's error.
  static Result<std::unique_ptr<TestDatabase>> Create(Backend backend);
  ~TestDatabase();

  Backend backend() const { return backend_; }
  // The store URL for OpenStore.
  const std::string& url() const { return url_; }
  // The first column of the first row of `sql` as an integer (text parsed
  // in decimal); NOT_FOUND for no row; the SQL error otherwise.
  Result<int64_t> Scalar(const std::string& sql);
  // The same, as text.
  Result<std::string> ScalarText(const std::string& sql);
  // Every row of `sql`, each column as text (nullopt for NULL).
  using Table = std::vector<std::vector<std::optional<std::string>>>;
  Result<Table> Query(const std::string& sql);

  // A connection of the test's own, for statements whose effect must last
  // between calls (a transaction holding a lock while a store waits on it).
  // Closing it ends what it holds.
  class Session {
   public:
    virtual ~Session() = default;
    // Runs `sql` (one or more statements). Returns OK or the SQL error.
    virtual Status Exec(const std::string& sql) = 0;
  };
  Result<std::unique_ptr<Session>> OpenSession();

  // Reads for Scalar, one per backend (test_database.cpp).
  class Inspector;

 private:
  TestDatabase(Backend backend, std::string url, std::string drop_name);

  Backend backend_;
  std::string url_;
  std::string name_;  // PostgreSQL database to drop; SQLite directory
  std::unique_ptr<Inspector> inspector_;
};

}  // namespace mamori::store::testing
