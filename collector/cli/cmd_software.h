#pragma once

// `mamori-collector software …`: the software dictionary and an
// organisation's software rules (banned and required categories or titles,
// version floors, licences owned; every change audited), and the software
// ledger (ソフトウェア台帳) as text, CSV or XLSX. The checks of
// policies/checks/software.yaml grade the rules at the next evaluation.
//
// Thread safety: runs on the calling thread; meant to be called once from
// main().

#include <ostream>
#include <string>
#include <vector>

namespace mamori::collector_cli {

// `args` are the words after "software" (subcommand first). Returns the
// process exit code: 0 success, 1 failure, 2 usage error. Results go to
// `out`, errors to `err`.
int RunSoftware(const std::vector<std::string>& args, std::ostream& out,
                std::ostream& err);

}  // namespace mamori::collector_cli
