#include "collector/cli/cmd_migrate.h"

#include <sys/stat.h>

#include <filesystem>
#include <iomanip>

#include "collector/cli/cli_common.h"
#include "collector/store/migrate.h"
#include "collector/store/open_store.h"
#include "common/text.h"

namespace mamori::collector_cli {

namespace po = boost::program_options;

int RunMigrate(const std::vector<std::string>& args, std::ostream& out,
               std::ostream& err) {
  constexpr std::string_view kCommand = "migrate";
  std::string from, to;
  store::MigrateOptions options;
  po::options_description d("Options");
  d.add_options()("from", po::value(&from),
                  "sqlite:DIR, the collector data directory to copy (or "
                  "sqlite:FILE, its collector.db)")(
      "to", po::value(&to), "postgresql://… the database to fill")(
      "replace", po::bool_switch(&options.replace),
      "empty the target's tables first (default: refuse a target holding "
      "data)")("allow-missing", po::bool_switch(&options.allow_missing),
               "copy even when some tables have no PostgreSQL counterpart "
               "in this build yet (they are listed and left behind)");
  po::variables_map vm;
  if (auto exit = ParseFlags(
          kCommand, "--from sqlite:DIR --to postgresql://… [--replace]", d, {},
          args, vm, out, err)) {
    return *exit;
  }
  if (from.empty() || to.empty()) {
    return UsageError(kCommand, "--from and --to are required", err);
  }
  if (!StartsWith(from, "sqlite:")) {
    return UsageError(kCommand,
                      "--from must be sqlite:DIR (a collector data "
                      "directory), not \"" +
                          from + "\"",
                      err);
  }
  if (!store::IsPostgresUrl(to)) {
    return UsageError(kCommand,
                      "--to must be a postgresql:// URL, not \"" +
                          store::RedactedUrl(to) + "\"",
                      err);
  }
  std::string path = from.substr(7);
  // The data directory keeps the keys and certificates serve needs with the
  // new store: the one given, or the folder of the database file given.
  std::string data_dir = std::filesystem::path(path).parent_path().string();
  struct stat info {};
  if (stat(path.c_str(), &info) == 0 && S_ISDIR(info.st_mode)) {
    data_dir = path;
    path = DataPaths::For(path).database;
  }
  if (data_dir.empty()) data_dir = ".";
  Result<store::MigrateOutcome> done = store::MigrateSqliteToPostgres(
      path, to, options, SystemClock::Instance());
  if (!done.ok()) return Failure(kCommand, done.status(), err);
  out << "copied " << path << " into " << store::RedactedUrl(to) << "\n";
  out << std::left << std::setw(32) << "table" << std::right << std::setw(12)
      << "source" << std::setw(12) << "target"
      << "\n";
  int64_t rows = 0;
  for (const auto& t : done->copied) {
    out << std::left << std::setw(32) << t.table << std::right << std::setw(12)
        << t.source_rows << std::setw(12) << t.target_rows << "\n";
    rows += t.target_rows;
  }
  out << done->copied.size() << " tables, " << rows
      << " rows; counts verified\n";
  out << "not copied:\n";
  for (const auto& t : done->not_copied) {
    out << "  " << t.table << " (" << t.source_rows << " rows): " << t.reason
        << "\n";
  }
  out << "next: mamori-collector serve --data " << data_dir << " --store "
      << store::RedactedUrl(to)
      << " (the same data directory: its keys stay, the agents keep "
         "working)\n";
  return kExitOk;
}

}  // namespace mamori::collector_cli
