// Linux sources of the last complete update run; see update_runs_linux.h.
#include "agent/facts/linux/update_runs_linux.h"

#include <sqlite3.h>
#include <zlib.h>

#include <algorithm>
#include <chrono>
#include <ctime>

#include "agent/facts/linux/file_util.h"
#include "agent/facts/linux/loaded_library.h"
#include "agent/facts/update_runs.h"

namespace mamori::facts {

namespace lu = linux_util;

namespace {

// A log file (or what one inflates to) larger than this is not read: apt's
// monthly history.log is well under 1 MiB on a busy machine.
constexpr size_t kMaxLogBytes = 64 << 20;
// Rotations looked at (logrotate keeps 12 for apt, 6 for
// unattended-upgrades).
constexpr int kMaxRotations = 24;
// A run that ended later than now plus this is not evidence.
constexpr auto kClockSkew = std::chrono::minutes(5);

// The rotation number of `name` for `base` ("history.log" → 0,
// "history.log.3.gz" → 3), or -1 when it is not one.
int RotationOf(std::string_view name, std::string_view base) {
  if (name == base) return 0;
  if (!StartsWith(name, std::string(base) + ".")) return -1;
  std::string_view rest = name.substr(base.size() + 1);
  if (EndsWith(rest, ".gz")) rest.remove_suffix(3);
  std::optional<int64_t> n = ParseInt64(rest);
  return n && *n > 0 && *n <= kMaxRotations ? static_cast<int>(*n) : -1;
}

// Files of `dir` rotated from `base`, newest first.
std::vector<std::string> Rotations(const std::string& dir,
                                   std::string_view base) {
  std::vector<std::pair<int, std::string>> found;
  Result<std::vector<std::string>> names = lu::ListDirectory(dir);
  if (!names.ok()) return {};
  for (const std::string& name : *names) {
    const int n = RotationOf(name, base);
    if (n >= 0) found.emplace_back(n, name);
  }
  std::sort(found.begin(), found.end());
  std::vector<std::string> out;
  for (auto& [n, name] : found) out.push_back(std::move(name));
  return out;
}

struct Found {
  TimePoint at;
  std::string evidence;
};

// Looks through `base`'s rotations in `dir` (a path inside the root) newest
// first and returns the newest complete run `parse` finds; appends what
// could not be read to `problems`.
template <typename Parse>
std::optional<Found> NewestInRotations(const GatherContext& ctx,
                                       const std::string& dir,
                                       std::string_view base, Parse parse,
                                       std::string* problems) {
  for (const std::string& name : Rotations(ctx.Path(dir), base)) {
    const std::string shown = dir + "/" + name;
    Result<std::string> text = ReadLogFile(ctx.Path(shown), kMaxLogBytes);
    if (!text.ok()) {
      if (!problems->empty()) *problems += "; ";
      *problems += text.status().message();
      continue;
    }
    std::optional<CompleteRun> run = parse(*text);
    if (!run) continue;
    std::optional<TimePoint> at = LocalCivilToUtc(run->local_time);
    if (!at) continue;
    if (*at > ctx.clock->Now() + kClockSkew) {
      if (!problems->empty()) *problems += "; ";
      *problems += shown + ": a complete run dated " + run->local_time +
                   " (in the future) was ignored";
      continue;
    }
    return Found{*at, shown + ": " + run->evidence};
  }
  return std::nullopt;
}

}  // namespace

std::optional<TimePoint> LocalCivilToUtc(std::string_view civil) {
  std::optional<TimePoint> as_utc = ParseCivilTime(civil);
  if (!as_utc) return std::nullopt;
  const std::time_t t = ToUnixSeconds(*as_utc);
  std::tm tm{};
  if (::gmtime_r(&t, &tm) == nullptr) return std::nullopt;
  tm.tm_isdst = -1;
  const std::time_t local = ::mktime(&tm);
  if (local == -1) return std::nullopt;
  return FromUnixSeconds(local);
}

Result<std::string> ReadLogFile(const std::string& path, size_t max_bytes) {
  if (!EndsWith(path, ".gz")) return ReadFile(path, max_bytes);
  // The compressed file is read whole first (ReadFile's errors and bound),
  // then inflated with a bound of its own.
  Result<std::string> packed = ReadFile(path, max_bytes);
  if (!packed.ok()) return packed.status();
  z_stream z{};
  // 16 + MAX_WBITS: gzip framing only.
  if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK) {
    return InternalError(path + ": zlib initialisation failed");
  }
  z.next_in = reinterpret_cast<Bytef*>(packed->data());
  z.avail_in = static_cast<uInt>(packed->size());
  std::string out;
  char buffer[64 << 10];
  int rc = Z_OK;
  while (rc != Z_STREAM_END) {
    z.next_out = reinterpret_cast<Bytef*>(buffer);
    z.avail_out = sizeof(buffer);
    rc = inflate(&z, Z_NO_FLUSH);
    if (rc != Z_OK && rc != Z_STREAM_END) {
      inflateEnd(&z);
      return InvalidArgumentError(path + ": not a valid gzip file");
    }
    out.append(buffer, sizeof(buffer) - z.avail_out);
    if (out.size() > max_bytes) {
      inflateEnd(&z);
      return OutOfRangeError(path + ": inflates to more than " +
                             std::to_string(max_bytes) + " bytes; skipped");
    }
    if (rc == Z_OK && z.avail_in == 0 && z.avail_out != 0) {
      inflateEnd(&z);
      return InvalidArgumentError(path + ": truncated gzip file");
    }
  }
  inflateEnd(&z);
  return out;
}

void ReadCompleteAptRun(const GatherContext& ctx, UpdateFacts* facts) {
  std::string problems;
  std::optional<Found> apt = NewestInRotations(
      ctx, "/var/log/apt", "history.log",
      [](std::string_view text) { return LastCompleteAptRun(text); },
      &problems);
  std::optional<Found> unattended = NewestInRotations(
      ctx, "/var/log/unattended-upgrades", "unattended-upgrades.log",
      [](std::string_view text) { return LastCompleteUnattendedRun(text); },
      &problems);
  std::optional<Found> newest = apt;
  if (unattended && (!newest || unattended->at > newest->at)) {
    newest = unattended;
  }
  if (newest) {
    facts->last_complete_update_at = newest->at;
    facts->last_complete_update_evidence = newest->evidence;
    return;
  }
  facts->last_complete_update_evidence =
      "no complete upgrade run in /var/log/apt/history.log* or "
      "/var/log/unattended-upgrades/unattended-upgrades.log*";
  if (!problems.empty())
    facts->last_complete_update_evidence += " (" + problems + ")";
}

namespace {

// The few libsqlite3 functions read here, bound by dlopen().
struct SqliteApi {
  decltype(&sqlite3_open_v2) open_v2 = nullptr;
  decltype(&sqlite3_close) close = nullptr;
  decltype(&sqlite3_prepare_v2) prepare_v2 = nullptr;
  decltype(&sqlite3_step) step = nullptr;
  decltype(&sqlite3_column_int64) column_int64 = nullptr;
  decltype(&sqlite3_column_text) column_text = nullptr;
  decltype(&sqlite3_finalize) finalize = nullptr;
  decltype(&sqlite3_errmsg) errmsg = nullptr;
};

Result<std::vector<DnfTransaction>> ReadDnfHistory(const std::string& path) {
  lu::LoadedLibrary library = lu::LoadLibrary("libsqlite3.so.0");
  if (!library) {
    const char* why = ::dlerror();
    return UnavailableError(std::string("libsqlite3.so.0: ") +
                            (why ? why : "cannot be loaded"));
  }
  SqliteApi api;
  std::vector<std::string> missing;
  lu::BindSymbol(library.get(), "sqlite3_open_v2", &api.open_v2, &missing);
  lu::BindSymbol(library.get(), "sqlite3_close", &api.close, &missing);
  lu::BindSymbol(library.get(), "sqlite3_prepare_v2", &api.prepare_v2,
                 &missing);
  lu::BindSymbol(library.get(), "sqlite3_step", &api.step, &missing);
  lu::BindSymbol(library.get(), "sqlite3_column_int64", &api.column_int64,
                 &missing);
  lu::BindSymbol(library.get(), "sqlite3_column_text", &api.column_text,
                 &missing);
  lu::BindSymbol(library.get(), "sqlite3_finalize", &api.finalize, &missing);
  lu::BindSymbol(library.get(), "sqlite3_errmsg", &api.errmsg, &missing);
  if (!missing.empty()) {
    return UnavailableError("libsqlite3.so.0 lacks " + missing.front());
  }
  sqlite3* db = nullptr;
  // Read-only, no locks taken or files created; dnf may be writing, in
  // which case SQLite answers busy and the run stays unknown this time.
  const int opened =
      api.open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr);
  if (opened != SQLITE_OK) {
    std::string why = db != nullptr ? api.errmsg(db) : "cannot open";
    api.close(db);
    return UnavailableError(path + ": " + why);
  }
  sqlite3_stmt* stmt = nullptr;
  // The newest transactions are enough: the last complete run is among
  // them or too old to matter.
  const char* kQuery =
      "SELECT id, coalesce(dt_end, 0), coalesce(state, 0), "
      "coalesce(cmdline, '') FROM trans ORDER BY id DESC LIMIT 500";
  if (api.prepare_v2(db, kQuery, -1, &stmt, nullptr) != SQLITE_OK) {
    std::string why = api.errmsg(db);
    api.close(db);
    return UnavailableError(path + ": " + why);
  }
  std::vector<DnfTransaction> out;
  int rc = SQLITE_ROW;
  while ((rc = api.step(stmt)) == SQLITE_ROW) {
    DnfTransaction t;
    t.id = api.column_int64(stmt, 0);
    t.end_unix = api.column_int64(stmt, 1);
    t.state = static_cast<int>(api.column_int64(stmt, 2));
    const unsigned char* text = api.column_text(stmt, 3);
    if (text != nullptr) t.cmdline = reinterpret_cast<const char*>(text);
    out.push_back(std::move(t));
  }
  std::string why = rc == SQLITE_DONE ? "" : api.errmsg(db);
  api.finalize(stmt);
  api.close(db);
  if (!why.empty()) return UnavailableError(path + ": " + why);
  return out;
}

}  // namespace

void ReadCompleteDnfRun(const GatherContext& ctx, UpdateFacts* facts) {
  const std::string shown = "/var/lib/dnf/history.sqlite";
  if (!lu::Exists(ctx.Path(shown))) {
    facts->last_complete_update_evidence =
        shown + " not found (dnf 4's history; yum and dnf5 are not read)";
    return;
  }
  Result<std::vector<DnfTransaction>> history = ReadDnfHistory(ctx.Path(shown));
  if (!history.ok()) {
    facts->last_complete_update_evidence = history.status().message();
    return;
  }
  std::optional<DnfTransaction> run = LastCompleteDnfRun(*history);
  if (!run) {
    facts->last_complete_update_evidence =
        "no complete upgrade transaction in " + shown;
    return;
  }
  // 2200-01-01: beyond it a nanosecond TimePoint would wrap.
  constexpr int64_t kLatestUnix = 7'258'118'400;
  if (run->end_unix > kLatestUnix ||
      FromUnixSeconds(run->end_unix) > ctx.clock->Now() + kClockSkew) {
    facts->last_complete_update_evidence = shown + ": transaction " +
                                           std::to_string(run->id) +
                                           " ends in the future; ignored";
    return;
  }
  facts->last_complete_update_at = FromUnixSeconds(run->end_unix);
  facts->last_complete_update_evidence = shown + ": transaction " +
                                         std::to_string(run->id) + " (dnf " +
                                         SanitizeUtf8(run->cmdline) + ")";
}

}  // namespace mamori::facts
