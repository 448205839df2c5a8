#include "collector/store/postgres/pg.h"

#include <algorithm>
#include <charconv>

namespace mamori::store::pg {
namespace {

// SQLSTATE classes and codes that decide the status (PostgreSQL manual,
// appendix A "Error codes").
bool StartsWith(std::string_view text, std::string_view prefix) {
  return text.substr(0, prefix.size()) == prefix;
}

std::string Trimmed(const char* message) {
  std::string text = message == nullptr ? "" : message;
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) {
    text.pop_back();
  }
  return text;
}

}  // namespace

Status StatusFromSqlState(std::string_view sqlstate, std::string message) {
  message = "PostgreSQL: " + message;
  if (sqlstate == "23505") return AlreadyExistsError(std::move(message));
  if (StartsWith(sqlstate, "23")) return AbortedError(std::move(message));
  if (sqlstate == "40001" || sqlstate == "40P01") {
    return AbortedError(std::move(message));
  }
  if (StartsWith(sqlstate, "08") || StartsWith(sqlstate, "53") ||
      StartsWith(sqlstate, "57P")) {
    return UnavailableError(std::move(message));
  }
  if (sqlstate == "XX001" || sqlstate == "XX002") {
    return DataLossError(std::move(message));
  }
  if (StartsWith(sqlstate, "22")) {
    return InvalidArgumentError(std::move(message));
  }
  // query_canceled: statement_timeout (check queries' time limit).
  if (sqlstate == "57014") return DeadlineExceededError(std::move(message));
  return InternalError(std::move(message));
}

// ---------------------------------------------------------------------------
// Params

Params& Params::Add(std::string_view text) {
  // libpq sends text parameters as C strings, so a NUL byte would cut the
  // value short without an error; PostgreSQL's text cannot hold one anyway.
  if (text.find('\0') != std::string_view::npos) has_nul_ = true;
  values_.emplace_back(std::string(text));
  return *this;
}

Params& Params::Add(int64_t value) {
  values_.emplace_back(std::to_string(value));
  return *this;
}

Params& Params::Add(bool value) {
  values_.emplace_back(value ? "t" : "f");
  return *this;
}

Params& Params::Add(const std::optional<int64_t>& value) {
  if (!value.has_value()) return AddNull();
  return Add(*value);
}

Params& Params::Add(const std::optional<std::string>& value) {
  if (!value.has_value()) return AddNull();
  return Add(std::string_view(*value));
}

Params& Params::AddNull() {
  values_.emplace_back(std::nullopt);
  return *this;
}

std::vector<const char*> Params::Pointers() const {
  std::vector<const char*> out;
  out.reserve(values_.size());
  for (const auto& v : values_) out.push_back(v ? v->c_str() : nullptr);
  return out;
}

// ---------------------------------------------------------------------------
// Rows

int Rows::size() const { return PQntuples(result_.get()); }

bool Rows::IsNull(int row, int column) const {
  return PQgetisnull(result_.get(), row, column) != 0;
}

std::string_view Rows::View(int row, int column) const {
  return {PQgetvalue(result_.get(), row, column),
          static_cast<size_t>(PQgetlength(result_.get(), row, column))};
}

int64_t Rows::Int(int row, int column) const {
  std::string_view text = View(row, column);
  if (text == "t") return 1;
  if (text == "f") return 0;
  int64_t value = 0;
  std::from_chars(text.data(), text.data() + text.size(), value);
  return value;
}

std::optional<int64_t> Rows::OptionalInt(int row, int column) const {
  if (IsNull(row, column)) return std::nullopt;
  return Int(row, column);
}

int64_t Rows::Affected() const {
  const char* text = PQcmdTuples(result_.get());
  int64_t value = 0;
  if (text != nullptr) {
    std::from_chars(text, text + std::char_traits<char>::length(text), value);
  }
  return value;
}

// ---------------------------------------------------------------------------
// Connection

Result<Connection> Connection::Open(const std::string& conninfo) {
  // Defaults first: with expand_dbname the URI's own settings come later
  // and override them.
  const char* keywords[] = {"application_name", "connect_timeout",
                            "client_encoding", "dbname", nullptr};
  const char* values[] = {"mamori-collector", "10", "UTF8", conninfo.c_str(),
                          nullptr};
  PGconn* conn = PQconnectdbParams(keywords, values, /*expand_dbname=*/1);
  if (conn == nullptr) return UnavailableError("PostgreSQL: out of memory");
  if (PQstatus(conn) != CONNECTION_OK) {
    std::string reason = Trimmed(PQerrorMessage(conn));
    PQfinish(conn);
    return UnavailableError("PostgreSQL: could not connect: " + reason);
  }
  // Server notices (IF NOT EXISTS skipped, …) are not errors; libpq would
  // print them on stderr.
  PQsetNoticeProcessor(
      conn, [](void*, const char*) {}, nullptr);
  // Times are Unix seconds in bigint columns; only server-side now() would
  // read the zone, and nothing does, but keep sessions alike.
  Connection c(conn);
  MAMORI_RETURN_IF_ERROR(c.Exec("SET TIME ZONE 'UTC'"));
  return c;
}

Status Connection::EnsureOpen() {
  if (PQstatus(conn_.get()) == CONNECTION_OK) return Status::Ok();
  if (in_transaction_) {
    return UnavailableError(
        "PostgreSQL: the connection was lost inside a transaction");
  }
  PQreset(conn_.get());
  prepared_.clear();
  if (PQstatus(conn_.get()) != CONNECTION_OK) {
    return UnavailableError("PostgreSQL: connection lost and not re-opened: " +
                            Trimmed(PQerrorMessage(conn_.get())));
  }
  return Exec("SET TIME ZONE 'UTC'");
}

Status Connection::ErrorOf(PGresult* result, std::string_view what) {
  const char* state =
      result ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
  std::string message =
      Trimmed(result ? PQresultErrorMessage(result) : nullptr);
  if (message.empty()) message = Trimmed(PQerrorMessage(conn_.get()));
  if (!what.empty()) {
    std::string_view head = what.substr(0, 80);
    message += " (in: " + std::string(head) +
               (what.size() > head.size() ? "…" : "") + ")";
  }
  // No SQLSTATE: the session itself failed (connection lost).
  if (state == nullptr) return UnavailableError("PostgreSQL: " + message);
  return StatusFromSqlState(state, std::move(message));
}

Status Connection::Exec(std::string_view sql) {
  MAMORI_RETURN_IF_ERROR(EnsureOpen());
  const std::string text(sql);
  Rows result(PQexec(conn_.get(), text.c_str()));
  ExecStatusType status = PQresultStatus(result.get());
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
    return ErrorOf(result.get(), sql);
  }
  return Status::Ok();
}

namespace {
Status NulError() {
  return InvalidArgumentError(
      "a text value contains a NUL byte, which PostgreSQL cannot store / "
      "文字列に NUL バイトが含まれています");
}
}  // namespace

Result<Rows> Connection::Query(const char* sql, const Params& params) {
  if (params.has_nul()) return NulError();
  MAMORI_RETURN_IF_ERROR(EnsureOpen());
  auto it = prepared_.find(sql);
  if (it == prepared_.end()) {
    std::string name = "mamori_" + std::to_string(next_statement_++);
    Rows prepared(PQprepare(conn_.get(), name.c_str(), sql, 0, nullptr));
    if (PQresultStatus(prepared.get()) != PGRES_COMMAND_OK) {
      return ErrorOf(prepared.get(), sql);
    }
    it = prepared_.emplace(sql, std::move(name)).first;
  }
  std::vector<const char*> values = params.Pointers();
  Rows result(PQexecPrepared(conn_.get(), it->second.c_str(), params.size(),
                             values.data(), nullptr, nullptr, 0));
  ExecStatusType status = PQresultStatus(result.get());
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
    return ErrorOf(result.get(), sql);
  }
  return result;
}

Result<Rows> Connection::QueryOnce(std::string_view sql, const Params& params) {
  if (params.has_nul()) return NulError();
  MAMORI_RETURN_IF_ERROR(EnsureOpen());
  const std::string text(sql);
  std::vector<const char*> values = params.Pointers();
  Rows result(PQexecParams(conn_.get(), text.c_str(), params.size(), nullptr,
                           values.data(), nullptr, nullptr, 0));
  ExecStatusType status = PQresultStatus(result.get());
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
    return ErrorOf(result.get(), sql);
  }
  return result;
}

Status Connection::PrepareNamed(const std::string& name, std::string_view sql,
                                const std::vector<Oid>& types) {
  MAMORI_RETURN_IF_ERROR(EnsureOpen());
  const std::string text(sql);
  Rows prepared(PQprepare(conn_.get(), name.c_str(), text.c_str(),
                          static_cast<int>(types.size()),
                          types.empty() ? nullptr : types.data()));
  if (PQresultStatus(prepared.get()) != PGRES_COMMAND_OK) {
    return ErrorOf(prepared.get(), "");
  }
  return Status::Ok();
}

Result<Rows> Connection::DescribeNamed(const std::string& name) {
  MAMORI_RETURN_IF_ERROR(EnsureOpen());
  Rows described(PQdescribePrepared(conn_.get(), name.c_str()));
  if (PQresultStatus(described.get()) != PGRES_COMMAND_OK) {
    return ErrorOf(described.get(), "");
  }
  return described;
}

Result<Rows> Connection::RunNamed(const std::string& name,
                                  const Params& params) {
  if (params.has_nul()) return NulError();
  MAMORI_RETURN_IF_ERROR(EnsureOpen());
  std::vector<const char*> values = params.Pointers();
  Rows result(PQexecPrepared(conn_.get(), name.c_str(), params.size(),
                             values.data(), nullptr, nullptr, 0));
  ExecStatusType status = PQresultStatus(result.get());
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
    return ErrorOf(result.get(), "");
  }
  return result;
}

Result<int64_t> Connection::CopyIn(std::string_view copy_sql,
                                   std::string_view data) {
  if (data.find('\0') != std::string_view::npos) return NulError();
  MAMORI_RETURN_IF_ERROR(EnsureOpen());
  const std::string text(copy_sql);
  {
    Rows start(PQexec(conn_.get(), text.c_str()));
    if (PQresultStatus(start.get()) != PGRES_COPY_IN) {
      return ErrorOf(start.get(), copy_sql);
    }
  }
  bool sent = PQputCopyData(conn_.get(), data.data(),
                            static_cast<int>(data.size())) == 1;
  // Ending the copy with an error message makes the server abort it, so a
  // failed send never commits part of the rows.
  PQputCopyEnd(conn_.get(), sent ? nullptr : "client could not send rows");
  int64_t copied = 0;
  Status status = Status::Ok();
  while (PGresult* r = PQgetResult(conn_.get())) {
    Rows done(r);
    if (PQresultStatus(r) != PGRES_COMMAND_OK) {
      if (status.ok()) status = ErrorOf(r, copy_sql);
    } else {
      copied += done.Affected();
    }
  }
  if (!status.ok()) return status;
  return copied;
}

// ---------------------------------------------------------------------------
// Transaction

Transaction::~Transaction() {
  if (open_) {
    (void)conn_.Exec("ROLLBACK");
    conn_.in_transaction_ = false;
  }
}

Status Transaction::Begin() {
  MAMORI_RETURN_IF_ERROR(conn_.Exec("BEGIN"));
  open_ = true;
  conn_.in_transaction_ = true;
  return Status::Ok();
}

Status Transaction::Commit() {
  Status status = conn_.Exec("COMMIT");
  // COMMIT ends the transaction whether it succeeded or not.
  open_ = false;
  conn_.in_transaction_ = false;
  return status;
}

// ---------------------------------------------------------------------------
// Text encodings

void CopyEscape(std::string_view value, std::string* out) {
  for (char c : value) {
    switch (c) {
      case '\\':
        out->append("\\\\");
        break;
      case '\t':
        out->append("\\t");
        break;
      case '\n':
        out->append("\\n");
        break;
      case '\r':
        out->append("\\r");
        break;
      default:
        out->push_back(c);
    }
  }
}

namespace {
void QuoteArrayItem(std::string_view item, std::string* out) {
  out->push_back('"');
  for (char c : item) {
    if (c == '"' || c == '\\') out->push_back('\\');
    out->push_back(c);
  }
  out->push_back('"');
}
}  // namespace

std::string TextArray(const std::vector<std::string_view>& items) {
  std::string out = "{";
  for (size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out.push_back(',');
    QuoteArrayItem(items[i], &out);
  }
  out.push_back('}');
  return out;
}

std::string IntArray(const std::vector<int64_t>& items) {
  std::string out = "{";
  for (size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out.push_back(',');
    out += std::to_string(items[i]);
  }
  out.push_back('}');
  return out;
}

std::vector<int64_t> ParseIntArray(std::string_view text) {
  std::vector<int64_t> out;
  if (!text.empty() && text.front() == '{') text.remove_prefix(1);
  if (!text.empty() && text.back() == '}') text.remove_suffix(1);
  while (!text.empty()) {
    const size_t comma = std::min(text.find(','), text.size());
    const std::string_view item = text.substr(0, comma);
    int64_t value = 0;
    const auto [end, error] =
        std::from_chars(item.data(), item.data() + item.size(), value);
    if (error == std::errc() && end == item.data() + item.size()) {
      out.push_back(value);
    }
    text.remove_prefix(std::min(comma + 1, text.size()));
  }
  return out;
}

std::string JsonForJsonb(std::string_view json) {
  std::string out;
  out.reserve(json.size());
  for (size_t i = 0; i < json.size(); ++i) {
    const char c = json[i];
    if (c != '\\' || i + 1 >= json.size()) {
      out.push_back(c);
      continue;
    }
    // An escape: copy it whole, replacing \u0000 (jsonb refuses it).
    if (json[i + 1] == 'u' && json.substr(i + 2, 4) == "0000") {
      out.append("\\ufffd");
      i += 5;
    } else {
      out.push_back(c);
      out.push_back(json[i + 1]);
      ++i;
    }
  }
  return out;
}

}  // namespace mamori::store::pg
