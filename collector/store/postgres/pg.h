#pragma once

// A small RAII layer over libpq (PostgreSQL's C client library from Debian):
// Connection (one server session, statements prepared once per session and
// cached by the address of their SQL), Params (text-format parameters),
// Rows (one result) and Transaction (rolls back unless committed). The
// PostgreSQL store uses it; nothing outside collector/store/postgres/ sees a
// PGconn. Why libpq rather than libpqxx: docs/architecture.md "PostgreSQL
// backend" (measured in bench/pg_ingest_bench.cpp).
//
// Errors become Status by SQLSTATE class: unique violation ALREADY_EXISTS,
// other constraint violations ABORTED, serialization failure and deadlock
// ABORTED (retry the transaction), connection loss, server shutdown and
// "too many connections" UNAVAILABLE (retry later), disk full UNAVAILABLE,
// data corruption DATA_LOSS, anything else INTERNAL; the message carries
// the server's text. A Connection whose session was lost is reset (one
// reconnection attempt) by the next call outside a transaction.
//
// Thread safety: a Connection and its Rows belong to one thread at a time
// (the caller serialises access); distinct Connections are independent.

#include <libpq-fe.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/status.h"

namespace mamori::store::pg {

// Parameters for one statement, sent in text format ($1, $2, … in order of
// Add). Integers are formatted in decimal; unset optionals are NULL.
class Params {
 public:
  Params& Add(std::string_view text);
  Params& Add(const char* text) { return Add(std::string_view(text)); }
  Params& Add(const std::string& text) { return Add(std::string_view(text)); }
  Params& Add(int64_t value);
  Params& Add(int value) { return Add(static_cast<int64_t>(value)); }
  Params& Add(bool value);
  Params& Add(const std::optional<int64_t>& value);
  Params& Add(const std::optional<std::string>& value);
  Params& AddNull();

  int size() const { return static_cast<int>(values_.size()); }
  // Pointers for PQexecParams: nullptr for NULL. Valid until the next Add.
  std::vector<const char*> Pointers() const;
  // A text value held a NUL byte (libpq would cut it short): the
  // statement is refused with INVALID_ARGUMENT instead.
  bool has_nul() const { return has_nul_; }

 private:
  std::vector<std::optional<std::string>> values_;
  bool has_nul_ = false;
};

// One result set. Move-only; frees the PGresult.
class Rows {
 public:
  explicit Rows(PGresult* result) : result_(result) {}
  Rows(Rows&&) noexcept = default;
  Rows& operator=(Rows&&) noexcept = default;

  int size() const;
  int columns() const { return PQnfields(result_.get()); }
  bool IsNull(int row, int column) const;
  std::string_view View(int row, int column) const;
  std::string Text(int row, int column) const {
    return std::string(View(row, column));
  }
  // The column parsed as a decimal integer (0 for NULL); a boolean column
  // reads 1 for 't'.
  int64_t Int(int row, int column) const;
  std::optional<int64_t> OptionalInt(int row, int column) const;
  // Rows an INSERT/UPDATE/DELETE changed.
  int64_t Affected() const;
  PGresult* get() const { return result_.get(); }

 private:
  struct Free {
    void operator()(PGresult* r) const { PQclear(r); }
  };
  std::unique_ptr<PGresult, Free> result_;
};

class Connection {
 public:
  // Connects to `conninfo` (a postgresql:// URI or key=value string).
  // Returns the connection, or UNAVAILABLE naming the server's reason (the
  // URI's password is never repeated).
  static Result<Connection> Open(const std::string& conninfo);

  Connection(Connection&&) noexcept = default;
  Connection& operator=(Connection&&) noexcept = default;

  // Runs one or more statements without parameters or results (DDL, BEGIN).
  Status Exec(std::string_view sql);
  // Runs `sql` (one statement; $1… parameters), prepared on this session at
  // first use and cached by the address of `sql` (pass string literals or
  // strings that outlive the connection). Returns its rows.
  Result<Rows> Query(const char* sql, const Params& params = {});
  // Runs `sql` once, unprepared (dynamic SQL).
  Result<Rows> QueryOnce(std::string_view sql, const Params& params = {});
  // A statement prepared under a name the caller chooses (dynamic SQL run
  // many times, e.g. check queries): PrepareNamed parses `sql` on the server
  // (the name must be new on this session),
  // DescribeNamed returns its result columns and parameters (PQnfields,
  // PQnparams on the Rows), RunNamed executes it.
  // `types` gives parameter type OIDs by position (0 or absent: inferred).
  Status PrepareNamed(const std::string& name, std::string_view sql,
                      const std::vector<Oid>& types = {});
  Result<Rows> DescribeNamed(const std::string& name);
  Result<Rows> RunNamed(const std::string& name, const Params& params);
  // COPY … FROM STDIN with `data` in COPY's text format (see CopyEscape).
  // Returns the rows copied.
  Result<int64_t> CopyIn(std::string_view copy_sql, std::string_view data);

  // A handle that cancels the statement running on this session, usable
  // from another thread (PQcancel); null when the session is gone.
  struct FreeCancel {
    void operator()(PGcancel* c) const { PQfreeCancel(c); }
  };
  std::unique_ptr<PGcancel, FreeCancel> NewCancel() {
    return std::unique_ptr<PGcancel, FreeCancel>(PQgetCancel(conn_.get()));
  }

  // True while a Transaction is open on the session.
  bool InTransaction() const { return in_transaction_; }
  // True when a statement failed inside the open transaction, which then
  // refuses everything until rolled back (to a savepoint or whole).
  bool TransactionFailed() const {
    return PQtransactionStatus(conn_.get()) == PQTRANS_INERROR;
  }

 private:
  friend class Transaction;
  struct Close {
    void operator()(PGconn* c) const { PQfinish(c); }
  };
  explicit Connection(PGconn* conn) : conn_(conn) {}
  // Reconnects a lost session (outside a transaction). OK when usable.
  Status EnsureOpen();
  Status ErrorOf(PGresult* result, std::string_view what);

  std::unique_ptr<PGconn, Close> conn_;
  // Statement name per SQL address; cleared when the session is reset.
  std::unordered_map<const char*, std::string> prepared_;
  int64_t next_statement_ = 1;
  bool in_transaction_ = false;
};

// BEGIN on construction of Begin(); ROLLBACK on destruction unless Commit()
// succeeded.
class Transaction {
 public:
  explicit Transaction(Connection& conn) : conn_(conn) {}
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  ~Transaction();

  Status Begin();
  Status Commit();

 private:
  Connection& conn_;
  bool open_ = false;
};

// `value` escaped for one field of COPY's text format (backslash, tab,
// newline and carriage return escaped).
void CopyEscape(std::string_view value, std::string* out);

// A PostgreSQL text array literal ({"a","b"}) of `items`, for array
// parameters ($1::text[]).
std::string TextArray(const std::vector<std::string_view>& items);
std::string IntArray(const std::vector<int64_t>& items);
// The integers of a bigint[] result in text form ({1,2,3}); NULL items and
// anything that is not a decimal integer are skipped.
std::vector<int64_t> ParseIntArray(std::string_view text);

// `json` with every \u0000 escape replaced by \ufffd: jsonb cannot hold
// U+0000 and refuses the whole document otherwise (a hostile endpoint's
// string). Other text is unchanged.
std::string JsonForJsonb(std::string_view json);

// The status for SQLSTATE `sqlstate` with `message` (the mapping above).
Status StatusFromSqlState(std::string_view sqlstate, std::string message);

}  // namespace mamori::store::pg
