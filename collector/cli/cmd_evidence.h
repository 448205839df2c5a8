#pragma once

// `mamori-collector evidence export --org NAME --out PACK.zip [--as-of TIME]
//  [--lang ja|en]`: writes the organisation's signed evidence pack
// (collector/report/evidence_pack.h). Without --as-of the checks run now;
// with it the stored results are used and every timestamp in the pack is
// TIME, so the same data and TIME give a byte-identical pack.
//
// `mamori-collector evidence verify PACK.zip [--public-key FILE]`: checks
// every file's SHA-256 and the manifest's signature, printing each changed,
// missing or extra file; exit 0 only when all is well. Refuses zip bombs and
// unsafe paths.
//
// Thread-compatible (CLI use).

#include <ostream>
#include <string>
#include <vector>

namespace mamori::collector_cli {

// Returns the process exit code (0 ok, 1 failure or verification failed,
// 2 usage error).
int RunEvidence(const std::vector<std::string>& args, std::ostream& out,
                std::ostream& err);

}  // namespace mamori::collector_cli
