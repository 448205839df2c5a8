#pragma once

// `mamori-collector backup --data DIR --out FILE` and
// `mamori-collector restore --from FILE --data DIR [--force]`.
//
// backup: one file (mode 0600) with a consistent snapshot of the database,
// taken while `serve` runs, and every other regular file of DIR (the PKI:
// CA and server keys and certificates, and any signing keys kept there) with
// its mode. restore: checks the whole backup first (integrity, format,
// schema not newer than this collector, safe paths), builds the data
// directory in DIR/.restore-XXXXXX and moves it into place only when
// complete; refuses a non-empty DIR unless --force (which replaces its
// content, never before the backup has been checked). Stop `serve` before
// restoring over its directory. Run both as the data directory's owner
// (`runuser -u mamori --`); run as root, restore gives the files to DIR's
// owner.

#include <ostream>
#include <string>
#include <vector>

namespace mamori::collector_cli {

// Return the process exit code (0 ok, 1 failure, 2 usage).
int RunBackup(const std::vector<std::string>& args, std::ostream& out,
              std::ostream& err);
int RunRestore(const std::vector<std::string>& args, std::ostream& out,
               std::ostream& err);

}  // namespace mamori::collector_cli
