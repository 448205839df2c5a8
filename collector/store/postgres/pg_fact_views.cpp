#include "collector/store/postgres/pg_fact_views.h"

#include <vector>

namespace mamori::store::pg {
namespace {

// "tls.dh_bits" → '{tls,dh_bits}' (proto field names: letters, digits, _).
std::string PathArray(std::string_view path) {
  std::string out = "'{";
  for (char c : path) out += c == '.' ? ',' : c;
  return out + "}'";
}

std::string At(std::string_view doc, std::string_view path) {
  return "(" + std::string(doc) + " #> " + PathArray(path) + ")";
}

std::string TextAt(std::string_view doc, std::string_view path) {
  return "(" + std::string(doc) + " #>> " + PathArray(path) + ")";
}

std::string Quoted(std::string_view text) {
  std::string out = "'";
  for (char c : text) {
    out += c;
    if (c == '\'') out += '\'';
  }
  return out + "'";
}

// An array at `path`, or NULL when it holds anything else.
std::string ArrayAt(std::string_view doc, std::string_view path) {
  const std::string at = At(doc, path);
  return "CASE WHEN jsonb_typeof(" + at + ") = 'array' THEN " + at + " END";
}

constexpr char kLock[] = "SELECT pg_advisory_xact_lock(1835101551, 1986622839)";

}  // namespace

std::string PostgresFactViewDialect::Value(std::string_view doc,
                                           std::string_view path,
                                           ColumnType type) const {
  const std::string text = TextAt(doc, path);
  switch (type) {
    case ColumnType::kInteger:
    case ColumnType::kUnixTime:
      // Protobuf JSON writes 64-bit integers as strings: both forms count.
      return "CASE WHEN " + text + " ~ '^-?[0-9]{1,18}$' THEN " + text +
             "::bigint END";
    case ColumnType::kBoolean:
      return "CASE " + text + " WHEN 'true' THEN 1 WHEN 'false' THEN 0 " +
             "ELSE CASE WHEN " + text + " ~ '^-?[0-9]{1,18}$' THEN " + text +
             "::bigint END END";
    case ColumnType::kJson:
      return At(doc, path);
    case ColumnType::kText:
      break;
  }
  return text;
}

std::string PostgresFactViewDialect::ArrayLength(std::string_view doc,
                                                 std::string_view path) const {
  return "jsonb_array_length(" + ArrayAt(doc, path) + ")";
}

std::string PostgresFactViewDialect::IsObject(std::string_view doc,
                                              std::string_view path) const {
  return "jsonb_typeof(" + At(doc, path) + ") = 'object'";
}

std::string PostgresFactViewDialect::IsPresent(std::string_view doc,
                                               std::string_view path) const {
  return At(doc, path) + " IS NOT NULL";
}

std::string PostgresFactViewDialect::UnixSeconds(std::string_view text) const {
  return "mamori_unixepoch(" + std::string(text) + ")";
}

std::string PostgresFactViewDialect::ValidOrNull(std::string_view doc) const {
  // jsonb holds only valid JSON.
  return std::string(doc);
}

std::string PostgresFactViewDialect::IsValid(std::string_view doc) const {
  return std::string(doc) + " IS NOT NULL";
}

std::string PostgresFactViewDialect::Each(std::string_view doc,
                                          std::string_view path,
                                          std::string_view alias) const {
  return "jsonb_array_elements(" + ArrayAt(doc, path) +
         ") WITH ORDINALITY AS " + std::string(alias) + "(value, ord)";
}

std::string PostgresFactViewDialect::EachOrdinal(std::string_view alias) const {
  return std::string(alias) + ".ord";
}

std::string PostgresFactViewDialect::EachIndex(std::string_view alias) const {
  return "(" + std::string(alias) + ".ord - 1)";
}

std::string PostgresFactViewDialect::EachObject(std::string_view alias) const {
  const std::string a(alias);
  return "CASE WHEN jsonb_typeof(" + a + ".value) = 'object' THEN " + a +
         ".value END";
}

std::string PostgresFactViewDialect::JoinStrings(
    std::string_view doc, std::string_view path,
    std::string_view separator) const {
  return "(SELECT string_agg(p.value, " + Quoted(separator) +
         " ORDER BY p.ord) FROM jsonb_array_elements_text(" +
         ArrayAt(doc, path) + ") WITH ORDINALITY AS p(value, ord))";
}

Result<int> SyncPgFactViews(Connection& conn) {
  const std::vector<RenderedView> views = RenderFactViews(
      PostgresFactViewDialect(), RenderOptions{.tables = false});
  Transaction tx(conn);
  MAMORI_RETURN_IF_ERROR(tx.Begin().WithContext("fact views"));
  MAMORI_RETURN_IF_ERROR(conn.Exec(kLock));
  // Current when every view exists with the text rendered now.
  Result<Rows> stored = conn.QueryOnce(
      "SELECT d.name, d.sql FROM fact_view_definitions d JOIN pg_views v ON "
      "v.viewname = d.name AND v.schemaname = current_schema()");
  if (!stored.ok()) return stored.status().WithContext("fact views");
  size_t current = 0;
  for (const RenderedView& v : views) {
    for (int i = 0; i < stored->size(); ++i) {
      if (stored->View(i, 0) == v.name && stored->View(i, 1) == v.sql) {
        ++current;
        break;
      }
    }
  }
  if (current == views.size() &&
      static_cast<size_t>(stored->size()) == views.size()) {
    return 0;
  }
  // Public views read the extraction views: drop in reverse order.
  for (auto it = views.rbegin(); it != views.rend(); ++it) {
    MAMORI_RETURN_IF_ERROR(
        conn.Exec("DROP VIEW IF EXISTS " + it->name + " CASCADE")
            .WithContext("fact view " + it->name));
  }
  MAMORI_RETURN_IF_ERROR(conn.Exec("DELETE FROM fact_view_definitions"));
  for (const RenderedView& v : views) {
    MAMORI_RETURN_IF_ERROR(conn.Exec(v.sql).WithContext("fact view " + v.name));
    Result<Rows> recorded = conn.QueryOnce(
        "INSERT INTO fact_view_definitions (name, sql) VALUES ($1, $2)",
        Params().Add(v.name).Add(v.sql));
    if (!recorded.ok()) return recorded.status();
  }
  MAMORI_RETURN_IF_ERROR(tx.Commit().WithContext("fact views"));
  return static_cast<int>(views.size());
}

}  // namespace mamori::store::pg
