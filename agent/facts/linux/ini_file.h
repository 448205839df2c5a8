#pragma once

// INI / GKeyFile reading for the Linux families (NetworkManager keyfiles,
// dconf keyfiles, kscreenlockerrc, xrdp.ini), through Boost.PropertyTree's
// INI parser. The result is a plain map so the families' pure mappers (which
// also build for Windows, without Boost) can take it. Thread-safe.

#include <string_view>

#include "agent/facts/ini_sections.h"
#include "common/status.h"

namespace mamori::facts::linux_util {

// Parses INI text into sections → keys → values (keys before any section go
// in section ""). `#` and `;` start comment lines. Returns INVALID_ARGUMENT
// naming the line when the text is not INI (a line without '=' outside a
// comment, an unterminated section header, a key repeated in a section).
Result<IniSections> ParseIni(std::string_view text);

}  // namespace mamori::facts::linux_util
