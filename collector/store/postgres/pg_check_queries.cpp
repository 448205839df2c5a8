#include "collector/store/postgres/pg_check_queries.h"

#include <cctype>
#include <cstdio>
#include <set>

#include "common/text.h"

namespace mamori::store::pg {
namespace {

// Functions a check may call (docs/policies.md "The check dialect"), and the
// words that may stand before '(' without being a call.
const std::set<std::string, std::less<>>& AllowedCalls() {
  static const std::set<std::string, std::less<>> kAllowed = {
      // functions and aggregates of the dialect
      "count", "sum", "min", "max", "avg", "coalesce", "nullif", "cast",
      "round", "substr", "lower", "upper", "trim", "length", "replace", "abs",
      "utc_date", "utc_datetime", "version_major", "version_compare",
      "string_agg", "row_number", "rank", "dense_rank",
      // keywords followed by a parenthesis
      "select", "from", "where", "and", "or", "not", "in", "exists", "as", "on",
      "join", "when", "then", "else", "case", "over", "by", "values",
      "materialized", "with", "union", "all", "any", "filter", "between", "is",
      "like", "ilike", "distinct", "having", "limit", "offset", "partition",
      "using", "intersect", "except", "end", "desc", "asc", "lateral",
      "recursive"};
  return kAllowed;
}

bool IsWordChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_' ||
         static_cast<unsigned char>(c) >= 0x80;
}

std::string LowerWord(std::string_view sql, size_t* at) {
  std::string word;
  while (*at < sql.size() && IsWordChar(sql[*at])) {
    word +=
        static_cast<char>(std::tolower(static_cast<unsigned char>(sql[*at])));
    ++*at;
  }
  return word;
}

void SkipSpace(std::string_view sql, size_t* at) {
  while (*at < sql.size() && std::isspace(static_cast<unsigned char>(sql[*at])))
    ++*at;
}

// The word at `start`, followed by '(' at `open`, names columns rather than
// calling a function: a table alias (`AS t(a, b)`) or a WITH query's name
// (`c(x) AS (…)`, `c(x) AS MATERIALIZED (…)`).
bool IsDefinition(std::string_view sql, size_t start, size_t open) {
  size_t b = start;
  while (b > 0 && std::isspace(static_cast<unsigned char>(sql[b - 1]))) --b;
  if (b >= 2) {
    const std::string before(sql.substr(b - 2, 2));
    if ((before[0] == 'a' || before[0] == 'A') &&
        (before[1] == 's' || before[1] == 'S') &&
        (b < 3 || !IsWordChar(sql[b - 3]))) {
      return true;
    }
  }
  int depth = 0;
  size_t i = open;
  for (; i < sql.size(); ++i) {
    if (sql[i] == '(') ++depth;
    if (sql[i] == ')' && --depth == 0) break;
    if (sql[i] == '\'') return false;  // literals only in calls
  }
  if (i >= sql.size()) return false;
  ++i;
  SkipSpace(sql, &i);
  if (LowerWord(sql, &i) != "as") return false;
  SkipSpace(sql, &i);
  if (i < sql.size() && sql[i] == '(') return true;
  const std::string next = LowerWord(sql, &i);
  return next == "materialized" || next == "not";
}

}  // namespace

Result<TranslatedQuery> TranslateCheckQuery(std::string_view sql) {
  TranslatedQuery out;
  out.sql.reserve(sql.size() + 16);
  std::map<std::string, int, std::less<>> numbers;
  size_t i = 0;
  const size_t n = sql.size();
  auto refuse = [](const std::string& what) {
    return InvalidArgumentError("does not prepare: " + what);
  };
  while (i < n) {
    const char c = sql[i];
    if (c == '\'') {  // string literal, '' inside
      size_t j = i + 1;
      for (;;) {
        if (j >= n) return refuse("unterminated string literal");
        if (sql[j] == '\'') {
          if (j + 1 < n && sql[j + 1] == '\'') {
            j += 2;
            continue;
          }
          break;
        }
        ++j;
      }
      out.sql.append(sql.substr(i, j + 1 - i));
      i = j + 1;
      continue;
    }
    if (c == '"') {  // quoted name
      const size_t j = sql.find('"', i + 1);
      if (j == std::string_view::npos)
        return refuse("unterminated quoted name");
      out.sql.append(sql.substr(i, j + 1 - i));
      i = j + 1;
      if (i < n && sql[i] == '(') {
        return refuse("a call of a quoted name is not allowed");
      }
      continue;
    }
    if (c == '-' && i + 1 < n && sql[i + 1] == '-') {
      const size_t j = sql.find('\n', i);
      const size_t end = j == std::string_view::npos ? n : j;
      out.sql.append(sql.substr(i, end - i));
      i = end;
      continue;
    }
    if (c == '/' && i + 1 < n && sql[i + 1] == '*') {
      // PostgreSQL nests block comments; the dialect does not need them.
      const size_t j = sql.find("*/", i + 2);
      if (j == std::string_view::npos) return refuse("unterminated comment");
      if (sql.substr(i + 2, j - i - 2).find("/*") != std::string_view::npos) {
        return refuse("nested comment");
      }
      out.sql.append(sql.substr(i, j + 2 - i));
      i = j + 2;
      continue;
    }
    if (c == ':') {
      if (i + 1 < n && sql[i + 1] == ':') {  // a cast, left to the server
        out.sql.append("::");
        i += 2;
        continue;
      }
      size_t j = i + 1;
      while (j < n && (std::isalnum(static_cast<unsigned char>(sql[j])) ||
                       sql[j] == '_')) {
        ++j;
      }
      if (j == i + 1) {
        out.sql += c;
        ++i;
        continue;
      }
      std::string name(sql.substr(i + 1, j - i - 1));
      auto [it, added] =
          numbers.try_emplace(name, static_cast<int>(out.parameters.size()));
      if (added) out.parameters.push_back(name);
      out.sql += "$" + std::to_string(it->second + 1);
      i = j;
      continue;
    }
    if (c == ';') {
      for (size_t j = i + 1; j < n; ++j) {
        if (!std::isspace(static_cast<unsigned char>(sql[j]))) {
          out.several_statements = true;
          break;
        }
      }
      out.sql += c;
      ++i;
      continue;
    }
    if (c == '?' || c == '$') {
      if (c == '$' && !(i + 1 < n &&
                        std::isdigit(static_cast<unsigned char>(sql[i + 1])))) {
        return refuse("'$' outside a string (dollar quoting) is not allowed");
      }
      // Positional: listed as "" so the caller refuses it by name.
      out.parameters.emplace_back();
      size_t j = i + 1;
      while (j < n && std::isdigit(static_cast<unsigned char>(sql[j]))) ++j;
      out.sql += "$" + std::to_string(out.parameters.size());
      i = j;
      continue;
    }
    if (IsWordChar(c) && (i == 0 || !IsWordChar(sql[i - 1]))) {
      size_t j = i;
      while (j < n && IsWordChar(sql[j])) ++j;
      const std::string_view word = sql.substr(i, j - i);
      size_t k = j;
      while (k < n && std::isspace(static_cast<unsigned char>(sql[k]))) ++k;
      // A name after a dot is a column or a table, never a call here.
      size_t b = i;
      while (b > 0 && std::isspace(static_cast<unsigned char>(sql[b - 1]))) {
        --b;
      }
      const bool after_dot = b > 0 && sql[b - 1] == '.';
      if (k < n && sql[k] == '(' && !after_dot &&
          !std::isdigit(static_cast<unsigned char>(word[0])) &&
          !IsDefinition(sql, i, k)) {
        std::string lower(word);
        for (char& ch : lower) {
          ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
        }
        if (AllowedCalls().count(lower) == 0) {
          return refuse("function '" + std::string(word) +
                        "(' is not allowed in a check query");
        }
      } else if (k < n && sql[k] == '(' && after_dot) {
        return refuse("a schema-qualified call ('." + std::string(word) +
                      "(') is not allowed in a check query");
      }
      out.sql.append(word);
      i = j;
      continue;
    }
    out.sql += c;
    ++i;
  }
  return out;
}

Result<int> SyncPgCheckSandbox(Connection& conn) {
  Transaction tx(conn);
  MAMORI_RETURN_IF_ERROR(tx.Begin().WithContext("check sandbox"));
  MAMORI_RETURN_IF_ERROR(
      conn.Exec("SELECT pg_advisory_xact_lock(1835101551, 1667786099)"));
  Result<Rows> views = conn.QueryOnce(
      "SELECT c.table_name FROM information_schema.columns c JOIN pg_views v "
      "ON v.viewname = c.table_name AND v.schemaname = c.table_schema "
      "WHERE c.table_schema = current_schema() AND c.column_name = 'org_id' "
      "AND c.table_name LIKE 'v\\_%' ORDER BY 1");
  if (!views.ok()) return views.status().WithContext("check sandbox");
  std::map<std::string, std::string> want;
  for (int i = 0; i < views->size(); ++i) {
    const std::string name = views->Text(i, 0);
    want[name] = "CREATE VIEW mamori_check." + name +
                 " AS SELECT * FROM public." + name +
                 " WHERE org_id = (SELECT o.org_id FROM public."
                 "check_sandbox_org o WHERE o.pid = pg_backend_pid())";
  }
  Result<Rows> have = conn.QueryOnce(
      "SELECT d.name, d.sql FROM check_sandbox_definitions d JOIN pg_views v "
      "ON v.viewname = d.name AND v.schemaname = 'mamori_check'");
  if (!have.ok()) return have.status().WithContext("check sandbox");
  std::map<std::string, std::string> current;
  for (int i = 0; i < have->size(); ++i) {
    current[have->Text(i, 0)] = have->Text(i, 1);
  }
  if (current == want) return 0;
  MAMORI_RETURN_IF_ERROR(conn.Exec(
      "DROP SCHEMA IF EXISTS mamori_check CASCADE; CREATE SCHEMA mamori_check; "
      "GRANT USAGE ON SCHEMA mamori_check TO mamori_check; "
      "DELETE FROM check_sandbox_definitions"));
  for (const auto& [name, sql] : want) {
    MAMORI_RETURN_IF_ERROR(conn.Exec(sql).WithContext("check view " + name));
    Result<Rows> recorded = conn.QueryOnce(
        "INSERT INTO check_sandbox_definitions (name, sql) VALUES ($1, $2)",
        Params().Add(name).Add(sql));
    if (!recorded.ok()) return recorded.status();
  }
  MAMORI_RETURN_IF_ERROR(conn.Exec(
      "GRANT SELECT ON ALL TABLES IN SCHEMA mamori_check TO mamori_check"));
  MAMORI_RETURN_IF_ERROR(tx.Commit().WithContext("check sandbox"));
  return static_cast<int>(want.size());
}

namespace {

class PgRow final : public QueryRow {
 public:
  PgRow(const Rows& rows, const std::vector<bool>& boolean)
      : rows_(rows), boolean_(boolean) {}
  void At(int row) { row_ = row; }
  bool IsNull(int column) const override { return rows_.IsNull(row_, column); }
  int64_t Int(int column) const override { return rows_.Int(row_, column); }
  std::string Text(int column) const override {
    if (IsNull(column)) return "null";
    // Booleans read as SQLite shows them: 1 and 0.
    if (boolean_[column]) return rows_.View(row_, column) == "t" ? "1" : "0";
    return rows_.Text(row_, column);
  }

 private:
  const Rows& rows_;
  const std::vector<bool>& boolean_;
  int row_ = 0;
};

constexpr Oid kBoolOid = 16;
constexpr Oid kInt8Oid = 20;

// PostgreSQL's "permission denied for table hosts" as the port words it
// (the same words as the SQLite sandbox's).
std::string DeniedReason(const std::string& message) {
  const std::string_view marker = "permission denied for ";
  const size_t at = message.find(marker);
  if (at == std::string::npos) return message;
  size_t i = at + marker.size();
  while (i < message.size() && message[i] != ' ') ++i;  // table, view, …
  ++i;
  size_t end = i;
  while (end < message.size() && message[end] != ' ' && message[end] != '\n') {
    ++end;
  }
  return "reads " + message.substr(i, end - i) +
         ", which is not a fact view (v_*) or reference table";
}

std::string FirstWord(std::string_view sql) {
  size_t i = 0;
  for (;;) {
    while (i < sql.size() && std::isspace(static_cast<unsigned char>(sql[i])))
      ++i;
    if (sql.substr(i, 2) == "--") {
      i = sql.find('\n', i);
      if (i == std::string_view::npos) return "";
      continue;
    }
    if (sql.substr(i, 2) == "/*") {
      i = sql.find("*/", i);
      if (i == std::string_view::npos) return "";
      i += 2;
      continue;
    }
    break;
  }
  std::string word;
  while (i < sql.size() && IsWordChar(sql[i])) {
    word += static_cast<char>(std::tolower(static_cast<unsigned char>(sql[i])));
    ++i;
  }
  return word;
}

}  // namespace

Result<std::unique_ptr<PgCheckQueries>> PgCheckQueries::Open(
    const std::string& url) {
  Result<Connection> conn = Connection::Open(url);
  if (!conn.ok()) return conn.status();
  return std::unique_ptr<PgCheckQueries>(
      new PgCheckQueries(std::move(conn).value()));
}

Status PgCheckQueries::Enter(Transaction& tx, int64_t org_id) {
  // Outside the read-only transaction: the check role could not write it.
  MAMORI_RETURN_IF_ERROR(conn_.Exec(
      "INSERT INTO check_sandbox_org (pid, org_id) VALUES (pg_backend_pid(), " +
      std::to_string(org_id) +
      ") ON CONFLICT (pid) DO UPDATE SET org_id = excluded.org_id"));
  MAMORI_RETURN_IF_ERROR(tx.Begin());
  return conn_.Exec(
      "SET TRANSACTION READ ONLY; SET LOCAL ROLE mamori_check; "
      "SET LOCAL search_path = mamori_check, public; "
      "SET LOCAL statement_timeout = " +
      std::to_string(std::max<int64_t>(1, time_limit_.count())));
}

Result<const PgCheckQueries::Prepared*> PgCheckQueries::Prepare(
    const std::string& key, std::string_view sql) {
  auto found = statements_.find(key);
  if (found != statements_.end()) return &found->second;
  Result<TranslatedQuery> translated = TranslateCheckQuery(sql);
  if (!translated.ok()) return translated.status();
  if (translated->several_statements) {
    return InvalidArgumentError("must be a single statement");
  }
  const std::string first = FirstWord(sql);
  if (first != "select" && first != "with") {
    return InvalidArgumentError("must only read (SELECT)");
  }
  const std::string name = "check_" + std::to_string(next_name_++);
  Prepared p;
  p.name = name;
  p.shape.parameters = translated->parameters;
  Status planned = Status::Ok();
  {
    Transaction tx(conn_);
    // Prepared as the check role with its search_path, so names resolve to
    // the sandbox views; organisation 0 has no rows.
    MAMORI_RETURN_IF_ERROR(Enter(tx, 0));
    // :org_id and :now are always integers (Unix seconds); saying so lets
    // PostgreSQL type `:now - :max_age` (unknown - unknown otherwise).
    std::vector<Oid> types;
    for (const std::string& parameter : translated->parameters) {
      types.push_back(parameter == "org_id" || parameter == "now" ? kInt8Oid
                                                                  : 0);
    }
    if (Status prepared = conn_.PrepareNamed(name, translated->sql, types);
        !prepared.ok()) {
      const std::string& reason = prepared.message();
      if (reason.find("multiple commands") != std::string::npos) {
        return InvalidArgumentError("must be a single statement");
      }
      return InvalidArgumentError("does not prepare: " + reason);
    }
    Result<Rows> described = conn_.DescribeNamed(name);
    if (!described.ok()) return described.status();
    if (PQnparams(described->get()) !=
        static_cast<int>(translated->parameters.size())) {
      return InvalidArgumentError("does not prepare: parameter count differs");
    }
    for (int i = 0; i < PQnfields(described->get()); ++i) {
      p.shape.columns.emplace_back(PQfname(described->get(), i));
    }
    // Permissions are checked when a plan starts, not at parse: EXPLAIN
    // does that without running the query. A generic plan, so that no
    // parameter value folds a subquery away unchecked (a relation no plan
    // reads is never checked, nor read: a custom plan at Run time checks
    // what it reads).
    MAMORI_RETURN_IF_ERROR(
        conn_.Exec("SET LOCAL plan_cache_mode = force_generic_plan"));
    std::string explain = "EXPLAIN EXECUTE " + name;
    if (!translated->parameters.empty()) {
      explain += "(";
      for (size_t i = 0; i < translated->parameters.size(); ++i) {
        explain += i == 0 ? "NULL" : ", NULL";
      }
      explain += ")";
    }
    planned = conn_.Exec(explain);
    if (planned.ok()) MAMORI_RETURN_IF_ERROR(tx.Commit());
  }
  if (!planned.ok()) {
    // The transaction has rolled back; the statement outlives it.
    (void)conn_.Exec("DEALLOCATE " + name);
    return InvalidArgumentError("does not prepare: " +
                                DeniedReason(planned.message()));
  }
  return &statements_.emplace(key, std::move(p)).first->second;
}

void PgCheckQueries::Interrupt() {
  std::lock_guard<std::mutex> lock(cancel_mu_);
  if (!cancel_) return;
  char error[256];
  // A failed request leaves the query to finish (or reach its time limit).
  if (PQcancel(cancel_.get(), error, sizeof error) != 0) interrupted_ = true;
}

Result<QueryShape> PgCheckQueries::Describe(const std::string& key,
                                            std::string_view sql) {
  Result<const Prepared*> p = Prepare(key, sql);
  if (!p.ok()) return p.status();
  return (*p)->shape;
}

Status PgCheckQueries::Run(const std::string& key, std::string_view sql,
                           int64_t org_id, std::span<const QueryValue> values,
                           const RowSink& sink) {
  Result<const Prepared*> p = Prepare(key, sql);
  if (!p.ok()) return p.status();
  Params params;
  for (const QueryValue& v : values) {
    if (std::holds_alternative<std::monostate>(v)) {
      params.AddNull();
    } else if (const auto* i = std::get_if<int64_t>(&v)) {
      params.Add(*i);
    } else if (const auto* d = std::get_if<double>(&v)) {
      char buf[40];
      std::snprintf(buf, sizeof buf, "%.17g", *d);
      params.Add(std::string_view(buf));
    } else {
      params.Add(std::get<std::string>(v));
    }
  }
  Transaction tx(conn_);
  MAMORI_RETURN_IF_ERROR(Enter(tx, org_id));
  {
    std::lock_guard<std::mutex> lock(cancel_mu_);
    cancel_ = conn_.NewCancel();
    interrupted_ = false;
  }
  Result<Rows> rows = conn_.RunNamed((*p)->name, params);
  bool interrupted = false;
  {
    std::lock_guard<std::mutex> lock(cancel_mu_);
    cancel_.reset();
    interrupted = interrupted_;
  }
  if (!rows.ok()) {
    if (interrupted) {
      return Status(StatusCode::kCancelled, "check query interrupted");
    }
    if (rows.status().code() == StatusCode::kDeadlineExceeded) {
      return DeadlineExceededError("check query stopped after " +
                                   std::to_string(time_limit_.count()) +
                                   " ms (time limit)");
    }
    return rows.status();
  }
  MAMORI_RETURN_IF_ERROR(tx.Commit());
  std::vector<bool> boolean(rows->columns());
  for (int c = 0; c < rows->columns(); ++c) {
    boolean[c] = PQftype(rows->get(), c) == kBoolOid;
  }
  PgRow row(*rows, boolean);
  for (int r = 0; r < rows->size(); ++r) {
    row.At(r);
    sink(row);
  }
  return Status::Ok();
}

}  // namespace mamori::store::pg
