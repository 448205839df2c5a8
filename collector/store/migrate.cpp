#include "collector/store/migrate.h"

#include <sys/stat.h>

#include <chrono>
#include <map>
#include <set>

#include "collector/store/open_store.h"
#include "collector/store/postgres/pg.h"
#include "collector/store/postgres/postgres_store.h"
#include "collector/store/sqlite/migrations.h"
#include "collector/store/sqlite/sqlite.h"
#include "common/text.h"

namespace mamori::store {
namespace {

// COPY data is sent in pieces of about this size.
constexpr size_t kCopyChunkBytes = 4 << 20;

// Reasons a SQLite table stays behind.
constexpr char kSqliteOwn[] = "SQLite's own bookkeeping";
constexpr char kDerived[] =
    "derived: PostgreSQL computes it as a view from host_facts";
constexpr char kMaterialised[] =
    "derived: SQLite's stored copy of a view over host_facts; PostgreSQL "
    "reads its fact views instead";
constexpr char kSearchIndex[] =
    "derived: SQLite's full-text search index (FTS5) and its tables; "
    "PostgreSQL indexes the same columns itself (pg_trgm)";
constexpr char kNoTarget[] =
    "no PostgreSQL table in this build yet (docs/scale.md)";

std::string Quoted(std::string_view name) {
  return "\"" + std::string(name) + "\"";
}

struct TargetColumn {
  std::string name;
  bool generated = false;
  bool identity = false;
  bool required = false;  // NOT NULL without a default
  bool jsonb = false;
};

struct TargetTable {
  std::string name;
  bool partitioned = false;
  std::string partition_key;  // the range column of a partitioned table
  std::vector<TargetColumn> columns;
};

// The source's schema must be exactly this binary's: an older one is
// upgraded by running any command of this version on it, a newer one was
// written by a newer collector.
Status CheckSourceSchema(Database& db, const std::string& path) {
  std::map<std::string, int, std::less<>> known;
  for (const MigrationModule& module : AllMigrationModules()) {
    const auto steps = module.steps();
    known[std::string(module.name)] = steps.empty() ? 0 : steps.back().version;
  }
  auto rows = db.Prepare(
      "SELECT module, MAX(version) FROM schema_migrations GROUP BY module");
  if (!rows.ok()) {
    return FailedPreconditionError(path +
                                   " is not a mamori collector database (" +
                                   rows.status().message() + ")");
  }
  std::map<std::string, int> applied;
  while (true) {
    Result<bool> row = rows->Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    applied[rows->ColumnText(0)] = static_cast<int>(rows->ColumnInt(1));
  }
  for (const auto& [module, version] : applied) {
    auto found = known.find(module);
    if (found == known.end() || version > found->second) {
      return FailedPreconditionError(
          path + " was written by a newer collector (module " + module +
          " version " + std::to_string(version) +
          "): migrate with that version");
    }
  }
  for (const auto& [module, version] : known) {
    const auto found = applied.find(module);
    const int have = found == applied.end() ? 0 : found->second;
    if (have < version) {
      return FailedPreconditionError(
          path + " has an older schema (module " + module + " version " +
          std::to_string(have) + ", this collector " + std::to_string(version) +
          "): run any command of this version on it first, e.g. "
          "`mamori-collector org list --data DIR`");
    }
  }
  return Status::Ok();
}

Result<std::vector<std::string>> SourceColumns(Database& db,
                                               const std::string& table) {
  auto stmt = db.Prepare("SELECT name FROM pragma_table_info(?) ORDER BY cid");
  if (!stmt.ok()) return stmt.status();
  stmt->Bind(1, table);
  std::vector<std::string> out;
  while (true) {
    Result<bool> row = stmt->Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    out.push_back(stmt->ColumnText(0));
  }
  return out;
}

Result<int64_t> SourceCount(Database& db, const std::string& table) {
  auto stmt = db.Prepare("SELECT COUNT(*) FROM " + Quoted(table));
  if (!stmt.ok()) return stmt.status();
  Result<bool> row = stmt->Step();
  if (!row.ok()) return row.status();
  return stmt->ColumnInt(0);
}

Result<std::map<std::string, TargetTable>> TargetTables(pg::Connection& conn) {
  Result<pg::Rows> tables = conn.QueryOnce(
      "SELECT c.relname, c.relkind = 'p', "
      "CASE WHEN c.relkind = 'p' THEN pg_get_partkeydef(c.oid) END "
      "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
      "WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') "
      "AND NOT c.relispartition");
  if (!tables.ok()) return tables.status();
  std::map<std::string, TargetTable> out;
  for (int r = 0; r < tables->size(); ++r) {
    TargetTable t;
    t.name = tables->Text(r, 0);
    t.partitioned = tables->Int(r, 1) != 0;
    if (t.partitioned) {
      // "RANGE (received_at)": the store partitions by month of one column.
      const std::string key = tables->Text(r, 2);
      const size_t open = key.find('(');
      const size_t close = key.rfind(')');
      if (!StartsWith(key, "RANGE") || open == std::string::npos ||
          close == std::string::npos || close <= open) {
        return InternalError("cannot copy into " + t.name +
                             ": unexpected partitioning " + key);
      }
      t.partition_key = key.substr(open + 1, close - open - 1);
    }
    out.emplace(t.name, std::move(t));
  }
  Result<pg::Rows> columns = conn.QueryOnce(
      "SELECT c.relname, a.attname, a.attgenerated <> '', "
      "a.attidentity <> '', a.attnotnull AND NOT a.atthasdef "
      "AND a.attidentity = '', a.atttypid = 'jsonb'::regtype "
      "FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid "
      "JOIN pg_namespace n ON n.oid = c.relnamespace "
      "WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') "
      "AND NOT c.relispartition AND a.attnum > 0 AND NOT a.attisdropped "
      "ORDER BY c.relname, a.attnum");
  if (!columns.ok()) return columns.status();
  for (int r = 0; r < columns->size(); ++r) {
    auto table = out.find(columns->Text(r, 0));
    if (table == out.end()) continue;
    table->second.columns.push_back(
        {columns->Text(r, 1), columns->Int(r, 2) != 0, columns->Int(r, 3) != 0,
         columns->Int(r, 4) != 0, columns->Int(r, 5) != 0});
  }
  return out;
}

Result<std::set<std::string>> TargetViews(pg::Connection& conn) {
  Result<pg::Rows> rows = conn.QueryOnce(
      "SELECT c.relname FROM pg_class c "
      "JOIN pg_namespace n ON n.oid = c.relnamespace "
      "WHERE n.nspname = current_schema() AND c.relkind IN ('v', 'm')");
  if (!rows.ok()) return rows.status();
  std::set<std::string> out;
  for (int r = 0; r < rows->size(); ++r) out.insert(rows->Text(r, 0));
  return out;
}

// `tables` ordered so each comes after the tables its foreign keys name
// (self-references are checked at the end of the COPY statement).
Result<std::vector<std::string>> ParentsFirst(
    pg::Connection& conn, const std::set<std::string>& tables) {
  Result<pg::Rows> rows = conn.QueryOnce(
      "SELECT c.relname, p.relname FROM pg_constraint f "
      "JOIN pg_class c ON c.oid = f.conrelid "
      "JOIN pg_class p ON p.oid = f.confrelid "
      "JOIN pg_namespace n ON n.oid = c.relnamespace "
      "WHERE f.contype = 'f' AND n.nspname = current_schema()");
  if (!rows.ok()) return rows.status();
  std::map<std::string, std::set<std::string>> parents;
  for (const std::string& t : tables) parents[t];
  for (int r = 0; r < rows->size(); ++r) {
    const std::string child = rows->Text(r, 0);
    const std::string parent = rows->Text(r, 1);
    if (child != parent && tables.count(child) && tables.count(parent)) {
      parents[child].insert(parent);
    }
  }
  std::vector<std::string> order;
  std::set<std::string> placed;
  while (order.size() < tables.size()) {
    bool progress = false;
    for (const auto& [table, needs] : parents) {
      if (placed.count(table)) continue;
      bool ready = true;
      for (const std::string& p : needs) ready = ready && placed.count(p);
      if (!ready) continue;
      order.push_back(table);
      placed.insert(table);
      progress = true;
    }
    if (!progress) {
      return InternalError("the target's foreign keys form a cycle");
    }
  }
  return order;
}

int64_t MonthStart(int year, unsigned month) {
  using namespace std::chrono;
  const year_month_day first{std::chrono::year{year}, std::chrono::month{month},
                             day{1}};
  return sys_days{first}.time_since_epoch() / seconds{1};
}

// Creates the month partitions the source's rows of `table` fall in, named
// as the store names them (TABLE_pYYYYMM).
Status CreateMonths(Database& db, pg::Connection& conn,
                    const TargetTable& table) {
  auto months = db.Prepare(
      "SELECT DISTINCT CAST(strftime('%Y', " + Quoted(table.partition_key) +
      ", 'unixepoch') AS INTEGER), CAST(strftime('%m', " +
      Quoted(table.partition_key) + ", 'unixepoch') AS INTEGER) FROM " +
      Quoted(table.name));
  if (!months.ok()) return months.status();
  while (true) {
    Result<bool> row = months->Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    const int year = static_cast<int>(months->ColumnInt(0));
    const unsigned month = static_cast<unsigned>(months->ColumnInt(1));
    const int next_year = month == 12 ? year + 1 : year;
    const unsigned next_month = month == 12 ? 1 : month + 1;
    const std::string name =
        table.name + "_p" +
        std::to_string(year * 100 + static_cast<int>(month));
    MAMORI_RETURN_IF_ERROR(conn.Exec(
        "CREATE TABLE IF NOT EXISTS " + name + " PARTITION OF " + table.name +
        " FOR VALUES FROM (" + std::to_string(MonthStart(year, month)) +
        ") TO (" + std::to_string(MonthStart(next_year, next_month)) + ")"));
  }
  return Status::Ok();
}

// Streams the source's rows of `table` into the target with COPY.
Result<int64_t> CopyTable(Database& db, pg::Connection& conn,
                          const TargetTable& table,
                          const std::vector<const TargetColumn*>& columns) {
  std::string list;
  for (const TargetColumn* c : columns) {
    list += (list.empty() ? "" : ", ") + Quoted(c->name);
  }
  auto rows = db.Prepare("SELECT " + list + " FROM " + Quoted(table.name));
  if (!rows.ok()) return rows.status();
  const std::string copy =
      "COPY " + Quoted(table.name) + " (" + list + ") FROM STDIN";
  std::string data;
  int64_t copied = 0;
  const auto flush = [&]() -> Status {
    if (data.empty()) return Status::Ok();
    Result<int64_t> n = conn.CopyIn(copy, data);
    if (!n.ok()) {
      return Status(n.status().code(),
                    "copying " + table.name + ": " + n.status().message());
    }
    copied += *n;
    data.clear();
    return Status::Ok();
  };
  while (true) {
    Result<bool> row = rows->Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    for (size_t i = 0; i < columns.size(); ++i) {
      if (i > 0) data.push_back('\t');
      const int column = static_cast<int>(i);
      if (rows->ColumnIsNull(column)) {
        data += "\\N";
      } else if (columns[i]->jsonb) {
        pg::CopyEscape(pg::JsonForJsonb(rows->ColumnView(column)), &data);
      } else {
        pg::CopyEscape(rows->ColumnView(column), &data);
      }
    }
    data.push_back('\n');
    if (data.size() >= kCopyChunkBytes) MAMORI_RETURN_IF_ERROR(flush());
  }
  MAMORI_RETURN_IF_ERROR(flush());
  return copied;
}

}  // namespace

Result<MigrateOutcome> MigrateSqliteToPostgres(const std::string& sqlite_path,
                                               const std::string& pg_url,
                                               const MigrateOptions& options,
                                               const Clock& clock) {
  if (!IsPostgresUrl(pg_url)) {
    return InvalidArgumentError(
        "the target must be a postgresql:// URL, not \"" + RedactedUrl(pg_url) +
        "\"");
  }
  struct stat info {};
  if (stat(sqlite_path.c_str(), &info) != 0 || !S_ISREG(info.st_mode)) {
    return NotFoundError("no collector database at " + sqlite_path);
  }
  Result<Database> source = Database::Open(sqlite_path, /*create=*/false);
  if (!source.ok()) return source.status();
  Database& db = *source;
  MAMORI_RETURN_IF_ERROR(CheckSourceSchema(db, sqlite_path));

  // The target's schema, created or brought up to date by the store itself
  // (a newer one is refused there).
  {
    Result<std::unique_ptr<PostgresStore>> target =
        PostgresStore::Open(pg_url, clock);
    if (!target.ok()) return target.status();
  }
  Result<pg::Connection> opened = pg::Connection::Open(pg_url);
  if (!opened.ok()) return opened.status();
  pg::Connection& conn = *opened;
  Result<std::map<std::string, TargetTable>> targets = TargetTables(conn);
  if (!targets.ok()) return targets.status();
  Result<std::set<std::string>> views = TargetViews(conn);
  if (!views.ok()) return views.status();

  // One read transaction: every table is read from the same snapshot while
  // a running collector goes on writing (WAL).
  MAMORI_RETURN_IF_ERROR(db.Exec("BEGIN"));
  struct EndRead {
    Database& db;
    ~EndRead() { (void)db.Exec("ROLLBACK"); }
  } end_read{db};

  MigrateOutcome outcome;
  std::set<std::string> copy;
  std::map<std::string, int64_t> source_rows;
  std::vector<std::string> blocking;
  auto names = db.Prepare(
      "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name");
  if (!names.ok()) return names.status();
  std::vector<std::string> source_tables;
  while (true) {
    Result<bool> row = names->Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    source_tables.push_back(names->ColumnText(0));
  }
  // SQLite keeps some views as tables for speed (grading_schema.cpp: table
  // gfact_F holds exactly the rows of view gfact_F_src).
  std::set<std::string> source_views;
  auto view_names =
      db.Prepare("SELECT name FROM sqlite_master WHERE type = 'view'");
  if (!view_names.ok()) return view_names.status();
  while (true) {
    Result<bool> row = view_names->Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    source_views.insert(view_names->ColumnText(0));
  }
  // FTS5 tables (console migration 3's endpoint search) and the shadow
  // tables each keeps (NAME_data, NAME_idx, …): an index, rebuilt from the
  // rows it indexes, never data to move.
  std::vector<std::string> virtual_tables;
  auto virtual_names = db.Prepare(
      "SELECT name FROM sqlite_master WHERE type = 'table' AND "
      "sql LIKE 'CREATE VIRTUAL TABLE%'");
  if (!virtual_names.ok()) return virtual_names.status();
  while (true) {
    Result<bool> row = virtual_names->Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    virtual_tables.push_back(virtual_names->ColumnText(0));
  }
  auto search_index = [&](const std::string& table) {
    for (const std::string& v : virtual_tables) {
      if (table == v || StartsWith(table, v + "_")) return true;
    }
    return false;
  };
  for (const std::string& table : source_tables) {
    if (search_index(table)) {
      // Not counted: a virtual table's count would read the index.
      outcome.not_copied.push_back({table, 0, 0, kSearchIndex});
      continue;
    }
    Result<int64_t> count = SourceCount(db, table);
    if (!count.ok()) return count.status();
    source_rows[table] = *count;
    if (table == "schema_migrations" || StartsWith(table, "sqlite_")) {
      outcome.not_copied.push_back({table, *count, 0, kSqliteOwn});
    } else if (views->count(table)) {
      outcome.not_copied.push_back({table, *count, 0, kDerived});
    } else if (source_views.count(table + "_src")) {
      outcome.not_copied.push_back({table, *count, 0, kMaterialised});
    } else if (!targets->count(table)) {
      outcome.not_copied.push_back({table, *count, 0, kNoTarget});
      if (*count > 0) {
        blocking.push_back(table + " (" + std::to_string(*count) + " rows)");
      }
    } else {
      copy.insert(table);
    }
  }
  if (!blocking.empty() && !options.allow_missing) {
    std::string list;
    for (const std::string& b : blocking)
      list += (list.empty() ? "" : ", ") + b;
    return FailedPreconditionError(
        "these tables hold data that PostgreSQL cannot take yet: " + list +
        "; pass --allow-missing to move the rest without them");
  }

  // Columns: the target's, less generated ones; every one must exist in
  // the source unless it may be left to its default, and no source column
  // may be dropped on the way.
  std::map<std::string, std::vector<const TargetColumn*>> columns;
  for (const std::string& table : copy) {
    Result<std::vector<std::string>> have = SourceColumns(db, table);
    if (!have.ok()) return have.status();
    const std::set<std::string> in_source(have->begin(), have->end());
    std::set<std::string> in_target;
    for (const TargetColumn& c : targets->at(table).columns) {
      in_target.insert(c.name);
      if (c.generated) continue;
      if (in_source.count(c.name)) {
        columns[table].push_back(&c);
      } else if (c.required) {
        return InternalError("cannot copy " + table + ": column " + c.name +
                             " is required on PostgreSQL and absent from "
                             "SQLite");
      }
    }
    for (const std::string& c : *have) {
      if (!in_target.count(c)) {
        return InternalError("cannot copy " + table + ": column " + c +
                             " has no PostgreSQL counterpart");
      }
    }
  }
  Result<std::vector<std::string>> order = ParentsFirst(conn, copy);
  if (!order.ok()) return order.status();

  pg::Transaction tx(conn);
  MAMORI_RETURN_IF_ERROR(tx.Begin());
  // The lock the store takes to create history months.
  MAMORI_RETURN_IF_ERROR(
      conn.Exec("SELECT pg_advisory_xact_lock(1835101551, 1751741300)"));
  if (options.replace) {
    std::string list;
    for (const std::string& t : *order) {
      list += (list.empty() ? "" : ", ") + Quoted(t);
    }
    MAMORI_RETURN_IF_ERROR(conn.Exec("TRUNCATE " + list + " CASCADE"));
  } else {
    std::vector<std::string> filled;
    for (const std::string& t : *order) {
      Result<pg::Rows> any =
          conn.QueryOnce("SELECT EXISTS (SELECT 1 FROM " + Quoted(t) + ")");
      if (!any.ok()) return any.status();
      if (any->Int(0, 0) != 0) filled.push_back(t);
    }
    if (!filled.empty()) {
      std::string list;
      for (const std::string& t : filled) {
        list += (list.empty() ? "" : ", ") + t;
      }
      return FailedPreconditionError(
          "the target database already holds data (" + list +
          "); migrate into an empty database, or pass --replace to empty "
          "those tables first");
    }
  }

  // The tables that triggers keep (device sightings, enrolled MACs, first
  // listings, software matches) are copied as SQLite holds them: the
  // triggers would write them a second time from the copied hosts,
  // host_facts and packages. Foreign keys stay checked (system triggers).
  for (const std::string& table : *order) {
    MAMORI_RETURN_IF_ERROR(
        conn.Exec("ALTER TABLE " + Quoted(table) + " DISABLE TRIGGER USER"));
  }
  for (const std::string& table : *order) {
    const TargetTable& target = targets->at(table);
    if (target.partitioned) {
      MAMORI_RETURN_IF_ERROR(CreateMonths(db, conn, target));
    }
    Result<int64_t> copied = CopyTable(db, conn, target, columns[table]);
    if (!copied.ok()) return copied.status();
    for (const TargetColumn& c : target.columns) {
      if (!c.identity) continue;
      MAMORI_RETURN_IF_ERROR(
          conn.QueryOnce("SELECT setval(pg_get_serial_sequence('" +
                         Quoted(table) + "', '" + c.name + "'), MAX(" +
                         Quoted(c.name) + ")) FROM " + Quoted(table) +
                         " HAVING MAX(" + Quoted(c.name) + ") IS NOT NULL")
              .status());
    }
    Result<pg::Rows> counted =
        conn.QueryOnce("SELECT COUNT(*) FROM " + Quoted(table));
    if (!counted.ok()) return counted.status();
    MigratedTable m{table, source_rows[table], counted->Int(0, 0), ""};
    if (m.target_rows != m.source_rows || *copied != m.source_rows) {
      return DataLossError(
          "copying " + table + ": " + std::to_string(m.source_rows) +
          " rows in the source, " + std::to_string(m.target_rows) +
          " in the target; nothing was kept");
    }
    outcome.copied.push_back(std::move(m));
  }
  for (const std::string& table : *order) {
    MAMORI_RETURN_IF_ERROR(
        conn.Exec("ALTER TABLE " + Quoted(table) + " ENABLE TRIGGER USER"));
  }
  MAMORI_RETURN_IF_ERROR(tx.Commit());
  return outcome;
}

}  // namespace mamori::store
