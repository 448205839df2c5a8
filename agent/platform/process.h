#pragma once

// Process-level glue that differs between POSIX and Windows.

#include <string>
#include <vector>

#include "common/status.h"

namespace mamori::platform {

// The command line as UTF-8, argv[0] first. POSIX: argv as given. Windows:
// re-read with GetCommandLineW, because main()'s argv is in the ANSI code
// page and loses characters outside it (a Japanese --state path).
std::vector<std::string> Utf8Arguments(int argc, char** argv);

// Lets the console show UTF-8 text (the help texts have Japanese): Windows
// sets the console output code page to UTF-8; a no-op on POSIX.
void PrepareConsole();

// Appends everything later written to stderr (the log) to `path`. For the
// Windows service, which has no console; POSIX callers do not need it.
Status RedirectStderrToFile(const std::string& path);

}  // namespace mamori::platform
