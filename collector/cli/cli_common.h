#pragma once

// Pieces every mamori-collector command shares: the data directory layout,
// opening the store, flag parsing with uniform errors (exit 2 naming the bad
// flag), durations ("24h", "7d") and time formatting.
//
// Data directory layout (0700):
//   DIR/collector.db        SQLite database (WAL; -wal and -shm beside it)
//   DIR/pki/ca.crt          the collector's private CA (agents trust this)
//   DIR/pki/ca.key          its key, 0600
//   DIR/pki/server.crt      the collector's TLS certificate, signed by the CA
//   DIR/pki/server.key      its key, 0600
//
// With --store postgresql://… (issue #17) the database is a PostgreSQL one
// shared by several collectors; DIR keeps the keys (pki/), copied to every
// collector host (docs/scale.md). Commands taking --store: init, serve,
// org, token, hosts.
//
// Functions are thread-compatible (CLI use).

#include <boost/program_options.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "collector/store/open_store.h"
#include "common/clock.h"
#include "common/status.h"

namespace mamori::collector_cli {

inline constexpr char kDefaultDataDir[] = "/var/lib/mamori-collector";

// A host with no report for this long is stale, in `hosts` and in the
// register alike: the same 7 days after which grading stops counting its
// facts as fresh (domain.md §3).
inline constexpr char kDefaultStaleAfter[] = "7d";

// Who runs the command, for history records: the login name of the process's
// user, or "uid:N" when it has none.
std::string DefaultActor();

// Exit codes shared by all commands.
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;
inline constexpr int kExitUsage = 2;

struct DataPaths {
  std::string root;
  std::string database;   // the SQLite file (unused with a PostgreSQL store)
  std::string store_url;  // what OpenStore opens: sqlite:DATABASE or --store
  std::string pki_dir;
  std::string ca_cert;
  std::string ca_key;
  std::string server_cert;
  std::string server_key;

  static DataPaths For(const std::string& root);
  // The same, with the database named by `store_url` (--store) when it is
  // not empty.
  static DataPaths For(const std::string& root, const std::string& store_url);
};

// Adds --store URL to a command's options (kept in `*store_url`).
void AddStoreFlag(boost::program_options::options_description& options,
                  std::string* store_url);

// Opens the store of an initialised data directory (or the PostgreSQL
// database of paths.store_url). FAILED_PRECONDITION saying to run `init`
// when the SQLite database file is absent.
Result<std::unique_ptr<store::Store>> OpenStore(const DataPaths& paths,
                                                const Clock& clock);

// Parses `args` against `options` (plus --help) and `positional`. Returns
// nullopt to continue, or the exit code to return: 0 after printing help
// to `out`, 2 after printing the error (naming the flag) to `err`.
std::optional<int> ParseFlags(
    std::string_view command, std::string_view synopsis,
    const boost::program_options::options_description& options,
    const boost::program_options::positional_options_description& positional,
    const std::vector<std::string>& args,
    boost::program_options::variables_map& vm, std::ostream& out,
    std::ostream& err);

// One subcommand of a command that has several (alerts, software,
// register): its name and what runs it on the arguments after the name.
struct Subcommand {
  std::string_view name;
  std::function<int(const std::vector<std::string>& args, std::ostream& out,
                    std::ostream& err)>
      run;
};

// Runs the entry of `table` that `args[0]` names on the rest of `args` and
// returns its exit code. With no arguments prints `usage` to `err` and
// returns 2; with --help, -h or help prints it to `out` and returns 0; a
// name not in the table is a UsageError of `command` ("unknown command
// \"NAME\"; see --help", NAME made TerminalSafe).
int RunSubcommand(std::string_view command, std::string_view usage,
                  const std::vector<Subcommand>& table,
                  const std::vector<std::string>& args, std::ostream& out,
                  std::ostream& err);

// Prints "mamori-collector COMMAND: MESSAGE" and a --help hint; returns 2.
int UsageError(std::string_view command, const std::string& message,
               std::ostream& err);
// Prints "mamori-collector COMMAND: error: STATUS"; returns 1.
int Failure(std::string_view command, const Status& status, std::ostream& err);

// "90s", "30m", "24h", "7d", "2w" → seconds. nullopt on anything else,
// zero or negative.
std::optional<std::chrono::seconds> ParseDuration(std::string_view text);

// "2026-11-23T19:05:00Z".
std::string FormatTime(TimePoint time);

// Writes `content` to `path` atomically (temp file + rename) with `mode`.
Status WriteFileAtomic(const std::string& path, std::string_view content,
                       int mode);

}  // namespace mamori::collector_cli
