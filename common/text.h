#pragma once

// Small text and file helpers shared by every component. Pure functions,
// thread-safe. Builds with mingw too (no third-party dependencies).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace mamori {

// Removes ASCII white space (space, \t, \r, \n, \v, \f) at both ends.
std::string_view Trim(std::string_view text);

// Splits on `separator`; keeps empty fields ("a,,b" → {"a","","b"}).
std::vector<std::string_view> Split(std::string_view text, char separator);

// Splits on runs of ASCII white space; never yields empty fields.
std::vector<std::string_view> SplitWhitespace(std::string_view text);

// Splits into lines on \n, dropping a trailing \r from each line.
std::vector<std::string_view> SplitLines(std::string_view text);

std::string ToLowerAscii(std::string_view text);
bool StartsWith(std::string_view text, std::string_view prefix);
bool EndsWith(std::string_view text, std::string_view suffix);
bool EqualsIgnoreCaseAscii(std::string_view a, std::string_view b);

// Parses a whole decimal number (optional leading '-'); nullopt on any junk,
// empty input or overflow.
std::optional<int64_t> ParseInt64(std::string_view text);
std::optional<uint64_t> ParseUint64(std::string_view text);

// Lower-case hexadecimal of `bytes`, and back: nullopt on an odd length, a
// character other than 0-9a-f, or more than `max_bytes` decoded bytes.
std::string HexEncode(std::string_view bytes);
std::optional<std::string> HexDecode(std::string_view hex, size_t max_bytes);

// True when `text` is well-formed UTF-8 (no overlongs, no surrogates).
bool IsValidUtf8(std::string_view text);

// Replaces each invalid UTF-8 sequence with U+FFFD.
std::string SanitizeUtf8(std::string_view text);

// `text` made safe to print on a terminal: invalid UTF-8 sequences become
// U+FFFD (as SanitizeUtf8), and every character a terminal could act on —
// C0 controls (ESC, CR, BS, TAB, LF …), DEL, C1 controls (U+0080–U+009F,
// CSI among them) and the bidirectional overrides and isolates
// (U+202A–U+202E, U+2066–U+2069), which reorder what follows — is written
// as a visible escape ("\x1b", "\u202e"). For strings that come from
// agents, files or the network (host names, evidence values, asset names).
std::string TerminalSafe(std::string_view text);

// `text` (made TerminalSafe) as a table cell `width` terminal columns wide:
// padded with spaces, or cut with "…" so that at least one space always
// separates it from the next cell. East Asian wide and fullwidth characters
// (kanji, kana, hangul, fullwidth forms) count as two columns.
std::string Column(std::string_view text, size_t width);

// Reads a whole file. Errors: NOT_FOUND (ENOENT/ENOTDIR), PERMISSION_DENIED
// (EACCES/EPERM), OUT_OF_RANGE when larger than `max_bytes`, INTERNAL
// otherwise; the message names the path and the OS reason.
Result<std::string> ReadFile(const std::string& path,
                             uint64_t max_bytes = 64ull << 20);

// Joins a root directory and an absolute path: JoinRoot("/mnt/img", "/etc/x")
// is "/mnt/img/etc/x"; an empty root or "/" returns `path` unchanged.
std::string JoinRoot(std::string_view root, std::string_view path);

}  // namespace mamori
