// The dialect's helpers must give exactly what the SQLite-only expressions
// they replaced in the built-in checks gave, so results do not change:
// compared side by side on one connection over ordinary and hostile values.
#include "collector/store/sqlite/check_functions.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <string>
#include <vector>

namespace mamori::store {
namespace {

class CheckFunctionsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(sqlite3_open(":memory:", &db_), SQLITE_OK);
    ASSERT_TRUE(RegisterCheckFunctions(db_).ok());
  }
  void TearDown() override { sqlite3_close(db_); }

  // The single text value of `sql` with ?1 bound to `value` ("<null>" for
  // NULL).
  std::string One(const std::string& sql, const std::string& bind_sql) {
    sqlite3_stmt* st = nullptr;
    const std::string full =
        "SELECT " + sql + " FROM (SELECT " + bind_sql + " AS v)";
    EXPECT_EQ(sqlite3_prepare_v2(db_, full.c_str(), -1, &st, nullptr),
              SQLITE_OK)
        << sqlite3_errmsg(db_) << " in " << full;
    std::string out = "<no row>";
    if (sqlite3_step(st) == SQLITE_ROW) {
      const auto* text = sqlite3_column_text(st, 0);
      out = text == nullptr
                ? "<null>"
                : std::string(reinterpret_cast<const char*>(text)) + " (" +
                      std::to_string(sqlite3_column_type(st, 0)) + ")";
    }
    sqlite3_finalize(st);
    return out;
  }

  sqlite3* db_ = nullptr;
};

TEST_F(CheckFunctionsTest, UtcDateAndDatetimeEqualSqliteDateFunctions) {
  for (const std::string v :
       {"0", "1", "-1", "86399", "86400", "1795125600", "1795125600.9",
        "-86400.5", "253402300799", "253402300800", "-62167219200", "NULL",
        "'1795125600'", "'abc'", "''", "x'00'", "9223372036854775807",
        "-9223372036854775808", "1e300"}) {
    EXPECT_EQ(One("utc_date(v)", v), One("date(v, 'unixepoch')", v)) << v;
    EXPECT_EQ(One("utc_datetime(v)", v), One("datetime(v, 'unixepoch')", v))
        << v;
  }
  // Before year 0 SQLite still counts (to 4714 BC); the helpers say NULL,
  // as a PostgreSQL backend would not agree on such dates either.
  EXPECT_EQ(One("utc_date(v)", "-62167219201"), "<null>");
  EXPECT_EQ(One("utc_datetime(v)", "-62167219201"), "<null>");
  // As the browsers check uses it: N days before :now.
  EXPECT_EQ(One("utc_date(v - 120 * 86400)", "1795125600"),
            One("date(v, 'unixepoch', '-' || 120 || ' days')", "1795125600"));
  EXPECT_EQ(One("utc_date(v)", "1795125600"), "2026-11-19 (3)");
}

TEST_F(CheckFunctionsTest, VersionMajorEqualsTheCastItReplaced) {
  for (const std::string v :
       {"'120.0.1'", "'1:120.0.1'", "'2:3:4'", "'abc'", "''", "':'", "'  7.1'",
        "'-3.2'", "'+9'", "'1e3'", "'99999999999999999999999'", "'１２０'",
        "'120 '", "NULL", "120", "120.5", "'\t\n42'", "'1:' || char(0) || '5'",
        "'0x1F'"}) {
    EXPECT_EQ(One("version_major(v)", v),
              One("CAST(substr(v, instr(v, ':') + 1) AS INTEGER)", v))
        << v;
  }
}

TEST_F(CheckFunctionsTest, StringAggEqualsGroupConcat) {
  ASSERT_EQ(sqlite3_exec(db_,
                         "CREATE TABLE t(g, x, s); INSERT INTO t VALUES "
                         "(1, 'a', ', '), (1, NULL, ', '), (1, 'b', '; '), "
                         "(1, 3, NULL), (2, NULL, ','), (3, '', ','), "
                         "(3, '', ','), (4, 'é' || char(0) || 'x', '|')",
                         nullptr, nullptr, nullptr),
            SQLITE_OK);
  for (int g = 1; g <= 5; ++g) {
    const std::string where =
        "(SELECT x, s FROM t WHERE g = " + std::to_string(g) +
        " ORDER BY rowid)";
    EXPECT_EQ(One("(SELECT string_agg(x, s) FROM " + where + ")", "1"),
              One("(SELECT group_concat(x, s) FROM " + where + ")", "1"))
        << g;
  }
  EXPECT_EQ(One("(SELECT string_agg(x, s) FROM t WHERE g = 1)", "1"),
            "a; b3 (3)");
}

TEST_F(CheckFunctionsTest, VersionCompareOrdersVersions) {
  EXPECT_EQ(One("version_compare(v, '7.2.0')", "'7.10.1'"), "1 (1)");
  EXPECT_EQ(One("version_compare(v, '7.2.0')", "'7.2'"), "-1 (1)");
  EXPECT_EQ(One("version_compare(v, '1.0')", "'1:0.5'"), "1 (1)");
  EXPECT_EQ(One("version_compare(v, '2.0')", "'2.0rc1'"), "-1 (1)");
  EXPECT_EQ(One("version_compare(v, '2.0')", "'2.0'"), "0 (1)");
  EXPECT_EQ(One("version_compare(v, '2.0')", "NULL"), "<null>");
  EXPECT_EQ(One("version_compare('2.0', v)", "NULL"), "<null>");
}

}  // namespace
}  // namespace mamori::store
