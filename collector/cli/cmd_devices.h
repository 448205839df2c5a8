#pragma once

// `mamori-collector devices` (issue #20): the devices an organisation's
// agents saw in their neighbour tables and that are not enrolled, with
// vendor (IEEE registry), first/last seen, the hosts that saw them and the
// administrators' marks.
//
//   devices --org NAME [--all] [--pcs] [--since 30d] [--format text|json]
//   devices mark --org NAME --mac MAC (--not-pc KIND | --needs-agent)
//                [--note TEXT]
//   devices unmark --org NAME --mac MAC
//
// KIND is printer, router, nas, phone or other. Marks are audited
// (console_audit, actor "cli:<user>").

#include <ostream>
#include <string>
#include <vector>

namespace mamori::collector_cli {

// Returns the process exit code (0 ok, 1 failure, 2 usage).
int RunDevices(const std::vector<std::string>& args, std::ostream& out,
               std::ostream& err);

}  // namespace mamori::collector_cli
