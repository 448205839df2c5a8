#pragma once

// CheckQueries: the port through which the policy layer runs check queries
// (SQL over the documented fact views, docs/policies.md) without seeing a
// connection. A backend prepares each query once (cached by the caller's
// key), says which columns it returns and which named parameters it takes,
// and runs it with values bound by position, handing each row to a sink.
//
// Contract for every method: INVALID_ARGUMENT says what is wrong with the
// query text itself (the caller adds file, line and check id); any other
// error is the database's. Queries see only the fact views; each backend
// decides how it enforces that (the SQLite one: an authorizer).
//
// Thread safety: one CheckQueries per thread; it owns prepared statements on
// one connection.

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

  using RowSink = std::function<void(const QueryRow&)>;
  // Runs the query prepared under `key` (preparing it when needed) with
  // `values` bound to its parameters in Describe's order, calling `sink` per
  // row. Returns OK when every row was read; on a run-time failure (the
  // query's own error, or its time limit) returns the error with the
  // backend's reason, rows already handed over stand.
  virtual Status Run(const std::string& key, std::string_view sql,
                     std::span<const QueryValue> values,
                     const RowSink& sink) = 0;
};

}  // namespace mamori::store
