#pragma once

// `mamori-collector migrate --from sqlite:DIR --to postgresql://… [--replace]
// [--allow-missing]`: moves a collector's SQLite data into PostgreSQL
// (store/migrate.h says what is copied and how), then prints every table
// with its counts in source and target, and the tables left behind with the
// reason. It may run while `serve` runs on DIR (a snapshot is copied);
// afterwards start `serve --data DIR --store postgresql://…` with the same
// DIR, whose keys the agents already trust.

#include <ostream>
#include <string>
#include <vector>

namespace mamori::collector_cli {

// Returns the process exit code (0 ok, 1 failure, 2 usage).
int RunMigrate(const std::vector<std::string>& args, std::ostream& out,
               std::ostream& err);

}  // namespace mamori::collector_cli
