#pragma once

// Where the agent keeps its files when no --config/--state is given:
//   POSIX    /etc/mamori/agent.conf        /var/lib/mamori
//   Windows  %ProgramData%\mamori\agent.conf  %ProgramData%\mamori\state
// with %ProgramData% from SHGetKnownFolderPath(FOLDERID_ProgramData)
// (normally C:\ProgramData). Thread-safe; computed once.

#include <string>

namespace mamori::platform {

const std::string& DefaultConfigPath();
const std::string& DefaultStateDir();

}  // namespace mamori::platform
