#pragma once

// CheckQueries: the port through which the policy layer runs check queries
// (SQL over the documented fact views, docs/policies.md) without seeing a
// connection. A backend prepares each query once (cached by the caller's
// key), says which columns it returns and which named parameters it takes,
// and runs it with values bound by position, handing each row to a sink.
//
// Contract for every method: INVALID_ARGUMENT says what is wrong with the
// query text itself (the caller adds file, line and check id); any other
// error is the database's.
//
// Sandbox (issue #13 point 6), which every backend must give:
//   - a query reads only the documented fact views (v_*) and the global
//     reference tables (grading_end_of_support, grading_browser_minimums,
//     the package catalogue's id and name, the software dictionary's
//     software_categories, software_titles and software_matches); anything
//     else — other tables,
//     ATTACH, PRAGMA, writes — is refused when it is prepared;
//   - the views hold the rows of the organisation the query runs for and no
//     other, whatever the query's own WHERE says;
//   - a query that runs longer than the time limit is stopped with an error;
//   - queries run outside any write transaction: ingest is not held up.
//
// Thread safety: one CheckQueries per thread; it owns prepared statements on
// one connection. Interrupt() alone may come from another thread.

#include <chrono>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "common/status.h"

namespace mamori::store {

// A value bound to a parameter: NULL, integer, real or text.
using QueryValue = std::variant<std::monostate, int64_t, double, std::string>;

struct QueryShape {
  std::vector<std::string> columns;  // result column names, in order
  // Parameter names in binding order, without the ':' ("" for a positional
  // or non-colon parameter, which the caller refuses).
  std::vector<std::string> parameters;
};

// One result row, valid only inside the sink call.
class QueryRow {
 public:
  virtual ~QueryRow() = default;
  virtual bool IsNull(int column) const = 0;
  virtual int64_t Int(int column) const = 0;
  // The value as text; "null" for NULL (as evidence shows it).
  virtual std::string Text(int column) const = 0;
};

class CheckQueries {
 public:
  virtual ~CheckQueries() = default;

  // Prepares `sql` (once per `key`) and returns its shape. INVALID_ARGUMENT
  // "does not prepare: <reason>", "must be a single statement" or "must only
  // read (SELECT)".
  virtual Result<QueryShape> Describe(const std::string& key,
                                      std::string_view sql) = 0;

  // Each Run is stopped once it has run this long (the default is the
  // backend's).
  virtual void SetTimeLimit(std::chrono::milliseconds limit) = 0;

  using RowSink = std::function<void(const QueryRow&)>;
  // Runs the query prepared under `key` (preparing it when needed) with
  // `values` bound to its parameters in Describe's order, calling `sink` per
  // row. Returns OK when every row was read; on a run-time failure (the
  // query's own error, or its time limit) returns the error with the
  // backend's reason, rows already handed over stand.
  // Only `org_id`'s rows are visible to the query. A query stopped by the
  // time limit returns DEADLINE_EXCEEDED saying so.
  virtual Status Run(const std::string& key, std::string_view sql,
                     int64_t org_id, std::span<const QueryValue> values,
                     const RowSink& sink) = 0;

  // Stops the query a Run is running at this moment; that Run returns
  // CANCELLED. Nothing when none runs (a Run that starts later is not
  // affected). The one method that may be called from any thread (a
  // collector stopping while its grading thread waits on a slow check).
  virtual void Interrupt() = 0;
};

}  // namespace mamori::store
