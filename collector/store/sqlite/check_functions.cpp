#include "collector/store/sqlite/check_functions.h"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <limits>
#include <string>

#include "common/version.h"

namespace mamori::store {

namespace {

// Unix seconds as UTC text: the date, or date and time. False when the value
// is not a number or outside years 0–9999 (SQLite's date() is NULL there).
bool FormatUtc(sqlite3_value* value, bool with_time, std::string& out) {
  const int type = sqlite3_value_numeric_type(value);
  if (type != SQLITE_INTEGER && type != SQLITE_FLOAT) return false;
  const double raw = sqlite3_value_double(value);
  // Years 0 to 9999 in Unix seconds.
  if (!(raw >= -62167219200.0 && raw < 253402300800.0)) return false;
  const int64_t seconds = type == SQLITE_INTEGER
                              ? sqlite3_value_int64(value)
                              : static_cast<int64_t>(std::floor(raw));
  using std::chrono::days;
  using std::chrono::floor;
  using std::chrono::sys_seconds;
  const sys_seconds at{std::chrono::seconds(seconds)};
  const auto day = floor<days>(at);
  const std::chrono::year_month_day ymd{day};
  const int64_t in_day = (at - day).count();
  char buf[32];
  if (with_time) {
    std::snprintf(
        buf, sizeof buf, "%04d-%02u-%02u %02d:%02d:%02d",
        static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
        static_cast<unsigned>(ymd.day()), static_cast<int>(in_day / 3600),
        static_cast<int>(in_day / 60 % 60), static_cast<int>(in_day % 60));
  } else {
    std::snprintf(
        buf, sizeof buf, "%04d-%02u-%02u", static_cast<int>(ymd.year()),
        static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()));
  }
  out = buf;
  return true;
}

void UtcFunction(sqlite3_context* ctx, sqlite3_value* value, bool with_time) {
  std::string text;
  if (!FormatUtc(value, with_time, text)) {
    sqlite3_result_null(ctx);
    return;
  }
  sqlite3_result_text(ctx, text.data(), static_cast<int>(text.size()),
                      SQLITE_TRANSIENT);
}

void UtcDate(sqlite3_context* ctx, int, sqlite3_value** argv) {
  UtcFunction(ctx, argv[0], /*with_time=*/false);
}

void UtcDatetime(sqlite3_context* ctx, int, sqlite3_value** argv) {
  UtcFunction(ctx, argv[0], /*with_time=*/true);
}

// As CAST(substr(v, instr(v, ':') + 1) AS INTEGER) in SQLite: the longest
// integer prefix (after blanks and a sign), 0 when there is none.
void VersionMajor(sqlite3_context* ctx, int, sqlite3_value** argv) {
  if (sqlite3_value_type(argv[0]) == SQLITE_NULL) {
    sqlite3_result_null(ctx);
    return;
  }
  const auto* raw = sqlite3_value_text(argv[0]);
  const std::string_view text =
      raw == nullptr ? std::string_view()
                     : std::string_view(reinterpret_cast<const char*>(raw),
                                        sqlite3_value_bytes(argv[0]));
  std::string_view rest = text;
  if (const size_t colon = text.find(':'); colon != std::string_view::npos) {
    rest = text.substr(colon + 1);
  }
  size_t i = 0;
  while (i < rest.size() &&
         (rest[i] == ' ' || rest[i] == '\t' || rest[i] == '\n' ||
          rest[i] == '\r' || rest[i] == '\f' || rest[i] == '\v')) {
    ++i;
  }
  bool negative = false;
  if (i < rest.size() && (rest[i] == '+' || rest[i] == '-')) {
    negative = rest[i] == '-';
    ++i;
  }
  int64_t major = 0;
  for (; i < rest.size() && rest[i] >= '0' && rest[i] <= '9'; ++i) {
    const int digit = rest[i] - '0';
    if (major > (std::numeric_limits<int64_t>::max() - digit) / 10) {
      major = std::numeric_limits<int64_t>::max();  // saturate, as SQLite
      break;
    }
    major = major * 10 + digit;
  }
  sqlite3_result_int64(ctx, negative ? -major : major);
}

struct Aggregate {
  std::string* text;  // nullptr until the first non-NULL value
};

void StringAggStep(sqlite3_context* ctx, int, sqlite3_value** argv) {
  if (sqlite3_value_type(argv[0]) == SQLITE_NULL) return;
  auto* agg = static_cast<Aggregate*>(
      sqlite3_aggregate_context(ctx, sizeof(Aggregate)));
  if (agg == nullptr) {
    sqlite3_result_error_nomem(ctx);
    return;
  }
  const auto* value = sqlite3_value_text(argv[0]);
  const int value_size = sqlite3_value_bytes(argv[0]);
  if (agg->text == nullptr) {
    agg->text = new std::string();
  } else if (const auto* sep = sqlite3_value_text(argv[1]); sep != nullptr) {
    agg->text->append(reinterpret_cast<const char*>(sep),
                      sqlite3_value_bytes(argv[1]));
  }
  if (value != nullptr) {
    agg->text->append(reinterpret_cast<const char*>(value), value_size);
  }
}

std::string_view ValueText(sqlite3_value* value) {
  const auto* raw = sqlite3_value_text(value);
  return raw == nullptr ? std::string_view()
                        : std::string_view(reinterpret_cast<const char*>(raw),
                                           sqlite3_value_bytes(value));
}

void VersionCompare(sqlite3_context* ctx, int, sqlite3_value** argv) {
  if (sqlite3_value_type(argv[0]) == SQLITE_NULL ||
      sqlite3_value_type(argv[1]) == SQLITE_NULL) {
    sqlite3_result_null(ctx);
    return;
  }
  sqlite3_result_int(ctx,
                     CompareVersions(ValueText(argv[0]), ValueText(argv[1])));
}

void StringAggFinal(sqlite3_context* ctx) {
  auto* agg = static_cast<Aggregate*>(sqlite3_aggregate_context(ctx, 0));
  if (agg == nullptr || agg->text == nullptr) {
    sqlite3_result_null(ctx);
    return;
  }
  sqlite3_result_text(ctx, agg->text->data(),
                      static_cast<int>(agg->text->size()), SQLITE_TRANSIENT);
  delete agg->text;
  agg->text = nullptr;
}

}  // namespace

Status RegisterCheckFunctions(sqlite3* db) {
  constexpr int kFlags = SQLITE_UTF8 | SQLITE_DETERMINISTIC;
  struct Scalar {
    const char* name;
    void (*fn)(sqlite3_context*, int, sqlite3_value**);
  };
  for (const Scalar& f :
       {Scalar{"utc_date", &UtcDate}, Scalar{"utc_datetime", &UtcDatetime},
        Scalar{"version_major", &VersionMajor}}) {
    if (sqlite3_create_function_v2(db, f.name, 1, kFlags, nullptr, f.fn,
                                   nullptr, nullptr, nullptr) != SQLITE_OK) {
      return InternalError(std::string("cannot register ") + f.name +
                           "(): " + sqlite3_errmsg(db));
    }
  }
  if (sqlite3_create_function_v2(db, "version_compare", 2, kFlags, nullptr,
                                 &VersionCompare, nullptr, nullptr,
                                 nullptr) != SQLITE_OK) {
    return InternalError(std::string("cannot register version_compare(): ") +
                         sqlite3_errmsg(db));
  }
  if (sqlite3_create_function_v2(db, "string_agg", 2, kFlags, nullptr, nullptr,
                                 &StringAggStep, &StringAggFinal,
                                 nullptr) != SQLITE_OK) {
    return InternalError(std::string("cannot register string_agg(): ") +
                         sqlite3_errmsg(db));
  }
  return Status::Ok();
}

}  // namespace mamori::store
