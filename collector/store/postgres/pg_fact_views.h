#pragma once

// The fact views on PostgreSQL (issue #17): the PostgreSQL dialect of the
// declarations in store/schema/fact_views.h, and the step that creates the
// views in a database. The views read the jsonb payloads directly
// (RenderOptions::tables = false: no per-family tables or triggers on
// PostgreSQL; jsonb is already parsed).
//
// Hostile payloads never make a view query fail: a value of the wrong JSON
// type is NULL (an integer column holding "abc", an array path holding an
// object yields no items), and a time that is not RFC 3339 is NULL
// (mamori_unixepoch, created by the fact_views migration module).
//
// Thread safety: the dialect is immutable; SyncPgFactViews uses the
// connection it is given (one thread).

#include <string>
#include <string_view>

#include "collector/store/postgres/pg.h"
#include "collector/store/schema/fact_views.h"
#include "common/status.h"

namespace mamori::store::pg {

class PostgresFactViewDialect final : public FactViewDialect {
 public:
  std::string Value(std::string_view doc, std::string_view path,
                    ColumnType type) const override;
  std::string ArrayLength(std::string_view doc,
                          std::string_view path) const override;
  std::string IsObject(std::string_view doc,
                       std::string_view path) const override;
  std::string IsPresent(std::string_view doc,
                        std::string_view path) const override;
  std::string UnixSeconds(std::string_view text) const override;
  std::string ValidOrNull(std::string_view doc) const override;
  std::string IsValid(std::string_view doc) const override;
  std::string Each(std::string_view doc, std::string_view path,
                   std::string_view alias) const override;
  std::string EachOrdinal(std::string_view alias) const override;
  std::string EachIndex(std::string_view alias) const override;
  std::string EachObject(std::string_view alias) const override;
  std::string JoinStrings(std::string_view doc, std::string_view path,
                          std::string_view separator) const override;
};

// Creates or recreates the fact views so they are the rendering of the
// current declarations. The rendered text is kept in fact_view_definitions;
// when it differs from what is stored (or a view is missing) every fact
// view is dropped and created again in one transaction, under an advisory
// lock (several collectors start at once). Returns the number of views
// (re)created: 0 when all were current.
Result<int> SyncPgFactViews(Connection& conn);

}  // namespace mamori::store::pg
