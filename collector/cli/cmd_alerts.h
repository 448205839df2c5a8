#pragma once

// `mamori-collector alerts …`: an organisation's alert channels (e-mail
// recipients with their language, signed webhooks; immediate or as a daily
// or weekly digest) and settings, the events raised and cleared, the
// delivery queue with failures and retries, a test message, and one
// delivery round for collectors that do not run `serve` (cron).
//
// Thread safety: runs on the calling thread; meant to be called once from
// main().

#include <ostream>
#include <string>
#include <vector>

namespace mamori::collector_cli {

// `args` are the words after "alerts" (subcommand first). Returns the
// process exit code: 0 success, 1 failure, 2 usage error.
int RunAlerts(const std::vector<std::string>& args, std::ostream& out,
              std::ostream& err);

}  // namespace mamori::collector_cli
