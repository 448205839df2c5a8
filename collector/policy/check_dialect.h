#pragma once

// The portable check dialect (docs/policies.md, "The check dialect"): the SQL
// a check query may use so that every store backend (SQLite now, PostgreSQL
// next) runs the same text. CheckDialect tokenizes a query the way SQL does
// (string literals, quoted names, `--` and `/* */` comments are skipped as
// units) and refuses constructs that only SQLite understands: its JSON and
// date functions and operators, group_concat, `IS` with a value other than
// NULL/TRUE/FALSE, GLOB, double-quoted text, `?`/`$`/`@` parameters, PRAGMA
// and ATTACH, among others.
//
// It is a lexical check, not a parser: whether the query prepares, reads only
// the views and names declared parameters is checked by the store when the
// policy set is validated (CheckQueries::Describe).
//
// Thread safety: a pure function.

#include <string>
#include <string_view>

namespace mamori::policy {

struct DialectViolation {
  int line = 0;           // 1-based line within the query text
  std::string construct;  // as written, e.g. "json_extract(", "IS 0"
  std::string reason_en;  // why it is refused / what to write instead
  std::string reason_ja;
};

// The first construct of `query` outside the dialect, or a violation with
// line 0 when there is none.
DialectViolation CheckDialect(std::string_view query);

}  // namespace mamori::policy
