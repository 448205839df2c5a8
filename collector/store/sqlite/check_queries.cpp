#include "collector/store/sqlite/check_queries.h"

#include <cctype>
#include <set>
#include <vector>

#include "collector/sql/sql_tokens.h"
#include "collector/store/sqlite/check_functions.h"
#include "common/text.h"

namespace mamori::store {

namespace {

// Global reference data a check may read directly (no organisation in it).
bool IsReferenceRead(std::string_view table, std::string_view column) {
  if (table == "grading_end_of_support" || table == "grading_browser_minimums")
    return true;
  // The software dictionary and its matches of the package catalogue
  // (software_schema.cpp): global, no organisation's rows in them.
  if (table == "software_categories" || table == "software_titles" ||
      table == "software_matches")
    return true;
  // The package catalogue (distinct name/version strings of every host):
  // its id and name only, to find the ids a check then looks up in the
  // organisation's v_packages.
  return table == "packages" && (column == "id" || column == "name");
}

// The names a query's text holds, lower case: words and quoted names ("x",
// `x`, [x]) as the one SQL lexer (collector/sql/sql_tokens.h) splits them;
// literals and comments skipped. A table that is not among them can only
// reach the statement through a view.
std::set<std::string> NamesIn(std::string_view query) {
  std::set<std::string> names;
  for (const sql::Token& t : sql::Tokenize(query)) {
    if (t.kind == sql::TokenKind::kWord ||
        t.kind == sql::TokenKind::kQuotedName) {
      names.insert(ToLowerAscii(sql::Unquoted(t)));
    }
  }
  return names;
}

class StatementRow final : public QueryRow {
 public:
  explicit StatementRow(sqlite3_stmt* st) : st_(st) {}
  bool IsNull(int column) const override {
    return sqlite3_column_type(st_, column) == SQLITE_NULL;
  }
  int64_t Int(int column) const override {
    return sqlite3_column_int64(st_, column);
  }
  std::string Text(int column) const override {
    if (IsNull(column)) return "null";
    const auto* text =
        reinterpret_cast<const char*>(sqlite3_column_text(st_, column));
    return text == nullptr ? "" : std::string(text);
  }

 private:
  sqlite3_stmt* st_;
};

std::string QuoteIdentifier(std::string_view name) {
  std::string out = "\"";
  for (char c : name) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

}  // namespace

Result<std::unique_ptr<SqliteCheckQueries>> SqliteCheckQueries::Open(
    const std::string& path, std::chrono::milliseconds time_limit) {
  auto db = Database::Open(path, /*create=*/false);
  if (!db.ok()) return db.status();
  std::unique_ptr<SqliteCheckQueries> queries(
      new SqliteCheckQueries(std::move(*db), time_limit));
  MAMORI_RETURN_IF_ERROR(queries->Sandbox().WithContext(path));
  return queries;
}

SqliteCheckQueries::~SqliteCheckQueries() {
  for (auto& [key, st] : statements_) sqlite3_finalize(st);
}

void SqliteCheckQueries::OrgFunction(sqlite3_context* ctx, int,
                                     sqlite3_value**) {
  const auto* self =
      static_cast<const SqliteCheckQueries*>(sqlite3_user_data(ctx));
  sqlite3_result_int64(ctx, self->org_id_);
}

int SqliteCheckQueries::Progress(void* self_ptr) {
  auto* self = static_cast<SqliteCheckQueries*>(self_ptr);
  if (self->interrupted_) return 1;
  if (std::chrono::steady_clock::now() < self->deadline_) return 0;
  self->timed_out_ = true;
  return 1;
}

int SqliteCheckQueries::Authorize(void* self_ptr, int action, const char* a,
                                  const char* b, const char* db,
                                  const char* view) {
  auto* self = static_cast<SqliteCheckQueries*>(self_ptr);
  const std::string_view table = a == nullptr ? "" : a;
  const std::string_view column = b == nullptr ? "" : b;
  switch (action) {
    case SQLITE_SELECT:
    case SQLITE_RECURSIVE:
    case SQLITE_FUNCTION:
      return SQLITE_OK;
    case SQLITE_READ:
      // Inside one of the collector's own views: those are trusted.
      if (view != nullptr) return SQLITE_OK;
      // No column: SQLite reports a table a flattened view joins without
      // using its values this way, and also count(*) or EXISTS (SELECT 1 …)
      // over a table the check names itself. The first is the view's
      // business; the second would count every organisation's rows, so a
      // table the check's text names gets the test of a column read below.
      // (A common table expression the check names is its own rows.)
      if (column.empty() && self->named_ != nullptr &&
          (self->named_->count(ToLowerAscii(table)) == 0 ||
           self->schema_names_.count(ToLowerAscii(table)) == 0)) {
        return SQLITE_OK;
      }
      if (db != nullptr && std::string_view(db) == "temp" &&
          StartsWith(table, "v_")) {
        return SQLITE_OK;
      }
      // A read without a column comes with no schema name; the temp schema
      // holds only the views above, so such a table is a main one.
      if ((db == nullptr ? column.empty() : std::string_view(db) == "main") &&
          IsReferenceRead(table, column)) {
        return SQLITE_OK;
      }
      self->denied_ = "reads " + std::string(table) +
                      (column.empty() ? "" : "." + std::string(column)) +
                      ", which is not a fact view (v_*) or reference table";
      return SQLITE_DENY;
    case SQLITE_PRAGMA:
      self->denied_ = "uses PRAGMA " + std::string(table);
      return SQLITE_DENY;
    case SQLITE_ATTACH:
    case SQLITE_DETACH:
      self->denied_ = "uses ATTACH or DETACH";
      return SQLITE_DENY;
    default:
      self->denied_ = "does something other than read (action " +
                      std::to_string(action) + ")";
      return SQLITE_DENY;
  }
}

Status SqliteCheckQueries::Sandbox() {
  sqlite3* raw = db_.raw();
  if (sqlite3_create_function_v2(raw, "mamori_org", 0, SQLITE_UTF8, this,
                                 &OrgFunction, nullptr, nullptr,
                                 nullptr) != SQLITE_OK) {
    return InternalError(std::string("cannot register mamori_org(): ") +
                         sqlite3_errmsg(raw));
  }
  // The portable dialect's helpers (utc_date, string_agg, …).
  MAMORI_RETURN_IF_ERROR(RegisterCheckFunctions(raw));
  // The fact views that carry org_id, each shadowed by its organisation's
  // rows.
  std::vector<std::string> views;
  {
    auto st = db_.Prepare(
        "SELECT name FROM main.sqlite_master WHERE type = 'view' AND name "
        "LIKE 'v\\_%' ESCAPE '\\' ORDER BY name");
    if (!st.ok()) return st.status();
    while (true) {
      auto row = st->Step();
      if (!row.ok()) return row.status();
      if (!*row) break;
      views.push_back(st->ColumnText(0));
    }
  }
  // Every table and view of the database: a name a check reads that is
  // none of these is one of its own common table expressions.
  schema_names_ = {"sqlite_master", "sqlite_schema", "sqlite_temp_master",
                   "sqlite_temp_schema", "sqlite_sequence"};
  {
    auto st = db_.Prepare("SELECT lower(name) FROM main.sqlite_master");
    if (!st.ok()) return st.status();
    while (true) {
      auto row = st->Step();
      if (!row.ok()) return row.status();
      if (!*row) break;
      schema_names_.insert(st->ColumnText(0));
    }
  }
  std::string ddl;
  for (const std::string& view : views) {
    auto info = db_.Prepare(
        "SELECT 1 FROM pragma_table_info(?1, 'main') "
        "WHERE name = 'org_id'");
    if (!info.ok()) return info.status();
    info->Bind(1, view);
    auto has_org = info->Step();
    if (!has_org.ok()) return has_org.status();
    if (!*has_org) continue;  // left unreadable at top level
    ddl += "CREATE TEMP VIEW " + QuoteIdentifier(view) +
           " AS SELECT * FROM main." + QuoteIdentifier(view) +
           " WHERE org_id = mamori_org();\n";
  }
  MAMORI_RETURN_IF_ERROR(db_.Exec(ddl));
  // From here on the connection only reads.
  MAMORI_RETURN_IF_ERROR(db_.Exec("PRAGMA query_only = ON"));
  sqlite3_set_authorizer(raw, &Authorize, this);
  sqlite3_progress_handler(raw, 1000, &Progress, this);
  return Status::Ok();
}

Result<sqlite3_stmt*> SqliteCheckQueries::Prepare(const std::string& key,
                                                  std::string_view sql) {
  auto it = statements_.find(key);
  if (it != statements_.end()) return it->second;
  // First without the authorizer, only to name the usual faults (syntax,
  // unknown names, several statements) as they are named elsewhere; then
  // with it, which is the statement kept. Preparing runs nothing.
  sqlite3* raw = db_.raw();
  // No time limit while preparing (the progress handler runs then too).
  deadline_ = std::chrono::steady_clock::time_point::max();
  sqlite3_stmt* st = nullptr;
  const char* tail = nullptr;
  sqlite3_set_authorizer(raw, nullptr, nullptr);
  int rc = sqlite3_prepare_v2(raw, sql.data(), static_cast<int>(sql.size()),
                              &st, &tail);
  sqlite3_set_authorizer(raw, &Authorize, this);
  if (rc != SQLITE_OK || st == nullptr) {
    if (st != nullptr) sqlite3_finalize(st);
    return InvalidArgumentError(std::string("does not prepare: ") +
                                sqlite3_errmsg(raw));
  }
  sqlite3_finalize(st);
  std::string_view rest(tail, sql.data() + sql.size() - tail);
  while (!rest.empty() &&
         (rest.front() == ';' || Trim(rest.substr(0, 1)).empty())) {
    rest.remove_prefix(1);
  }
  if (!rest.empty()) return InvalidArgumentError("must be a single statement");

  st = nullptr;
  denied_.clear();
  named_ = &(names_[key] = NamesIn(sql));
  rc = sqlite3_prepare_v3(raw, sql.data(), static_cast<int>(sql.size()),
                          SQLITE_PREPARE_PERSISTENT, &st, nullptr);
  if (rc != SQLITE_OK || st == nullptr) {
    if (st != nullptr) sqlite3_finalize(st);
    std::string reason = sqlite3_errmsg(raw);
    if (!denied_.empty()) reason += ": the query " + denied_;
    return InvalidArgumentError("does not prepare: " + reason);
  }
  statements_.emplace(key, st);
  return st;
}

Result<QueryShape> SqliteCheckQueries::Describe(const std::string& key,
                                                std::string_view sql) {
  auto st = Prepare(key, sql);
  if (!st.ok()) return st.status();
  if (!sqlite3_stmt_readonly(*st)) {
    return InvalidArgumentError("must only read (SELECT)");
  }
  QueryShape shape;
  for (int i = 0; i < sqlite3_column_count(*st); ++i) {
    shape.columns.emplace_back(sqlite3_column_name(*st, i));
  }
  for (int i = 1; i <= sqlite3_bind_parameter_count(*st); ++i) {
    const char* name = sqlite3_bind_parameter_name(*st, i);
    shape.parameters.emplace_back(
        name == nullptr || name[0] != ':' ? "" : std::string(name + 1));
  }
  return shape;
}

Status SqliteCheckQueries::Run(const std::string& key, std::string_view sql,
                               int64_t org_id,
                               std::span<const QueryValue> values,
                               const RowSink& sink) {
  auto prepared = Prepare(key, sql);
  if (!prepared.ok()) return prepared.status();
  sqlite3_stmt* st = *prepared;
  sqlite3_reset(st);
  sqlite3_clear_bindings(st);
  const int count = sqlite3_bind_parameter_count(st);
  for (int i = 1; i <= count && static_cast<size_t>(i) <= values.size(); ++i) {
    const QueryValue& v = values[i - 1];
    if (const auto* n = std::get_if<int64_t>(&v)) {
      sqlite3_bind_int64(st, i, *n);
    } else if (const auto* d = std::get_if<double>(&v)) {
      sqlite3_bind_double(st, i, *d);
    } else if (const auto* s = std::get_if<std::string>(&v)) {
      sqlite3_bind_text(st, i, s->data(), static_cast<int>(s->size()),
                        SQLITE_TRANSIENT);
    }
  }
  org_id_ = org_id;
  named_ = &names_[key];
  timed_out_ = false;
  interrupted_ = false;
  deadline_ = std::chrono::steady_clock::now() + time_limit_;
  const StatementRow row(st);
  Status result = Status::Ok();
  for (;;) {
    const int rc = sqlite3_step(st);
    if (rc == SQLITE_DONE) break;
    if (rc != SQLITE_ROW) {
      result = interrupted_
                   ? Status(StatusCode::kCancelled, "check query interrupted")
               : timed_out_ ? DeadlineExceededError(
                                  "stopped after the time limit of " +
                                  std::to_string(time_limit_.count()) + " ms")
                            : InternalError(sqlite3_errmsg(db_.raw()));
      break;
    }
    sink(row);
  }
  sqlite3_reset(st);
  org_id_ = 0;
  deadline_ = std::chrono::steady_clock::time_point::max();
  return result;
}

}  // namespace mamori::store
