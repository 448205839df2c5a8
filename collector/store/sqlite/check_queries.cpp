#include "collector/store/sqlite/check_queries.h"

#include "common/text.h"

namespace mamori::store {

namespace {

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

}  // namespace

SqliteCheckQueries::~SqliteCheckQueries() {
  for (auto& [key, st] : statements_) sqlite3_finalize(st);
}

Result<sqlite3_stmt*> SqliteCheckQueries::Prepare(const std::string& key,
                                                  std::string_view sql) {
  auto it = statements_.find(key);
  if (it != statements_.end()) return it->second;
  sqlite3_stmt* st = nullptr;
  const char* tail = nullptr;
  const int rc =
      sqlite3_prepare_v3(db_.raw(), sql.data(), static_cast<int>(sql.size()),
                         SQLITE_PREPARE_PERSISTENT, &st, &tail);
  if (rc != SQLITE_OK || st == nullptr) {
    if (st != nullptr) sqlite3_finalize(st);
    return InvalidArgumentError(std::string("does not prepare: ") +
                                sqlite3_errmsg(db_.raw()));
  }
  std::string_view rest(tail, sql.data() + sql.size() - tail);
  while (!rest.empty() &&
         (rest.front() == ';' || Trim(rest.substr(0, 1)).empty())) {
    rest.remove_prefix(1);
  }
  if (!rest.empty()) {
    sqlite3_finalize(st);
    return InvalidArgumentError("must be a single statement");
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
  const StatementRow row(st);
  Status result = Status::Ok();
  for (;;) {
    const int rc = sqlite3_step(st);
    if (rc == SQLITE_DONE) break;
    if (rc != SQLITE_ROW) {
      result = InternalError(sqlite3_errmsg(db_.raw()));
      break;
    }
    sink(row);
  }
  sqlite3_reset(st);
  return result;
}

}  // namespace mamori::store
