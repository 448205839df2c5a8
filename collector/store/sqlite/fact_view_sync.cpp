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

// The SQL sqlite_master holds for object `name` of `type`; empty when none.
Result<std::string> StoredSql(Database& db, std::string_view type,
                              const std::string& name) {
  Result<Statement> q =
      db.Prepare("SELECT sql FROM sqlite_master WHERE type = ?1 AND name = ?2");
  if (!q.ok()) return q.status();
  q->Bind(1, std::string(type)).Bind(2, name);
  Result<bool> row = q->Step();
  if (!row.ok()) return row.status();
  return *row ? q->ColumnText(0) : std::string();
}

// The ALTER TABLE steps appending the declared columns `have` lacks;
// refuses any other difference.
Result<std::vector<FactSchemaStep>> AddMissingColumns(
    const RenderedView& view, const std::vector<std::string>& have) {
  const std::vector<std::string>& want = view.table_columns;
  if (have.size() > want.size() &&
      std::equal(want.begin(), want.end(), have.begin())) {
    // Only appended columns this binary does not declare: a newer
    // collector added them. Refused like a newer migration (migrations.h).
    return FailedPreconditionError(
        "fact view " + view.name + ": table " + view.table + " has column '" +
        have[want.size()] +
        "', unknown to this collector: it was written by a newer "
        "mamori-collector; use that version / 新しいバージョンのコレクタが"
        "書いたデータです。そのバージョンを使ってください");
  }
  for (size_t i = 0; i < have.size(); ++i) {
    if (i >= want.size() || have[i] != want[i]) {
      return FailedPreconditionError(
          "fact view " + view.name + ": table " + view.table + " column " +
          std::to_string(i + 1) + " is '" + have[i] +
          "' but the "
          "declaration has '" +
          (i < want.size() ? want[i] : "") +
          "': declared columns may only be appended");
    }
  }
  std::vector<FactSchemaStep> steps;
  for (size_t i = have.size(); i < want.size(); ++i) {
    steps.push_back({FactSchemaStep::Kind::kColumn, view.table,
                     "ALTER TABLE " + view.table + " ADD COLUMN " + want[i]});
  }
  return steps;
}

// Re-extracts the rows of the hosts whose stored rows differ from what the
// extraction view gives now. Hosts whose rows already match are not touched,
// so the triggers on the tables (evidence) do not fire for them.
void RefreshDifferingHosts(const RenderedView& view,
                           std::vector<FactSchemaStep>& steps) {
  using K = FactSchemaStep::Kind;
  const std::string& t = view.table;
  const std::string& src = view.name;
  steps.push_back({K::kScratch, t,
                   "CREATE TEMP TABLE IF NOT EXISTS fact_view_sync_hosts ("
                   "host_id INTEGER PRIMARY KEY);\n"
                   "DELETE FROM temp.fact_view_sync_hosts;\n"
                   "INSERT OR IGNORE INTO temp.fact_view_sync_hosts "
                   "SELECT host_id FROM (SELECT * FROM " +
                       t + " EXCEPT SELECT * FROM " + src +
                       ") UNION SELECT host_id FROM (SELECT * FROM " + src +
                       " EXCEPT SELECT * FROM " + t + ")"});
  steps.push_back({K::kRows, t,
                   "DELETE FROM " + t +
                       " WHERE host_id IN (SELECT host_id FROM "
                       "temp.fact_view_sync_hosts)"});
  steps.push_back({K::kRows, t,
                   "INSERT INTO " + t + " SELECT * FROM " + src +
                       " WHERE host_id IN (SELECT host_id FROM "
                       "temp.fact_view_sync_hosts)"});
  steps.push_back({K::kScratch, t, "DROP TABLE temp.fact_view_sync_hosts"});
}

// A Storage::kTable family: its parent table first, then its item tables.
struct TableFamily {
  std::string family;
  std::vector<const RenderedView*> sources;  // the extraction views
};

// The kTable families of `views` in declaration order, each with the
// rendered extraction views of its tables.
std::vector<TableFamily> TableFamilies(std::span<const FactView> views,
                                       const std::vector<RenderedView>& all) {
  std::vector<TableFamily> out;
  for (const FactView& v : views) {
    if (v.storage != Storage::kTable) continue;
    const std::string src = std::string(v.table) + "_src";
    const RenderedView* rendered = nullptr;
    for (const RenderedView& r : all) {
      if (r.name == src) rendered = &r;
    }
    if (rendered == nullptr) continue;
    auto it = std::find_if(out.begin(), out.end(), [&](const TableFamily& f) {
      return f.family == v.family;
    });
    if (it == out.end()) {
      out.push_back({std::string(v.family), {}});
      it = out.end() - 1;
    }
    it->sources.push_back(rendered);
  }
  return out;
}

std::string CreateTable(const RenderedView& src) {
  const bool items =
      src.table_columns.size() > 1 && src.table_columns[1] == "seq";
  std::string sql = "CREATE TABLE " + src.table + " (";
  for (size_t i = 0; i < src.table_columns.size(); ++i) {
    if (i > 0) sql += ", ";
    sql += src.table_columns[i];
    if (i == 0) sql += items ? " INTEGER NOT NULL" : " INTEGER PRIMARY KEY";
    if (i == 1 && items) sql += " INTEGER NOT NULL";
  }
  if (items) return sql + ", PRIMARY KEY (host_id, seq)) WITHOUT ROWID";
  return sql + ");\nCREATE INDEX " + src.table + "_org ON " + src.table +
         "(org_id)";
}

// The four triggers keeping a family's tables filled, in the shipped text.
std::vector<FactSchemaStep> FamilyTriggers(const TableFamily& f) {
  const std::string& base = f.sources.front()->table;
  const std::string fam = Quoted(f.family);
  std::string insert = "CREATE TRIGGER " + base +
                       "_insert AFTER INSERT ON host_facts\n"
                       "WHEN NEW.family = " +
                       fam + " BEGIN\n";
  std::string update = "CREATE TRIGGER " + base +
                       "_update AFTER UPDATE OF state, payload_json ON "
                       "host_facts\nWHEN NEW.family = " +
                       fam + " BEGIN\n";
  std::string rekey = "CREATE TRIGGER " + base +
                      "_rekey AFTER UPDATE OF org_id, host_id, family ON "
                      "host_facts\nWHEN " +
                      fam + " IN (OLD.family, NEW.family) BEGIN\n";
  std::string remove = "CREATE TRIGGER " + base +
                       "_delete AFTER DELETE ON host_facts\n"
                       "WHEN OLD.family = " +
                       fam + " BEGIN\n";
  for (const RenderedView* s : f.sources) {
    const std::string& t = s->table;
    const std::string refill =
        "  DELETE FROM " + t + " WHERE host_id = NEW.host_id;\n  INSERT INTO " +
        t + " SELECT * FROM " + s->name + " WHERE host_id = NEW.host_id;\n";
    insert += refill;
    update += refill;
    rekey += "  DELETE FROM " + t +
             " WHERE host_id IN (OLD.host_id, NEW.host_id);\n  INSERT INTO " +
             t + " SELECT * FROM " + s->name +
             "\n   WHERE host_id IN (OLD.host_id, NEW.host_id);\n";
    remove += "  DELETE FROM " + t + " WHERE host_id = OLD.host_id;\n";
  }
  using K = FactSchemaStep::Kind;
  return {{K::kTrigger, base + "_insert", insert + "END"},
          {K::kTrigger, base + "_update", update + "END"},
          {K::kTrigger, base + "_rekey", rekey + "END"},
          {K::kTrigger, base + "_delete", remove + "END"}};
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

std::vector<FactSchemaStep> RenderFactTables(const RenderOptions& options) {
  const std::vector<RenderedView> all =
      RenderFactViews(SqliteFactViewDialect(), options);
  std::vector<FactSchemaStep> out;
  for (const TableFamily& f : TableFamilies(
           options.views.empty() ? FactViews() : options.views, all)) {
    for (const RenderedView* s : f.sources) {
      out.push_back({FactSchemaStep::Kind::kTable, s->table, CreateTable(*s)});
    }
    for (FactSchemaStep& t : FamilyTriggers(f)) out.push_back(std::move(t));
  }
  return out;
}

Result<std::vector<FactSchemaStep>> PlanFactSchema(
    Database& db, const RenderOptions& options) {
  using K = FactSchemaStep::Kind;
  const std::vector<RenderedView> views =
      RenderFactViews(SqliteFactViewDialect(), options);
  std::vector<FactSchemaStep> steps;
  std::vector<FactSchemaStep> fills;
  // Tables first: ALTER TABLE checks the schema, and the triggers that
  // fill the tables name the extraction views.
  for (const RenderedView& v : views) {
    if (v.table.empty()) continue;
    Result<std::vector<std::string>> have = TableColumns(db, v.table);
    if (!have.ok()) return have.status().WithContext("fact view " + v.name);
    if (have->empty()) {
      steps.push_back({K::kTable, v.table, CreateTable(v)});
      fills.push_back({K::kRows, v.table,
                       "INSERT INTO " + v.table + " SELECT * FROM " + v.name});
      continue;
    }
    Result<std::string> stored = StoredSql(db, "view", v.name);
    if (!stored.ok()) return stored.status().WithContext("fact view " + v.name);
    if (*stored == v.sql) continue;
    Result<std::vector<FactSchemaStep>> added = AddMissingColumns(v, *have);
    if (!added.ok()) return added.status();
    for (FactSchemaStep& a : *added) steps.push_back(std::move(a));
    RefreshDifferingHosts(v, fills);
  }
  for (const RenderedView& v : views) {
    Result<std::string> stored = StoredSql(db, "view", v.name);
    if (!stored.ok()) return stored.status().WithContext("fact view " + v.name);
    if (*stored == v.sql) continue;
    steps.push_back(
        {K::kView, v.name, "DROP VIEW IF EXISTS " + v.name + ";\n" + v.sql});
  }
  for (const TableFamily& f : TableFamilies(
           options.views.empty() ? FactViews() : options.views, views)) {
    for (FactSchemaStep& t : FamilyTriggers(f)) {
      Result<std::string> stored = StoredSql(db, "trigger", t.name);
      if (!stored.ok()) return stored.status().WithContext("trigger " + t.name);
      if (*stored == t.sql) continue;
      t.sql = "DROP TRIGGER IF EXISTS " + t.name + ";\n" + t.sql;
      steps.push_back(std::move(t));
    }
  }
  // Rows last: an extraction view reads v_family_state and the other views.
  for (FactSchemaStep& f : fills) steps.push_back(std::move(f));
  return steps;
}

std::string FactSchemaScript(std::span<const FactSchemaStep> steps) {
  std::string out;
  for (const FactSchemaStep& s : steps) out += s.sql + ";\n";
  return out;
}

Result<FactViewSync> SyncFactViews(Database& db, const RenderOptions& options) {
  Result<std::vector<FactSchemaStep>> steps = PlanFactSchema(db, options);
  if (!steps.ok()) return steps.status();
  FactViewSync done;
  if (steps->empty()) return done;

  Transaction tx(db);
  MAMORI_RETURN_IF_ERROR(tx.Begin().WithContext("fact views"));
  for (const FactSchemaStep& s : *steps) {
    MAMORI_RETURN_IF_ERROR(db.Exec(s.sql).WithContext("fact schema " + s.name));
    switch (s.kind) {
      case FactSchemaStep::Kind::kTable:
        ++done.tables_created;
        break;
      case FactSchemaStep::Kind::kColumn:
        ++done.columns_added;
        break;
      case FactSchemaStep::Kind::kView:
        ++done.views_recreated;
        break;
      case FactSchemaStep::Kind::kTrigger:
        ++done.triggers_recreated;
        break;
      case FactSchemaStep::Kind::kRows:
        done.rows_refreshed += db.Changes();
        break;
      case FactSchemaStep::Kind::kScratch:
        break;
    }
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
