#pragma once

// PgCheckQueries: CheckQueries (store/check_queries.h) on a PostgreSQL
// connection of its own. The sandbox the port promises, from PostgreSQL's
// own tools:
//   - a query runs as role mamori_check (SET LOCAL ROLE) in a READ ONLY
//     transaction with search_path mamori_check, public. That role may read
//     only schema mamori_check, which holds one view per fact view (v_* with
//     an org_id column, SyncPgCheckSandbox) keeping the rows of the
//     organisation written for this session in check_sandbox_org, plus the
//     reference tables granted to it (the package catalogue's id and name
//     columns, end-of-support, browser minimums, the software dictionary);
//     anything else — hosts, tokens, public.v_* — is "permission denied"
//     when Describe plans the query (EXPLAIN), and writes fail twice over;
//   - the organisation is a row keyed by the session's backend pid, which
//     the check role cannot write; a GUC would be settable from the query;
//   - functions are an allow-list (the portable dialect's, docs/policies.md):
//     PostgreSQL grants EXECUTE on set_config, query_to_xml, pg_* … to
//     everyone, and those could leave the role or read around the views;
//   - statement_timeout stops a query past the time limit
//     (DEADLINE_EXCEEDED).
// Named parameters (:name) are rewritten to $1… (the same name, the same
// number) outside literals, quoted names and comments; `::` is left alone.
//
// Thread safety: one per thread (one connection).

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "collector/store/check_queries.h"
#include "collector/store/postgres/pg.h"

namespace mamori::store::pg {

// `sql` with :name parameters as $n, and the names in $n order; a
// positional parameter (?, $1) is listed as "". INVALID_ARGUMENT for text
// PostgreSQL would read differently from the portable dialect (an
// unterminated literal or comment, a dollar quote) or a function outside
// the allow-list, naming it.
struct TranslatedQuery {
  std::string sql;
  std::vector<std::string> parameters;
  // A ';' outside literals and comments with more text after it.
  bool several_statements = false;
};
Result<TranslatedQuery> TranslateCheckQuery(std::string_view sql);

// Creates or refreshes schema mamori_check: one view per public v_* view
// with an org_id column, narrowed to the session's organisation, readable
// by role mamori_check. Recreated (under an advisory lock, in one
// transaction) when a view is missing or its definition changed; returns
// the number of views (re)created, 0 when all were current.
Result<int> SyncPgCheckSandbox(Connection& conn);

class PgCheckQueries final : public CheckQueries {
 public:
  static constexpr std::chrono::milliseconds kDefaultTimeLimit{4000};

  // Opens the connection to `url`. Returns it or UNAVAILABLE.
  static Result<std::unique_ptr<PgCheckQueries>> Open(const std::string& url);

  Result<QueryShape> Describe(const std::string& key,
                              std::string_view sql) override;
  Status Run(const std::string& key, std::string_view sql, int64_t org_id,
             std::span<const QueryValue> values, const RowSink& sink) override;
  void SetTimeLimit(std::chrono::milliseconds limit) override {
    time_limit_ = limit;
  }
  void Interrupt() override;

 private:
  struct Prepared {
    std::string name;  // server-side statement name
    QueryShape shape;
  };
  explicit PgCheckQueries(Connection conn) : conn_(std::move(conn)) {}
  Result<const Prepared*> Prepare(const std::string& key, std::string_view sql);
  // Writes `org_id` for this session and opens the sandboxed transaction.
  Status Enter(Transaction& tx, int64_t org_id);

  Connection conn_;
  std::chrono::milliseconds time_limit_ = kDefaultTimeLimit;
  // The running query's cancel handle (null between queries) and whether
  // Interrupt() used it; guarded by cancel_mu_.
  std::mutex cancel_mu_;
  std::unique_ptr<PGcancel, Connection::FreeCancel> cancel_;
  bool interrupted_ = false;
  std::map<std::string, Prepared> statements_;
  int64_t next_name_ = 1;
};

}  // namespace mamori::store::pg
