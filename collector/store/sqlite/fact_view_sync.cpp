#include "collector/store/sqlite/fact_view_sync.h"

#include <algorithm>
#include <string>
#include <vector>

#include "collector/store/sqlite/migrations.h"

namespace mamori::store {
namespace {

std::string JsonPath(std::string_view path) {
  return "'$." + std::string(path) + "'";
}

std::string Quoted(std::string_view text) {
  std::string out = "'";
  for (char c : text) {
    out += c;
    if (c == '\'') out += '\'';
  }
  return out + "'";
}

// The text sqlite_master holds for view `name`; empty when there is none.
Result<std::string> StoredViewSql(Database& db, const std::string& name) {
  Result<Statement> q = db.Prepare(
      "SELECT sql FROM sqlite_master WHERE type = 'view' AND name = ?1");
  if (!q.ok()) return q.status();
  q->Bind(1, name);
  Result<bool> row = q->Step();
  if (!row.ok()) return row.status();
  return *row ? q->ColumnText(0) : std::string();
}

Result<std::vector<std::string>> TableColumns(Database& db,
                                              const std::string& table) {
  Result<Statement> q =
      db.Prepare("SELECT name FROM pragma_table_info(?1) ORDER BY cid");
  if (!q.ok()) return q.status();
  q->Bind(1, table);
  std::vector<std::string> columns;
  for (Result<bool> row = q->Step();; row = q->Step()) {
    if (!row.ok()) return row.status();
    if (!*row) break;
    columns.push_back(q->ColumnText(0));
  }
  return columns;
}

// Appends the declared columns the table lacks; refuses any other change.
Result<int> AddMissingColumns(Database& db, const RenderedView& view) {
  Result<std::vector<std::string>> have = TableColumns(db, view.table);
  if (!have.ok()) return have.status();
  if (have->empty()) {
    return FailedPreconditionError("fact view " + view.name + ": table " +
                                   view.table + " does not exist");
  }
  const std::vector<std::string>& want = view.table_columns;
  if (have->size() > want.size() &&
      std::equal(want.begin(), want.end(), have->begin())) {
    // Only appended columns this binary does not declare: a newer
    // collector added them. Refused like a newer migration (migrations.h).
    return FailedPreconditionError(
        "fact view " + view.name + ": table " + view.table + " has column '" +
        (*have)[want.size()] +
        "', unknown to this collector: it was written by a newer "
        "mamori-collector; use that version / 新しいバージョンのコレクタが"
        "書いたデータです。そのバージョンを使ってください");
  }
  for (size_t i = 0; i < have->size(); ++i) {
    if (i >= want.size() || (*have)[i] != want[i]) {
      return FailedPreconditionError(
          "fact view " + view.name + ": table " + view.table + " column " +
          std::to_string(i + 1) + " is '" + (*have)[i] +
          "' but the "
          "declaration has '" +
          (i < want.size() ? want[i] : "") +
          "': declared columns may only be appended");
    }
  }
  int added = 0;
  for (size_t i = have->size(); i < want.size(); ++i) {
    MAMORI_RETURN_IF_ERROR(
        db.Exec("ALTER TABLE " + view.table + " ADD COLUMN " + want[i]));
    ++added;
  }
  return added;
}

// Re-extracts the rows of the hosts whose stored rows differ from what the
// extraction view gives now. Hosts whose rows already match are not touched,
// so the triggers on the tables (evidence) do not fire for them.
Result<int64_t> RefreshDifferingHosts(Database& db, const RenderedView& view) {
  const std::string& t = view.table;
  const std::string& src = view.name;
  MAMORI_RETURN_IF_ERROR(db.Exec(
      "CREATE TEMP TABLE IF NOT EXISTS fact_view_sync_hosts ("
      "host_id INTEGER PRIMARY KEY);"
      "DELETE FROM temp.fact_view_sync_hosts;"
      "INSERT OR IGNORE INTO temp.fact_view_sync_hosts "
      "SELECT host_id FROM (SELECT * FROM " +
      t + " EXCEPT SELECT * FROM " + src +
      ") UNION SELECT host_id FROM (SELECT * FROM " + src +
      " EXCEPT SELECT * FROM " + t +
      ");"
      "DELETE FROM " +
      t + " WHERE host_id IN (SELECT host_id FROM temp.fact_view_sync_hosts)"));
  int64_t changed = db.Changes();
  MAMORI_RETURN_IF_ERROR(db.Exec(
      "INSERT INTO " + t + " SELECT * FROM " + src +
      " WHERE host_id IN (SELECT host_id FROM temp.fact_view_sync_hosts)"));
  changed += db.Changes();
  MAMORI_RETURN_IF_ERROR(db.Exec("DROP TABLE temp.fact_view_sync_hosts"));
  return changed;
}

}  // namespace

std::string SqliteFactViewDialect::Value(std::string_view doc,
                                         std::string_view path,
                                         ColumnType /*type*/) const {
  // SQLite's values carry their own type: JSON true is 1, a number is an
  // integer or real, a string is text, an object or array is its JSON text.
  return "json_extract(" + std::string(doc) + ", " + JsonPath(path) + ")";
}

std::string SqliteFactViewDialect::ArrayLength(std::string_view doc,
                                               std::string_view path) const {
  return "json_array_length(" + std::string(doc) + ", " + JsonPath(path) + ")";
}

std::string SqliteFactViewDialect::IsObject(std::string_view doc,
                                            std::string_view path) const {
  return "json_type(" + std::string(doc) + ", " + JsonPath(path) +
         ") = 'object'";
}

std::string SqliteFactViewDialect::IsPresent(std::string_view doc,
                                             std::string_view path) const {
  return "json_type(" + std::string(doc) + ", " + JsonPath(path) +
         ") IS NOT NULL";
}

std::string SqliteFactViewDialect::UnixSeconds(std::string_view text) const {
  return "unixepoch(" + std::string(text) + ")";
}

std::string SqliteFactViewDialect::ValidOrNull(std::string_view doc) const {
  return "CASE WHEN json_valid(" + std::string(doc) + ") THEN " +
         std::string(doc) + " END";
}

std::string SqliteFactViewDialect::IsValid(std::string_view doc) const {
  return "json_valid(" + std::string(doc) + ")";
}

std::string SqliteFactViewDialect::Each(std::string_view doc,
                                        std::string_view path,
                                        std::string_view alias) const {
  return "json_each(" + std::string(doc) + ", " + JsonPath(path) + ") " +
         std::string(alias);
}

std::string SqliteFactViewDialect::EachOrdinal(std::string_view alias) const {
  // json_each's id: the element's node id, unique within the document.
  return std::string(alias) + ".id";
}

std::string SqliteFactViewDialect::EachIndex(std::string_view alias) const {
  return "CAST(" + std::string(alias) + ".key AS INTEGER)";
}

std::string SqliteFactViewDialect::EachObject(std::string_view alias) const {
  const std::string a(alias);
  return "CASE WHEN " + a + ".type = 'object' THEN " + a + ".value END";
}

std::string SqliteFactViewDialect::JoinStrings(
    std::string_view doc, std::string_view path,
    std::string_view separator) const {
  return "(SELECT group_concat(p.value, " + Quoted(separator) +
         ") FROM json_each(" + std::string(doc) + ", " + JsonPath(path) +
         ") p)";
}

Result<FactViewSync> SyncFactViews(Database& db) {
  const std::vector<RenderedView> views =
      RenderFactViews(SqliteFactViewDialect());
  std::vector<const RenderedView*> differing;
  for (const RenderedView& v : views) {
    Result<std::string> stored = StoredViewSql(db, v.name);
    if (!stored.ok()) return stored.status().WithContext("fact view " + v.name);
    if (*stored != v.sql) differing.push_back(&v);
  }
  FactViewSync done;
  if (differing.empty()) return done;

  Transaction tx(db);
  MAMORI_RETURN_IF_ERROR(tx.Begin().WithContext("fact views"));
  for (const RenderedView* v : differing) {
    const std::string where = "fact view " + v->name;
    // Columns first: ALTER TABLE checks the schema, and the triggers that
    // fill the table name this view.
    if (!v->table.empty()) {
      Result<int> added = AddMissingColumns(db, *v);
      if (!added.ok()) return added.status();
      done.columns_added += *added;
    }
    MAMORI_RETURN_IF_ERROR(
        db.Exec("DROP VIEW IF EXISTS " + v->name).WithContext(where));
    MAMORI_RETURN_IF_ERROR(db.Exec(v->sql).WithContext(where));
    ++done.views_recreated;
  }
  // After every view exists again: an extraction view reads v_family_state.
  for (const RenderedView* v : differing) {
    if (v->table.empty()) continue;
    Result<int64_t> rows = RefreshDifferingHosts(db, *v);
    if (!rows.ok()) return rows.status().WithContext("fact view " + v->name);
    done.rows_refreshed += *rows;
  }
  MAMORI_RETURN_IF_ERROR(tx.Commit().WithContext("fact views"));
  return done;
}

Status ApplySchema(Database& db, const Clock& clock) {
  MAMORI_RETURN_IF_ERROR(ApplyMigrations(db, AllMigrationModules(), clock));
  Result<FactViewSync> synced = SyncFactViews(db);
  return synced.ok() ? Status::Ok() : synced.status();
}

}  // namespace mamori::store
