// PRAGMA integrity_check on the whole migrated schema, table by table, with a
// row in each WITHOUT ROWID table. Backups and restores refuse a database
// that fails the check, and SQLite 3.40 (Debian 12) reports "NULL value in
// T.C" for a row with no NULL when a WITHOUT ROWID table declares a NOT NULL
// column before a key column that the key then stores ahead of it (the
// grading migration's device_enrolled_macs did, and every backup of a
// collector with an enrolled host was refused). The probe runs against the
// SQLite the collector links, so a new table of that shape fails here, not
// in the install test.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <set>
#include <string>
#include <vector>

#include "collector/store/sqlite/migrations.h"
#include "collector/store/sqlite/sqlite.h"
#include "common/clock.h"

namespace mamori::store {
namespace {

const FakeClock& TestClock() {
  static const FakeClock clock(FromUnixSeconds(1'700'000'000));
  return clock;
}

std::vector<std::string> Column0(Database& db, const std::string& sql) {
  std::vector<std::string> out;
  Result<Statement> q = db.Prepare(sql);
  EXPECT_TRUE(q.ok()) << sql;
  if (!q.ok()) return out;
  for (Result<bool> row = q->Step(); row.ok() && *row; row = q->Step()) {
    out.push_back(q->ColumnText(0));
  }
  return out;
}

// A value of the column's declared type ("" for an untyped column).
std::string ValueFor(const std::string& type) {
  std::string upper;
  for (char c : type) upper += static_cast<char>(toupper(c));
  if (upper.find("CHAR") != std::string::npos ||
      upper.find("TEXT") != std::string::npos ||
      upper.find("CLOB") != std::string::npos) {
    return "'probe'";
  }
  return "1";
}

TEST(SchemaIntegrityTest, EveryWithoutRowidTableWithARowPassesTheCheck) {
  std::string pattern = ::testing::TempDir() + "mamori_schema_XXXXXX";
  ASSERT_NE(mkdtemp(pattern.data()), nullptr);
  const std::string path = pattern + "/collector.db";
  Result<Database> db = Database::Open(path);
  ASSERT_TRUE(db.ok());
  ASSERT_TRUE(ApplyMigrations(*db, AllMigrationModules(), TestClock()).ok());
  // Rows stand alone: no parent rows are made for them.
  ASSERT_TRUE(db->Exec("PRAGMA foreign_keys = OFF").ok());

  std::set<std::string> probed;
  for (const std::string& table :
       Column0(*db,
               "SELECT name FROM sqlite_schema WHERE type = 'table' AND "
               "sql LIKE '%WITHOUT ROWID%' ORDER BY name")) {
    std::vector<std::string> values;
    Result<Statement> columns =
        db->Prepare("SELECT type FROM pragma_table_info(?1) ORDER BY cid");
    ASSERT_TRUE(columns.ok());
    columns->Bind(1, table);
    for (Result<bool> row = columns->Step(); row.ok() && *row;
         row = columns->Step()) {
      values.push_back(ValueFor(columns->ColumnText(0)));
    }
    ASSERT_FALSE(values.empty()) << table;
    std::string insert = "INSERT INTO \"" + table + "\" VALUES (";
    for (size_t i = 0; i < values.size(); ++i) {
      insert += (i ? ", " : "") + values[i];
    }
    insert += ")";
    ASSERT_TRUE(db->Exec("SAVEPOINT probe").ok());
    // A CHECK constraint may refuse the generic row: that table is not
    // probed (the set below names the ones that must be).
    if (db->Exec(insert).ok()) {
      probed.insert(table);
      for (const std::string& finding :
           Column0(*db, "PRAGMA integrity_check(\"" + table + "\")")) {
        EXPECT_EQ(finding, "ok") << table;
      }
    }
    ASSERT_TRUE(db->Exec("ROLLBACK TO probe; RELEASE probe").ok());
  }
  // The probe reached the tables it was written for.
  for (const char* table :
       {"device_enrolled_macs", "device_sightings", "device_vendors",
        "host_packages", "host_evidence_flags"}) {
    EXPECT_TRUE(probed.count(table)) << table << " was not probed";
  }
}

}  // namespace
}  // namespace mamori::store
