#include "collector/policy/check_dialect.h"

#include <gtest/gtest.h>

#include <string>

namespace mamori::policy {
namespace {

// The construct refused in `sql`, or "" when it is in the dialect.
std::string Refused(const std::string& sql) {
  return CheckDialect(sql).construct;
}

TEST(CheckDialect, AcceptsThePortableSubset) {
  const char* sql = R"(
    WITH m AS MATERIALIZED (SELECT id FROM packages WHERE name LIKE 'x%')
    SELECT h.host_id AS host_id,
           CASE WHEN a.state IS NULL THEN 'unknown'
                WHEN a.enabled IS NOT DISTINCT FROM 1 THEN 'pass'
                WHEN a.enabled IS DISTINCT FROM 0 THEN 'unknown'
                WHEN a.flag IS NOT NULL AND a.ok IS TRUE THEN 'pass'
                WHEN e.ends_on < utc_date(:now - :days * 86400) THEN 'fail'
                ELSE 'fail' END AS status,
           SUM(CASE WHEN a.x <> 1 THEN 1 ELSE 0 END) AS n,
           COUNT(*) AS c, MIN(a.y) AS lo, max(a.z) AS hi,
           string_agg(a.name || ':' || CAST(a.port AS TEXT), ', ') AS names,
           round(CAST(a.age AS NUMERIC), 1) AS age,
           utc_datetime(a.t) AS t, version_major(p.version) AS major,
           s.match AS qualified_name_is_a_column
      FROM v_hosts h LEFT JOIN v_antivirus a ON a.host_id = h.host_id
     WHERE h.org_id = :org_id AND a.n != 2 -- date('now') in a comment
  )";
  const DialectViolation v = CheckDialect(sql);
  EXPECT_EQ(v.line, 0) << v.construct;
}

TEST(CheckDialect, KeywordsInsideStringsAndCommentsDoNotTrip) {
  EXPECT_EQ(Refused("SELECT 'json_extract(x, ''$.a'') IS NOT 0' AS s"), "");
  EXPECT_EQ(Refused("SELECT 1 -- group_concat(x) \"quoted\" PRAGMA\n"), "");
  EXPECT_EQ(Refused("SELECT /* date(:now, 'unixepoch') ->> ` [ */ 1"), "");
  EXPECT_EQ(Refused("SELECT '--' || 'a' AS x, '/*' AS y"), "");
  EXPECT_EQ(Refused("SELECT 'it''s \" GLOB' AS s"), "");
  // A column merely named like a function is not a call.
  EXPECT_EQ(Refused("SELECT v.date, date_of AS x, total_count FROM v"), "");
}

TEST(CheckDialect, RefusesSqliteFunctionsInAnyCaseAndSpacing) {
  EXPECT_EQ(Refused("SELECT json_extract ( p, '$.a') FROM v"), "json_extract(");
  EXPECT_EQ(Refused("SELECT JSON_EXTRACT\n\t(p, '$.a') FROM v"),
            "JSON_EXTRACT(");
  EXPECT_EQ(Refused("SELECT json_each /* c */ (p) FROM v"), "json_each(");
  EXPECT_EQ(Refused("SELECT Group_Concat(x, ',') FROM v"), "Group_Concat(");
  EXPECT_EQ(Refused("SELECT date(:now, 'unixepoch')"), "date(");
  EXPECT_EQ(Refused("SELECT datetime(t, 'unixepoch') FROM v"), "datetime(");
  EXPECT_EQ(Refused("SELECT strftime('%s','now')"), "strftime(");
  EXPECT_EQ(Refused("SELECT julianday(t) FROM v"), "julianday(");
  EXPECT_EQ(Refused("SELECT unixepoch()"), "unixepoch(");
  EXPECT_EQ(Refused("SELECT printf('%d', 1)"), "printf(");
  EXPECT_EQ(Refused("SELECT iif(a, 1, 2) FROM v"), "iif(");
  EXPECT_EQ(Refused("SELECT instr(a, ':') FROM v"), "instr(");
  EXPECT_EQ(Refused("SELECT ifnull(a, 1) FROM v"), "ifnull(");
  EXPECT_EQ(Refused("SELECT mamori_org()"), "mamori_org(");
  EXPECT_EQ(Refused("SELECT sqlite_version()"), "sqlite_version(");
  EXPECT_EQ(Refused("SELECT max(a, b) FROM v"), "max(…, …)");
  EXPECT_EQ(Refused("SELECT MIN((a), f(b, c)) FROM v"), "MIN(…, …)");
  EXPECT_EQ(Refused("SELECT current_timestamp"), "current_timestamp");
}

TEST(CheckDialect, RefusesSqliteOperatorsAndSyntax) {
  EXPECT_EQ(Refused("SELECT p->'a' FROM v"), "->");
  EXPECT_EQ(Refused("SELECT p ->> '$.a' FROM v"), "->>");
  EXPECT_EQ(Refused("SELECT 1 FROM v WHERE a IS NOT 0"), "IS NOT 0");
  EXPECT_EQ(Refused("SELECT 1 FROM v WHERE a is 'x'"), "is 'x'");
  EXPECT_EQ(Refused("SELECT 1 FROM v WHERE a IS b"), "IS b");
  EXPECT_EQ(Refused("SELECT 1 FROM v WHERE a IS"), "IS");
  EXPECT_EQ(Refused("SELECT 1 FROM v WHERE a GLOB 'x*'"), "GLOB");
  EXPECT_EQ(Refused("SELECT 1 FROM v WHERE a regexp 'x'"), "regexp");
  EXPECT_EQ(Refused("SELECT 1 FROM v WHERE a ISNULL"), "ISNULL");
  EXPECT_EQ(Refused("SELECT 1 FROM v WHERE a == 1"), "==");
  EXPECT_EQ(Refused("SELECT \"text\" FROM v"), "\"");
  EXPECT_EQ(Refused("SELECT `a` FROM v"), "`");
  EXPECT_EQ(Refused("SELECT [a] FROM v"), "[");
  EXPECT_EQ(Refused("SELECT x'00'"), "X'");
  EXPECT_EQ(Refused("SELECT ?1"), "?");
  EXPECT_EQ(Refused("SELECT $a"), "$");
  EXPECT_EQ(Refused("SELECT @a"), "@");
  EXPECT_EQ(Refused("SELECT a::text FROM v"), "::");
  EXPECT_EQ(Refused("PRAGMA table_info(v)"), "PRAGMA");
  EXPECT_EQ(Refused("ATTACH 'x.db' AS x"), "ATTACH");
  EXPECT_EQ(Refused("SELECT rowid FROM v"), "rowid");
  EXPECT_EQ(Refused("SELECT a FROM v ORDER BY a COLLATE NOCASE"), "COLLATE");
}

TEST(CheckDialect, RefusesWhatIsNeverClosed) {
  EXPECT_EQ(Refused("SELECT 'abc"), "'");
  EXPECT_EQ(Refused("SELECT 'it''s"), "'");
  EXPECT_EQ(Refused("SELECT 1 /* open"), "/*");
}

TEST(CheckDialect, NamesTheLineWithinTheQuery) {
  const DialectViolation v = CheckDialect(
      "SELECT h.host_id,\n"
      "  'a\nb' AS multi_line_text, -- IS NOT 0\n"
      "  /* a\n comment */\n"
      "  group_concat(x, ',')\n"
      "FROM v_hosts h");
  EXPECT_EQ(v.line, 6);
  EXPECT_EQ(v.construct, "group_concat(");
  EXPECT_NE(v.reason_en.find("string_agg"), std::string::npos);
  EXPECT_NE(v.reason_ja.find("string_agg"), std::string::npos);
}

TEST(CheckDialect, HostileTextDoesNotCrash) {
  std::string big(100000, '(');
  EXPECT_EQ(Refused(big), "");
  EXPECT_EQ(Refused(std::string("SELECT '\xff\xfe\0x'", 13)), "");
  EXPECT_EQ(Refused("SELECT \x01\x02 date\x7f(1)"), "");  // not a call: \x7f
  EXPECT_EQ(Refused("SELECT 日付(1), ｄａｔｅ(2)"), "");
  EXPECT_EQ(Refused(""), "");
  EXPECT_EQ(Refused("max("), "");
}

}  // namespace
}  // namespace mamori::policy
