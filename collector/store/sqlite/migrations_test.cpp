#include "collector/store/sqlite/migrations.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <string>

namespace mamori::store {
namespace {

std::string TempDbPath() {
  std::string pattern = ::testing::TempDir() + "mamori_migr_XXXXXX";
  char* dir = mkdtemp(pattern.data());
  EXPECT_NE(dir, nullptr);
  return std::string(dir) + "/test.db";
}

constexpr MigrationStep kV1[] = {{1, "CREATE TABLE a (x INTEGER);"}};
constexpr MigrationStep kV2[] = {{1, "CREATE TABLE a (x INTEGER);"},
                                 {2, "ALTER TABLE a ADD COLUMN y TEXT;"}};
constexpr MigrationStep kBroken[] = {
    {1, "CREATE TABLE b (x INTEGER);"},
    {2, "CREATE TABLE c (x INTEGER); THIS IS NOT SQL;"}};

std::span<const MigrationStep> V1() { return kV1; }
std::span<const MigrationStep> V2() { return kV2; }
std::span<const MigrationStep> Broken() { return kBroken; }
constexpr MigrationStep kOther[] = {{1, "CREATE TABLE other (x INTEGER);"}};
std::span<const MigrationStep> Other() { return kOther; }

const FakeClock& TestClock() {
  static const FakeClock clock(FromUnixSeconds(1'700'000'000));
  return clock;
}

TEST(MigrationsTest, AppliesOnceThenOnlyNewSteps) {
  Result<Database> db = Database::Open(TempDbPath());
  ASSERT_TRUE(db.ok());
  const MigrationModule v1[] = {{"demo", &V1}};
  ASSERT_TRUE(ApplyMigrations(*db, v1, TestClock()).ok());
  EXPECT_EQ(*AppliedVersion(*db, "demo"), 1);
  // Running again is a no-op (CREATE TABLE would fail if repeated).
  ASSERT_TRUE(ApplyMigrations(*db, v1, TestClock()).ok());

  const MigrationModule v2[] = {{"demo", &V2}};
  Status status = ApplyMigrations(*db, v2, TestClock());
  ASSERT_TRUE(status.ok()) << status.ToString();
  EXPECT_EQ(*AppliedVersion(*db, "demo"), 2);
  EXPECT_TRUE(db->Exec("INSERT INTO a (x, y) VALUES (1, 'z')").ok());

  Result<Statement> rows = db->Prepare(
      "SELECT count(*), min(applied_at) FROM schema_migrations WHERE module = "
      "'demo'");
  ASSERT_TRUE(rows.ok());
  ASSERT_TRUE(*rows->Step());
  EXPECT_EQ(rows->ColumnInt(0), 2);
  EXPECT_EQ(rows->ColumnInt(1), 1'700'000'000);
}

TEST(MigrationsTest, FailedStepRollsBackAndNamesModuleAndVersion) {
  Result<Database> db = Database::Open(TempDbPath());
  ASSERT_TRUE(db.ok());
  const MigrationModule modules[] = {{"broken", &Broken}};
  Status status = ApplyMigrations(*db, modules, TestClock());
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.message().find("migration broken v2"), std::string::npos)
      << status.message();
  EXPECT_EQ(*AppliedVersion(*db, "broken"), 1);
  // Step 2 left nothing behind: table c does not exist.
  EXPECT_FALSE(db->Exec("INSERT INTO c VALUES (1)").ok());
  EXPECT_TRUE(db->Exec("INSERT INTO b VALUES (1)").ok());
}

TEST(MigrationsTest, NewerDatabaseIsRefused) {
  Result<Database> db = Database::Open(TempDbPath());
  ASSERT_TRUE(db.ok());
  const MigrationModule v2[] = {{"demo", &V2}};
  ASSERT_TRUE(ApplyMigrations(*db, v2, TestClock()).ok());
  const MigrationModule v1[] = {{"demo", &V1}};
  Status status = ApplyMigrations(*db, v1, TestClock());
  EXPECT_EQ(status.code(), StatusCode::kFailedPrecondition);
}

TEST(MigrationsTest, DatabaseWithAnUnknownModuleIsRefused) {
  Result<Database> db = Database::Open(TempDbPath());
  ASSERT_TRUE(db.ok());
  const MigrationModule newer[] = {{"demo", &V1}, {"added-later", &Other}};
  ASSERT_TRUE(ApplyMigrations(*db, newer, TestClock()).ok());
  const MigrationModule older[] = {{"demo", &V1}};
  Status status = ApplyMigrations(*db, older, TestClock());
  EXPECT_EQ(status.code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(status.message().find("'added-later'"), std::string::npos)
      << status.message();
}

TEST(MigrationsTest, ModulesAreIndependent) {
  Result<Database> db = Database::Open(TempDbPath());
  ASSERT_TRUE(db.ok());
  ASSERT_TRUE(ApplyMigrations(*db, AllMigrationModules(), TestClock()).ok());
  EXPECT_GE(*AppliedVersion(*db, "core"), 1);
  EXPECT_EQ(*AppliedVersion(*db, "unknown-module"), 0);
  ASSERT_TRUE(ApplyMigrations(*db, AllMigrationModules(), TestClock()).ok());
}

}  // namespace
}  // namespace mamori::store
