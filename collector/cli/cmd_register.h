#pragma once

// `mamori-collector register …`: the information-asset register
// (情報資産管理台帳) from the command line: export to XLSX/CSV, import
// (all or nothing, with --dry-run), list, link assets to devices or
// services, edit an asset or a device, show assets at risk and the history.
//
// Thread safety: runs on the calling thread; meant to be called once from
// main().

#include <ostream>
#include <string>
#include <vector>

namespace mamori::collector_cli {

// `args` are the words after "register" (subcommand first). Returns the
// process exit code: 0 success, 1 failure (including an import rejected for
// bad rows), 2 usage error. Results go to `out`, errors and warnings to
// `err`.
int RunRegister(const std::vector<std::string>& args, std::ostream& out,
                std::ostream& err);

}  // namespace mamori::collector_cli
