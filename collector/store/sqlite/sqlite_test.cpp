#include "collector/store/sqlite/sqlite.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <string>

namespace mamori::store {
namespace {

std::string TempDbPath() {
  std::string pattern = ::testing::TempDir() + "mamori_sqlite_XXXXXX";
  char* dir = mkdtemp(pattern.data());
  EXPECT_NE(dir, nullptr);
  return std::string(dir) + "/test.db";
}

TEST(SqliteTest, OpensInWalModeAndRoundTripsValues) {
  Result<Database> db = Database::Open(TempDbPath());
  ASSERT_TRUE(db.ok()) << db.status().ToString();
  Result<Statement> mode = db->Prepare("PRAGMA journal_mode");
  ASSERT_TRUE(mode.ok());
  ASSERT_TRUE(*mode->Step());
  EXPECT_EQ(mode->ColumnText(0), "wal");

  ASSERT_TRUE(db->Exec("CREATE TABLE t (a INTEGER, b TEXT, c REAL)").ok());
  Result<Statement> insert = db->Prepare("INSERT INTO t VALUES (?1, ?2, ?3)");
  ASSERT_TRUE(insert.ok());
  // One prepared statement reused: each Run() resets it.
  ASSERT_TRUE(insert->Bind(1, int64_t{1})
                  .Bind(2, "x'); DROP TABLE t;--")
                  .Bind(3, 1.5)
                  .Run()
                  .ok());
  ASSERT_TRUE(insert->Bind(1, int64_t{2}).BindNull(2).Bind(3, 2.5).Run().ok());

  Result<Statement> select = db->Prepare("SELECT a, b, c FROM t ORDER BY a");
  ASSERT_TRUE(select.ok());
  ASSERT_TRUE(*select->Step());
  EXPECT_EQ(select->ColumnInt(0), 1);
  EXPECT_EQ(select->ColumnText(1), "x'); DROP TABLE t;--");
  EXPECT_DOUBLE_EQ(select->ColumnDouble(2), 1.5);
  ASSERT_TRUE(*select->Step());
  EXPECT_TRUE(select->ColumnIsNull(1));
  EXPECT_EQ(select->ColumnOptionalInt(1), std::nullopt);
  EXPECT_FALSE(*select->Step());
}

TEST(SqliteTest, ConstraintViolationIsAborted) {
  Result<Database> db = Database::Open(TempDbPath());
  ASSERT_TRUE(db.ok());
  ASSERT_TRUE(db->Exec("CREATE TABLE t (a INTEGER UNIQUE)").ok());
  Result<Statement> insert = db->Prepare("INSERT INTO t VALUES (?1)");
  ASSERT_TRUE(insert.ok());
  ASSERT_TRUE(insert->Bind(1, int64_t{7}).Run().ok());
  Status again = insert->Bind(1, int64_t{7}).Run();
  EXPECT_EQ(again.code(), StatusCode::kAborted) << again.ToString();
}

TEST(SqliteTest, TransactionRollsBackUnlessCommitted) {
  Result<Database> db = Database::Open(TempDbPath());
  ASSERT_TRUE(db.ok());
  ASSERT_TRUE(db->Exec("CREATE TABLE t (a INTEGER)").ok());
  {
    Transaction tx(*db);
    ASSERT_TRUE(tx.Begin().ok());
    ASSERT_TRUE(db->Exec("INSERT INTO t VALUES (1)").ok());
  }
  {
    Transaction tx(*db);
    ASSERT_TRUE(tx.Begin().ok());
    ASSERT_TRUE(db->Exec("INSERT INTO t VALUES (2)").ok());
    {
      Savepoint sp(*db, "inner");
      ASSERT_TRUE(sp.Begin().ok());
      ASSERT_TRUE(db->Exec("INSERT INTO t VALUES (3)").ok());
    }
    ASSERT_TRUE(tx.Commit().ok());
  }
  Result<Statement> select = db->Prepare("SELECT group_concat(a) FROM t");
  ASSERT_TRUE(select.ok());
  ASSERT_TRUE(*select->Step());
  EXPECT_EQ(select->ColumnText(0), "2");
}

TEST(SqliteTest, BadSqlNamesTheStatement) {
  Result<Database> db = Database::Open(TempDbPath());
  ASSERT_TRUE(db.ok());
  Result<Statement> bad = db->Prepare("SELEKT 1");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("SELEKT"), std::string::npos);
}

TEST(SqliteTest, MissingDirectoryIsNotFound) {
  Result<Database> db = Database::Open("/nonexistent-dir/x/test.db");
  ASSERT_FALSE(db.ok());
  EXPECT_EQ(db.status().code(), StatusCode::kNotFound);
  EXPECT_NE(db.status().message().find("/nonexistent-dir/x/test.db"),
            std::string::npos);
}

}  // namespace
}  // namespace mamori::store
